#include "v6lb/daemon/accept_client.h"

#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <cerrno>
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

bool epoll_watch(int epoll_fd, int fd, uint64_t id) {
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = id;
  return ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) == 0;
}

}  // namespace v6lb
