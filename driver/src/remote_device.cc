#include "v6lb/driver/remote_device.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace v6lb {

std::unique_ptr<RemoteDevice> RemoteDevice::connect(const std::string& path, std::string& err) {
  sockaddr_un sa{};
  if (path.empty() || path.size() >= sizeof sa.sun_path) {
    err = "card socket path '" + path + "' is empty or too long";
    return nullptr;
  }
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) {
    err = std::string("socket: ") + std::strerror(errno);
    return nullptr;
  }
  sa.sun_family = AF_UNIX;
  std::memcpy(sa.sun_path, path.c_str(), path.size());
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0) {
    err = "card " + path + ": " + std::strerror(errno) + " (is v6lb-card running?)";
    return nullptr;
  }
  std::unique_ptr<RemoteDevice> d(new RemoteDevice(std::move(fd), path));
  try {
    const RemoteHeader h{'N', {}, 0, 0};
    // A card that already has a daemon writes its refusal and closes at once, possibly before our
    // hello arrives: a failed send is then EPIPE, and the refusal still waits in our receive
    // buffer. Read it before reporting the send error, so the user learns why.
    std::string send_error;
    try {
      d->send_all(&h, sizeof h);
    } catch (const std::exception& e) {
      send_error = e.what();
    }
    uint32_t len = 0;
    try {
      d->recv_all(&len, sizeof len);
    } catch (const std::exception&) {
      if (!send_error.empty()) throw std::runtime_error(send_error);
      throw;
    }
    if (len == 0xFFFFFFFFu) throw std::runtime_error("another v6lbd is attached to this card");
    if (len > 4096) throw std::runtime_error("bad reply");
    std::string name(len, '\0');
    d->recv_all(name.data(), len);
    d->name_ = "card " + path + ": " + name;
  } catch (const std::exception& e) {
    err = "card " + path + ": " + e.what();
    return nullptr;
  }
  return d;
}

bool RemoteDevice::reconnect(std::string& err) {
  fd_ = UniqueFd();  // the old connection, if the card still holds it, ends first
  auto fresh = connect(path_, err);
  if (!fresh) return false;
  fd_ = std::move(fresh->fd_);
  name_ = std::move(fresh->name_);
  return true;
}

void RemoteDevice::send_all(const void* data, size_t len) {
  auto* p = static_cast<const uint8_t*>(data);
  while (len > 0) {
    const ssize_t r = ::send(fd_.get(), p, len, MSG_NOSIGNAL);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0)
      throw std::runtime_error("card " + path_ + ": " +
                               (r < 0 ? std::strerror(errno) : "connection closed"));
    p += r;
    len -= size_t(r);
  }
}

void RemoteDevice::recv_all(void* data, size_t len) {
  auto* p = static_cast<uint8_t*>(data);
  while (len > 0) {
    const ssize_t r = ::recv(fd_.get(), p, len, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0)
      throw std::runtime_error("card " + path_ + ": " +
                               (r < 0 ? std::strerror(errno) : "the card process went away"));
    p += r;
    len -= size_t(r);
  }
}

uint32_t RemoteDevice::read32(uint32_t offset) {
  const RemoteHeader h{'R', {}, offset, 0};
  send_all(&h, sizeof h);
  uint32_t v = 0;
  recv_all(&v, sizeof v);
  return v;
}

void RemoteDevice::write32(uint32_t offset, uint32_t value) {
  ++writes_;
  const RemoteHeader h{'W', {}, offset, value};
  send_all(&h, sizeof h);
}

void RemoteDevice::write_block(uint32_t offset, std::span<const uint32_t> words) {
  while (!words.empty()) {
    const uint32_t n = uint32_t(std::min<size_t>(words.size(), kRemoteMaxBlock));
    std::vector<uint8_t> msg(sizeof(RemoteHeader) + 4 * n);
    const RemoteHeader h{'B', {}, offset, n};
    std::memcpy(msg.data(), &h, sizeof h);
    std::memcpy(msg.data() + sizeof h, words.data(), 4 * n);
    send_all(msg.data(), msg.size());
    writes_ += n;
    words = words.subspan(n);
    offset += 4 * n;
  }
}

}  // namespace v6lb

namespace v6lb {

void RemoteDevice::run_ops(std::span<const RegOp> ops, std::span<uint32_t> reads) {
  // Every request goes out before the first reply is read: one round trip for the batch. The
  // replies (4 bytes per read) fit the socket's buffer, so the card never blocks on them.
  constexpr size_t kChunk = 4096;
  size_t k = 0;
  std::vector<RemoteHeader> msgs;
  while (!ops.empty()) {
    const auto part = ops.first(std::min(ops.size(), kChunk));
    ops = ops.subspan(part.size());
    msgs.clear();
    size_t nreads = 0;
    for (const RegOp& op : part) {
      msgs.push_back(RemoteHeader{uint8_t(op.read ? 'R' : 'W'), {}, op.offset, op.value});
      nreads += op.read;
      writes_ += !op.read;
    }
    send_all(msgs.data(), msgs.size() * sizeof(RemoteHeader));
    recv_all(reads.data() + k, 4 * nreads);
    k += nreads;
  }
}

}  // namespace v6lb
