// The daemon's Prometheus endpoint on the daemon's io_context: GET /metrics over HTTP/1.1, one
// request per connection, requests parsed by Boost.Beast. PromText builds the exposition text so
// every metric family is well formed.
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

#include "v6lb/daemon/accept_client.h"
#include "v6lb/driver/unique_fd.h"

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

// Answers, as the hand-written server before it did:
//   GET /metrics (a query is ignored; absolute-form targets too) -> 200, the exposition text
//   HEAD /metrics                      -> the same head, no body
//   other methods on /metrics          -> 405 with "Allow: GET, HEAD"
//   any other path                     -> 404
//   no handler yet                     -> 503;  the handler throws -> 500
//   HTTP/x.y other than 1.0 and 1.1    -> 505;  a request head over kMaxRequestBytes -> 431
//   anything Beast cannot parse        -> 400
// Every response says "Connection: close": after it the server shuts down its sending side,
// discards what the client still sends (up to 64 KiB, 2 s) and closes. Bare LF line ends in the
// request head are accepted (RFC 9112, 2.2), as before.
class MetricsServer {
 public:
  using Render = std::function<std::string()>;  // the exposition text; may throw (-> 500)

  static constexpr size_t kMaxRequestBytes = 8 * 1024;  // request line and headers
  static constexpr size_t kMaxClients = 64;
  // A client that neither finishes its request nor reads its response is cut off after this.
  static constexpr std::chrono::milliseconds kClientTimeout{10000};

  // Binds (SO_REUSEADDR, so a restarted daemon does not wait out TIME_WAIT) and listens; clients
  // are then served by handlers on `io`. Port 0 picks a free port; port() tells which.
  static std::unique_ptr<MetricsServer> open(asio::io_context& io, const std::string& listen,
                                             std::string& err);

  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;
  ~MetricsServer();  // closes every connection

  // Until one is set, /metrics answers 503.
  void set_handler(Render render) { render_ = std::move(render); }

  uint16_t port() const;
  std::string address() const { return format_address(reinterpret_cast<const sockaddr*>(&bound_)); }
  size_t num_clients() const { return sessions_.size(); }

 private:
  class Session;
  friend class Session;

  explicit MetricsServer(asio::io_context& io) : io_(io) {}
  void add_client(UniqueFd fd);
  void remove(uint64_t id);

  asio::io_context& io_;
  std::unique_ptr<Listener> listener_;
  sockaddr_storage bound_{};
  uint64_t next_id_ = 1;
  std::unordered_map<uint64_t, std::shared_ptr<Session>> sessions_;
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
