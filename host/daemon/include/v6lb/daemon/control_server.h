// The daemon's control socket: newline-delimited JSON requests and replies over a Unix-domain
// stream socket, served on the daemon's io_context. No handler blocks or lets an exception out,
// so the daemon's single event loop can own it next to the data plane; a misbehaving client only
// ever loses its own connection.
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>

#include "v6lb/daemon/accept_client.h"
#include "v6lb/driver/unique_fd.h"

namespace v6lb {

// Wire protocol: one JSON object per line each way, replies in request order (a client may
// pipeline). The envelope is checked here so handlers only ever see an object with a string "cmd":
//   not JSON             -> {"ok":false,"error":"bad json: <parser message>"}
//   no string "cmd"      -> {"ok":false,"error":"request needs a \"cmd\" string"}
//   line over 64 KiB     -> {"ok":false,"error":"request too large"}, then the connection closes
//   handler throws       -> {"ok":false,"error":"<what()>"}
// Blank lines are ignored (no reply). A trailing '\r' is dropped, so CRLF clients work too.
// A last request not terminated by '\n' before the client's EOF is still answered, so
// `printf '{"cmd":"status"}' | socat - UNIX:/run/v6lb/v6lbd.sock` works.
class ControlServer {
 public:
  using Handler = std::function<nlohmann::json(const nlohmann::json& request)>;

  static constexpr size_t kMaxRequestBytes = 64 * 1024;  // one line, without its '\n'
  static constexpr size_t kMaxClients = 512;
  // A client that pipelines requests without reading replies stops being read past this much
  // queued output, so it cannot make the daemon buffer without bound.
  static constexpr size_t kMaxPendingOutput = 4 * 1024 * 1024;

  // Creates the parent directory if needed, replaces a stale socket file (but refuses to replace
  // a non-socket or a socket another process still accepts on), binds with mode 0660 and listens;
  // clients are then served by handlers on `io` (whoever runs it). Returns null and sets err on
  // failure.
  static std::unique_ptr<ControlServer> open(asio::io_context& io, const std::string& path,
                                             std::string& err);

  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;
  ~ControlServer();  // closes every client and unlinks the socket file if it is still ours

  // Until a handler is set every valid request gets {"ok":false,"error":"not ready"}.
  void set_handler(Handler handler) { handler_ = std::move(handler); }

  const std::string& path() const { return path_; }
  size_t num_clients() const { return clients_.size(); }

  // The reply for one request line: the envelope checks above, then the handler. Public so the
  // daemon can serve the same protocol elsewhere (and tests can call it without a socket).
  nlohmann::json respond(std::string_view line) const;

 private:
  struct Client {
    Client(asio::io_context& io, UniqueFd fd) : sd(io, fd.release()) {}
    asio::posix::stream_descriptor sd;  // owns the connection
    bool broken = false;                // reset by the peer: close it
    std::string in;
    size_t scanned = 0;  // bytes of `in` already known to hold no '\n'
    std::string out;
    size_t out_off = 0;
    bool eof = false;                            // peer finished sending
    bool closing = false;                        // close once `out` is flushed; read nothing more
    bool want_read = false, want_write = false;  // what the connection waits for now
    bool read_waiting = false, write_waiting = false;  // a wait is outstanding on the loop
  };
  enum Event : uint32_t { kReadable = 1, kWritable = 2 };

  explicit ControlServer(asio::io_context& io) : io_(io) {}
  void add_client(UniqueFd fd);
  void on_client_event(uint64_t id, uint32_t events);
  void wait(uint64_t id, Client& c, bool write);
  void read_client(Client& c);
  bool process_input(Client& c);  // true: stopped because too much output is queued
  void queue_reply(Client& c, const nlohmann::json& reply);
  bool flush(Client& c);  // false: the connection failed
  void update_events(uint64_t id, Client& c);
  void close_client(uint64_t id);

  asio::io_context& io_;
  std::string path_;
  std::unique_ptr<Listener> listener_;
  dev_t dev_ = 0;  // identity of the socket file we bound, so we never unlink a successor's
  ino_t ino_ = 0;
  uint64_t next_id_ =
      1;  // handlers name connections by id, never by fd, so a reused fd is no alias
  std::unordered_map<uint64_t, Client> clients_;
  Handler handler_;
  std::shared_ptr<char> alive_ = std::make_shared<char>();  // handlers outliving us do nothing
};

}  // namespace v6lb
