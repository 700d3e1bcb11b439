#include "v6lb/daemon/accept_client.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace v6lb {

AcceptResult accept_client(int listen_fd, std::string_view who) {
  AcceptResult r;
  r.fd = UniqueFd(::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
  if (!r.fd && (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)) {
    spdlog::warn("{}: accept: {}; pausing for a second", who, std::strerror(errno));
    r.pause = true;
  }
  // Otherwise EAGAIN, or a client that gave up (ECONNABORTED): nothing to do.
  return r;
}

bool ready_now(int fd, short events) {
  pollfd p{fd, events, 0};
  return ::poll(&p, 1, 0) > 0 && p.revents != 0;
}

Listener::Listener(asio::io_context& io, UniqueFd listen_fd, std::string who, int batch,
                   OnClient on_client)
    : sd_(io, listen_fd.release()),
      pause_timer_(io),
      who_(std::move(who)),
      batch_(batch),
      on_client_(std::move(on_client)) {}

Listener::~Listener() = default;

void Listener::start() {
  started_ = true;
  arm();
}

void Listener::set_full(bool full) {
  full_ = full;
  arm();
}

void Listener::arm() {
  if (!started_ || full_ || paused_ || waiting_) return;
  waiting_ = true;
  when_ready(sd_, asio::posix::stream_descriptor::wait_read,
             [this, alive = std::weak_ptr<char>(alive_)](const boost::system::error_code& ec) {
               if (alive.expired()) return;
               waiting_ = false;
               if (ec) return;  // cancelled: we are being destroyed
               accept_batch();
             });
}

void Listener::accept_batch() {
  for (int i = 0; i < batch_; ++i) {
    if (full_) return;  // set_full(false) re-arms
    AcceptResult a = accept_client(sd_.native_handle(), who_);
    if (!a.fd) {
      if (a.pause) {
        paused_ = true;
        pause_timer_.expires_after(std::chrono::seconds(1));
        pause_timer_.async_wait(
            [this, alive = std::weak_ptr<char>(alive_)](const boost::system::error_code& ec) {
              if (alive.expired() || ec) return;
              paused_ = false;
              arm();
            });
        return;
      }
      break;  // EAGAIN or a client that gave up: wait for the next one
    }
    try {
      on_client_(std::move(a.fd));
    } catch (...) {
      // Only allocation failure gets here; that client is lost (its fd closed), the server lives.
    }
  }
  arm();  // the rest of a burst: when_ready posts us again behind the clients' work
}

}  // namespace v6lb
