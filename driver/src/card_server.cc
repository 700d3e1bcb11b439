#include "v6lb/driver/card_server.h"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

#include "v6lb/driver/remote_device.h"

namespace v6lb {

std::unique_ptr<CardServer> CardServer::open(const std::string& path, Device& dev,
                                             std::string& err) {
  sockaddr_un sa{};
  if (path.empty() || path.size() >= sizeof sa.sun_path) {
    err = "socket path '" + path + "' is empty or too long";
    return nullptr;
  }
  sa.sun_family = AF_UNIX;
  std::memcpy(sa.sun_path, path.c_str(), path.size());
  // A socket file nobody answers on is left over from a card process that died: replace it. One
  // that answers belongs to a running card: refuse, never steal it.
  {
    UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (probe && ::connect(probe.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0) {
      err = path + ": another card process is listening there";
      return nullptr;
    }
    ::unlink(path.c_str());
  }
  std::unique_ptr<CardServer> s(new CardServer(path, dev));
  s->listen_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!s->listen_ || ::bind(s->listen_.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0 ||
      ::chmod(path.c_str(), 0660) < 0 || ::listen(s->listen_.get(), 4) < 0) {
    err = path + ": " + std::strerror(errno);
    s->listen_.reset();
    return nullptr;
  }
  return s;
}

CardServer::~CardServer() {
  if (listen_) ::unlink(path_.c_str());
}

std::vector<int> CardServer::fds() const {
  std::vector<int> v{listen_.get()};
  if (client_) v.push_back(client_.get());
  return v;
}

void CardServer::drop_client(const char* why) {
  spdlog::info("v6lb-card: daemon detached ({})", why);
  client_.reset();
  in_.clear();
  out_.clear();
  out_off_ = 0;
}

// Replies are collected and sent once per slice: one 4-byte send per read made one socket buffer
// per reply, and ~280 of those (a few hundred bytes of overhead each) fill a Unix socket's send
// budget, so a walk of the flow table (512 reads a batch) had the card wait for the daemon in
// every batch, and a daemon descheduled for a second lost its card.
void CardServer::reply(const void* data, size_t len) {
  auto* p = static_cast<const uint8_t*>(data);
  out_.insert(out_.end(), p, p + len);
}

bool CardServer::flush() {
  while (client_ && out_off_ < out_.size()) {
    const ssize_t r = ::send(client_.get(), out_.data() + out_off_, out_.size() - out_off_,
                             MSG_NOSIGNAL | MSG_DONTWAIT);
    if (r > 0) {
      out_off_ += size_t(r);
    } else if (r < 0 && errno == EINTR) {
      continue;
    } else if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return true;  // the daemon reads them later: write_fd() says when to try again
    } else {
      drop_client("send failed");
      return false;
    }
  }
  out_.clear();
  out_off_ = 0;
  return bool(client_);
}

void CardServer::run() {
  for (;;) {
    UniqueFd fd(::accept4(listen_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!fd) break;
    if (client_) {
      // One daemon owns a card. The newcomer learns why at its first request.
      const uint32_t busy = 0xFFFFFFFFu;
      (void)::send(fd.get(), &busy, sizeof busy, MSG_NOSIGNAL);
      spdlog::warn("v6lb-card: refused a second daemon (one is attached)");
      continue;
    }
    client_ = std::move(fd);
    ++sessions_;
    spdlog::info("v6lb-card: daemon attached");
  }
  if (client_) serve();
}

bool CardServer::busy() const {
  return client_ && out_off_ == out_.size() && in_.size() >= sizeof(RemoteHeader);
}

void CardServer::serve() {
  // Replies the daemon has not taken yet come first; until they are gone, its further requests
  // wait in its socket (the daemon reads its replies only after sending a batch).
  if (!flush() || out_off_ < out_.size()) return;
  uint8_t buf[65536];
  for (;;) {
    const ssize_t r = ::recv(client_.get(), buf, sizeof buf, 0);
    if (r > 0) {
      in_.insert(in_.end(), buf, buf + r);
      continue;
    }
    if (r == 0) {
      // Requests already received are still applied: the daemon meant them.
      break;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return drop_client(std::strerror(errno));
    break;
  }
  // At most kSlice requests per call: the card's port is served between slices, so a long batch
  // of register accesses (a flow sweep) never holds frames back for long.
  constexpr int kSlice = 256;
  size_t pos = 0;
  for (int done = 0; done < kSlice && client_ && in_.size() - pos >= sizeof(RemoteHeader); ++done) {
    RemoteHeader h;
    std::memcpy(&h, in_.data() + pos, sizeof h);
    if (h.op == 'B') {
      if (h.value > kRemoteMaxBlock) return drop_client("block too long");
      const size_t need = sizeof h + 4 * size_t(h.value);
      if (in_.size() - pos < need) break;
      std::vector<uint32_t> w(h.value);
      std::memcpy(w.data(), in_.data() + pos + sizeof h, 4 * size_t(h.value));
      dev_.write_block(h.offset, w);
      pos += need;
      continue;
    }
    pos += sizeof h;
    switch (h.op) {
      case 'R': {
        const uint32_t v = dev_.read32(h.offset);
        reply(&v, sizeof v);
        break;
      }
      case 'W':
        dev_.write32(h.offset, h.value);
        break;
      case 'N': {
        const std::string n = dev_.name();
        const uint32_t len = uint32_t(n.size());
        reply(&len, sizeof len);
        reply(n.data(), n.size());
        break;
      }
      default:
        return drop_client("unknown request");
    }
  }
  if (client_) in_.erase(in_.begin(), in_.begin() + long(pos));
  if (!flush()) return;
  // A closed connection: detach once everything it sent is applied.
  if (client_) {
    char c;
    const ssize_t r = ::recv(client_.get(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
    if (r == 0) drop_client("connection closed");
  }
}

}  // namespace v6lb
