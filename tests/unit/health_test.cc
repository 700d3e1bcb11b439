// The health checker against real listeners on [::1]. Intervals are 100..1000 ms so that every
// test ends within a few seconds. Tests of how probes relate to time (intervals, fall and rise,
// timeouts, rates) drive the checker's clock themselves (TestClock) and assert exact numbers; the
// others run on the real clock and assert no timing.
#include "v6lb/daemon/health.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

// GCC 12 cannot see that these replacements pair malloc with free.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

// Counts allocations made by the test's own thread only (the listener thread allocates freely),
// so a test can assert that probing allocates nothing in steady state.
namespace {
std::atomic<uint64_t> g_allocs{0};
thread_local bool g_count_allocs = false;
}  // namespace

void* operator new(std::size_t n) {
  if (g_count_allocs) g_allocs.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace v6lb {
namespace {

using Clock = std::chrono::steady_clock;

int64_t ms_since(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

// Written out rather than "t" + std::to_string(i), which trips a GCC 12 -Wrestrict false positive.
std::string numbered(const char* prefix, int i) {
  std::string s(prefix);
  s += std::to_string(i);
  return s;
}

Ipv6Addr loopback() { return *Ipv6Addr::parse("::1"); }

sockaddr_in6 loopback_sa(uint16_t port) {
  sockaddr_in6 sa{};
  sa.sin6_family = AF_INET6;
  sa.sin6_addr = in6addr_loopback;
  sa.sin6_port = htons(port);
  return sa;
}

uint16_t bound_port(int fd) {
  sockaddr_in6 sa{};
  socklen_t len = sizeof sa;
  getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  return ntohs(sa.sin6_port);
}

// 2,000 probes and as many accepted connections need more than the usual 1024 descriptors.
void raise_nofile() {
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    setrlimit(RLIMIT_NOFILE, &r);
  }
}

size_t open_fds() {
  size_t n = 0;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (readdir(d)) ++n;
    closedir(d);
  }
  return n;
}

// A port that refuses connections: bound (so nobody else takes it) but not listening.
class ClosedPort {
 public:
  ClosedPort() {
    fd_ = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const sockaddr_in6 sa = loopback_sa(0);
    EXPECT_EQ(bind(fd_, reinterpret_cast<const sockaddr*>(&sa), sizeof sa), 0);
    port_ = bound_port(fd_);
  }
  ~ClosedPort() { close(fd_); }
  uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

enum class Mode {
  kClose,   // accept and close at once
  kHttp,    // read a request up to the blank line, write `response`, close
  kSilent,  // accept, read and never answer
};

struct ListenSpec {
  Mode mode = Mode::kClose;
  std::string response = {};
  uint16_t port = 0;  // 0: any
};

// Listeners on [::1] served by one thread with epoll.
class TestServer {
 public:
  explicit TestServer(std::vector<ListenSpec> specs) : specs_(std::move(specs)) {
    ep_ = epoll_create1(EPOLL_CLOEXEC);
    wake_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    add(wake_, kWakeTag);
    requests_.resize(specs_.size());
    for (size_t i = 0; i < specs_.size(); ++i) {
      const int fd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      const int one = 1;
      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      const sockaddr_in6 sa = loopback_sa(specs_[i].port);
      if (bind(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) < 0 || listen(fd, 4096) < 0)
        ADD_FAILURE() << "listen on [::1]:" << specs_[i].port << ": " << std::strerror(errno);
      listeners_.push_back(fd);
      ports_.push_back(bound_port(fd));
      add(fd, kListenerTag | i);
    }
    thread_ = std::thread([this] { run(); });
  }

  ~TestServer() {
    const uint64_t one = 1;
    (void)!write(wake_, &one, sizeof one);
    thread_.join();
    for (auto& [fd, c] : conns_) close(fd);
    for (int fd : listeners_) close(fd);
    close(wake_);
    close(ep_);
  }

  uint16_t port(size_t i = 0) const { return ports_[i]; }
  uint64_t accepted() const { return accepted_.load(); }
  std::string last_request(size_t i = 0) {
    std::lock_guard lock(mu_);
    return requests_[i];
  }

 private:
  static constexpr uint64_t kWakeTag = 1ull << 40;
  static constexpr uint64_t kListenerTag = 2ull << 40;

  struct Conn {
    size_t listener = 0;
    std::string buf;
  };

  void add(int fd, uint64_t tag) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = tag;
    epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &ev);
  }

  void drop(int fd) {
    conns_.erase(fd);
    close(fd);
  }

  void run() {
    epoll_event evs[128];
    for (;;) {
      const int n = epoll_wait(ep_, evs, 128, -1);
      for (int i = 0; i < n; ++i) {
        const uint64_t tag = evs[i].data.u64;
        if (tag == kWakeTag) return;
        if (tag & kListenerTag) {
          accept_all(size_t(tag & 0xffffffff));
        } else {
          serve(int(tag));
        }
      }
    }
  }

  void accept_all(size_t li) {
    for (;;) {
      const int fd = accept4(listeners_[li], nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == ECONNABORTED || errno == EINTR) continue;
        return;
      }
      ++accepted_;
      if (specs_[li].mode == Mode::kClose) {
        close(fd);
        continue;
      }
      conns_[fd] = Conn{li, {}};
      add(fd, uint64_t(fd));
    }
  }

  void serve(int fd) {
    auto it = conns_.find(fd);
    if (it == conns_.end()) return;
    char b[4096];
    const ssize_t r = recv(fd, b, sizeof b, 0);
    if (r < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (r <= 0) return drop(fd);
    Conn& c = it->second;
    const ListenSpec& spec = specs_[c.listener];
    if (spec.mode != Mode::kHttp) return;
    c.buf.append(b, size_t(r));
    if (c.buf.find("\r\n\r\n") == std::string::npos) return;
    {
      std::lock_guard lock(mu_);
      requests_[c.listener] = c.buf;
    }
    (void)!send(fd, spec.response.data(), spec.response.size(), MSG_NOSIGNAL);
    drop(fd);
  }

  std::vector<ListenSpec> specs_;
  int ep_ = -1;
  int wake_ = -1;
  std::vector<int> listeners_;
  std::vector<uint16_t> ports_;
  std::unordered_map<int, Conn> conns_;
  std::atomic<uint64_t> accepted_{0};
  std::mutex mu_;
  std::vector<std::string> requests_;
  std::thread thread_;
};

HealthCheckConfig fast_check(HealthCheckType type = HealthCheckType::kTcp) {
  HealthCheckConfig c;
  c.type = type;
  c.interval_ms = 100;
  c.timeout_ms = 50;
  c.rise = 2;
  c.fall = 3;
  return c;
}

HealthTarget target(std::string id, uint16_t port, HealthCheckConfig check) {
  return HealthTarget{std::move(id), loopback(), port, std::move(check)};
}

// Polls in short slices until pred() holds or max_ms passed.
template <class Pred>
bool poll_until(HealthChecker& hc, int max_ms, Pred pred) {
  const auto start = Clock::now();
  while (!pred()) {
    if (ms_since(start) >= max_ms) return false;
    hc.poll(5);
  }
  return true;
}

// The checker's clock in tests that assert how time and probes relate: the test moves it, so
// schedules, intervals and timeouts are exact and nothing depends on how busy the CPUs are. The
// probes stay real sockets on [::1]: after moving time a test lets their I/O finish (real time,
// bounded) before it looks.
class TestClock {
 public:
  HealthClock clock() {
    return [this] { return now_; };
  }
  void advance(int ms) { now_ += std::chrono::milliseconds(ms); }
  int64_t elapsed_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(now_ - start_).count();
  }

 private:
  Clock::time_point start_ = Clock::now();
  Clock::time_point now_ = start_;
};

// Polls until no probe is in flight (their real I/O has ended) or max_ms of real time passed.
bool settle(HealthChecker& hc, int max_ms = 3000) {
  const auto start = Clock::now();
  while (hc.stats().in_flight > 0) {
    if (ms_since(start) >= max_ms) return false;
    hc.poll(1);
  }
  return true;
}

// Moves the clock `ms` forward in steps of `step_ms`, starting what is due at each step; with
// `wait_io` the probes' I/O ends before the next step (for backends that answer), otherwise each
// step gets `io_ms` of real time for I/O (for ones that never answer: timeouts end those).
template <class Each>
void run_for(HealthChecker& hc, TestClock& tc, int ms, int step_ms, bool wait_io, Each each,
             int io_ms = 2) {
  for (int t = 0; t < ms; t += step_ms) {
    tc.advance(step_ms);
    hc.poll(0);
    if (wait_io) {
      ASSERT_TRUE(settle(hc)) << "probes still in flight after 3 s of real time";
    } else {
      hc.poll(io_ms);
    }
    each();
  }
}

TEST(Health, StateNames) {
  EXPECT_STREQ(to_string(HealthState::kUnknown), "unknown");
  EXPECT_STREQ(to_string(HealthState::kUp), "up");
  EXPECT_STREQ(to_string(HealthState::kDown), "down");
}

TEST(Health, TcpUpAfterRiseSuccesses) {
  TestServer srv({{Mode::kClose}});
  HealthChecker hc;
  hc.set_targets({target("a", srv.port(), fast_check())});
  EXPECT_EQ(hc.state("a"), HealthState::kUnknown);
  EXPECT_TRUE(hc.contains("a"));

  std::vector<HealthChange> changes;
  ASSERT_TRUE(poll_until(hc, 2000, [&] {
    changes = hc.take_changes();
    return !changes.empty();
  }));
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].id, "a");
  EXPECT_EQ(changes[0].state, HealthState::kUp);
  EXPECT_EQ(changes[0].previous, HealthState::kUnknown);
  EXPECT_EQ(changes[0].reason, "connect ok");
  EXPECT_EQ(hc.state("a"), HealthState::kUp);
  // poll() returns as soon as a change happened, so no further probe has run.
  const HealthStats s = hc.stats();
  EXPECT_EQ(s.probes_ok, 2u);
  EXPECT_EQ(s.probes_failed, 0u);
  EXPECT_EQ(s.up, 1u);
  EXPECT_EQ(s.in_flight, 0u);
  const auto st = hc.status("a");
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->consecutive_ok, 2u);
  EXPECT_EQ(st->last_result, "connect ok");
}

TEST(Health, RefusedGoesDownAfterExactlyFallFailures) {
  ClosedPort closed;
  HealthChecker hc;
  hc.set_targets({target("a", closed.port(), fast_check())});
  std::vector<HealthChange> changes;
  ASSERT_TRUE(poll_until(hc, 2000, [&] {
    changes = hc.take_changes();
    if (changes.empty()) {
      EXPECT_LT(hc.stats().probes_failed, 3u);
    }
    return !changes.empty();
  }));
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].state, HealthState::kDown);
  EXPECT_EQ(changes[0].previous, HealthState::kUnknown);
  EXPECT_EQ(changes[0].reason, "connect: Connection refused");
  EXPECT_EQ(hc.stats().probes_failed, 3u);
  EXPECT_EQ(hc.stats().probes_sent, 3u);
}

TEST(Health, FlipsDownAfterFallAndUpAfterRise) {
  const HealthCheckConfig check = fast_check();  // 100 ms, rise 2, fall 3
  auto srv = std::make_unique<TestServer>(std::vector<ListenSpec>{{Mode::kClose}});
  const uint16_t port = srv->port();
  TestClock tc;
  HealthChecker hc(tc.clock());
  hc.set_targets({target("a", port, check)});
  run_for(hc, tc, 2 * check.interval_ms, 1, true, [] {});
  ASSERT_EQ(hc.state("a"), HealthState::kUp);
  hc.take_changes();

  // Backend goes away: stays up through fall-1 failures, down at the fall-th, which comes
  // exactly (fall-1) intervals after the first (probes keep their phase).
  srv.reset();
  const uint64_t failed0 = hc.stats().probes_failed;
  int64_t first_failure = -1, down_at = -1;
  run_for(hc, tc, (check.fall + 1) * check.interval_ms, 1, true, [&] {
    const uint64_t f = hc.stats().probes_failed - failed0;
    if (f == 1 && first_failure < 0) first_failure = tc.elapsed_ms();
    if (hc.state("a") == HealthState::kUp) {
      EXPECT_LT(f, check.fall);
    } else if (down_at < 0) {
      down_at = tc.elapsed_ms();
    }
  });
  ASSERT_EQ(hc.state("a"), HealthState::kDown);
  ASSERT_GE(first_failure, 0);
  EXPECT_EQ(down_at - first_failure, int64_t(check.fall - 1) * check.interval_ms);
  EXPECT_EQ(hc.stats().probes_failed - failed0, check.fall + 1u);  // one more since: still down
  auto changes = hc.take_changes();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].state, HealthState::kDown);
  EXPECT_EQ(changes[0].previous, HealthState::kUp);
  EXPECT_EQ(changes[0].reason, "connect: Connection refused");

  // It comes back on the same port: down through rise-1 successes, up at the rise-th, (rise-1)
  // intervals after the first.
  srv = std::make_unique<TestServer>(std::vector<ListenSpec>{{Mode::kClose, "", port}});
  const uint64_t ok0 = hc.stats().probes_ok;
  int64_t first_ok = -1, up_at = -1;
  run_for(hc, tc, (check.rise + 1) * check.interval_ms, 1, true, [&] {
    const uint64_t k = hc.stats().probes_ok - ok0;
    if (k == 1 && first_ok < 0) first_ok = tc.elapsed_ms();
    if (hc.state("a") == HealthState::kDown) {
      EXPECT_LT(k, check.rise);
    } else if (up_at < 0) {
      up_at = tc.elapsed_ms();
    }
  });
  ASSERT_EQ(hc.state("a"), HealthState::kUp);
  EXPECT_EQ(up_at - first_ok, int64_t(check.rise - 1) * check.interval_ms);
  changes = hc.take_changes();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].state, HealthState::kUp);
  EXPECT_EQ(changes[0].previous, HealthState::kDown);
  EXPECT_EQ(changes[0].reason, "connect ok");
}

TEST(Health, TcpConnectTimeout) {
  // A listener that never accepts, its queue full: Linux drops further SYNs, so connects hang.
  const int lfd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const sockaddr_in6 sa = loopback_sa(0);
  ASSERT_EQ(bind(lfd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa), 0);
  ASSERT_EQ(listen(lfd, 0), 0);
  const uint16_t port = bound_port(lfd);
  std::vector<int> fillers;
  bool hangs = false;
  for (int i = 0; i < 8 && !hangs; ++i) {
    const int fd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    const sockaddr_in6 to = loopback_sa(port);
    (void)connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to);  // in progress, or not
    fillers.push_back(fd);
    // Connected (or not) within 100 ms?
    const int ep = epoll_create1(EPOLL_CLOEXEC);
    epoll_event ev{};
    ev.events = EPOLLOUT;
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    hangs = epoll_wait(ep, &ev, 1, 100) == 0;
    close(ep);
  }
  auto cleanup = [&] {
    for (int fd : fillers) close(fd);
    close(lfd);
  };
  if (!hangs) {
    cleanup();
    GTEST_SKIP() << "this network stack completes connects to a full listener";
  }

  HealthCheckConfig c = fast_check();
  c.interval_ms = 200;
  c.timeout_ms = 100;
  c.fall = 1;
  HealthChecker hc;
  hc.set_targets({target("a", port, c)});
  ASSERT_TRUE(poll_until(hc, 2000, [&] { return hc.state("a") == HealthState::kDown; }));
  auto changes = hc.take_changes();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].reason, "timeout after 100 ms");
  EXPECT_EQ(hc.stats().in_flight, 0u);
  cleanup();
}

TEST(Health, HttpTimeoutWhenServerNeverAnswers) {
  TestServer srv({{Mode::kSilent}});
  HealthCheckConfig c = fast_check(HealthCheckType::kHttp);
  c.interval_ms = 200;
  c.timeout_ms = 100;
  c.fall = 1;
  TestClock tc;
  HealthChecker hc(tc.clock());
  hc.set_targets({target("a", srv.port(), c)});
  int64_t sent_at = -1, down_at = -1;
  run_for(hc, tc, 2 * c.interval_ms, 1, false, [&] {
    if (sent_at < 0 && hc.stats().probes_sent == 1) sent_at = tc.elapsed_ms();
    if (down_at < 0 && hc.state("a") == HealthState::kDown) down_at = tc.elapsed_ms();
  });
  ASSERT_GE(sent_at, 0);
  EXPECT_EQ(down_at - sent_at, int64_t(c.timeout_ms));  // at the timeout, not before or after
  auto changes = hc.take_changes();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].reason, "timeout after 100 ms waiting for http status");
  EXPECT_EQ(hc.stats().in_flight, 0u);
}

TEST(Health, HttpStatuses) {
  TestServer srv({
      {Mode::kHttp, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
      {Mode::kHttp, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n"},
      {Mode::kHttp, "garbage\r\n\r\n"},
      {Mode::kHttp, ""},                       // closes without a word
      {Mode::kHttp, "HTTP/1.0 200 \r\n\r\n"},  // the shortest acceptable answer, then EOF
      {Mode::kHttp, "HTTP/1.1 2000 OK\r\n\r\n"},
      {Mode::kHttp, "HTTP/1.0 200"},  // a status line without its end, then EOF
      {Mode::kHttp, "HTTP/1.1 200 OK\r\nX-Big: " + std::string(9000, 'x') + "\r\n\r\n"},
      {Mode::kHttp, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nServer: t\r\n\r\n5\r\nhello"},
  });
  HealthCheckConfig c = fast_check(HealthCheckType::kHttp);
  c.rise = 1;
  c.fall = 1;
  c.http_path = "/healthz?full=1";
  HealthCheckConfig expect503 = c;
  expect503.http_expect_status = 503;
  HealthChecker hc;
  hc.set_targets({
      target("ok", srv.port(0), c),
      target("503", srv.port(1), c),
      target("garbage", srv.port(2), c),
      target("closed", srv.port(3), c),
      target("short", srv.port(4), c),
      target("2000", srv.port(5), c),
      target("unended", srv.port(6), c),
      target("big", srv.port(7), c),
      target("chunked", srv.port(8), c),
      target("want503", srv.port(1), expect503),
  });
  std::unordered_map<std::string, HealthChange> last;
  ASSERT_TRUE(poll_until(hc, 3000, [&] {
    for (auto& ch : hc.take_changes()) last[ch.id] = ch;
    return hc.stats().unknown == 0;
  }));
  EXPECT_EQ(last["ok"].state, HealthState::kUp);
  EXPECT_EQ(last["ok"].reason, "http status 200");
  EXPECT_EQ(last["503"].state, HealthState::kDown);
  EXPECT_EQ(last["503"].reason, "http status 503");
  EXPECT_EQ(last["garbage"].state, HealthState::kDown);
  EXPECT_EQ(last["garbage"].reason, "http: bad version in \"garbage\\r\\n\\r\\n\"");
  EXPECT_EQ(last["closed"].state, HealthState::kDown);
  EXPECT_EQ(last["closed"].reason, "http: connection closed before the end of the header");
  EXPECT_EQ(last["short"].state, HealthState::kUp);
  EXPECT_EQ(last["short"].reason, "http status 200");
  EXPECT_EQ(last["2000"].state, HealthState::kDown);
  EXPECT_EQ(last["2000"].reason, "http: bad status in \"HTTP/1.1 2000 OK\"");
  EXPECT_EQ(last["unended"].state, HealthState::kDown);
  EXPECT_EQ(last["unended"].reason, "http: connection closed before the end of the header");
  EXPECT_EQ(last["big"].state, HealthState::kDown);
  EXPECT_EQ(last["big"].reason.rfind("http: header limit exceeded in \"HTTP/1.1 200 OK", 0), 0u)
      << last["big"].reason;
  EXPECT_EQ(last["chunked"].state, HealthState::kUp);  // the body is never read
  EXPECT_EQ(last["want503"].state, HealthState::kUp);
  EXPECT_EQ(last["want503"].reason, "http status 503");

  EXPECT_EQ(srv.last_request(0),
            "GET /healthz?full=1 HTTP/1.1\r\nHost: [::1]:" + std::to_string(srv.port(0)) +
                "\r\nConnection: close\r\nUser-Agent: v6lbd\r\n\r\n");
}

TEST(Health, CheckPortOverridesTargetPort) {
  TestServer srv({{Mode::kClose}});
  ClosedPort closed;
  HealthCheckConfig to_srv = fast_check();
  to_srv.rise = 1;
  to_srv.fall = 1;
  HealthCheckConfig to_closed = to_srv;
  to_srv.port = srv.port();
  to_closed.port = closed.port();
  HealthChecker hc;
  hc.set_targets({target("probe-elsewhere-up", closed.port(), to_srv),
                  target("probe-elsewhere-down", srv.port(), to_closed)});
  ASSERT_TRUE(poll_until(hc, 2000, [&] { return hc.stats().unknown == 0; }));
  EXPECT_EQ(hc.state("probe-elsewhere-up"), HealthState::kUp);
  EXPECT_EQ(hc.state("probe-elsewhere-down"), HealthState::kDown);
}

TEST(Health, TypeNoneIsUpWithoutProbes) {
  ClosedPort closed;
  HealthChecker first;
  first.set_targets({target("a", closed.port(), fast_check(HealthCheckType::kNone))});
  HealthChecker hc = std::move(first);
  EXPECT_EQ(hc.state("a"), HealthState::kUp);
  EXPECT_EQ(hc.next_timeout_ms(), -1);
  hc.poll(300);
  EXPECT_EQ(hc.state("a"), HealthState::kUp);
  EXPECT_TRUE(hc.take_changes().empty());
  const HealthStats s = hc.stats();
  EXPECT_EQ(s.probes_sent, 0u);
  EXPECT_EQ(s.up, 1u);
  EXPECT_EQ(hc.status("a")->last_result, "");
  EXPECT_FALSE(hc.status("nope").has_value());
}

TEST(Health, SetTargetsKeepsStateOfUnchangedTargets) {
  TestServer srv({{Mode::kClose}});
  HealthChecker hc;
  const HealthCheckConfig c = fast_check();
  hc.set_targets({target("a", srv.port(), c), target("b", srv.port(), c)});
  ASSERT_TRUE(poll_until(hc, 2000, [&] { return hc.stats().up == 2; }));
  // b's change is still queued when b goes away: it must not be reported.
  hc.set_targets({target("a", srv.port(), c), target("c", srv.port(), c)});
  auto changes = hc.take_changes();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].id, "a");
  EXPECT_EQ(hc.state("a"), HealthState::kUp);
  EXPECT_EQ(hc.state("c"), HealthState::kUnknown);
  EXPECT_FALSE(hc.contains("b"));
  EXPECT_EQ(hc.state("b"), HealthState::kUnknown);

  // a keeps its state across further probes and a no-op reload.
  hc.set_targets({target("a", srv.port(), c), target("c", srv.port(), c)});
  ASSERT_TRUE(poll_until(hc, 2000, [&] { return hc.state("c") == HealthState::kUp; }));
  changes = hc.take_changes();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].id, "c");

  // A changed check keeps the verdict and counts afresh under the new check.
  HealthCheckConfig slower = c;
  slower.interval_ms = 200;
  hc.set_targets({target("a", srv.port(), slower), target("c", srv.port(), c)});
  EXPECT_TRUE(hc.take_changes().empty());
  EXPECT_EQ(hc.state("a"), HealthState::kUp);
  EXPECT_EQ(hc.status("a")->consecutive_ok, 0u);
  hc.poll(450);
  EXPECT_GE(hc.status("a")->consecutive_ok, 1u);
  EXPECT_EQ(hc.state("a"), HealthState::kUp);

  // A down target switched to `none` is up at once, and says so.
  ClosedPort closed;
  HealthCheckConfig once = c;
  once.fall = 1;
  hc.set_targets({target("a", srv.port(), slower), target("c", closed.port(), once)});
  ASSERT_TRUE(poll_until(hc, 2000, [&] { return hc.state("c") == HealthState::kDown; }));
  hc.take_changes();
  hc.set_targets({target("a", srv.port(), slower),
                  target("c", closed.port(), fast_check(HealthCheckType::kNone))});
  changes = hc.take_changes();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].id, "c");
  EXPECT_EQ(changes[0].state, HealthState::kUp);
  EXPECT_EQ(changes[0].previous, HealthState::kDown);
  EXPECT_EQ(changes[0].reason, "health check changed");

  // Duplicate ids: the first wins.
  hc.set_targets({target("d", srv.port(), c), target("d", 1, fast_check(HealthCheckType::kNone))});
  EXPECT_EQ(hc.stats().targets, 1u);
  EXPECT_EQ(hc.state("d"), HealthState::kUnknown);
}

TEST(Health, RemovingTargetsCancelsRunningProbes) {
  raise_nofile();
  const size_t fds0 = open_fds();
  {
    TestServer srv({{Mode::kSilent}});
    HealthCheckConfig c = fast_check(HealthCheckType::kHttp);
    c.interval_ms = 400;
    c.timeout_ms = 350;
    std::vector<HealthTarget> targets;
    targets.reserve(50);
    for (int i = 0; i < 50; ++i) targets.push_back(target(numbered("t", i), srv.port(), c));
    HealthChecker hc;
    hc.set_targets(targets);
    // Every target's first probe starts within one interval and is still waiting for an answer
    // when the last one starts, unless that one was late.
    ASSERT_TRUE(poll_until(hc, 1000, [&] { return hc.stats().probes_sent == 50; }));
    const uint32_t running = hc.stats().in_flight;
    EXPECT_GT(running, 0u);
    hc.set_targets({});
    EXPECT_EQ(hc.stats().in_flight, 0u);
    EXPECT_EQ(hc.stats().probes_aborted, running);
    EXPECT_EQ(hc.next_timeout_ms(), -1);
  }
  EXPECT_EQ(open_fds(), fds0);
}

TEST(Health, FirstProbeOffsetIsDeterministicPerId) {
  HealthCheckConfig c = fast_check();
  c.interval_ms = 60000;
  HealthChecker a, b;
  a.set_targets({target("web/[2001:db8::10]:80", 80, c)});
  b.set_targets({target("web/[2001:db8::10]:80", 80, c)});
  EXPECT_NEAR(a.next_timeout_ms(), b.next_timeout_ms(), 5);
  EXPECT_GE(a.next_timeout_ms(), 0);
  EXPECT_LE(a.next_timeout_ms(), 60000);
}

TEST(Health, SteadyStateProbesAllocateNothing) {
  TestServer srv({{Mode::kClose}, {Mode::kHttp, "HTTP/1.1 200 OK\r\n\r\n"}});
  TestClock tc;
  HealthChecker hc(tc.clock());
  std::vector<HealthTarget> targets;
  for (int i = 0; i < 100; ++i) {
    targets.push_back(target(numbered("tcp", i), srv.port(0), fast_check()));
    targets.push_back(target(numbered("http", i), srv.port(1), fast_check(HealthCheckType::kHttp)));
  }
  hc.set_targets(targets);
  run_for(hc, tc, 3 * fast_check().interval_ms, 5, true, [] {});
  ASSERT_EQ(hc.stats().up, 200u);
  hc.take_changes();
  const uint64_t sent0 = hc.stats().probes_sent;
  g_allocs = 0;
  g_count_allocs = true;
  run_for(hc, tc, 500, 5, true, [] {});
  g_count_allocs = false;
  const HealthStats s = hc.stats();
  EXPECT_EQ(s.probes_sent - sent0, 1000u);  // 200 targets, one probe each per 100 ms
  EXPECT_EQ(s.probes_failed, 0u);
  EXPECT_EQ(g_allocs.load(), 0u);
}

// 2,000 backends sharing four ports: all up within rise intervals of their first probe, probed
// once per interval each, spread evenly over the interval rather than in bursts.
TEST(Health, TwoThousandTargets) {
  raise_nofile();
  constexpr int kTargets = 2000;
  TestServer srv({{Mode::kClose}, {Mode::kClose}, {Mode::kClose}, {Mode::kClose}});
  HealthCheckConfig c = fast_check();
  c.interval_ms = 500;
  c.timeout_ms = 400;
  std::vector<HealthTarget> targets;
  targets.reserve(kTargets);
  for (int i = 0; i < kTargets; ++i)
    targets.push_back(target(numbered("svc/[::1]:", i), srv.port(i % 4), c));
  TestClock tc;
  HealthChecker hc(tc.clock());
  hc.set_targets(std::move(targets));

  // First interval in 50 ms slices: each slice starts about a tenth of the targets, and the
  // interval starts every one of them once.
  std::vector<uint64_t> slices;
  uint64_t prev = 0;
  for (int i = 0; i < 10; ++i) {
    run_for(hc, tc, 50, 5, true, [] {});
    const uint64_t sent = hc.stats().probes_sent;
    slices.push_back(sent - prev);
    prev = sent;
  }
  EXPECT_EQ(prev, uint64_t(kTargets));
  const uint64_t busiest = *std::max_element(slices.begin(), slices.end());
  EXPECT_LT(busiest, 1.5 * kTargets / 10) << "probes come in bursts";

  // Up at the rise-th probe: by the end of the rise-th interval, all of them.
  run_for(hc, tc, int(c.rise - 1) * c.interval_ms, 5, true, [] {});
  EXPECT_EQ(hc.stats().up, uint32_t(kTargets));
  EXPECT_EQ(hc.take_changes().size(), size_t(kTargets));

  // Steady state: exactly one probe per target and interval.
  const uint64_t sent0 = hc.stats().probes_sent;
  run_for(hc, tc, 4 * c.interval_ms, 5, true, [] {});
  const uint64_t sent = hc.stats().probes_sent - sent0;
  std::printf(
      "[ health ] %d targets, interval %u ms: %llu probes in 4 intervals, busiest 50 ms "
      "slice of the first interval %llu probes\n",
      kTargets, c.interval_ms, (unsigned long long)sent, (unsigned long long)busiest);
  EXPECT_EQ(sent, 4u * kTargets);
  const HealthStats s = hc.stats();
  EXPECT_EQ(s.probes_failed, 0u);
  EXPECT_EQ(s.local_errors, 0u);
  EXPECT_EQ(s.up, uint32_t(kTargets));
}

// 2,000 probes open at once: an http server that accepts and never answers keeps every socket
// waiting for its timeout, and all 2,000 timers fire.
TEST(Health, TwoThousandConcurrentTimeouts) {
  raise_nofile();
  constexpr int kTargets = 2000;
  TestServer srv({{Mode::kSilent}, {Mode::kSilent}, {Mode::kSilent}, {Mode::kSilent}});
  HealthCheckConfig c = fast_check(HealthCheckType::kHttp);
  c.interval_ms = 1000;
  c.timeout_ms = 900;
  c.fall = 1;
  std::vector<HealthTarget> targets;
  targets.reserve(kTargets);
  for (int i = 0; i < kTargets; ++i)
    targets.push_back(target(numbered("svc/[::1]:", i), srv.port(i % 4), c));
  TestClock tc;
  HealthChecker hc(tc.clock());
  hc.set_targets(std::move(targets));
  uint32_t max_in_flight = 0;
  run_for(hc, tc, 2 * c.interval_ms, 10, false,
          [&] { max_in_flight = std::max(max_in_flight, hc.stats().in_flight); });
  EXPECT_EQ(hc.stats().down, uint32_t(kTargets));
  std::printf("[ health ] %d silent http targets: at most %u probes open at once\n", kTargets,
              max_in_flight);
  EXPECT_GT(max_in_flight, 1500u);  // ~90% of the targets wait at the end of the first interval
  for (const HealthChange& ch : hc.take_changes()) {
    EXPECT_EQ(ch.state, HealthState::kDown);
    EXPECT_EQ(ch.reason, "timeout after 900 ms waiting for http status");
  }
  EXPECT_EQ(hc.stats().local_errors, 0u);
}

}  // namespace
}  // namespace v6lb
