#include "v6lb/daemon/control_server.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "v6lb/daemon/accept_client.h"

namespace v6lb {

namespace {

using nlohmann::json;

constexpr uint64_t kListenerId = 0;
constexpr int kMaxEvents = 64;
constexpr int kMaxAcceptsPerPoll = 64;  // then let clients run; epoll reports the rest again
constexpr int kMaxReadsPerEvent = 16;   // likewise, so one chatty client cannot starve others
constexpr size_t kReadChunk = 64 * 1024;

json error_reply(std::string message) { return json{{"ok", false}, {"error", std::move(message)}}; }

std::string errno_text(int e) { return std::strerror(e); }

// nlohmann prefixes every message with "[json.exception.parse_error.101] "; the client's user wants
// only the part saying where their JSON went wrong.
std::string parse_error_text(const char* what) {
  std::string_view s(what);
  if (s.starts_with("[json.exception.")) {
    if (const size_t end = s.find("] "); end != std::string_view::npos) s.remove_prefix(end + 2);
  }
  return std::string(s);
}

bool blank(std::string_view line) {
  return std::all_of(line.begin(), line.end(),
                     [](char ch) { return ch == ' ' || ch == '\t' || ch == '\r'; });
}

// A socket file left by a daemon that died is safe to replace; one that still accepts belongs to
// a running daemon, and stealing its path would make it unreachable while it keeps running.
bool socket_is_live(const sockaddr_un& sa) {
  UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!probe) return false;
  if (::connect(probe.get(), reinterpret_cast<const sockaddr*>(&sa), sizeof sa) == 0) return true;
  return errno == EAGAIN;  // backlog full: very much alive
}

}  // namespace

std::unique_ptr<ControlServer> ControlServer::open(const std::string& path, std::string& err) {
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof sa.sun_path) {
    err = "control socket path '" + path + "' must be 1 to " +
          std::to_string(sizeof sa.sun_path - 1) + " bytes";
    return nullptr;
  }
  std::memcpy(sa.sun_path, path.data(), path.size());

  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) {
      err = "cannot create directory " + parent.string() + ": " + ec.message();
      return nullptr;
    }
  }

  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      err = path + " exists and is not a socket; not replacing it";
      return nullptr;
    }
    if (socket_is_live(sa)) {
      err = "another process is already serving " + path;
      return nullptr;
    }
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      err = "cannot remove stale socket " + path + ": " + errno_text(errno);
      return nullptr;
    }
  }

  std::unique_ptr<ControlServer> srv(new ControlServer());
  srv->path_ = path;
  srv->listen_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!srv->listen_) {
    err = "socket: " + errno_text(errno);
    return nullptr;
  }
  // bind() creates the file with the umask applied; narrowing the umask around it closes the
  // window in which a world-connectable socket would exist before the chmod below.
  const mode_t old_mask = ::umask(0117);
  const int bound = ::bind(srv->listen_.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  const int bind_errno = errno;
  ::umask(old_mask);
  if (bound != 0) {
    err = "cannot bind " + path + ": " + errno_text(bind_errno);
    return nullptr;
  }
  if (::chmod(path.c_str(), 0660) != 0 || ::lstat(path.c_str(), &st) != 0) {
    err = "cannot set mode of " + path + ": " + errno_text(errno);
    ::unlink(path.c_str());
    return nullptr;
  }
  srv->dev_ = st.st_dev;
  srv->ino_ = st.st_ino;
  if (::listen(srv->listen_.get(), SOMAXCONN) != 0) {
    err = "cannot listen on " + path + ": " + errno_text(errno);
    return nullptr;  // the destructor unlinks the file: dev_/ino_ are set
  }
  srv->epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
  if (!srv->epoll_) {
    err = "epoll_create1: " + errno_text(errno);
    return nullptr;
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kListenerId;
  if (::epoll_ctl(srv->epoll_.get(), EPOLL_CTL_ADD, srv->listen_.get(), &ev) != 0) {
    err = "epoll_ctl: " + errno_text(errno);
    return nullptr;
  }
  return srv;
}

ControlServer::~ControlServer() {
  clients_.clear();
  if (ino_ == 0) return;
  // A newer daemon may have replaced the file already; its socket must survive our exit.
  struct stat st {};
  if (::lstat(path_.c_str(), &st) == 0 && st.st_dev == dev_ && st.st_ino == ino_) {
    ::unlink(path_.c_str());
  }
}

void ControlServer::poll(int timeout_ms) {
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
      } else {
        on_client_event(id, events[i].events);
      }
    } catch (...) {
      // Only allocation failure gets here. Losing one connection beats losing the daemon.
      if (id != kListenerId) close_client(id);
    }
  }
}

void ControlServer::accept_clients() {
  for (int i = 0; i < kMaxAcceptsPerPoll && listening_; ++i) {
    if (clients_.size() >= kMaxClients) {
      // The kernel backlog holds further clients until one of ours leaves.
      resume_at_ = {};
      set_listening(false);
      return;
    }
    AcceptResult a = accept_client(listen_.get(), "control socket");
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
  }
}

void ControlServer::on_client_event(uint64_t id, uint32_t events) {
  const auto it = clients_.find(id);
  if (it == clients_.end()) return;  // closed earlier in this batch
  Client& c = it->second;

  bool ok = true;
  if (events & EPOLLOUT) ok = flush(c);
  if (ok && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && !c.closing && !c.eof) {
    read_client(c);
  }
  // Flushing may lift the backpressure that stopped request processing, so alternate until
  // either the input or the socket's send buffer runs dry.
  while (ok) {
    const bool backpressured = process_input(c);
    ok = flush(c);
    if (!backpressured || c.out.size() - c.out_off >= kMaxPendingOutput) break;
  }
  const bool drained = c.out_off == c.out.size();
  if (!ok || c.fd.get() < 0 || (drained && (c.closing || c.eof))) {
    close_client(id);
  } else {
    update_events(id, c);
  }
}

void ControlServer::read_client(Client& c) {
  char buf[kReadChunk];
  for (int i = 0; i < kMaxReadsPerEvent; ++i) {
    const ssize_t n = ::recv(c.fd.get(), buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) {
      c.in.append(buf, size_t(n));
      // Consume as we go, so `in` stays near one request's size however much the client sends.
      if (process_input(c) || c.closing) return;
      continue;
    }
    if (n == 0) {
      c.eof = true;
      return;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) c.fd.reset();  // reset by peer: close it
    return;
  }
}

bool ControlServer::process_input(Client& c) {
  size_t start = 0;
  bool backpressured = false;
  while (!c.closing) {
    if (c.out.size() - c.out_off >= kMaxPendingOutput) {
      backpressured = true;
      break;
    }
    const size_t nl = c.in.find('\n', std::max(start, c.scanned));
    const size_t end = nl == std::string::npos ? c.in.size() : nl;
    if (end - start > kMaxRequestBytes) {
      queue_reply(c, error_reply("request too large"));
      c.closing = true;
      break;
    }
    if (nl == std::string::npos) {
      c.scanned = c.in.size();
      if (!c.eof || start == c.in.size()) break;
      // The peer ended without a final '\n': still a complete request.
    }
    std::string_view line = std::string_view(c.in).substr(start, end - start);
    start = std::min(end + 1, c.in.size());
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!blank(line)) queue_reply(c, respond(line));
    if (nl == std::string::npos) break;
  }
  if (c.closing) {
    c.in.clear();
    c.scanned = 0;
  } else {
    c.in.erase(0, start);
    c.scanned = c.scanned > start ? c.scanned - start : 0;
  }
  return backpressured;
}

json ControlServer::respond(std::string_view line) const {
  try {
    json request;
    try {
      request = json::parse(line);
    } catch (const json::parse_error& e) {
      return error_reply("bad json: " + parse_error_text(e.what()));
    }
    const auto cmd = request.is_object() ? request.find("cmd") : request.end();
    if (!request.is_object() || cmd == request.end() || !cmd->is_string()) {
      return error_reply("request needs a \"cmd\" string");
    }
    if (!handler_) return error_reply("not ready");
    json reply = handler_(request);
    if (!reply.is_object()) return error_reply("internal error: reply is not a JSON object");
    return reply;
  } catch (const std::exception& e) {
    return error_reply(e.what());
  } catch (...) {
    return error_reply("internal error");
  }
}

void ControlServer::queue_reply(Client& c, const json& reply) {
  // Handlers may echo bytes from the request or from config files; replacing invalid UTF-8 keeps
  // dump() from throwing and the reply parseable.
  c.out += reply.dump(-1, ' ', false, json::error_handler_t::replace);
  c.out += '\n';
}

bool ControlServer::flush(Client& c) {
  if (!c.fd) return false;
  while (c.out_off < c.out.size()) {
    const ssize_t n = ::send(c.fd.get(), c.out.data() + c.out_off, c.out.size() - c.out_off,
                             MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      c.out_off += size_t(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      break;
    } else {
      return false;
    }
  }
  if (c.out_off == c.out.size()) {
    c.out.clear();
    c.out_off = 0;
  } else if (c.out_off > kReadChunk && c.out_off * 2 > c.out.size()) {
    c.out.erase(0, c.out_off);
    c.out_off = 0;
  }
  return true;
}

void ControlServer::update_events(uint64_t id, Client& c) {
  const bool pending = c.out_off < c.out.size();
  uint32_t want = 0;
  if (!c.closing && !c.eof && c.out.size() - c.out_off < kMaxPendingOutput) want |= EPOLLIN;
  if (pending) want |= EPOLLOUT;
  if (want == c.events) return;
  epoll_event ev{};
  ev.events = want;
  ev.data.u64 = id;
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, c.fd.get(), &ev) == 0) c.events = want;
}

void ControlServer::close_client(uint64_t id) {
  const auto it = clients_.find(id);
  if (it == clients_.end()) return;
  if (it->second.fd) ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, it->second.fd.get(), nullptr);
  clients_.erase(it);
  if (!listening_ && std::chrono::steady_clock::now() >= resume_at_) set_listening(true);
}

void ControlServer::set_listening(bool on) {
  if (on == listening_) return;
  // Removing the listener, rather than clearing its event mask, also silences EPOLLERR/EPOLLHUP,
  // which epoll reports regardless of the mask.
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kListenerId;
  const int rc = ::epoll_ctl(epoll_.get(), on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, listen_.get(), &ev);
  if (rc == 0) listening_ = on;
}

}  // namespace v6lb
