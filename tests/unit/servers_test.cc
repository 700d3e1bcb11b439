// The control socket, the metrics endpoint and v6lbctl, over real sockets. Everything runs in one
// thread: the test plays the client and runs the servers' io_context whenever it would wait,
// exactly as the daemon's event loop does, so no test depends on thread timing.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "temp_dir.h"
#include "v6lb/daemon/control_server.h"
#include "v6lb/daemon/metrics_server.h"

namespace v6lb {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr auto kDeadline = std::chrono::seconds(10);

// One turn of the daemon's loop: waits up to `ms` for a handler to be ready, then runs it and
// whatever else is ready (at most 1000, so a server that keeps posting work fails rather than
// hangs). Returns how many handlers ran.
size_t run_loop(asio::io_context& io, int ms) {
  io.restart();
  size_t n = ms > 0 ? io.run_one_for(std::chrono::milliseconds(ms)) : 0;
  for (int i = 0; i < 1000 && io.poll_one() > 0; ++i) ++n;
  return n;
}

using test::TempDir;

UniqueFd connect_unix(const std::string& path) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::memcpy(sa.sun_path, path.data(), path.size());
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) return UniqueFd();
  return fd;
}

// Sends everything, letting the server run whenever the socket is full. Returns false if the
// server closed the connection first.
bool send_all(asio::io_context& io, int fd, std::string_view data, size_t chunk = SIZE_MAX) {
  const auto deadline = Clock::now() + kDeadline;
  size_t off = 0;
  while (off < data.size() && Clock::now() < deadline) {
    const ssize_t n = ::send(fd, data.data() + off, std::min(chunk, data.size() - off),
                             MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      off += size_t(n);
      run_loop(io, 0);
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      run_loop(io, 10);
    } else {
      return false;
    }
  }
  return off == data.size();
}

struct Received {
  std::string data;
  bool eof = false;
};

// Reads until `lines` newlines arrived or the server closed the connection.
Received receive(asio::io_context& io, int fd, size_t lines = SIZE_MAX) {
  Received r;
  size_t seen = 0;
  const auto deadline = Clock::now() + kDeadline;
  char buf[65536];
  while (seen < lines && Clock::now() < deadline) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) {
      r.data.append(buf, size_t(n));
      seen += size_t(std::count(buf, buf + n, '\n'));
    } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
      r.eof = true;  // ECONNRESET counts: the server closed with our input unread
      break;
    } else {
      run_loop(io, 10);
    }
  }
  return r;
}

json ask(asio::io_context& io, ControlServer& srv, const std::string& request_line) {
  UniqueFd fd = connect_unix(srv.path());
  EXPECT_TRUE(fd);
  EXPECT_TRUE(send_all(io, fd.get(), request_line));
  const Received r = receive(io, fd.get(), 1);
  return json::parse(r.data);
}

json echo_handler(const json& req) { return {{"ok", true}, {"echo", req}}; }

std::unique_ptr<ControlServer> open_control(asio::io_context& io, const TempDir& dir,
                                            const std::string& name = "ctl.sock") {
  std::string err;
  auto srv = ControlServer::open(io, dir / name, err);
  EXPECT_TRUE(srv) << err;
  if (srv) srv->set_handler(echo_handler);
  return srv;
}

// ---------------------------------------------------------------------------------------------
// ControlServer

TEST(ControlServer, JsonRoundTrip) {
  TempDir dir;
  asio::io_context io;
  auto srv = open_control(io, dir);
  const json reply = ask(io, *srv,
                         R"({"cmd":"status","n":[1,2,3],"s":"\u00e9"})"
                         "\n");
  EXPECT_EQ(reply["ok"], true);
  EXPECT_EQ(reply["echo"], json::parse(R"({"cmd":"status","n":[1,2,3],"s":"é"})"));
}

TEST(ControlServer, GarbageIsAnsweredAndServingContinues) {
  TempDir dir;
  asio::io_context io;
  auto srv = open_control(io, dir);
  UniqueFd fd = connect_unix(srv->path());
  ASSERT_TRUE(send_all(io, fd.get(), "this is not json\n"));
  const json bad = json::parse(receive(io, fd.get(), 1).data);
  EXPECT_EQ(bad["ok"], false);
  EXPECT_TRUE(bad["error"].get<std::string>().starts_with("bad json: ")) << bad;
  EXPECT_EQ(bad["error"].get<std::string>().find("[json.exception"), std::string::npos) << bad;

  // The same connection still works, and so does the next client.
  ASSERT_TRUE(send_all(io, fd.get(), "{\"cmd\":\"a\"}\n"));
  EXPECT_EQ(json::parse(receive(io, fd.get(), 1).data)["echo"]["cmd"], "a");
  EXPECT_EQ(ask(io, *srv, "{\"cmd\":\"b\"}\n")["echo"]["cmd"], "b");
}

TEST(ControlServer, RequestNeedsCmdString) {
  TempDir dir;
  asio::io_context io;
  auto srv = open_control(io, dir);
  for (const char* line : {"{}\n", "[1,2]\n", "{\"cmd\":5}\n", "\"status\"\n", "null\n",
                           "{\"command\":\"status\"}\n"}) {
    const json reply = ask(io, *srv, line);
    EXPECT_EQ(reply, json::parse(R"({"ok":false,"error":"request needs a \"cmd\" string"})"))
        << line;
  }
}

TEST(ControlServer, RequestTooLargeClosesTheConnection) {
  TempDir dir;
  asio::io_context io;
  auto srv = open_control(io, dir);
  UniqueFd fd = connect_unix(srv->path());
  const std::string big = "{\"cmd\":\"x\",\"pad\":\"" + std::string(100 * 1024, 'a') + "\"}\n";
  send_all(io, fd.get(), big);  // may fail part way: the server hangs up after its reply
  const Received r = receive(io, fd.get());
  EXPECT_TRUE(r.eof);
  EXPECT_EQ(json::parse(r.data.substr(0, r.data.find('\n'))),
            json::parse(R"({"ok":false,"error":"request too large"})"));
  EXPECT_EQ(ask(io, *srv, "{\"cmd\":\"next\"}\n")["echo"]["cmd"], "next");

  // Exactly the limit is fine.
  const std::string head = "{\"cmd\":\"x\",\"pad\":\"", tail = "\"}";
  const std::string fits =
      head + std::string(ControlServer::kMaxRequestBytes - head.size() - tail.size(), 'b') + tail;
  ASSERT_EQ(fits.size(), ControlServer::kMaxRequestBytes);
  EXPECT_EQ(ask(io, *srv, fits + "\n")["ok"], true);
}

TEST(ControlServer, ManyConcurrentClients) {
  TempDir dir;
  asio::io_context io;
  auto srv = open_control(io, dir);
  constexpr int kClients = 200;
  std::vector<UniqueFd> fds;
  for (int i = 0; i < kClients; ++i) {
    fds.push_back(connect_unix(srv->path()));
    ASSERT_TRUE(fds.back()) << i;
    // Interleave half of each request now, the rest later, so all are in flight at once.
    const std::string req = json{{"cmd", "ping"}, {"i", i}}.dump() + "\n";
    ASSERT_TRUE(send_all(io, fds.back().get(), req.substr(0, req.size() / 2)));
  }
  EXPECT_EQ(srv->num_clients(), size_t(kClients));
  for (int i = kClients - 1; i >= 0; --i) {
    const std::string req = json{{"cmd", "ping"}, {"i", i}}.dump() + "\n";
    ASSERT_TRUE(send_all(io, fds[i].get(), req.substr(req.size() / 2)));
  }
  for (int i = 0; i < kClients; ++i) {
    const json reply = json::parse(receive(io, fds[i].get(), 1).data);
    EXPECT_EQ(reply["echo"]["i"], i);
  }
  fds.clear();
  for (int i = 0; i < 10 && srv->num_clients() > 0; ++i) run_loop(io, 10);
  EXPECT_EQ(srv->num_clients(), 0u);
}

// Clients that misbehave at the same time: one that disconnects in the middle of a request, one
// that floods pipelined requests and never reads its replies, one that connects and stalls. A
// well-behaved client is answered meanwhile, and every one of them, the flooder included once it
// reads, is served or cleaned up.
TEST(ControlServer, AbusiveClientsDoNotStopTheOthers) {
  TempDir dir;
  asio::io_context io;
  auto srv = open_control(io, dir);
  {
    UniqueFd half = connect_unix(srv->path());
    ASSERT_TRUE(send_all(io, half.get(), "{\"cmd\":\"cut"));
  }  // closed mid-message
  UniqueFd stall = connect_unix(srv->path());
  UniqueFd flood = connect_unix(srv->path());
  const std::string req = "{\"cmd\":\"flood\",\"pad\":\"" + std::string(200, 'x') + "\"}\n";
  // Until the flooder's socket buffers are full both ways: its replies pile up unread.
  size_t sent = 0;
  for (int i = 0; i < 100000; ++i) {
    const ssize_t n = ::send(flood.get(), req.data(), req.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    run_loop(io, 0);
    if (n < 0) {
      ASSERT_TRUE(errno == EAGAIN || errno == EWOULDBLOCK) << std::strerror(errno);
      run_loop(io, 10);
      if (::send(flood.get(), req.data(), req.size(), MSG_NOSIGNAL | MSG_DONTWAIT) < 0) break;
    }
    ++sent;
  }
  EXPECT_GT(sent, 100u);
  const auto t0 = Clock::now();
  const json reply = ask(io, *srv, "{\"cmd\":\"polite\"}\n");
  EXPECT_EQ(reply["echo"]["cmd"], "polite");
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(2));
  // The flooder reads at last: every request it got in is answered, in order.
  size_t answered = 0;
  std::string pending;
  const auto deadline = Clock::now() + kDeadline;
  char buf[65536];
  while (answered < sent && Clock::now() < deadline) {
    const ssize_t n = ::recv(flood.get(), buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) {
      answered += size_t(std::count(buf, buf + n, '\n'));
    } else {
      ASSERT_TRUE(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) << "closed";
      run_loop(io, 5);
    }
  }
  EXPECT_EQ(answered, sent);
  flood = UniqueFd();
  stall = UniqueFd();
  for (int i = 0; i < 50 && srv->num_clients() > 0; ++i) run_loop(io, 10);
  EXPECT_EQ(srv->num_clients(), 0u);
}

TEST(ControlServer, RequestSentOneByteAtATime) {
  TempDir dir;
  asio::io_context io;
  auto srv = open_control(io, dir);
  UniqueFd fd = connect_unix(srv->path());
  ASSERT_TRUE(send_all(io, fd.get(), "{\"cmd\":\"slow\",\"x\":\"\\n\"}\r\n", 1));
  const json reply = json::parse(receive(io, fd.get(), 1).data);
  EXPECT_EQ(reply["echo"], json::parse(R"({"cmd":"slow","x":"\n"})"));
}

TEST(ControlServer, PipelinedRequestsAnsweredInOrder) {
  TempDir dir;
  asio::io_context io;
  auto srv = open_control(io, dir);
  UniqueFd fd = connect_unix(srv->path());
  ASSERT_TRUE(
      send_all(io, fd.get(), "{\"cmd\":\"1\"}\n\n{\"cmd\":\"2\"}\nnope\n{\"cmd\":\"3\"}\n"));
  const Received r = receive(io, fd.get(), 4);
  std::vector<json> replies;
  for (size_t pos = 0, nl; (nl = r.data.find('\n', pos)) != std::string::npos; pos = nl + 1) {
    replies.push_back(json::parse(r.data.substr(pos, nl - pos)));
  }
  ASSERT_EQ(replies.size(), 4u);  // the blank line gets no reply
  EXPECT_EQ(replies[0]["echo"]["cmd"], "1");
  EXPECT_EQ(replies[1]["echo"]["cmd"], "2");
  EXPECT_EQ(replies[2]["ok"], false);
  EXPECT_EQ(replies[3]["echo"]["cmd"], "3");
}

TEST(ControlServer, LargeReplyIsWrittenAcrossManyPolls) {
  TempDir dir;
  asio::io_context io;
  auto srv = open_control(io, dir);
  const std::string payload(6 << 20, 'z');  // far beyond a socket buffer
  srv->set_handler([&](const json&) { return json{{"ok", true}, {"data", payload}}; });
  UniqueFd fd = connect_unix(srv->path());
  ASSERT_TRUE(send_all(io, fd.get(), "{\"cmd\":\"big\"}\n{\"cmd\":\"big\"}\n"));
  const Received r = receive(io, fd.get(), 2);
  const std::string one = "{\"data\":\"" + payload + "\",\"ok\":true}\n";
  ASSERT_EQ(r.data.size(), 2 * one.size());  // not EXPECT_EQ on the data: megabytes of output
  EXPECT_TRUE(r.data == one + one);
}

TEST(ControlServer, HandlerExceptionBecomesErrorReply) {
  TempDir dir;
  asio::io_context io;
  auto srv = open_control(io, dir);
  srv->set_handler([](const json& req) -> json {
    if (req["cmd"] == "int") throw 42;
    throw std::runtime_error("no such service 'web'");
  });
  EXPECT_EQ(ask(io, *srv, "{\"cmd\":\"x\"}\n"),
            json::parse(R"({"ok":false,"error":"no such service 'web'"})"));
  EXPECT_EQ(ask(io, *srv, "{\"cmd\":\"int\"}\n")["ok"], false);
}

TEST(ControlServer, NoHandlerMeansNotReady) {
  TempDir dir;
  asio::io_context io;
  std::string err;
  auto srv = ControlServer::open(io, dir / "ctl.sock", err);
  ASSERT_TRUE(srv) << err;
  EXPECT_EQ(ask(io, *srv, "{\"cmd\":\"x\"}\n"), json::parse(R"({"ok":false,"error":"not ready"})"));
}

TEST(ControlServer, LastRequestWithoutNewlineAnsweredAtEof) {
  TempDir dir;
  asio::io_context io;
  auto srv = open_control(io, dir);
  UniqueFd fd = connect_unix(srv->path());
  ASSERT_TRUE(send_all(io, fd.get(), "{\"cmd\":\"eof\"}"));
  ::shutdown(fd.get(), SHUT_WR);
  const Received r = receive(io, fd.get());
  EXPECT_TRUE(r.eof);
  EXPECT_EQ(json::parse(r.data)["echo"]["cmd"], "eof");
}

TEST(ControlServer, HostileJsonDoesNotCrash) {
  TempDir dir;
  asio::io_context io;
  auto srv = open_control(io, dir);
  const size_t depth = 30000;
  EXPECT_EQ(ask(io, *srv, std::string(depth, '[') + std::string(depth, ']') + "\n")["ok"], false);
  EXPECT_EQ(ask(io, *srv, std::string(60000, '[') + "\n")["ok"], false);
  // Invalid UTF-8 ends up in the parser's message; the reply must still be valid JSON.
  const json reply = ask(io, *srv, "{\"cmd\":\"\xff\xfe\"}\n");
  EXPECT_EQ(reply["ok"], false);
  EXPECT_EQ(ask(io, *srv, std::string("\0\0\0\n", 4))["ok"], false);
}

TEST(ControlServer, SocketFileModeAndParentDirectory) {
  TempDir dir;
  const std::string path = dir / "run/v6lb/v6lbd.sock";
  asio::io_context io;
  std::string err;
  {
    auto srv = ControlServer::open(io, path, err);
    ASSERT_TRUE(srv) << err;
    struct stat st {};
    ASSERT_EQ(::lstat(path.c_str(), &st), 0);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(st.st_mode & 07777, 0660u);

    // A second daemon must not steal the socket of a running one.
    EXPECT_FALSE(ControlServer::open(io, path, err));
    EXPECT_NE(err.find("already serving"), std::string::npos) << err;
  }
  EXPECT_FALSE(std::filesystem::exists(path)) << "the destructor removes its socket";
}

TEST(ControlServer, StaleSocketIsReplacedButOtherFilesAreNot) {
  TempDir dir;
  asio::io_context io;
  const std::string path = dir / "ctl.sock";
  {
    // What a crashed daemon leaves behind: a bound socket file nobody listens on.
    UniqueFd s(::socket(AF_UNIX, SOCK_STREAM, 0));
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::memcpy(sa.sun_path, path.data(), path.size());
    ASSERT_EQ(::bind(s.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  }
  ASSERT_TRUE(std::filesystem::exists(path));
  std::string err;
  auto srv = ControlServer::open(io, path, err);
  ASSERT_TRUE(srv) << err;
  srv->set_handler(echo_handler);
  EXPECT_EQ(ask(io, *srv, "{\"cmd\":\"x\"}\n")["ok"], true);

  const std::string file = dir / "not-a-socket";
  {
    std::FILE* f = std::fopen(file.c_str(), "w");
    std::fclose(f);
  }
  EXPECT_FALSE(ControlServer::open(io, file, err));
  EXPECT_NE(err.find("not a socket"), std::string::npos) << err;
  EXPECT_TRUE(std::filesystem::exists(file));

  EXPECT_FALSE(ControlServer::open(io, dir / std::string(200, 'p'), err));
}

TEST(ControlServer, ServedByTheOwnersLoop) {
  TempDir dir;
  asio::io_context io;
  auto srv = open_control(io, dir);
  EXPECT_EQ(run_loop(io, 0), 0u) << "nothing to do without a client";
  UniqueFd fd = connect_unix(srv->path());
  EXPECT_EQ(srv->num_clients(), 0u) << "nothing happens outside the loop";
  EXPECT_GT(run_loop(io, 1000), 0u);  // the loop wakes up and accepts
  EXPECT_EQ(srv->num_clients(), 1u);
  ASSERT_EQ(::send(fd.get(), "{\"cmd\":\"x\"}\n", 12, MSG_NOSIGNAL), 12);
  char buf[256];
  EXPECT_LT(::recv(fd.get(), buf, sizeof buf, MSG_DONTWAIT), 0) << "no answer outside the loop";
  EXPECT_GT(run_loop(io, 1000), 0u);  // wakes up again and answers
  EXPECT_GT(::recv(fd.get(), buf, sizeof buf, MSG_DONTWAIT), 0);
}

// Out of descriptors, accept fails with EMFILE while the listening socket stays readable:
// accepting again at once would spin. The server pauses for a second instead, then takes the
// client the kernel kept in its backlog.
TEST(ControlServer, OutOfDescriptorsPausesAccepting) {
  TempDir dir;
  asio::io_context io;
  auto srv = open_control(io, dir);
  UniqueFd fd = connect_unix(srv->path());
  ASSERT_TRUE(fd);

  rlimit old{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &old), 0);
  std::vector<UniqueFd> hog;
  {
    // Lower the limit to just above what is open, then fill every free descriptor below it.
    UniqueFd probe(::dup(0));
    ASSERT_TRUE(probe);
    rlimit low = old;
    low.rlim_cur = rlim_t(probe.get()) + 1;
    probe.reset();
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
    for (int d; (d = ::dup(0)) >= 0;) hog.emplace_back(d);
    ASSERT_EQ(errno, EMFILE);
  }
  size_t handlers = 0;
  const auto until = Clock::now() + std::chrono::milliseconds(500);
  while (Clock::now() < until) handlers += run_loop(io, 10);
  hog.clear();
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &old), 0);
  EXPECT_EQ(srv->num_clients(), 0u);
  EXPECT_LT(handlers, 10u) << "the server spun on a client it could not accept";

  // Descriptors are back: within the pause plus a little, the waiting client is served.
  const auto back = Clock::now();
  for (int i = 0; i < 200 && srv->num_clients() == 0; ++i) run_loop(io, 10);
  EXPECT_EQ(srv->num_clients(), 1u);
  EXPECT_LT(Clock::now() - back, std::chrono::milliseconds(1500));
  ASSERT_TRUE(send_all(io, fd.get(), "{\"cmd\":\"late\"}\n"));
  EXPECT_EQ(json::parse(receive(io, fd.get(), 1).data)["echo"]["cmd"], "late");
}

// ---------------------------------------------------------------------------------------------
// MetricsServer

UniqueFd connect_tcp(const MetricsServer& srv, bool v6 = true) {
  std::string err;
  const auto la =
      parse_listen_address((v6 ? "[::1]:" : "127.0.0.1:") + std::to_string(srv.port()), err);
  UniqueFd fd(::socket(la->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  const int rc = ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&la->addr), la->len);
  if (rc != 0 && errno != EINPROGRESS) return UniqueFd();
  return fd;
}

struct HttpResponse {
  int status = 0;
  std::string head;
  std::string body;
  std::string header(const std::string& name) const {
    const size_t at = head.find("\r\n" + name + ": ");
    if (at == std::string::npos) return {};
    const size_t start = at + name.size() + 4;
    return head.substr(start, head.find("\r\n", start) - start);
  }
};

HttpResponse http(asio::io_context& io, MetricsServer& srv, std::string_view request,
                  size_t chunk = SIZE_MAX) {
  UniqueFd fd = connect_tcp(srv);
  EXPECT_TRUE(fd);
  // The connect completes once the server accepts; sending before that just waits in the socket.
  for (int i = 0; i < 10; ++i) run_loop(io, 1);
  EXPECT_TRUE(send_all(io, fd.get(), request, chunk));
  const Received r = receive(io, fd.get());
  EXPECT_TRUE(r.eof) << "the server closes after each response";
  HttpResponse resp;
  const size_t end = r.data.find("\r\n\r\n");
  if (end == std::string::npos) return resp;
  resp.head = r.data.substr(0, end + 2);
  resp.body = r.data.substr(end + 4);
  if (resp.head.starts_with("HTTP/1.1 ")) resp.status = std::atoi(resp.head.c_str() + 9);
  return resp;
}

std::unique_ptr<MetricsServer> open_metrics(asio::io_context& io,
                                            const std::string& listen = "[::1]:0") {
  std::string err;
  auto srv = MetricsServer::open(io, listen, err);
  EXPECT_TRUE(srv) << err;
  if (srv) srv->set_handler([] { return std::string("v6lb_up 1\n"); });
  return srv;
}

TEST(MetricsServer, GetMetrics) {
  asio::io_context io;
  auto srv = open_metrics(io);
  ASSERT_NE(srv->port(), 0);
  EXPECT_EQ(srv->address(), "[::1]:" + std::to_string(srv->port()));
  const HttpResponse r =
      http(io, *srv, "GET /metrics HTTP/1.1\r\nHost: localhost\r\nAccept: */*\r\n\r\n");
  EXPECT_EQ(r.status, 200) << r.head;
  EXPECT_TRUE(r.header("Content-Type").starts_with("text/plain; version=0.0.4")) << r.head;
  EXPECT_EQ(r.header("Content-Length"), "10");
  EXPECT_EQ(r.header("Connection"), "close");
  EXPECT_EQ(r.body, "v6lb_up 1\n");
  for (int i = 0; i < 10 && srv->num_clients() > 0; ++i) run_loop(io, 10);
  EXPECT_EQ(srv->num_clients(), 0u);
}

TEST(MetricsServer, RoutingAndMethods) {
  asio::io_context io;
  auto srv = open_metrics(io);
  EXPECT_EQ(http(io, *srv, "GET /other HTTP/1.1\r\nHost: x\r\n\r\n").status, 404);
  EXPECT_EQ(http(io, *srv, "GET / HTTP/1.0\r\n\r\n").status, 404);
  EXPECT_EQ(http(io, *srv, "GET /metrics?name[]=x HTTP/1.1\r\n\r\n").status, 200);
  const HttpResponse post =
      http(io, *srv, "POST /metrics HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.header("Allow"), "GET, HEAD");
  EXPECT_EQ(http(io, *srv, "DELETE /metrics HTTP/1.1\r\n\r\n").status, 405);
  const HttpResponse head = http(io, *srv, "HEAD /metrics HTTP/1.1\r\n\r\n");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("Content-Length"), "10");
  EXPECT_EQ(head.body, "");
  EXPECT_EQ(http(io, *srv, "garbage\r\n\r\n").status, 400);
  EXPECT_EQ(http(io, *srv, "GET /metrics HTTP/2.0\r\n\r\n").status, 505);
  EXPECT_EQ(http(io, *srv, "GET /metrics HTTP/1.1\n\n").status, 200);  // bare LF line ends
}

TEST(MetricsServer, SlowAndOversizedRequests) {
  asio::io_context io;
  auto srv = open_metrics(io);
  EXPECT_EQ(http(io, *srv, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 1).status, 200);
  // Bare LF line ends arriving a byte at a time, a CRLF mixed in.
  EXPECT_EQ(http(io, *srv, "GET /metrics HTTP/1.1\nHost: x\r\nAccept: */*\n\n", 1).status, 200);
  const std::string huge = "GET /metrics HTTP/1.1\r\nX: " + std::string(20000, 'h') + "\r\n\r\n";
  EXPECT_EQ(http(io, *srv, huge).status, 431);
}

TEST(MetricsServer, RenderFailureIs500) {
  asio::io_context io;
  auto srv = open_metrics(io);
  srv->set_handler([]() -> std::string { throw std::runtime_error("device gone"); });
  EXPECT_EQ(http(io, *srv, "GET /metrics HTTP/1.1\r\n\r\n").status, 500);
  EXPECT_EQ(http(io, *srv, "GET /metrics HTTP/1.1\r\n\r\n").status, 500);
}

TEST(MetricsServer, Ipv4AndBindErrors) {
  asio::io_context io;
  auto v4 = open_metrics(io, "127.0.0.1:0");
  ASSERT_TRUE(v4);
  UniqueFd fd = connect_tcp(*v4, false);
  for (int i = 0; i < 10; ++i) run_loop(io, 1);
  ASSERT_TRUE(send_all(io, fd.get(), "GET /metrics HTTP/1.1\r\n\r\n"));
  EXPECT_TRUE(receive(io, fd.get()).data.starts_with("HTTP/1.1 200 OK\r\n"));

  auto v6 = open_metrics(io);
  std::string err;
  EXPECT_FALSE(MetricsServer::open(io, "[::1]:" + std::to_string(v6->port()), err));
  EXPECT_NE(err.find("Address already in use"), std::string::npos) << err;
}

TEST(MetricsServer, ParseListenAddress) {
  std::string err;
  auto la = parse_listen_address("[::1]:9109", err);
  ASSERT_TRUE(la) << err;
  EXPECT_EQ(format_address(reinterpret_cast<const sockaddr*>(&la->addr)), "[::1]:9109");
  la = parse_listen_address("[2001:db8::1]:80", err);
  ASSERT_TRUE(la) << err;
  EXPECT_EQ(format_address(reinterpret_cast<const sockaddr*>(&la->addr)), "[2001:db8::1]:80");
  la = parse_listen_address("10.1.2.3:9109", err);
  ASSERT_TRUE(la) << err;
  EXPECT_EQ(format_address(reinterpret_cast<const sockaddr*>(&la->addr)), "10.1.2.3:9109");
  la = parse_listen_address(":9109", err);
  ASSERT_TRUE(la) << err;
  EXPECT_TRUE(la->any);
  EXPECT_EQ(format_address(reinterpret_cast<const sockaddr*>(&la->addr)), "[::]:9109");
  EXPECT_TRUE(parse_listen_address("localhost:9109", err)) << err;

  for (const char* bad : {"::1:9109", "[::1]", "[::1]9109", "[::1]:", "[::1]:65536", "[::1]:http",
                          "127.0.0.1", "[10.0.0.1]:80", "[::1:80", "[::1]:-1"}) {
    EXPECT_FALSE(parse_listen_address(bad, err)) << bad;
    EXPECT_FALSE(err.empty()) << bad;
  }
}

// ---------------------------------------------------------------------------------------------
// PromText

TEST(PromText, FamiliesHeadersAndEscaping) {
  PromText p;
  p.counter("v6lb_packets_total", "Packets by reason.", {{"reason", "drop_malformed"}}, 3);
  p.gauge("v6lb_flows", "Flow table entries.\nPer direction, C:\\", {{"dir", "forward"}}, 12);
  p.counter("v6lb_packets_total", "ignored: first help wins", {{"reason", "punt_icmp"}}, 0);
  p.gauge("v6lb_flows", "", {{"dir", "reply"}}, 1.5);
  p.counter("v6lb_backend_packets_total", "Per backend.",
            {{"service", "we\"b\\\n"}, {"backend", "[2001:db8::1]:80"}}, 18446744073709551615ull);
  p.gauge("v6lb_up", "Daemon up.", 1);
  const std::string expected =
      "# HELP v6lb_packets_total Packets by reason.\n"
      "# TYPE v6lb_packets_total counter\n"
      "v6lb_packets_total{reason=\"drop_malformed\"} 3\n"
      "v6lb_packets_total{reason=\"punt_icmp\"} 0\n"
      "# HELP v6lb_flows Flow table entries.\\nPer direction, C:\\\\\n"
      "# TYPE v6lb_flows gauge\n"
      "v6lb_flows{dir=\"forward\"} 12\n"
      "v6lb_flows{dir=\"reply\"} 1.5\n"
      "# HELP v6lb_backend_packets_total Per backend.\n"
      "# TYPE v6lb_backend_packets_total counter\n"
      "v6lb_backend_packets_total{service=\"we\\\"b\\\\\\n\",backend=\"[2001:db8::1]:80\"} "
      "18446744073709551615\n"
      "# HELP v6lb_up Daemon up.\n"
      "# TYPE v6lb_up gauge\n"
      "v6lb_up 1\n";
  EXPECT_EQ(p.str(), expected);
}

TEST(PromText, SpecialValuesAndMisuse) {
  PromText p;
  p.gauge("g", "h", {{"k", "nan"}}, std::nan(""));
  p.gauge("g", "h", {{"k", "inf"}}, HUGE_VAL);
  p.gauge("g", "h", {{"k", "-inf"}}, -HUGE_VAL);
  p.gauge("g", "h", {{"k", "tiny"}}, 1e-300);
  const std::string s = p.str();
  EXPECT_NE(s.find("g{k=\"nan\"} NaN\n"), std::string::npos) << s;
  EXPECT_NE(s.find("g{k=\"inf\"} +Inf\n"), std::string::npos) << s;
  EXPECT_NE(s.find("g{k=\"-inf\"} -Inf\n"), std::string::npos) << s;
  EXPECT_NE(s.find("g{k=\"tiny\"} 1e-300\n"), std::string::npos) << s;

  EXPECT_THROW(p.counter("g", "h", 1), std::invalid_argument);  // g is a gauge
  EXPECT_THROW(p.counter("0bad", "h", 1), std::invalid_argument);
  EXPECT_THROW(p.counter("bad-name", "h", 1), std::invalid_argument);
  EXPECT_THROW(p.counter("ok_total", "h", {{"bad label", "v"}}, 1), std::invalid_argument);
  EXPECT_THROW(p.counter("ok_total", "h", {{"__reserved", "v"}}, 1), std::invalid_argument);
}

// ---------------------------------------------------------------------------------------------
// v6lbctl against a ControlServer in this process

struct CtlResult {
  int exit_code = -1;
  std::string out, err;
};

// With `io`, runs the loop (serving a ControlServer on it) while v6lbctl runs.
CtlResult run_ctl(asio::io_context* io, std::vector<std::string> args) {
  args.insert(args.begin(), V6LBCTL_PATH);
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  int out_pipe[2], err_pipe[2];
  EXPECT_EQ(::pipe2(out_pipe, O_CLOEXEC | O_NONBLOCK), 0);
  EXPECT_EQ(::pipe2(err_pipe, O_CLOEXEC | O_NONBLOCK), 0);
  UniqueFd out_r(out_pipe[0]), out_w(out_pipe[1]), err_r(err_pipe[0]), err_w(err_pipe[1]);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out_w.get(), 1);
  posix_spawn_file_actions_adddup2(&fa, err_w.get(), 2);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  EXPECT_EQ(rc, 0) << V6LBCTL_PATH;
  out_w.reset();
  err_w.reset();

  CtlResult r;
  auto drain = [](int fd, std::string& into) {
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) into.append(buf, size_t(n));
  };
  const auto deadline = Clock::now() + kDeadline;
  int status = 0;
  while (true) {
    if (io)
      run_loop(*io, 5);
    else
      ::usleep(5000);
    drain(out_r.get(), r.out);
    drain(err_r.get(), r.err);
    if (::waitpid(pid, &status, WNOHANG) == pid) break;
    if (Clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      ADD_FAILURE() << "v6lbctl hung";
      return r;
    }
  }
  drain(out_r.get(), r.out);
  drain(err_r.get(), r.err);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

TEST(V6lbctl, StatusJson) {
  TempDir dir;
  asio::io_context io;
  auto srv = open_control(io, dir);
  const json status = {{"ok", true},
                       {"device", "sim"},
                       {"config", "/etc/v6lb/lb.yaml"},
                       {"uptime_s", 93784},
                       {"services", 2},
                       {"backends", 5},
                       {"flows", {{"forward", 7}, {"reply", 6}, {"capacity", 65536}}}};
  json seen;
  srv->set_handler([&](const json& req) {
    seen = req;
    return status;  // NOLINT(performance-no-automatic-move): a copy; the test keeps `status`
  });
  CtlResult r = run_ctl(&io, {"--socket", srv->path(), "--json", "status"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out), status);
  EXPECT_EQ(seen, json({{"cmd", "status"}}));

  r = run_ctl(&io, {"status", "--socket=" + srv->path()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("device     sim\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("uptime     1d 2h 3m 4s\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("7 forward, 6 reply, capacity 65536 each"), std::string::npos) << r.out;
}

TEST(V6lbctl, RequestShapesAndTables) {
  TempDir dir;
  asio::io_context io;
  auto srv = open_control(io, dir);
  json seen;
  json reply = {{"ok", true}};
  srv->set_handler([&](const json& req) {
    seen = req;
    return reply;
  });
  auto ctl = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--socket", srv->path()});
    return run_ctl(&io, args);
  };

  EXPECT_EQ(ctl({"weight", "web", "[2001:DB8:0::1]", "8080", "7"}).exit_code, 0);
  EXPECT_EQ(seen, json::parse(R"({"cmd":"weight","service":"web","address":"2001:db8::1",
                                  "port":8080,"weight":7})"));
  EXPECT_EQ(ctl({"drain", "web", "2001:db8::1", "80"}).exit_code, 0);
  EXPECT_EQ(seen, json::parse(R"({"cmd":"drain","service":"web","address":"2001:db8::1",
                                  "port":80})"));
  EXPECT_EQ(ctl({"undrain", "web", "2001:db8::1", "80"}).exit_code, 0);
  EXPECT_EQ(seen["cmd"], "undrain");
  EXPECT_EQ(ctl({"flows"}).exit_code, 0);
  EXPECT_EQ(seen, json::parse(R"({"cmd":"flows","limit":100})"));
  EXPECT_EQ(ctl({"flows", "--limit", "5", "--service", "dns"}).exit_code, 0);
  EXPECT_EQ(seen, json::parse(R"({"cmd":"flows","limit":5,"service":"dns"})"));
  EXPECT_EQ(ctl({"backends", "web"}).exit_code, 0);
  EXPECT_EQ(seen, json::parse(R"({"cmd":"backends","service":"web"})"));
  EXPECT_EQ(ctl({"reload"}).exit_code, 0);
  EXPECT_EQ(seen, json::parse(R"({"cmd":"reload"})"));

  reply = json::parse(R"({"ok":true,"backends":[
      {"service":"web","address":"2001:db8::1","port":80,"weight":1,"state":"up",
       "health_reason":"","packets":10,"flows":2},
      {"service":"web","address":"2001:db8::2","port":80,"weight":3,"state":"down",
       "health_reason":"connect: refused","packets":0,"flows":0}]})");
  CtlResult r = ctl({"backends"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("SERVICE"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("connect: refused"), std::string::npos) << r.out;

  reply = json::parse(R"({"ok":true,"flows":[{"client":"2001:db8:c::1","client_port":40000,
      "vip":"2001:db8:f::1","vip_port":80,"protocol":"tcp","backend":"2001:db8::1",
      "backend_port":8080,"expires_in_s":239.6}],"total":3})");
  r = ctl({"flows"});
  EXPECT_NE(r.out.find("[2001:db8:c::1]:40000"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(1 of 3 flows"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" 240s\n"), std::string::npos) << r.out;
  // A flow left over from a removed backend: its slot and "removed", not "?:0" or "-:-".
  reply = json::parse(R"({"ok":true,"flows":[{"client":"2001:db8:c::1","client_port":40000,
      "vip":"2001:db8:f::1","vip_port":80,"protocol":"tcp","backend":null,"backend_port":null,
      "backend_slot":7,"backend_removed":true,"expires_in_s":12}]})");
  r = ctl({"flows"});
  EXPECT_NE(r.out.find("removed (slot 7)"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("-:-"), std::string::npos) << r.out;

  reply = json::parse(R"({"ok":true,"services":[{"name":"web","vip":"2001:db8:f::1",
      "protocol":"tcp","port":80,"scheduler":"maglev","backends_up":1,"backends_total":2,
      "packets":5,"new_flows":1}]})");
  r = ctl({"services"});
  EXPECT_NE(r.out.find("1/2"), std::string::npos) << r.out;

  reply = json::parse(R"({"ok":true,"counters":{"rx_packets":9,"drop_malformed":0},
      "services":[],"flow_table":{"forward":1,"reply":1,"capacity":8}})");
  r = ctl({"stats"});
  EXPECT_NE(r.out.find("rx_packets"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("drop_malformed"), std::string::npos) << r.out;

  reply = {{"ok", false}, {"error", "no backend [2001:db8::9]:80 in service web"}};
  r = ctl({"drain", "web", "2001:db8::9", "80"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "v6lbctl: no backend [2001:db8::9]:80 in service web\n");
}

TEST(V6lbctl, UsageErrors) {
  TempDir dir;
  asio::io_context io;
  auto srv = open_control(io, dir);
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{},
                                             {"frobnicate"},
                                             {"status", "extra"},
                                             {"drain", "web", "2001:db8::1"},
                                             {"drain", "web", "10.0.0.1", "80"},
                                             {"weight", "web", "2001:db8::1", "80", "70000"},
                                             {"drain", "web", "2001:db8::1", "0"},
                                             {"flows", "--limit", "many"},
                                             {"flows", "--limit", "0"},
                                             {"status", "--limit", "3"},
                                             {"--bogus", "status"},
                                             {"--socket"}}) {
    std::vector<std::string> full = args;
    full.insert(full.begin(), {"--socket", srv->path()});
    if (!args.empty() && args[0] == "--socket") full = args;
    const CtlResult r = run_ctl(&io, full);
    EXPECT_EQ(r.exit_code, 2) << ::testing::PrintToString(args) << r.err;
    EXPECT_TRUE(r.err.starts_with("v6lbctl: ")) << r.err;
  }
  EXPECT_EQ(srv->num_clients(), 0u) << "usage errors never reach the daemon";
  const CtlResult help = run_ctl(nullptr, {"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_TRUE(help.out.starts_with("usage: v6lbctl")) << help.out;
}

TEST(V6lbctl, UnreachableSocket) {
  TempDir dir;
  const std::string path = dir / "nothing-here.sock";
  const CtlResult r = run_ctl(nullptr, {"--socket", path, "status"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "v6lbctl: cannot connect to " + path +
                       ": No such file or directory (is v6lbd running?)\n");
}

}  // namespace
}  // namespace v6lb
