// Taking clients from a non-blocking listening socket watched by level-triggered epoll, as the
// control and metrics servers do.
#pragma once

#include <cstdint>
#include <string_view>

#include "v6lb/driver/unique_fd.h"

namespace v6lb {

struct AcceptResult {
  UniqueFd fd;  // the client (non-blocking, close-on-exec), or empty
  // Out of descriptors or memory: epoll would report the waiting client forever, so the caller
  // stops listening for a while (the kernel's backlog keeps the client). Logged as `who`.
  bool pause = false;
};

AcceptResult accept_client(int listen_fd, std::string_view who);

// Watches `fd` for input on `epoll_fd` with `id` as the event's data; false if epoll refuses.
bool epoll_watch(int epoll_fd, int fd, uint64_t id);

}  // namespace v6lb
