#include "v6lb/io/tap_pump.h"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "v6lb/dataplane/pipeline.h"
#include "v6lb/driver/model_device.h"
#include "v6lb/driver/sim_device.h"

namespace v6lb {

UniqueFd open_tap(const std::string& name, std::string& err) {
  if (name.empty() || name.size() >= IFNAMSIZ) {
    err = "TAP name '" + name + "' must have 1 to " + std::to_string(IFNAMSIZ - 1) + " characters";
    return {};
  }
  UniqueFd fd(::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC));
  if (!fd) {
    err = std::string("/dev/net/tun: ") + std::strerror(errno);
    return {};
  }
  ifreq ifr{};
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  std::memcpy(ifr.ifr_name, name.c_str(), name.size());
  // A persistent TAP made with multi_queue (as scripts/lab.sh makes them, so DPDK's net_tap can
  // attach to the same interfaces) only accepts the same flag.
  int rc = ioctl(fd.get(), TUNSETIFF, &ifr);
  if (rc < 0 && errno == EINVAL) {
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_MULTI_QUEUE;
    std::memcpy(ifr.ifr_name, name.c_str(), name.size());
    rc = ioctl(fd.get(), TUNSETIFF, &ifr);
  }
  if (rc < 0) {
    err = "TAP " + name + ": " + std::strerror(errno) +
          (errno == EPERM ? " (needs root or CAP_NET_ADMIN, or a TAP made for this user)" : "");
    return {};
  }
  // Up, so the kernel transmits on it; the lab (scripts/lab.sh) does this too.
  UniqueFd sock(::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (sock && ioctl(sock.get(), SIOCGIFFLAGS, &ifr) == 0 && !(ifr.ifr_flags & IFF_UP)) {
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(sock.get(), SIOCSIFFLAGS, &ifr) < 0) {
      err = "TAP " + name + ": setting it up: " + std::strerror(errno);
      return {};
    }
  }
  return fd;
}

bool TapPump::open(const std::string& tap, const std::string& exception_tap, std::string& err) {
  port_ = open_tap(tap, err);
  if (!port_) return false;
  if (!exception_tap.empty()) {
    if (exception_tap == tap) {
      err = "--exception-tap must differ from --tap";
      return false;
    }
    exception_ = open_tap(exception_tap, err);
    if (!exception_) return false;
  }
  start_ = last_idle_clock_ = std::chrono::steady_clock::now();
  return true;
}

std::unique_ptr<TapPump> TapPump::for_model(ModelDevice& dev, const std::string& tap,
                                            const std::string& exception_tap, std::string& err) {
  std::unique_ptr<TapPump> p(new TapPump());
  p->model_ = &dev;
  if (!p->open(tap, exception_tap, err)) return nullptr;
  return p;
}

std::unique_ptr<TapPump> TapPump::for_sim(SimDevice& dev, const std::string& tap,
                                          const std::string& exception_tap, std::string& err) {
  std::unique_ptr<TapPump> p(new TapPump());
  p->sim_ = &dev;
  if (!p->open(tap, exception_tap, err)) return nullptr;
  dev.set_wall_clock(true);
  dev.card().set_now_tick(0);
  return p;
}

std::vector<int> TapPump::fds() const {
  std::vector<int> v{port_.get()};
  if (exception_) v.push_back(exception_.get());
  return v;
}

uint32_t TapPump::now_tick() const {
  return uint32_t(std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start_)
                      .count());
}

int TapPump::next_timeout_ms() const {
  if (!sim_) return -1;
  const auto due = last_idle_clock_ + std::chrono::milliseconds(100);
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(due - std::chrono::steady_clock::now());
  return left.count() < 0 ? 0 : int(left.count());
}

size_t TapPump::read_burst() {
  size_t n = 0;
  while (n < kBurst) {
    const ssize_t r = ::read(port_.get(), bufs_[n].data(), kFrameBuf);
    if (r <= 0) break;  // EAGAIN: nothing more waiting
    lens_[n++] = size_t(r);
  }
  stats_.rx_frames += n;
  return n;
}

void TapPump::send(int fd, const uint8_t* data, size_t len) {
  if (fd < 0) return;
  if (::write(fd, data, len) != ssize_t(len)) ++stats_.tx_errors;
}

void TapPump::run_model(size_t n, uint32_t tick) {
  std::array<Packet, kBurst> burst;
  for (size_t i = 0; i < n; ++i) {
    burst[i] = Packet{};
    burst[i].data = bufs_[i].data();
    // Longer than the card takes: the model drops it as the card would (kMaxFrameLen).
    burst[i].len = uint16_t(std::min<size_t>(lens_[i], 65535));
  }
  model_->pipeline().process({burst.data(), n}, tick);
  for (size_t i = 0; i < n; ++i) {
    switch (burst[i].verdict) {
      case Verdict::kForward:
        send(port_.get(), bufs_[i].data(), lens_[i]);
        ++stats_.tx_frames;
        break;
      case Verdict::kPunt:
        send(exception_.get(), bufs_[i].data(), lens_[i]);
        ++stats_.punted_frames;
        break;
      default:
        ++stats_.dropped_frames;
    }
  }
}

void TapPump::run_sim(size_t n, uint32_t tick) {
  SimCard& card = sim_->card();
  for (size_t i = 0; i < n; ++i) card.send({bufs_[i].data(), lens_[i]}, tick);
  card.drain();
  const auto fwd = card.take_forwarded();
  const auto punt = card.take_punted();
  for (const SimFrame& f : fwd) send(port_.get(), f.data.data(), f.data.size());
  for (const SimFrame& f : punt) send(exception_.get(), f.data.data(), f.data.size());
  stats_.tx_frames += fwd.size();
  stats_.punted_frames += punt.size();
  stats_.dropped_frames += n - fwd.size() - punt.size();
}

void TapPump::host_transmit() {
  if (!exception_) return;
  for (size_t k = 0; k < kBurst; ++k) {
    const ssize_t r = ::read(exception_.get(), bufs_[0].data(), kFrameBuf);
    if (r <= 0) break;
    send(port_.get(), bufs_[0].data(), size_t(r));
    ++stats_.host_tx_frames;
  }
}

void TapPump::run() {
  for (size_t b = 0; b < kBurstsPerRun; ++b) {
    // The host's frames first, before each burst: a probe or an NDP answer waits for at most
    // one burst of traffic, not for the port's whole queue.
    host_transmit();
    const size_t n = read_burst();
    if (n == 0) break;
    const uint32_t tick = now_tick();
    if (model_)
      run_model(n, tick);
    else
      run_sim(n, tick);
    if (n < kBurst) break;
  }
  if (model_ && std::chrono::steady_clock::now() - last_idle_clock_ > std::chrono::seconds(1)) {
    // The model has no aging engine: reclaim expired entries once a second, on the pump's clock.
    last_idle_clock_ = std::chrono::steady_clock::now();
    model_->pipeline().age(now_tick());
  }
  if (sim_ && next_timeout_ms() == 0) {
    // Idle clocking: time passes for the aging engine (one set per cycle, so 4096 cycles every
    // 100 ms sweep a 64 K-entry table in under 2 s).
    last_idle_clock_ = std::chrono::steady_clock::now();
    sim_->card().set_now_tick(now_tick());
    sim_->card().step(4096);
  }
}

}  // namespace v6lb
