#include "v6lb/daemon/health.h"

#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>
#include <unordered_map>

namespace v6lb {
namespace {

constexpr int64_t kNsPerMs = 1'000'000;
constexpr int kMaxEvents = 256;
// "HTTP/1.1 200 " is all of the response a verdict needs.
constexpr size_t kStatusLineLen = 13;

int64_t ns_of(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

enum class Phase : uint8_t { kIdle, kConnecting, kSending, kReading };

enum class Outcome : uint8_t {
  kNone,
  kConnectOk,
  kHttpOk,
  kConnectError,
  kTimeoutConnect,
  kTimeoutHttp,
  kHttpBadStatus,
  kHttpMalformed,
  kHttpClosed,
  kSendError,
  kRecvError,
};

struct Target {
  HealthTarget cfg;
  sockaddr_in6 sa{};
  std::string request;  // built once so that a probe allocates nothing
  int64_t interval_ns = 0;
  int64_t timeout_ns = 0;
  HealthState state = HealthState::kUnknown;
  uint32_t ok_run = 0;
  uint32_t fail_run = 0;

  // The running probe.
  int fd = -1;
  Phase phase = Phase::kIdle;
  uint32_t seq = 0;  // epoll events of an earlier probe carry an older number
  uint32_t sent = 0;
  uint8_t got = 0;
  char buf[16];

  // The heap holds exactly one entry per probed target; wake_at is when it matters (the next due
  // time while idle, the deadline while probing). Entries that pop early are pushed again.
  int64_t next_due = 0;
  int64_t wake_at = 0;

  // The last result, kept as codes so that only state changes format strings.
  Outcome last = Outcome::kNone;
  int last_errno = 0;
  uint16_t last_status = 0;
  uint8_t last_got = 0;
  char last_buf[16];
};

struct TimerEntry {
  int64_t at;
  uint32_t idx;
};
// std::*_heap build max-heaps; this order makes the earliest entry the top.
bool later(const TimerEntry& a, const TimerEntry& b) { return a.at > b.at; }

// FNV-1a, then a splitmix64 finaliser: similar ids such as "web/[::1]:8001" and "web/[::1]:8002"
// must land far apart in the interval.
uint64_t mix_id(const std::string& id) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : id) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 31;
  return h;
}

bool same_check(const HealthCheckConfig& a, const HealthCheckConfig& b) {
  return a.type == b.type && a.interval_ms == b.interval_ms && a.timeout_ms == b.timeout_ms &&
         a.rise == b.rise && a.fall == b.fall && a.port == b.port && a.http_path == b.http_path &&
         a.http_expect_status == b.http_expect_status;
}

bool same_target(const HealthTarget& a, const HealthTarget& b) {
  return a.address == b.address && a.port == b.port && same_check(a.check, b.check);
}

HealthState initial_state(const HealthCheckConfig& c) {
  return c.type == HealthCheckType::kNone ? HealthState::kUp : HealthState::kUnknown;
}

// Errors that say we are short of something, not that the backend is.
bool is_local_error(int e) {
  return e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM || e == EADDRNOTAVAIL ||
         e == EAGAIN || e == ENOSPC;
}

uint32_t epoll_mask(HealthCheckType t) {
  // Edge-triggered with both directions from the start: an http probe then needs no epoll_ctl
  // between connecting and reading; each event runs the state machine until it would block.
  return t == HealthCheckType::kHttp ? EPOLLOUT | EPOLLIN | EPOLLRDHUP | EPOLLET
                                     : EPOLLOUT | EPOLLET;
}

uint64_t epoll_tag(uint32_t idx, uint32_t seq) { return uint64_t(seq) << 32 | idx; }

// Result of looking at the start of a response: a status, or not yet, or never.
constexpr int kUndecided = -1;
constexpr int kMalformed = -2;
constexpr int kClosedEarly = -3;

int parse_status_line(const char* p, size_t n, bool eof) {
  // HTTP/d.d SP ddd (SP | CR | LF); checked as far as the bytes go so garbage fails at once.
  static constexpr char kPattern[] = "HTTP/9.9 999";
  for (size_t i = 0; i < n && i < kStatusLineLen; ++i) {
    const char want = i < 12 ? kPattern[i] : ' ';
    const char c = p[i];
    if (want == '9') {
      if (c < '0' || c > '9') return kMalformed;
    } else if (i == 12) {
      if (c != ' ' && c != '\r' && c != '\n') return kMalformed;
    } else if (c != want) {
      return kMalformed;
    }
  }
  if (n >= kStatusLineLen || (eof && n == kStatusLineLen - 1))
    return (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
  return eof ? kClosedEarly : kUndecided;
}

std::string escape(const char* p, size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    const unsigned char c = p[i];
    if (c == '\r') {
      s += "\\r";
    } else if (c == '\n') {
      s += "\\n";
    } else if (c == '"' || c == '\\') {
      s += '\\';
      s += char(c);
    } else if (c >= 0x20 && c < 0x7f) {
      s += char(c);
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      s += "\\x";
      s += kHex[c >> 4];
      s += kHex[c & 15];
    }
  }
  return s;
}

std::string describe(const Target& t) {
  const std::string ms = std::to_string(t.cfg.check.timeout_ms);
  switch (t.last) {
    case Outcome::kNone:
      return {};
    case Outcome::kConnectOk:
      return "connect ok";
    case Outcome::kHttpOk:
    case Outcome::kHttpBadStatus:
      return "http status " + std::to_string(t.last_status);
    case Outcome::kConnectError:
      return std::string("connect: ") + std::strerror(t.last_errno);
    case Outcome::kTimeoutConnect:
      return "timeout after " + ms + " ms";
    case Outcome::kTimeoutHttp:
      return "timeout after " + ms + " ms waiting for http status";
    case Outcome::kHttpMalformed:
      return "http: malformed status line \"" + escape(t.last_buf, t.last_got) + "\"";
    case Outcome::kHttpClosed:
      return "http: connection closed before status line";
    case Outcome::kSendError:
      return std::string("send: ") + std::strerror(t.last_errno);
    case Outcome::kRecvError:
      return std::string("recv: ") + std::strerror(t.last_errno);
  }
  return {};
}

}  // namespace

const char* to_string(HealthState s) {
  switch (s) {
    case HealthState::kUnknown:
      return "unknown";
    case HealthState::kUp:
      return "up";
    case HealthState::kDown:
      return "down";
  }
  return "?";
}

struct HealthChecker::Impl {
  int epfd = -1;
  std::string error;
  std::vector<Target> targets;
  std::unordered_map<std::string, uint32_t> index;
  std::vector<TimerEntry> heap;
  std::vector<HealthChange> changes;
  HealthStats counters;  // only the probe counters and in_flight are kept here
  epoll_event events[kMaxEvents];
  int64_t last_local_log = 0;
  uint64_t local_errors_logged = 0;

  HealthClock clock;  // schedules, probe timeouts, the local-error log's rate

  explicit Impl(HealthClock c) : clock(c ? std::move(c) : HealthClock(&health_clock_now)) {
    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) error = std::string("epoll_create1: ") + std::strerror(errno);
  }

  ~Impl() {
    for (Target& t : targets)
      if (t.fd >= 0) ::close(t.fd);
    if (epfd >= 0) ::close(epfd);
  }

  Target make_target(HealthTarget&& h, int64_t now) {
    Target t;
    t.cfg = std::move(h);
    const HealthCheckConfig& c = t.cfg.check;
    const uint16_t port = c.port.value_or(t.cfg.port);
    t.sa.sin6_family = AF_INET6;
    t.sa.sin6_port = htons(port);
    std::memcpy(&t.sa.sin6_addr, t.cfg.address.b.data(), 16);
    if (c.type == HealthCheckType::kHttp) {
      t.request = "GET " + c.http_path + " HTTP/1.1\r\nHost: [" + t.cfg.address.str() +
                  "]:" + std::to_string(port) +
                  "\r\nConnection: close\r\nUser-Agent: v6lbd\r\n\r\n";
    }
    // Zero would spin; the config loader never produces it, other callers might.
    t.interval_ns = int64_t(std::max<uint32_t>(c.interval_ms, 1)) * kNsPerMs;
    t.timeout_ns = int64_t(std::max<uint32_t>(c.timeout_ms, 1)) * kNsPerMs;
    t.state = initial_state(c);
    t.next_due = now + int64_t(mix_id(t.cfg.id) % uint64_t(t.interval_ns));
    t.wake_at = t.next_due;
    return t;
  }

  void close_probe(Target& t, bool connected) {
    if (t.fd < 0) return;
    if (connected) {
      // A reset instead of FIN: no TIME_WAIT left behind on our side per probe.
      const linger l{1, 0};
      setsockopt(t.fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    }
    ::close(t.fd);
    t.fd = -1;
    --counters.in_flight;
  }

  void local_error(const Target& t, const char* what, int e, int64_t now) {
    ++counters.local_errors;
    // Out of descriptors tends to hit every probe at once; one line per 10 s is enough.
    if (now - last_local_log >= 10'000 * kNsPerMs || local_errors_logged == 0) {
      spdlog::warn("health: probe of {} skipped: {}: {} ({} local errors so far)", t.cfg.id, what,
                   std::strerror(e), counters.local_errors);
      last_local_log = now;
      ++local_errors_logged;
    }
  }

  void transition(Target& t, HealthState to) {
    changes.push_back(HealthChange{t.cfg.id, to, t.state, describe(t)});
    t.state = to;
  }

  // Ends the running probe (if any) with a verdict and applies rise/fall.
  void finish(Target& t, Outcome o, int err = 0, uint16_t status = 0) {
    close_probe(t, t.phase != Phase::kConnecting || o == Outcome::kConnectOk);
    t.phase = Phase::kIdle;
    t.wake_at = t.next_due;
    t.last = o;
    t.last_errno = err;
    t.last_status = status;
    if (o == Outcome::kHttpMalformed) {
      std::memcpy(t.last_buf, t.buf, t.got);
      t.last_got = t.got;
    }
    const uint32_t rise = std::max<uint32_t>(t.cfg.check.rise, 1);
    const uint32_t fall = std::max<uint32_t>(t.cfg.check.fall, 1);
    if (o == Outcome::kConnectOk || o == Outcome::kHttpOk) {
      ++counters.probes_ok;
      t.fail_run = 0;
      if (t.ok_run < UINT32_MAX) ++t.ok_run;
      if (t.state != HealthState::kUp && t.ok_run >= rise) transition(t, HealthState::kUp);
    } else {
      ++counters.probes_failed;
      t.ok_run = 0;
      if (t.fail_run < UINT32_MAX) ++t.fail_run;
      if (t.state != HealthState::kDown && t.fail_run >= fall) transition(t, HealthState::kDown);
    }
  }

  void start_probe(Target& t, uint32_t idx, int64_t now) {
    // Keep the phase: the next probe is due one interval after this one was due, or, if the
    // caller stalled for longer, at the first such time still ahead.
    t.next_due += t.interval_ns;
    if (t.next_due <= now) t.next_due += ((now - t.next_due) / t.interval_ns + 1) * t.interval_ns;
    t.wake_at = t.next_due;

    const int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return local_error(t, "socket", errno, now);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&t.sa), sizeof t.sa) < 0 &&
        errno != EINPROGRESS) {
      const int e = errno;
      ::close(fd);
      if (is_local_error(e)) return local_error(t, "connect", e, now);
      ++counters.probes_sent;
      return finish(t, Outcome::kConnectError, e);
    }
    ++t.seq;
    epoll_event ev{};
    ev.events = epoll_mask(t.cfg.check.type);
    ev.data.u64 = epoll_tag(idx, t.seq);
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
      const int e = errno;
      ::close(fd);
      return local_error(t, "epoll_ctl", e, now);
    }
    ++counters.probes_sent;
    ++counters.in_flight;
    t.fd = fd;
    t.phase = Phase::kConnecting;
    t.sent = 0;
    t.got = 0;
    t.wake_at = now + t.timeout_ns;
  }

  void on_event(uint64_t tag, uint32_t ev) {
    const uint32_t idx = uint32_t(tag);
    if (idx >= targets.size()) return;
    Target& t = targets[idx];
    if (t.fd < 0 || t.seq != uint32_t(tag >> 32)) return;

    if (t.phase == Phase::kConnecting) {
      if (!(ev & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
      int err = 0;
      socklen_t len = sizeof err;
      if (getsockopt(t.fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
      if (err != 0) return finish(t, Outcome::kConnectError, err);
      if (!(ev & EPOLLOUT)) return;
      if (t.cfg.check.type != HealthCheckType::kHttp) return finish(t, Outcome::kConnectOk);
      t.phase = Phase::kSending;
    }
    if (t.phase == Phase::kSending) {
      while (t.sent < t.request.size()) {
        const ssize_t n =
            ::send(t.fd, t.request.data() + t.sent, t.request.size() - t.sent, MSG_NOSIGNAL);
        if (n > 0) {
          t.sent += uint32_t(n);
        } else if (errno == EINTR) {
          continue;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
          return;  // edge-triggered: the next EPOLLOUT resumes here
        } else {
          return finish(t, Outcome::kSendError, errno);
        }
      }
      t.phase = Phase::kReading;
    }
    // Reading: drain until a verdict or EAGAIN, as edge-triggered epoll requires.
    for (;;) {
      const ssize_t n = ::recv(t.fd, t.buf + t.got, sizeof t.buf - t.got, 0);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;
        return finish(t, Outcome::kRecvError, errno);
      }
      t.got += uint8_t(n);
      const int status = parse_status_line(t.buf, t.got, n == 0);
      if (status == kUndecided) continue;
      if (status == kMalformed) return finish(t, Outcome::kHttpMalformed);
      if (status == kClosedEarly) return finish(t, Outcome::kHttpClosed);
      const bool good = status == t.cfg.check.http_expect_status;
      return finish(t, good ? Outcome::kHttpOk : Outcome::kHttpBadStatus, 0, uint16_t(status));
    }
  }

  void run_timers(int64_t now) {
    while (!heap.empty() && heap.front().at <= now) {
      std::pop_heap(heap.begin(), heap.end(), later);
      const uint32_t idx = heap.back().idx;
      Target& t = targets[idx];
      if (now >= t.wake_at) {
        if (t.fd >= 0) {
          finish(t,
                 t.phase == Phase::kConnecting ? Outcome::kTimeoutConnect : Outcome::kTimeoutHttp);
        } else {
          start_probe(t, idx, now);
        }
      }
      // Reuses the slot just popped: the heap never grows after set_targets.
      heap.back() = TimerEntry{t.wake_at, idx};
      std::push_heap(heap.begin(), heap.end(), later);
    }
  }

  void set_targets(std::vector<HealthTarget>&& in) {
    const int64_t now = now_ns();
    std::vector<Target> next;
    next.reserve(in.size());
    std::unordered_map<std::string, uint32_t> next_index;
    next_index.reserve(in.size());
    std::vector<bool> kept(targets.size(), false);

    for (HealthTarget& h : in) {
      if (next_index.count(h.id)) {
        spdlog::warn("health: duplicate target id '{}' ignored", h.id);
        continue;
      }
      const uint32_t at = uint32_t(next.size());
      const auto old = index.find(h.id);
      if (old != index.end() && same_target(targets[old->second].cfg, h)) {
        Target& t = targets[old->second];
        kept[old->second] = true;
        if (t.fd >= 0 && old->second != at) {
          // The epoll tag names the slot; a running probe must follow its target.
          epoll_event ev{};
          ev.events = epoll_mask(t.cfg.check.type);
          ev.data.u64 = epoll_tag(at, t.seq);
          epoll_ctl(epfd, EPOLL_CTL_MOD, t.fd, &ev);
        }
        next.push_back(std::move(t));
      } else {
        next.push_back(make_target(std::move(h), now));
        Target& t = next.back();
        if (old != index.end()) {
          // A new check (or address) restarts counting but keeps the verdict: an up backend
          // should not flap and a down one should not get traffic just because its interval
          // was edited. Only `none` decides at once.
          const HealthState prev = targets[old->second].state;
          if (t.cfg.check.type != HealthCheckType::kNone) {
            t.state = prev;
          } else if (prev != HealthState::kUp) {
            changes.push_back(
                HealthChange{t.cfg.id, HealthState::kUp, prev, "health check changed"});
          }
        }
      }
      next_index.emplace(next.back().cfg.id, at);
    }

    for (size_t i = 0; i < targets.size(); ++i) {
      if (kept[i] || targets[i].fd < 0) continue;
      close_probe(targets[i], targets[i].phase != Phase::kConnecting);
      ++counters.probes_aborted;
    }
    std::erase_if(changes, [&](const HealthChange& c) { return !next_index.count(c.id); });

    targets = std::move(next);
    index = std::move(next_index);
    heap.clear();
    heap.reserve(targets.size());
    for (uint32_t i = 0; i < targets.size(); ++i)
      if (targets[i].cfg.check.type != HealthCheckType::kNone)
        heap.push_back(TimerEntry{targets[i].wake_at, i});
    std::make_heap(heap.begin(), heap.end(), later);
  }

  void poll(int timeout_ms) {
    if (epfd < 0) {
      // Still take the time: callers that sleep in poll() must not spin.
      std::this_thread::sleep_for(std::chrono::milliseconds(std::max(timeout_ms, 0)));
      return;
    }
    const int64_t end = now_ns() + int64_t(std::max(timeout_ms, 0)) * kNsPerMs;
    // How long the caller lets poll() block is real time whatever the clock (a test's clock may
    // stand still meanwhile): with the real clock this is the same bound as `end`.
    const auto real_end =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max(timeout_ms, 0));
    const size_t changes_before = changes.size();
    for (;;) {
      int64_t now = now_ns();
      int64_t wait = std::max<int64_t>(end - now, 0);
      if (!heap.empty()) wait = std::min(wait, std::max<int64_t>(heap.front().at - now, 0));
      // Round up: waking before the deadline would only spin.
      const int wait_ms = int((wait + kNsPerMs - 1) / kNsPerMs);
      const int n = epoll_wait(epfd, events, kMaxEvents, wait_ms);
      for (int i = 0; i < n; ++i) on_event(events[i].data.u64, events[i].events);
      now = now_ns();
      // After the I/O: an answer that arrived by the deadline counts, even if we were late.
      run_timers(now);
      if (changes.size() > changes_before || now >= end ||
          std::chrono::steady_clock::now() >= real_end)
        return;
    }
  }

  int64_t now_ns() const { return ns_of(clock()); }

  int next_timeout_ms() const {
    if (heap.empty()) return -1;
    const int64_t d = heap.front().at - now_ns();
    return d <= 0 ? 0 : int((d + kNsPerMs - 1) / kNsPerMs);
  }
};

std::chrono::steady_clock::time_point health_clock_now() {
  return std::chrono::steady_clock::now();
}

HealthChecker::HealthChecker(HealthClock clock) : impl_(std::make_unique<Impl>(std::move(clock))) {}
HealthChecker::~HealthChecker() = default;
HealthChecker::HealthChecker(HealthChecker&&) noexcept = default;
HealthChecker& HealthChecker::operator=(HealthChecker&&) noexcept = default;

bool HealthChecker::ok() const { return impl_->epfd >= 0; }
const std::string& HealthChecker::error() const { return impl_->error; }

void HealthChecker::set_targets(std::vector<HealthTarget> targets) {
  impl_->set_targets(std::move(targets));
}

void HealthChecker::poll(int timeout_ms) { impl_->poll(timeout_ms); }

std::vector<HealthChange> HealthChecker::take_changes() {
  std::vector<HealthChange> out;
  out.swap(impl_->changes);
  return out;
}

HealthState HealthChecker::state(const std::string& id) const {
  const auto it = impl_->index.find(id);
  return it == impl_->index.end() ? HealthState::kUnknown : impl_->targets[it->second].state;
}

bool HealthChecker::contains(const std::string& id) const { return impl_->index.count(id) != 0; }

std::optional<HealthTargetStatus> HealthChecker::status(const std::string& id) const {
  const auto it = impl_->index.find(id);
  if (it == impl_->index.end()) return std::nullopt;
  const Target& t = impl_->targets[it->second];
  return HealthTargetStatus{t.state, t.ok_run, t.fail_run, describe(t)};
}

HealthStats HealthChecker::stats() const {
  HealthStats s = impl_->counters;
  s.targets = uint32_t(impl_->targets.size());
  for (const Target& t : impl_->targets) {
    switch (t.state) {
      case HealthState::kUp:
        ++s.up;
        break;
      case HealthState::kDown:
        ++s.down;
        break;
      case HealthState::kUnknown:
        ++s.unknown;
        break;
    }
  }
  return s;
}

int HealthChecker::fd() const { return impl_->epfd; }
int HealthChecker::next_timeout_ms() const { return impl_->next_timeout_ms(); }

}  // namespace v6lb
