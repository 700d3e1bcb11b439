// What the control and metrics servers share on the daemon's io_context: taking clients from a
// non-blocking listening socket (pausing when out of descriptors), and waiting for readiness with
// level-triggered semantics.
#pragma once

#include <poll.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "v6lb/driver/unique_fd.h"

namespace v6lb {

namespace asio = boost::asio;

struct AcceptResult {
  UniqueFd fd;  // the client (non-blocking, close-on-exec), or empty
  // Out of descriptors or memory: the listening socket stays readable, so accepting again at once
  // would spin; the caller stops listening for a while (the kernel's backlog keeps the client).
  // Logged as `who`.
  bool pause = false;
};

AcceptResult accept_client(int listen_fd, std::string_view who);

// True if `fd` has any of `events` (POLLIN, POLLOUT), or an error or hangup, right now.
bool ready_now(int fd, short events);

// Asio's reactor is edge-triggered, but the servers and the health checker do a bounded amount of
// work per wakeup (so one busy client cannot starve the others) and count on being told again
// about what they left, as level-triggered epoll did. when_ready() gives that back: if `fd` is
// ready already, `handler(error_code)` is posted (behind whatever else is queued); otherwise it
// waits for readiness. `Waitable` is a posix::stream_descriptor or a socket.
template <typename Waitable, typename Handler>
void when_ready(Waitable& w, typename Waitable::wait_type type, Handler&& handler) {
  const short events = type == Waitable::wait_write ? POLLOUT : POLLIN;
  if (ready_now(w.native_handle(), events)) {
    asio::post(w.get_executor(),
               [h = std::forward<Handler>(handler)]() mutable { h(boost::system::error_code()); });
  } else {
    w.async_wait(type, std::forward<Handler>(handler));
  }
}

// A listening socket on an io_context. Accepts up to `batch` clients per wakeup and hands each to
// `on_client`; stays quiet while the owner says it is full (set_full), and for a second after
// accept ran out of descriptors or memory, instead of spinning on a backlog it cannot take.
class Listener {
 public:
  using OnClient = std::function<void(UniqueFd)>;

  // Takes ownership of `listen_fd`. Call start() once the owner is ready for clients.
  Listener(asio::io_context& io, UniqueFd listen_fd, std::string who, int batch,
           OnClient on_client);
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  ~Listener();

  void start();
  // While full, no client is accepted: the kernel's backlog holds them until set_full(false).
  void set_full(bool full);

  bool accepting() const { return !full_ && !paused_; }

 private:
  void arm();
  void accept_batch();

  asio::posix::stream_descriptor sd_;
  asio::steady_timer pause_timer_;
  std::string who_;
  int batch_;
  OnClient on_client_;
  bool started_ = false;
  bool full_ = false;
  bool paused_ = false;
  bool waiting_ = false;
  std::shared_ptr<char> alive_ = std::make_shared<char>();  // handlers outliving us do nothing
};

}  // namespace v6lb
