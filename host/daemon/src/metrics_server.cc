#include "v6lb/daemon/metrics_server.h"

#include <netdb.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "v6lb/daemon/accept_client.h"

namespace v6lb {

namespace {

constexpr uint64_t kListenerId = 0;
constexpr uint64_t kTimerId = 1;
constexpr int kMaxEvents = 64;
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

std::string http_response(int status, std::string_view reason, std::string_view content_type,
                          std::string_view body, bool head_only, std::string_view extra = {}) {
  std::string r = "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) + "\r\n";
  r += "Content-Type: " + std::string(content_type) + "\r\n";
  r += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  r += extra;
  r += "Connection: close\r\n\r\n";
  if (!head_only) r += body;
  return r;
}

std::string error_response(int status, std::string_view reason, bool head_only = false,
                           std::string_view extra = {}) {
  return http_response(status, reason, "text/plain; charset=utf-8", std::string(reason) + "\n",
                       head_only, extra);
}

// Where the request head ends (just past the blank line), or npos. Bare '\n' line ends are
// accepted too, as RFC 9112 recommends for robustness.
size_t head_end(std::string_view s) {
  const size_t crlf = s.find("\r\n\r\n");
  const size_t lf = s.find("\n\n");
  if (crlf == std::string_view::npos && lf == std::string_view::npos) return std::string_view::npos;
  if (lf == std::string_view::npos || (crlf != std::string_view::npos && crlf < lf)) {
    return crlf + 4;
  }
  return lf + 2;
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

std::unique_ptr<MetricsServer> MetricsServer::open(const std::string& listen, std::string& err) {
  const std::optional<ListenAddress> la = parse_listen_address(listen, err);
  if (!la) return nullptr;

  std::unique_ptr<MetricsServer> srv(new MetricsServer());
  const int family = la->addr.ss_family;
  srv->listen_.reset(::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!srv->listen_) {
    err = "socket: " + errno_text(errno);
    return nullptr;
  }
  const int one = 1, zero = 0;
  ::setsockopt(srv->listen_.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (la->any) {
    // Whatever net.ipv6.bindv6only says, "every address" includes IPv4.
    ::setsockopt(srv->listen_.get(), IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
  }
  if (::bind(srv->listen_.get(), reinterpret_cast<const sockaddr*>(&la->addr), la->len) != 0) {
    err = "cannot bind " + format_address(reinterpret_cast<const sockaddr*>(&la->addr)) + ": " +
          errno_text(errno);
    return nullptr;
  }
  if (::listen(srv->listen_.get(), SOMAXCONN) != 0) {
    err = "listen: " + errno_text(errno);
    return nullptr;
  }
  socklen_t len = sizeof srv->bound_;
  if (::getsockname(srv->listen_.get(), reinterpret_cast<sockaddr*>(&srv->bound_), &len) != 0) {
    err = "getsockname: " + errno_text(errno);
    return nullptr;
  }
  srv->epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
  srv->timer_.reset(::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
  if (!srv->epoll_ || !srv->timer_) {
    err = "epoll/timerfd: " + errno_text(errno);
    return nullptr;
  }
  for (const auto& [fd, id] :
       {std::pair{srv->listen_.get(), kListenerId}, std::pair{srv->timer_.get(), kTimerId}}) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = id;
    if (::epoll_ctl(srv->epoll_.get(), EPOLL_CTL_ADD, fd, &ev) != 0) {
      err = "epoll_ctl: " + errno_text(errno);
      return nullptr;
    }
  }
  return srv;
}

MetricsServer::~MetricsServer() = default;

uint16_t MetricsServer::port() const {
  if (bound_.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&bound_)->sin6_port);
  }
  return ntohs(reinterpret_cast<const sockaddr_in*>(&bound_)->sin_port);
}

void MetricsServer::poll(int timeout_ms) {
  if (!listening_ && clients_.size() < kMaxClients &&
      std::chrono::steady_clock::now() >= resume_at_) {
    set_listening(true);
  }
  epoll_event events[kMaxEvents];
  const int n = ::epoll_wait(epoll_.get(), events, kMaxEvents, timeout_ms);
  for (int i = 0; i < n; ++i) {
    const uint64_t id = events[i].data.u64;
    try {
      if (id == kListenerId) {
        accept_clients();
      } else if (id == kTimerId) {
        expire_clients();
      } else {
        on_client_event(id, events[i].events);
      }
    } catch (...) {
      // Only allocation failure gets here. Losing one scrape beats losing the daemon.
      if (id > kTimerId) close_client(id);
    }
  }
}

void MetricsServer::accept_clients() {
  for (int i = 0; i < kMaxAcceptsPerPoll && listening_; ++i) {
    if (clients_.size() >= kMaxClients) {
      resume_at_ = {};
      set_listening(false);
      return;
    }
    AcceptResult a = accept_client(listen_.get(), "metrics");
    if (!a.fd) {
      if (a.pause) {
        resume_at_ = std::chrono::steady_clock::now() + std::chrono::seconds(1);
        set_listening(false);
      }
      return;
    }
    const uint64_t id = next_id_++;
    if (!epoll_watch(epoll_.get(), a.fd.get(), id)) continue;
    Client& c = clients_[id];
    c.fd = std::move(a.fd);
    c.events = EPOLLIN;
    c.deadline = std::chrono::steady_clock::now() + kClientTimeout;
    set_timer(true);
  }
}

void MetricsServer::on_client_event(uint64_t id, uint32_t events) {
  const auto it = clients_.find(id);
  if (it == clients_.end()) return;
  Client& c = it->second;

  if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && !read_request(c)) {
    close_client(id);
    return;
  }
  if (c.responded && !c.draining) {
    if (!flush(c)) {
      close_client(id);
      return;
    }
    if (c.out_off == c.out.size()) {
      // Half-close: the client sees the end of the response while we drain what it still sends.
      ::shutdown(c.fd.get(), SHUT_WR);
      c.draining = true;
      c.deadline = std::min(c.deadline, std::chrono::steady_clock::now() + kDrainTimeout);
    }
  }
  const uint32_t want = c.responded && !c.draining ? EPOLLOUT : EPOLLIN;
  if (want != c.events) {
    epoll_event ev{};
    ev.events = want;
    ev.data.u64 = id;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, c.fd.get(), &ev) == 0) c.events = want;
  }
}

bool MetricsServer::read_request(Client& c) {
  char buf[16 * 1024];
  for (;;) {
    const ssize_t n = ::recv(c.fd.get(), buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK;
    }
    if (n == 0) return c.responded && !c.draining;  // EOF: done, unless a response is pending
    if (c.responded) {
      c.discarded += size_t(n);
      if (c.discarded > kMaxDiscard) return false;
      continue;
    }
    c.in.append(buf, size_t(n));
    const size_t end = head_end(c.in);
    if (end == std::string::npos && c.in.size() <= kMaxRequestBytes) continue;
    c.out = end == std::string::npos || end > kMaxRequestBytes
                ? error_response(431, "Request Header Fields Too Large")
                : respond(std::string_view(c.in).substr(0, end));
    c.discarded = c.in.size() - std::min(end, c.in.size());
    c.in.clear();
    c.in.shrink_to_fit();
    c.responded = true;
  }
}

std::string MetricsServer::respond(std::string_view head) const {
  const size_t eol = head.find('\n');
  std::string_view line = head.substr(0, eol);
  if (line.ends_with('\r')) line.remove_suffix(1);
  // request-line = method SP request-target SP HTTP-version
  const size_t sp1 = line.find(' ');
  const size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos ||
      sp1 == 0 || sp2 == sp1 + 1) {
    return error_response(400, "Bad Request");
  }
  const std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  const bool head_only = method == "HEAD";
  if (version != "HTTP/1.1" && version != "HTTP/1.0") {
    return version.starts_with("HTTP/") ? error_response(505, "HTTP Version Not Supported")
                                        : error_response(400, "Bad Request");
  }
  // absolute-form (what a client sends through a proxy): keep only the path.
  if (const size_t scheme = target.find("://"); scheme != std::string_view::npos) {
    const size_t path = target.find('/', scheme + 3);
    target = path == std::string_view::npos ? "/" : target.substr(path);
  }
  if (!target.starts_with('/')) return error_response(400, "Bad Request");
  target = target.substr(0, target.find_first_of("?#"));

  if (target != "/metrics") return error_response(404, "Not Found", head_only);
  if (method != "GET" && !head_only) {
    return error_response(405, "Method Not Allowed", false, "Allow: GET, HEAD\r\n");
  }
  if (!render_) return error_response(503, "Service Unavailable", head_only);
  try {
    return http_response(200, "OK", kMetricsContentType, render_(), head_only);
  } catch (const std::exception& e) {
    spdlog::warn("metrics: rendering failed: {}", e.what());
  } catch (...) {
    spdlog::warn("metrics: rendering failed");
  }
  return error_response(500, "Internal Server Error", head_only);
}

bool MetricsServer::flush(Client& c) {
  while (c.out_off < c.out.size()) {
    const ssize_t n = ::send(c.fd.get(), c.out.data() + c.out_off, c.out.size() - c.out_off,
                             MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      c.out_off += size_t(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    }
  }
  return true;
}

void MetricsServer::expire_clients() {
  uint64_t ticks;
  while (::read(timer_.get(), &ticks, sizeof ticks) > 0) {
  }
  const auto now = std::chrono::steady_clock::now();
  for (auto it = clients_.begin(); it != clients_.end();) {
    const auto next = std::next(it);
    if (it->second.deadline <= now) close_client(it->first);
    it = next;
  }
  if (clients_.empty()) set_timer(false);
}

void MetricsServer::set_timer(bool on) {
  if (on == timer_on_) return;
  // A coarse periodic tick while clients exist: timeouts need no precision, and no per-client
  // timer has to be re-armed on every event.
  itimerspec its{};
  if (on) its.it_value.tv_sec = its.it_interval.tv_sec = 1;
  if (::timerfd_settime(timer_.get(), 0, &its, nullptr) == 0) timer_on_ = on;
}

void MetricsServer::set_listening(bool on) {
  if (on == listening_) return;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kListenerId;
  const int rc = ::epoll_ctl(epoll_.get(), on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, listen_.get(), &ev);
  if (rc == 0) listening_ = on;
}

void MetricsServer::close_client(uint64_t id) {
  const auto it = clients_.find(id);
  if (it == clients_.end()) return;
  ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, it->second.fd.get(), nullptr);
  clients_.erase(it);
  if (!listening_ && std::chrono::steady_clock::now() >= resume_at_) set_listening(true);
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
