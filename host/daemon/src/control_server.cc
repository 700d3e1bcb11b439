#include "v6lb/daemon/control_server.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
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

constexpr int kMaxAcceptsPerPoll =
    64;                                // then let clients run; the listener comes back for the rest
constexpr int kMaxReadsPerEvent = 16;  // likewise, so one chatty client cannot starve others
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

std::unique_ptr<ControlServer> ControlServer::open(asio::io_context& io, const std::string& path,
                                                   std::string& err) {
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

  std::unique_ptr<ControlServer> srv(new ControlServer(io));
  srv->path_ = path;
  UniqueFd listen_fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!listen_fd) {
    err = "socket: " + errno_text(errno);
    return nullptr;
  }
  // bind() creates the file with the umask applied; narrowing the umask around it closes the
  // window in which a world-connectable socket would exist before the chmod below.
  const mode_t old_mask = ::umask(0117);
  const int bound = ::bind(listen_fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa);
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
  if (::listen(listen_fd.get(), SOMAXCONN) != 0) {
    err = "cannot listen on " + path + ": " + errno_text(errno);
    return nullptr;  // the destructor unlinks the file: dev_/ino_ are set
  }
  try {
    ControlServer* s = srv.get();
    srv->listener_ =
        std::make_unique<Listener>(io, std::move(listen_fd), "control socket", kMaxAcceptsPerPoll,
                                   [s](UniqueFd fd) { s->add_client(std::move(fd)); });
  } catch (const std::exception& e) {  // the io_context refused the descriptor
    err = std::string("control socket: ") + e.what();
    return nullptr;
  }
  srv->listener_->start();
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

void ControlServer::add_client(UniqueFd fd) {
  const uint64_t id = next_id_++;
  Client& c = clients_.try_emplace(id, io_, std::move(fd)).first->second;
  c.want_read = true;
  wait(id, c, /*write=*/false);
  // The kernel backlog holds further clients until one of ours leaves.
  listener_->set_full(clients_.size() >= kMaxClients);
}

void ControlServer::wait(uint64_t id, Client& c, bool write) {
  bool& waiting = write ? c.write_waiting : c.read_waiting;
  if (waiting) return;
  waiting = true;
  when_ready(
      c.sd,
      write ? asio::posix::stream_descriptor::wait_write
            : asio::posix::stream_descriptor::wait_read,
      [this, id, write, alive = std::weak_ptr<char>(alive_)](const boost::system::error_code& ec) {
        if (alive.expired()) return;
        const auto it = clients_.find(id);
        if (it == clients_.end()) return;  // closed meanwhile (its fd may be reused)
        Client& cl = it->second;
        (write ? cl.write_waiting : cl.read_waiting) = false;
        try {
          if (ec) {
            close_client(id);
            return;
          }
          // A wait armed before backpressure set in may fire when input is unwanted.
          const bool wanted = write ? cl.want_write : cl.want_read;
          on_client_event(id, wanted ? uint32_t(write ? kWritable : kReadable) : 0u);
        } catch (...) {
          // Only allocation failure gets here. Losing one connection beats losing the
          // daemon.
          close_client(id);
        }
      });
}

void ControlServer::on_client_event(uint64_t id, uint32_t events) {
  const auto it = clients_.find(id);
  if (it == clients_.end()) return;  // closed earlier in this batch
  Client& c = it->second;

  bool ok = true;
  if (events & kWritable) ok = flush(c);
  if (ok && (events & kReadable) && !c.closing && !c.eof) {
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
  if (!ok || c.broken || (drained && (c.closing || c.eof))) {
    close_client(id);
  } else {
    update_events(id, c);
  }
}

void ControlServer::read_client(Client& c) {
  char buf[kReadChunk];
  for (int i = 0; i < kMaxReadsPerEvent; ++i) {
    const ssize_t n = ::recv(c.sd.native_handle(), buf, sizeof buf, MSG_DONTWAIT);
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
    if (errno != EAGAIN && errno != EWOULDBLOCK) c.broken = true;  // reset by peer: close it
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
  if (c.broken) return false;
  while (c.out_off < c.out.size()) {
    const ssize_t n = ::send(c.sd.native_handle(), c.out.data() + c.out_off,
                             c.out.size() - c.out_off, MSG_NOSIGNAL | MSG_DONTWAIT);
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
  c.want_read = !c.closing && !c.eof && c.out.size() - c.out_off < kMaxPendingOutput;
  c.want_write = pending;
  if (c.want_read) wait(id, c, /*write=*/false);
  if (c.want_write) wait(id, c, /*write=*/true);
}

void ControlServer::close_client(uint64_t id) {
  const auto it = clients_.find(id);
  if (it == clients_.end()) return;
  clients_.erase(it);  // closes the descriptor; its outstanding waits find no client
  listener_->set_full(clients_.size() >= kMaxClients);
}

}  // namespace v6lb
