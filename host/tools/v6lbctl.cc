// v6lbctl: the operator's view of a running v6lbd, over its control socket (one JSON request
// line, one JSON reply line; see v6lb/control_server.h). Exit status: 0 ok, 1 the daemon refused
// the request, 2 a usage error or no usable answer from the daemon, so scripts can tell "you asked
// for something wrong" from "the daemon is not there".
#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "v6lb/control_server.h"  // UniqueFd

namespace {

using nlohmann::json;

constexpr const char* kDefaultSocket = "/run/v6lb/v6lbd.sock";
constexpr uint64_t kDefaultFlowLimit = 100;
constexpr size_t kMaxReplyBytes = 512u << 20;

constexpr const char* kUsage =
    "usage: v6lbctl [--socket PATH] [--json] [--timeout SECONDS] COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  status                              daemon, device, flow table and link summary\n"
    "  services                            services with backend health and counters\n"
    "  backends [SERVICE]                  backends of every service, or of one\n"
    "  flows [--limit N] [--service NAME]  live flows, at most N (default 100)\n"
    "  stats                               data plane counters\n"
    "  drain SERVICE ADDRESS PORT          send no new flows to a backend\n"
    "  undrain SERVICE ADDRESS PORT        undo drain\n"
    "  weight SERVICE ADDRESS PORT WEIGHT  set a backend's weight (0-65535)\n"
    "  reload                              reload the config file, like SIGHUP\n"
    "\n"
    "options:\n"
    "  --socket PATH    control socket (default /run/v6lb/v6lbd.sock)\n"
    "  --json           print the daemon's reply as JSON\n"
    "  --timeout SECS   how long to wait for the reply (default 30)\n"
    "  -h, --help       this text\n"
    "\n"
    "exit status: 0 ok, 1 the daemon refused the request, 2 usage error or daemon unreachable\n";

// Thrown for anything that should end in exit status 2.
struct UsageError {
  std::string message;
};
struct TransportError {
  std::string message;
};

std::optional<uint64_t> parse_uint(std::string_view s, uint64_t max) {
  uint64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || v > max) return std::nullopt;
  return v;
}

uint64_t uint_arg(std::string_view what, std::string_view s, uint64_t min, uint64_t max) {
  const auto v = parse_uint(s, max);
  if (!v || *v < min) {
    throw UsageError{std::string(what) + " must be a number from " + std::to_string(min) + " to " +
                     std::to_string(max) + ", not '" + std::string(s) + "'"};
  }
  return *v;
}

// Sent in canonical form so the daemon can compare strings, and so a typo fails here with a
// clear message rather than as "no such backend".
std::string address_arg(std::string s) {
  if (s.size() >= 2 && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
  in6_addr a{};
  char buf[INET6_ADDRSTRLEN];
  if (::inet_pton(AF_INET6, s.c_str(), &a) != 1 || !::inet_ntop(AF_INET6, &a, buf, sizeof buf)) {
    throw UsageError{"'" + s + "' is not an IPv6 address"};
  }
  return buf;
}

struct Options {
  std::string socket = kDefaultSocket;
  bool json = false;
  int timeout_s = 30;
  std::vector<std::string> words;  // command and its positional arguments
  std::optional<uint64_t> limit;
  std::optional<std::string> service;
};

Options parse_args(int argc, char** argv) {
  Options o;
  bool options_done = false;
  auto value = [&](int& i, std::string_view opt) -> std::string {
    const std::string_view arg = argv[i];
    if (arg.size() > opt.size() && arg[opt.size()] == '=')
      return std::string(arg.substr(opt.size() + 1));
    if (i + 1 >= argc) throw UsageError{std::string(opt) + " needs a value"};
    return argv[++i];
  };
  auto is = [](std::string_view arg, std::string_view opt) {
    return arg == opt ||
           (arg.starts_with(opt) && arg.size() > opt.size() && arg[opt.size()] == '=');
  };
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (options_done || arg.empty() || arg[0] != '-' || arg == "-") {
      o.words.emplace_back(arg);
    } else if (arg == "--") {
      options_done = true;
    } else if (arg == "-h" || arg == "--help") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else if (arg == "--json") {
      o.json = true;
    } else if (is(arg, "--socket")) {
      o.socket = value(i, "--socket");
    } else if (is(arg, "--timeout")) {
      o.timeout_s = int(uint_arg("--timeout", value(i, "--timeout"), 1, 86400));
    } else if (is(arg, "--limit")) {
      o.limit = uint_arg("--limit", value(i, "--limit"), 1, UINT32_MAX);
    } else if (is(arg, "--service")) {
      o.service = value(i, "--service");
    } else {
      throw UsageError{"unknown option " + std::string(arg)};
    }
  }
  if (o.words.empty()) throw UsageError{"no command given"};
  return o;
}

json build_request(const Options& o) {
  const std::string& cmd = o.words[0];
  const size_t nargs = o.words.size() - 1;
  auto want_args = [&](size_t lo, size_t hi, const char* synopsis) {
    if (nargs < lo || nargs > hi) throw UsageError{std::string("usage: v6lbctl ") + synopsis};
  };
  if ((o.limit || o.service) && cmd != "flows") {
    throw UsageError{"--limit and --service belong to the flows command"};
  }
  json req = {{"cmd", cmd}};
  if (cmd == "status" || cmd == "services" || cmd == "stats" || cmd == "reload") {
    want_args(0, 0, cmd.c_str());
  } else if (cmd == "backends") {
    want_args(0, 1, "backends [SERVICE]");
    if (nargs == 1) req["service"] = o.words[1];
  } else if (cmd == "flows") {
    want_args(0, 0, "flows [--limit N] [--service NAME]");
    req["limit"] = o.limit.value_or(kDefaultFlowLimit);
    if (o.service) req["service"] = *o.service;
  } else if (cmd == "drain" || cmd == "undrain") {
    want_args(3, 3, (cmd + " SERVICE ADDRESS PORT").c_str());
    req["service"] = o.words[1];
    req["address"] = address_arg(o.words[2]);
    req["port"] = uint_arg("PORT", o.words[3], 1, 65535);
  } else if (cmd == "weight") {
    want_args(4, 4, "weight SERVICE ADDRESS PORT WEIGHT");
    req["service"] = o.words[1];
    req["address"] = address_arg(o.words[2]);
    req["port"] = uint_arg("PORT", o.words[3], 1, 65535);
    req["weight"] = uint_arg("WEIGHT", o.words[4], 0, 65535);
  } else {
    throw UsageError{"unknown command '" + cmd + "'"};
  }
  return req;
}

json call(const Options& o, const json& request) {
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (o.socket.empty() || o.socket.size() >= sizeof sa.sun_path) {
    throw UsageError{"socket path '" + o.socket + "' is empty or too long"};
  }
  std::memcpy(sa.sun_path, o.socket.data(), o.socket.size());
  v6lb::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd || ::connect(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    const int e = errno;
    const char* hint =
        e == EACCES ? " (run as root or a member of the socket's group)" : " (is v6lbd running?)";
    throw TransportError{"cannot connect to " + o.socket + ": " + std::strerror(e) + hint};
  }

  const std::string line = request.dump() + "\n";
  for (size_t off = 0; off < line.size();) {
    const ssize_t n = ::send(fd.get(), line.data() + off, line.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw TransportError{"sending to " + o.socket + ": " + std::strerror(errno)};
    off += size_t(n);
  }

  // The reply is one line; a daemon busy reprogramming tables may take a while, but never forever.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(o.timeout_s);
  std::string reply;
  char buf[64 * 1024];
  for (;;) {
    if (const size_t nl = reply.find('\n'); nl != std::string::npos) {
      reply.resize(nl);
      break;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd pfd{fd.get(), POLLIN, 0};
    const int ready = left.count() > 0 ? ::poll(&pfd, 1, int(left.count())) : 0;
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      throw TransportError{"no reply from v6lbd within " + std::to_string(o.timeout_s) + " s"};
    }
    const ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw TransportError{"reading from " + o.socket + ": " + std::strerror(errno)};
    if (n == 0) {
      if (reply.empty()) throw TransportError{"v6lbd closed the connection without replying"};
      break;  // a last line without '\n' is still a reply
    }
    reply.append(buf, size_t(n));
    if (reply.size() > kMaxReplyBytes) throw TransportError{"reply from v6lbd is too large"};
  }
  try {
    json j = json::parse(reply);
    if (!j.is_object() || !j.contains("ok") || !j["ok"].is_boolean()) {
      throw TransportError{"reply from v6lbd has no \"ok\": " + reply.substr(0, 200)};
    }
    return j;
  } catch (const json::parse_error& e) {
    throw TransportError{std::string("reply from v6lbd is not JSON: ") + e.what()};
  }
}

// ---------------------------------------------------------------------------------------------
// Human output. Replies come from a daemon possibly newer or older than this binary, so every
// field is optional: a missing one prints as "-" rather than aborting.

std::string text(const json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "-";
  if (it->is_string()) {
    const std::string s = it->get<std::string>();
    return s.empty() ? "-" : s;
  }
  if (it->is_number_float()) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6g", it->get<double>());
    return buf;
  }
  return it->dump(-1, ' ', false, json::error_handler_t::replace);
}

// The daemon may report fractions of a second; nobody reads a flow's expiry that closely.
std::string expires(const json& flow) {
  const auto it = flow.find("expires_in_s");
  if (it == flow.end() || !it->is_number()) return "-";
  const double s = it->get<double>();
  if (s <= 0) return "expired";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.0fs", s);
  return buf;
}

uint64_t number(const json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end()) return 0;
  if (it->is_number_unsigned()) return it->get<uint64_t>();
  if (it->is_number_integer()) return uint64_t(std::max<int64_t>(0, it->get<int64_t>()));
  if (it->is_number_float()) return uint64_t(std::max(0.0, it->get<double>()));
  return 0;
}

const json& array(const json& j, const char* key) {
  static const json empty = json::array();
  const auto it = j.find(key);
  return it != j.end() && it->is_array() ? *it : empty;
}

const json& object(const json& j, const char* key) {
  static const json empty = json::object();
  const auto it = j.find(key);
  return it != j.end() && it->is_object() ? *it : empty;
}

std::string endpoint(const json& j, const char* addr_key, const char* port_key) {
  const std::string a = text(j, addr_key);
  const std::string p = text(j, port_key);
  return (a.find(':') != std::string::npos ? "[" + a + "]" : a) + ":" + p;
}

std::string duration(uint64_t s) {
  std::string out;
  const uint64_t d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60;
  if (d) out += std::to_string(d) + "d ";
  if (d || h) out += std::to_string(h) + "h ";
  if (d || h || m) out += std::to_string(m) + "m ";
  return out + std::to_string(s % 60) + "s";
}

// Columns whose header is in `right` are right-aligned (numbers).
void print_table(const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows,
                 const std::vector<bool>& right) {
  std::vector<size_t> width(header.size());
  for (size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
  for (const auto& r : rows) {
    for (size_t i = 0; i < r.size() && i < width.size(); ++i)
      width[i] = std::max(width[i], r[i].size());
  }
  auto print_row = [&](const std::vector<std::string>& r) {
    std::string line;
    for (size_t i = 0; i < header.size(); ++i) {
      const std::string& cell = i < r.size() ? r[i] : std::string();
      const std::string pad(width[i] - std::min(width[i], cell.size()), ' ');
      line += right[i] ? pad + cell : cell + (i + 1 < header.size() ? pad : "");
      if (i + 1 < header.size()) line += "  ";
    }
    std::puts(line.c_str());
  };
  print_row(header);
  for (const auto& r : rows) print_row(r);
}

void print_status(const json& r) {
  const json& flows = object(r, "flows");
  std::printf("device     %s\n", text(r, "device").c_str());
  std::printf("config     %s\n", text(r, "config").c_str());
  std::printf("uptime     %s\n", duration(number(r, "uptime_s")).c_str());
  std::printf("services   %s\n", text(r, "services").c_str());
  std::printf("backends   %s\n", text(r, "backends").c_str());
  std::printf("flows      %s forward, %s reply, capacity %s each\n", text(flows, "forward").c_str(),
              text(flows, "reply").c_str(), text(flows, "capacity").c_str());
  if (const json& link = object(r, "link"); !link.empty()) {  // older daemons omit it
    std::printf("link       %s\n", text(link, "state").c_str());
    if (link.contains("rx_frames"))
      std::printf("mac        rx %s frames (%s dropped), tx %s frames\n",
                  text(link, "rx_frames").c_str(), text(link, "rx_drops").c_str(),
                  text(link, "tx_frames").c_str());
  }
  // Whatever else a newer daemon reports is still worth seeing.
  for (const auto& [k, v] : r.items()) {
    static const std::vector<std::string> known = {"ok",       "device",   "config", "uptime_s",
                                                   "services", "backends", "flows"};
    if (std::find(known.begin(), known.end(), k) != known.end() || v.is_structured()) continue;
    std::printf("%-10s %s\n", k.c_str(), text(r, k.c_str()).c_str());
  }
}

void print_services(const json& r) {
  std::vector<std::vector<std::string>> rows;
  for (const json& s : array(r, "services")) {
    rows.push_back({text(s, "name"), text(s, "vip"), text(s, "port"), text(s, "protocol"),
                    text(s, "scheduler"), text(s, "backends_up") + "/" + text(s, "backends_total"),
                    text(s, "packets"), text(s, "new_flows")});
  }
  if (rows.empty()) {
    std::puts("no services");
    return;
  }
  print_table({"NAME", "VIP", "PORT", "PROTO", "SCHEDULER", "UP", "PACKETS", "NEW FLOWS"}, rows,
              {false, false, true, false, false, true, true, true});
}

void print_backends(const json& r) {
  std::vector<std::vector<std::string>> rows;
  for (const json& b : array(r, "backends")) {
    rows.push_back({text(b, "service"), text(b, "address"), text(b, "port"), text(b, "weight"),
                    text(b, "state"), text(b, "health_reason"), text(b, "packets"),
                    text(b, "flows")});
  }
  if (rows.empty()) {
    std::puts("no backends");
    return;
  }
  print_table({"SERVICE", "ADDRESS", "PORT", "WEIGHT", "STATE", "HEALTH", "PACKETS", "FLOWS"}, rows,
              {false, false, true, true, false, false, true, true});
}

// A flow of a backend removed from the config (left until it ages out) has no address: its slot.
std::string flow_backend(const json& f) {
  const auto it = f.find("backend_removed");
  if (it != f.end() && it->is_boolean() && it->get<bool>())
    return "removed (slot " + text(f, "backend_slot") + ")";
  return endpoint(f, "backend", "backend_port");
}

void print_flows(const json& r) {
  std::vector<std::vector<std::string>> rows;
  for (const json& f : array(r, "flows")) {
    rows.push_back({text(f, "protocol"), endpoint(f, "client", "client_port"),
                    endpoint(f, "vip", "vip_port"), flow_backend(f), expires(f)});
  }
  if (rows.empty()) {
    std::puts("no flows");
  } else {
    print_table({"PROTO", "CLIENT", "VIP", "BACKEND", "EXPIRES"}, rows,
                {false, false, false, false, true});
  }
  if (r.contains("total") && number(r, "total") > rows.size()) {
    std::printf("(%zu of %llu flows; --limit N to see more)\n", rows.size(),
                (unsigned long long)number(r, "total"));
  }
}

// The layout of v6lb::stats_report, so `v6lbctl stats` reads like v6lb-replay's summary.
void print_stats(const json& r) {
  for (const json& svc : array(r, "services")) {
    std::printf("service %s [%s]:%s/%s (%s): %s packets, %s new flows\n", text(svc, "name").c_str(),
                text(svc, "vip").c_str(), text(svc, "port").c_str(), text(svc, "protocol").c_str(),
                text(svc, "scheduler").c_str(), text(svc, "packets").c_str(),
                text(svc, "new_flows").c_str());
    uint64_t total_flows = 0, total_weight = 0;
    for (const json& b : array(svc, "backends")) {
      total_flows += number(b, "flows");
      total_weight += number(b, "weight");
    }
    for (const json& b : array(svc, "backends")) {
      const double share =
          total_flows ? 100.0 * double(number(b, "flows")) / double(total_flows) : 0;
      const double want =
          total_weight ? 100.0 * double(number(b, "weight")) / double(total_weight) : 0;
      std::printf(
          "  [%s]:%s weight %s: %s flows (%.1f%%, weight share %.1f%%), %s packets, %s "
          "replies\n",
          text(b, "address").c_str(), text(b, "port").c_str(), text(b, "weight").c_str(),
          text(b, "flows").c_str(), share, want, text(b, "packets").c_str(),
          text(b, "reply_packets").c_str());
    }
  }
  std::puts("counters:");
  for (const auto& [k, v] : object(r, "counters").items()) {
    if (v.is_number() && v.get<double>() == 0) continue;
    std::printf("  %-18s %s\n", k.c_str(), v.dump().c_str());
  }
  const json& ft = object(r, "flow_table");
  std::printf("flow table: %s forward, %s reply entries of %s each\n", text(ft, "forward").c_str(),
              text(ft, "reply").c_str(), text(ft, "capacity").c_str());
}

void print_done(const Options& o, const json& r) {
  const std::string& cmd = o.words[0];
  if (cmd == "drain" || cmd == "undrain" || cmd == "weight") {
    const std::string backend = "[" + address_arg(o.words[2]) + "]:" + o.words[3];
    if (cmd == "weight") {
      std::printf("%s in %s: weight %s\n", backend.c_str(), o.words[1].c_str(), o.words[4].c_str());
    } else {
      std::printf("%s in %s: %s\n", backend.c_str(), o.words[1].c_str(),
                  cmd == "drain" ? "draining" : "undrained");
    }
  } else if (cmd == "reload") {
    std::puts("reloaded");
  }
  if (r.contains("message")) std::printf("%s\n", text(r, "message").c_str());
}

void print_human(const Options& o, const json& r) {
  const std::string& cmd = o.words[0];
  if (cmd == "status") {
    print_status(r);
  } else if (cmd == "services") {
    print_services(r);
  } else if (cmd == "backends") {
    print_backends(r);
  } else if (cmd == "flows") {
    print_flows(r);
  } else if (cmd == "stats") {
    print_stats(r);
  } else {
    print_done(o, r);
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options opts;
  json request;
  try {
    opts = parse_args(argc, argv);
    request = build_request(opts);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "v6lbctl: %s\n(v6lbctl --help for usage)\n", e.message.c_str());
    return 2;
  }

  json reply;
  try {
    reply = call(opts, request);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "v6lbctl: %s\n", e.message.c_str());
    return 2;
  } catch (const TransportError& e) {
    std::fprintf(stderr, "v6lbctl: %s\n", e.message.c_str());
    return 2;
  }

  const bool ok = reply["ok"].get<bool>();
  if (opts.json) {
    std::puts(reply.dump(2, ' ', false, json::error_handler_t::replace).c_str());
  } else if (ok) {
    try {
      print_human(opts, reply);
    } catch (const std::exception&) {
      // A reply shape this version does not know: show it raw rather than nothing.
      std::puts(reply.dump(2, ' ', false, json::error_handler_t::replace).c_str());
    }
  }
  if (!ok) {
    std::fprintf(stderr, "v6lbctl: %s\n", text(reply, "error").c_str());
    return 1;
  }
  return 0;
}
