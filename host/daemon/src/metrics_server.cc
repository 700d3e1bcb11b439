#include "v6lb/daemon/metrics_server.h"

#include <netdb.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "v6lb/daemon/accept_client.h"

namespace v6lb {

namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr int kMaxAcceptsPerPoll = 16;
// After the response a client may still be sending (a POST body); reading it before closing keeps
// the kernel from answering with a RST that can destroy the response in flight.
constexpr size_t kMaxDiscard = 64 * 1024;
constexpr auto kDrainTimeout = std::chrono::seconds(2);
constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

std::string errno_text(int e) { return std::strerror(e); }

std::optional<uint16_t> parse_port(std::string_view s) {
  unsigned v = 0;
  if (s.empty() || s.size() > 5) return std::nullopt;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v > 65535) return std::nullopt;
  return uint16_t(v);
}

bool valid_metric_name(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

bool valid_label_name(std::string_view s) {
  // ':' is reserved for metric names and "__" prefixes for Prometheus' own labels.
  return valid_metric_name(s) && s.find(':') == std::string_view::npos && !s.starts_with("__");
}

// HELP text escapes backslash and newline; label values also escape the double quote.
std::string escape(std::string_view s, bool quote) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quote) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

std::string format_double(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, v);  // shortest exact round trip
  return std::string(buf, res.ptr);
}

}  // namespace

std::optional<ListenAddress> parse_listen_address(std::string_view text, std::string& err) {
  std::string_view host, port_text;
  bool bracketed = false;
  if (text.starts_with('[')) {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) {
      err = "listen address '" + std::string(text) + "': missing ']'";
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    const std::string_view rest = text.substr(close + 1);
    if (!rest.starts_with(':')) {
      err = "listen address '" + std::string(text) + "': expected [address]:port";
      return std::nullopt;
    }
    port_text = rest.substr(1);
    bracketed = true;
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      err = "listen address '" + std::string(text) + "': expected host:port";
      return std::nullopt;
    }
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      err = "listen address '" + std::string(text) +
            "': write an IPv6 address in brackets, e.g. [::1]:9109";
      return std::nullopt;
    }
  }
  const std::optional<uint16_t> port = parse_port(port_text);
  if (!port) {
    err = "listen address '" + std::string(text) + "': bad port '" + std::string(port_text) + "'";
    return std::nullopt;
  }

  ListenAddress la;
  if (!bracketed && (host.empty() || host == "*")) {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&la.addr);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_addr = in6addr_any;
    sin6->sin6_port = htons(*port);
    la.len = sizeof(sockaddr_in6);
    la.any = true;
    return la;
  }
  addrinfo hints{};
  hints.ai_family = bracketed ? AF_INET6 : AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | (bracketed ? AI_NUMERICHOST : 0);
  addrinfo* res = nullptr;
  const std::string host_str(host), port_str = std::to_string(*port);
  const int rc = ::getaddrinfo(host_str.c_str(), port_str.c_str(), &hints, &res);
  if (rc != 0 || res == nullptr) {
    err = "listen address '" + std::string(text) + "': " +
          (bracketed ? std::string("not an IPv6 address") : std::string(::gai_strerror(rc)));
    return std::nullopt;
  }
  std::memcpy(&la.addr, res->ai_addr, res->ai_addrlen);
  la.len = res->ai_addrlen;
  ::freeaddrinfo(res);
  return la;
}

std::string format_address(const sockaddr* sa) {
  char host[NI_MAXHOST], serv[NI_MAXSERV];
  const socklen_t len = sa->sa_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
  if (sa->sa_family != AF_INET6 && sa->sa_family != AF_INET) return "?";
  if (::getnameinfo(sa, len, host, sizeof host, serv, sizeof serv,
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
    return "?";
  }
  return sa->sa_family == AF_INET6 ? "[" + std::string(host) + "]:" + serv
                                   : std::string(host) + ":" + serv;
}

// ---------------------------------------------------------------------------------------------
// MetricsServer

namespace {

// Beast insists on CRLF line ends; RFC 9112, 2.2 lets a server accept a bare LF too, and the
// server before Beast did (a request typed into nc has them). This read stream hands Beast the
// socket's bytes with every bare LF of the request head turned into CRLF, the rest unchanged.
class LfTolerantStream {
 public:
  using executor_type = tcp::socket::executor_type;

  explicit LfTolerantStream(tcp::socket& s) : s_(s) {}
  executor_type get_executor() noexcept { return s_.get_executor(); }

  template <typename Buffers, typename Handler>
  auto async_read_some(const Buffers& buffers, Handler&& handler) {
    return asio::async_initiate<Handler, void(boost::system::error_code, std::size_t)>(
        [this](auto h, const Buffers& b) { this->start(b, std::move(h)); }, handler, buffers);
  }

 private:
  template <typename Buffers, typename H>
  void start(const Buffers& b, H h) {
    if (off_ < ready_.size()) {  // left over from the last read: no need to wait
      const size_t n = take(b);
      asio::post(s_.get_executor(),
                 [h = std::move(h), n]() mutable { h(boost::system::error_code(), n); });
      return;
    }
    s_.async_read_some(asio::buffer(raw_),
                       [this, b, h = std::move(h)](boost::system::error_code ec, size_t n) mutable {
                         size_t out = 0;
                         if (n > 0) {
                           convert(n);
                           out = take(b);
                         }
                         h(ec, out);
                       });
  }

  void convert(size_t n) {
    for (size_t i = 0; i < n; ++i) {
      const char c = raw_[i];
      if (in_head_ && c == '\n') {
        if (prev_ != '\r') ready_ += '\r';
        ready_ += '\n';
        if (blank_line_) in_head_ = false;  // the empty line that ends the head
        blank_line_ = true;
      } else {
        ready_ += c;
        if (c != '\r') blank_line_ = false;
      }
      prev_ = c;
    }
  }

  template <typename Buffers>
  size_t take(const Buffers& b) {
    const size_t n = asio::buffer_copy(b, asio::buffer(ready_.data() + off_, ready_.size() - off_));
    off_ += n;
    if (off_ == ready_.size()) {
      ready_.clear();
      off_ = 0;
    }
    return n;
  }

  tcp::socket& s_;
  std::array<char, 4096> raw_{};
  std::string ready_;  // converted bytes Beast has not taken yet
  size_t off_ = 0;
  char prev_ = 0;
  bool in_head_ = true;
  bool blank_line_ = false;
};

bool is_http_error(const beast::error_code& ec) {
  return ec.category() == make_error_code(http::error::bad_target).category();
}

}  // namespace

class MetricsServer::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(MetricsServer& srv, uint64_t id, tcp::socket sock)
      : srv_(&srv), id_(id), sock_(std::move(sock)), stream_(sock_), timer_(sock_.get_executor()) {
    parser_.header_limit(kMaxRequestBytes);
    parser_.body_limit(kMaxDiscard);
  }

  void start() {
    arm_timer(Clock::now() + kClientTimeout);
    http::async_read(stream_, buf_, parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       self->guard([&] { self->on_read(ec); });
                     });
  }

  // The server is going away: stop, and never touch it again.
  void detach() {
    srv_ = nullptr;
    close();
  }

 private:
  // No exception leaves a handler: losing one scrape beats losing the daemon.
  template <typename F>
  void guard(F&& f) {
    if (!srv_) return;
    try {
      f();
    } catch (...) {
      finish();
    }
  }

  void on_read(const beast::error_code& ec) {
    if (closed_ || ec == asio::error::operation_aborted) return;
    if (ec && !parser_.is_header_done()) {
      // The client left before finishing its request, or the connection failed: no answer.
      if (!is_http_error(ec) || ec == http::error::end_of_stream ||
          ec == http::error::partial_message) {
        finish();
        return;
      }
      if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
        error_response(431);
      } else if (ec == http::error::bad_version && names_http_version()) {
        error_response(505);  // well formed, but Beast speaks only HTTP/1.0 and 1.1
      } else {
        error_response(400);
      }
    } else {
      // A complete request, or a head whose body went wrong (too long, say): the head decides.
      respond(parser_.get());
    }
    http::async_write(sock_, res_, [self = shared_from_this()](beast::error_code wec, size_t) {
      self->guard([&] { self->on_written(wec); });
    });
  }

  // Beast rejects every version but 1.0 and 1.1 alike; one that still reads "HTTP/..." (HTTP/2.0
  // sent in clear text, say) is answered 505 rather than 400. The refused request line is still
  // in the buffer: Beast consumes a line only once it parsed.
  bool names_http_version() const {
    const auto data = buf_.cdata();
    std::string_view line(static_cast<const char*>(data.data()), data.size());
    line = line.substr(0, line.find_first_of("\r\n"));
    const size_t sp1 = line.find(' ');
    const size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    return sp2 != std::string_view::npos && line.substr(sp2 + 1).starts_with("HTTP/");
  }

  void respond(const http::request<http::string_body>& req) {
    const bool head_only = req.method() == http::verb::head;
    if (req.version() != 10 && req.version() != 11) return error_response(505);
    std::string_view target(req.target().data(), req.target().size());
    // absolute-form (what a client sends through a proxy): keep only the path.
    if (const size_t scheme = target.find("://"); scheme != std::string_view::npos) {
      const size_t path = target.find('/', scheme + 3);
      target = path == std::string_view::npos ? "/" : target.substr(path);
    }
    if (!target.starts_with('/')) return error_response(400);
    target = target.substr(0, target.find_first_of("?#"));

    if (target != "/metrics") return error_response(404, head_only);
    if (req.method() != http::verb::get && !head_only) {
      return error_response(405, false, /*allow=*/true);
    }
    if (!srv_->render_) return error_response(503, head_only);
    try {
      return response(200, kMetricsContentType, srv_->render_(), head_only);
    } catch (const std::exception& e) {
      spdlog::warn("metrics: rendering failed: {}", e.what());
    } catch (...) {
      spdlog::warn("metrics: rendering failed");
    }
    error_response(500, head_only);
  }

  void response(int status, std::string_view content_type, std::string body, bool head_only,
                bool allow = false) {
    res_ = {};
    res_.version(11);
    res_.result(unsigned(status));  // the reason phrase is Beast's, the standard one
    res_.set(http::field::content_type,
             beast::string_view(content_type.data(), content_type.size()));
    res_.set(http::field::content_length, std::to_string(body.size()));
    if (allow) res_.set(http::field::allow, "GET, HEAD");
    res_.set(http::field::connection, "close");
    if (!head_only) res_.body() = std::move(body);
  }

  void error_response(int status, bool head_only = false, bool allow = false) {
    const beast::string_view reason = http::obsolete_reason(http::int_to_status(unsigned(status)));
    response(status, "text/plain; charset=utf-8", std::string(reason) + "\n", head_only, allow);
  }

  void on_written(const beast::error_code& ec) {
    if (closed_ || ec == asio::error::operation_aborted) return;
    if (ec) {
      finish();
      return;
    }
    // Half-close: the client sees the end of the response while we drain what it still sends.
    beast::error_code ignored;
    sock_.shutdown(tcp::socket::shutdown_send, ignored);
    discarded_ = buf_.size();
    arm_timer(std::min(deadline_, Clock::now() + kDrainTimeout));
    drain();
  }

  void drain() {
    sock_.async_read_some(asio::buffer(discard_),
                          [self = shared_from_this()](beast::error_code ec, size_t n) {
                            self->guard([&] {
                              if (self->closed_ || ec == asio::error::operation_aborted) return;
                              self->discarded_ += n;
                              if (ec || self->discarded_ > kMaxDiscard) {
                                self->finish();  // EOF (done) or a client that will not stop
                              } else {
                                self->drain();
                              }
                            });
                          });
  }

  void arm_timer(Clock::time_point deadline) {
    deadline_ = deadline;
    timer_.expires_at(deadline);  // cancels the wait before, if any
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec) self->guard([&] { self->finish(); });
    });
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    beast::error_code ignored;
    sock_.close(ignored);  // pending operations end with operation_aborted
    timer_.cancel();
  }

  void finish() {
    close();
    if (MetricsServer* srv = srv_) {
      srv_ = nullptr;
      srv->remove(id_);  // may drop the server's reference; our handlers hold one
    }
  }

  MetricsServer* srv_;
  uint64_t id_;
  tcp::socket sock_;
  LfTolerantStream stream_;
  asio::steady_timer timer_;
  beast::flat_buffer buf_{2 * kMaxRequestBytes};
  http::request_parser<http::string_body> parser_;
  http::response<http::string_body> res_;
  std::array<char, 16 * 1024> discard_{};
  size_t discarded_ = 0;
  Clock::time_point deadline_;
  bool closed_ = false;
};

std::unique_ptr<MetricsServer> MetricsServer::open(asio::io_context& io, const std::string& listen,
                                                   std::string& err) {
  const std::optional<ListenAddress> la = parse_listen_address(listen, err);
  if (!la) return nullptr;

  std::unique_ptr<MetricsServer> srv(new MetricsServer(io));
  const int family = la->addr.ss_family;
  UniqueFd listen_fd(::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!listen_fd) {
    err = "socket: " + errno_text(errno);
    return nullptr;
  }
  const int one = 1, zero = 0;
  ::setsockopt(listen_fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (la->any) {
    // Whatever net.ipv6.bindv6only says, "every address" includes IPv4.
    ::setsockopt(listen_fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
  }
  if (::bind(listen_fd.get(), reinterpret_cast<const sockaddr*>(&la->addr), la->len) != 0) {
    err = "cannot bind " + format_address(reinterpret_cast<const sockaddr*>(&la->addr)) + ": " +
          errno_text(errno);
    return nullptr;
  }
  if (::listen(listen_fd.get(), SOMAXCONN) != 0) {
    err = "listen: " + errno_text(errno);
    return nullptr;
  }
  socklen_t len = sizeof srv->bound_;
  if (::getsockname(listen_fd.get(), reinterpret_cast<sockaddr*>(&srv->bound_), &len) != 0) {
    err = "getsockname: " + errno_text(errno);
    return nullptr;
  }
  try {
    MetricsServer* s = srv.get();
    srv->listener_ =
        std::make_unique<Listener>(io, std::move(listen_fd), "metrics", kMaxAcceptsPerPoll,
                                   [s](UniqueFd fd) { s->add_client(std::move(fd)); });
  } catch (const std::exception& e) {  // the io_context refused the descriptor
    err = std::string("metrics: ") + e.what();
    return nullptr;
  }
  srv->listener_->start();
  return srv;
}

MetricsServer::~MetricsServer() {
  for (auto& [id, s] : sessions_) s->detach();
  sessions_.clear();
}

uint16_t MetricsServer::port() const {
  if (bound_.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&bound_)->sin6_port);
  }
  return ntohs(reinterpret_cast<const sockaddr_in*>(&bound_)->sin_port);
}

void MetricsServer::add_client(UniqueFd fd) {
  tcp::socket sock(io_);
  boost::system::error_code ec;
  sock.assign(bound_.ss_family == AF_INET6 ? tcp::v6() : tcp::v4(), fd.get(), ec);
  if (ec) return;  // fd closes with `fd`
  fd.release();
  const uint64_t id = next_id_++;
  auto session = std::make_shared<Session>(*this, id, std::move(sock));
  sessions_.emplace(id, session);
  listener_->set_full(sessions_.size() >= kMaxClients);
  session->start();
}

void MetricsServer::remove(uint64_t id) {
  sessions_.erase(id);
  listener_->set_full(sessions_.size() >= kMaxClients);
}

// ---------------------------------------------------------------------------------------------
// PromText

PromText::Family& PromText::family(std::string_view name, std::string_view help, const char* type) {
  if (!valid_metric_name(name)) {
    throw std::invalid_argument("bad metric name '" + std::string(name) + "'");
  }
  const auto [it, fresh] = index_.try_emplace(std::string(name), families_.size());
  if (!fresh) {
    Family& f = families_[it->second];
    if (f.type != type) {
      throw std::invalid_argument("metric " + std::string(name) + " is a " + f.type + ", not a " +
                                  type);
    }
    return f;
  }
  Family& f = families_.emplace_back();
  f.type = type;
  f.header = "# HELP " + std::string(name) + " " + escape(help, false) + "\n# TYPE " +
             std::string(name) + " " + type + "\n";
  return f;
}

void PromText::sample(Family& f, std::string_view name, const Labels& labels,
                      std::string_view value) {
  std::string line(name);
  if (!labels.empty()) {
    line += '{';
    for (size_t i = 0; i < labels.size(); ++i) {
      if (!valid_label_name(labels[i].first)) {
        throw std::invalid_argument("bad label name '" + labels[i].first + "'");
      }
      if (i) line += ',';
      line += labels[i].first + "=\"" + escape(labels[i].second, true) + '"';
    }
    line += '}';
  }
  line += ' ';
  line += value;
  line += '\n';
  f.samples += line;
}

void PromText::counter(std::string_view name, std::string_view help, const Labels& labels,
                       uint64_t value) {
  sample(family(name, help, "counter"), name, labels, std::to_string(value));
}

void PromText::gauge(std::string_view name, std::string_view help, const Labels& labels,
                     double value) {
  sample(family(name, help, "gauge"), name, labels, format_double(value));
}

std::string PromText::str() const {
  std::string out;
  for (const Family& f : families_) {
    out += f.header;
    out += f.samples;
  }
  return out;
}

}  // namespace v6lb
