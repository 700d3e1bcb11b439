// The daemon's Prometheus endpoint: just enough HTTP/1.1 for a scraper (GET /metrics, one request
// per connection), non-blocking and polled from the daemon's event loop like the ControlServer.
// PromText builds the exposition text so every metric family is well formed.
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "v6lb/daemon/control_server.h"  // UniqueFd

namespace v6lb {

struct ListenAddress {
  sockaddr_storage addr{};
  socklen_t len = 0;
  bool any = false;  // ":port" / "*:port": every IPv6 and IPv4 address
};

// Accepts "[::1]:9109", "[fe80::1%eth0]:9109", "127.0.0.1:9109", "localhost:9109" (first address
// the resolver returns), ":9109" and "*:9109". An IPv6 address needs its brackets, since
// "::1:9109" could be read either way. nullopt with err set on anything else.
std::optional<ListenAddress> parse_listen_address(std::string_view text, std::string& err);
// "[::1]:9109" or "127.0.0.1:9109".
std::string format_address(const sockaddr* sa);

class MetricsServer {
 public:
  using Render = std::function<std::string()>;  // the exposition text; may throw (-> 500)

  static constexpr size_t kMaxRequestBytes = 8 * 1024;  // request line and headers
  static constexpr size_t kMaxClients = 64;
  // A client that neither finishes its request nor reads its response is cut off after this.
  static constexpr std::chrono::milliseconds kClientTimeout{10000};

  // Binds (SO_REUSEADDR, so a restarted daemon does not wait out TIME_WAIT) and listens. Port 0
  // picks a free port; port() tells which.
  static std::unique_ptr<MetricsServer> open(const std::string& listen, std::string& err);

  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;
  ~MetricsServer();

  // Until one is set, /metrics answers 503.
  void set_handler(Render render) { render_ = std::move(render); }

  // An epoll fd, readable whenever poll(0) has work (client I/O or a client's timeout).
  int fd() const { return epoll_.get(); }
  // Waits up to timeout_ms (0: don't wait, -1: forever) and serves whatever is ready. Never throws.
  void poll(int timeout_ms);

  uint16_t port() const;
  std::string address() const { return format_address(reinterpret_cast<const sockaddr*>(&bound_)); }
  size_t num_clients() const { return clients_.size(); }

  // The complete HTTP response to one request head (request line and headers). Public so tests
  // can check routing without a socket.
  std::string respond(std::string_view head) const;

 private:
  struct Client {
    UniqueFd fd;
    std::string in;
    std::string out;
    size_t out_off = 0;
    bool responded = false;  // response queued; read no more requests
    bool draining = false;   // response sent and write side shut: discard input until EOF
    size_t discarded = 0;
    std::chrono::steady_clock::time_point deadline;
    uint32_t events = 0;
  };

  MetricsServer() = default;
  void accept_clients();
  void on_client_event(uint64_t id, uint32_t events);
  bool read_request(Client& c);  // false: close the connection
  bool flush(Client& c);         // false: the connection failed
  void expire_clients();
  void set_timer(bool on);
  void set_listening(bool on);
  void close_client(uint64_t id);

  UniqueFd listen_;
  UniqueFd epoll_;
  UniqueFd timer_;
  sockaddr_storage bound_{};
  bool timer_on_ = false;
  bool listening_ = true;
  std::chrono::steady_clock::time_point resume_at_;
  uint64_t next_id_ = 2;  // 0 and 1 tag the listener and the timer
  std::unordered_map<uint64_t, Client> clients_;
  Render render_;
};

// Prometheus text exposition format 0.0.4. Samples may be added in any order; each family is
// emitted once, in the order first seen, with its # HELP and # TYPE lines, since Prometheus rejects
// a family whose samples are split or declared twice. Bad metric or label names throw
// std::invalid_argument: they are programming errors, and the scrape then fails loudly (500).
class PromText {
 public:
  using Labels = std::vector<std::pair<std::string, std::string>>;

  // name as exposed, counters with their "_total" suffix: v6lb_packets_total{reason="..."} 3
  void counter(std::string_view name, std::string_view help, const Labels& labels, uint64_t value);
  void counter(std::string_view name, std::string_view help, uint64_t value) {
    counter(name, help, {}, value);
  }
  void gauge(std::string_view name, std::string_view help, const Labels& labels, double value);
  void gauge(std::string_view name, std::string_view help, double value) {
    gauge(name, help, {}, value);
  }

  std::string str() const;

 private:
  struct Family {
    std::string type;
    std::string header;  // # HELP and # TYPE lines
    std::string samples;
  };
  Family& family(std::string_view name, std::string_view help, const char* type);
  void sample(Family& f, std::string_view name, const Labels& labels, std::string_view value);

  std::vector<Family> families_;
  std::unordered_map<std::string, size_t> index_;
};

}  // namespace v6lb
