// Health-check capacity: HealthChecker on an Asio io_context run by one thread, exactly as v6lbd
// runs it (the change handler takes the changes), probing real listeners on [::1] that other
// threads serve (tcp: accept and close; http: read the request, answer 200, close).
//
//   health_bench --targets 2000 --interval-ms 100 --seconds 5 --type tcp
//
// Prints the probes that ended per second over the measured window (after one interval of
// warm-up), how many failed, the local errors and how many targets are up at the end. The
// offered rate is targets / interval; the figure says whether the checker keeps it.
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "v6lb/base/cli.h"
#include "v6lb/daemon/health.h"

namespace {

using Clock = std::chrono::steady_clock;

// A listener on [::1] served by a thread of its own until stop is set.
class Listener {
 public:
  Listener(bool http, const std::atomic<bool>& stop) : http_(http), stop_(stop) {
    fd_ = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in6 sa{};
    sa.sin6_family = AF_INET6;
    sa.sin6_addr = in6addr_loopback;
    const int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd_, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0 ||
        listen(fd_, 4096) != 0) {
      std::perror("health_bench: listener");
      std::exit(1);
    }
    socklen_t len = sizeof sa;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len);
    port_ = ntohs(sa.sin6_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~Listener() {
    thread_.join();
    close(fd_);
  }
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  uint16_t port() const { return port_; }

 private:
  void serve() {
    static constexpr char kAnswer[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    char buf[1024];
    while (!stop_.load(std::memory_order_relaxed)) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      const int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      if (http_) {
        // The request comes in one segment on loopback; answer and close.
        pollfd q{c, POLLIN, 0};
        if (poll(&q, 1, 1000) > 0 && recv(c, buf, sizeof buf, 0) > 0)
          (void)send(c, kAnswer, sizeof kAnswer - 1, MSG_NOSIGNAL);
      }
      close(c);
    }
  }

  bool http_;
  const std::atomic<bool>& stop_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Health-check capacity of v6lbd's checker: real probes of listeners on [::1].",
               "health_bench"};
  v6lb::cli::setup(app);
  uint32_t targets = 2000, interval_ms = 100, seconds = 5, listeners = 4;
  std::string type = "tcp";
  app.add_option("--targets", targets, "backends probed")
      ->transform(v6lb::cli::range(1, 100000))
      ->capture_default_str();
  app.add_option("--interval-ms", interval_ms, "each target's probe interval")
      ->transform(v6lb::cli::range(10, 60000))
      ->capture_default_str();
  app.add_option("--seconds", seconds, "measured time")
      ->transform(v6lb::cli::range(1, 3600))
      ->capture_default_str();
  app.add_option("--listeners", listeners, "listening sockets (one thread each)")
      ->transform(v6lb::cli::range(1, 64))
      ->capture_default_str();
  app.add_option("--type", type, "probe type")
      ->transform(v6lb::cli::one_of({"tcp", "http"}))
      ->capture_default_str();
  if (const int rc = v6lb::cli::parse(app, argc, argv); rc >= 0) return rc;

  // Probes and accepted connections: more than the usual 1,024 descriptors.
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) == 0) {
    r.rlim_cur = r.rlim_max;
    setrlimit(RLIMIT_NOFILE, &r);
  }

  std::atomic<bool> stop{false};
  std::vector<std::unique_ptr<Listener>> ls;
  for (uint32_t i = 0; i < listeners; ++i)
    ls.push_back(std::make_unique<Listener>(type == "http", stop));

  v6lb::HealthCheckConfig check;
  check.type = type == "http" ? v6lb::HealthCheckType::kHttp : v6lb::HealthCheckType::kTcp;
  check.interval_ms = interval_ms;
  check.timeout_ms = interval_ms;
  check.rise = 2;
  check.fall = 2;
  std::vector<v6lb::HealthTarget> ts;
  ts.reserve(targets);
  const v6lb::Ipv6Addr lo = *v6lb::Ipv6Addr::parse("::1");
  for (uint32_t i = 0; i < targets; ++i)
    ts.push_back(
        v6lb::HealthTarget{"bench/" + std::to_string(i), lo, ls[i % listeners]->port(), check});

  boost::asio::io_context io(1);
  uint64_t changes = 0;
  v6lb::HealthChecker* hcp = nullptr;
  v6lb::HealthChecker hc(io, {}, [&] { changes += hcp->take_changes().size(); });
  hcp = &hc;
  hc.set_targets(std::move(ts));

  // Warm-up: one interval plus the rise, then the measured window.
  io.run_for(std::chrono::milliseconds(interval_ms * (check.rise + 1)));
  const v6lb::HealthStats s0 = hc.stats();
  const auto t0 = Clock::now();
  io.run_for(std::chrono::seconds(seconds));
  const double dt = std::chrono::duration<double>(Clock::now() - t0).count();
  const v6lb::HealthStats s1 = hc.stats();
  stop = true;
  ls.clear();

  const uint64_t ended = (s1.probes_ok + s1.probes_failed) - (s0.probes_ok + s0.probes_failed);
  std::printf(
      "health_bench: %u %s targets, interval %u ms (offered %.0f probes/s): %.0f probes/s over "
      "%.2f s, %llu failed, %llu local errors, %u of %u up, %llu state changes\n",
      targets, type.c_str(), interval_ms, targets * 1000.0 / interval_ms, double(ended) / dt, dt,
      (unsigned long long)(s1.probes_failed - s0.probes_failed),
      (unsigned long long)s1.local_errors, s1.up, s1.targets, (unsigned long long)changes);
  return 0;
}
