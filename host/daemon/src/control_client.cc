// The control socket's client (v6lb/control_client.h): what v6lbctl does after its command line.
#include "v6lb/daemon/control_client.h"

#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "v6lb/driver/unique_fd.h"

namespace v6lb {
namespace {

using nlohmann::json;

constexpr size_t kMaxReplyBytes = 512u << 20;

__attribute__((format(printf, 2, 3))) void appendf(std::string& out, const char* fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  const int n = std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if (size_t(n) < sizeof buf) {
    out.append(buf, size_t(n));
    return;
  }
  std::string big(size_t(n) + 1, '\0');
  va_start(ap, fmt);
  std::vsnprintf(big.data(), big.size(), fmt, ap);
  va_end(ap);
  big.resize(size_t(n));
  out += big;
}

void put_line(std::string& out, const std::string& s) {
  out += s;
  out += '\n';
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
void print_table(std::string& out, const std::vector<std::string>& header,
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
    put_line(out, line);
  };
  print_row(header);
  for (const auto& r : rows) print_row(r);
}

void print_status(std::string& out, const json& r) {
  const json& flows = object(r, "flows");
  appendf(out, "device     %s\n", text(r, "device").c_str());
  if (const json& ds = object(r, "device_state"); !ds.empty()) {  // older daemons omit it
    if (ds.value("ok", true)) {
      appendf(out, "state      ok (%s failures, %s recoveries)\n", text(ds, "failures").c_str(),
              text(ds, "recoveries").c_str());
    } else {
      appendf(out, "state      FAILED for %s: %s; reconnecting\n",
              duration(number(ds, "for_s")).c_str(), text(ds, "error").c_str());
    }
  }
  appendf(out, "config     %s\n", text(r, "config").c_str());
  appendf(out, "uptime     %s\n", duration(number(r, "uptime_s")).c_str());
  appendf(out, "services   %s\n", text(r, "services").c_str());
  appendf(out, "backends   %s\n", text(r, "backends").c_str());
  if (!flows.empty())  // left out while the device is failed
    appendf(out, "flows      %s forward, %s reply, capacity %s each\n",
            text(flows, "forward").c_str(), text(flows, "reply").c_str(),
            text(flows, "capacity").c_str());
  if (const json& link = object(r, "link"); !link.empty()) {  // older daemons omit it
    appendf(out, "link       %s\n", text(link, "state").c_str());
    if (link.contains("rx_frames"))
      appendf(out, "mac        rx %s frames (%s dropped), tx %s frames\n",
              text(link, "rx_frames").c_str(), text(link, "rx_drops").c_str(),
              text(link, "tx_frames").c_str());
  }
  // Whatever else a newer daemon reports is still worth seeing.
  for (const auto& [k, v] : r.items()) {
    static const std::vector<std::string> known = {"ok",       "device",   "config", "uptime_s",
                                                   "services", "backends", "flows"};
    if (std::find(known.begin(), known.end(), k) != known.end() || v.is_structured()) continue;
    appendf(out, "%-10s %s\n", k.c_str(), text(r, k.c_str()).c_str());
  }
}

void print_services(std::string& out, const json& r) {
  std::vector<std::vector<std::string>> rows;
  for (const json& s : array(r, "services")) {
    rows.push_back({text(s, "name"), text(s, "vip"), text(s, "port"), text(s, "protocol"),
                    text(s, "scheduler"), text(s, "backends_up") + "/" + text(s, "backends_total"),
                    text(s, "packets"), text(s, "new_flows")});
  }
  if (rows.empty()) {
    put_line(out, "no services");
    return;
  }
  print_table(out, {"NAME", "VIP", "PORT", "PROTO", "SCHEDULER", "UP", "PACKETS", "NEW FLOWS"},
              rows, {false, false, true, false, false, true, true, true});
}

void print_backends(std::string& out, const json& r) {
  std::vector<std::vector<std::string>> rows;
  for (const json& b : array(r, "backends")) {
    rows.push_back({text(b, "service"), text(b, "address"), text(b, "port"), text(b, "weight"),
                    text(b, "state"), text(b, "health_reason"), text(b, "packets"),
                    text(b, "flows")});
  }
  if (rows.empty()) {
    put_line(out, "no backends");
    return;
  }
  print_table(out, {"SERVICE", "ADDRESS", "PORT", "WEIGHT", "STATE", "HEALTH", "PACKETS", "FLOWS"},
              rows, {false, false, true, true, false, false, true, true});
}

// A flow of a backend removed from the config (left until it ages out) has no address: its slot.
std::string flow_backend(const json& f) {
  const auto it = f.find("backend_removed");
  if (it != f.end() && it->is_boolean() && it->get<bool>())
    return "removed (slot " + text(f, "backend_slot") + ")";
  return endpoint(f, "backend", "backend_port");
}

void print_flows(std::string& out, const json& r) {
  std::vector<std::vector<std::string>> rows;
  for (const json& f : array(r, "flows")) {
    rows.push_back({text(f, "protocol"), endpoint(f, "client", "client_port"),
                    endpoint(f, "vip", "vip_port"), flow_backend(f), expires(f)});
  }
  if (rows.empty()) {
    put_line(out, "no flows");
  } else {
    print_table(out, {"PROTO", "CLIENT", "VIP", "BACKEND", "EXPIRES"}, rows,
                {false, false, false, false, true});
  }
  if (r.contains("total") && number(r, "total") > rows.size()) {
    appendf(out, "(%zu of %llu flows; --limit N to see more)\n", rows.size(),
            (unsigned long long)number(r, "total"));
  }
}

// The layout of v6lb::stats_report, so `v6lbctl stats` reads like v6lb-replay's summary.
void print_stats(std::string& out, const json& r) {
  for (const json& svc : array(r, "services")) {
    appendf(out, "service %s [%s]:%s/%s (%s): %s packets, %s new flows\n",
            text(svc, "name").c_str(), text(svc, "vip").c_str(), text(svc, "port").c_str(),
            text(svc, "protocol").c_str(), text(svc, "scheduler").c_str(),
            text(svc, "packets").c_str(), text(svc, "new_flows").c_str());
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
      appendf(out,
              "  [%s]:%s weight %s: %s flows (%.1f%%, weight share %.1f%%), %s packets, %s "
              "replies\n",
              text(b, "address").c_str(), text(b, "port").c_str(), text(b, "weight").c_str(),
              text(b, "flows").c_str(), share, want, text(b, "packets").c_str(),
              text(b, "reply_packets").c_str());
    }
  }
  put_line(out, "counters:");
  for (const auto& [k, v] : object(r, "counters").items()) {
    if (v.is_number() && v.get<double>() == 0) continue;
    appendf(out, "  %-18s %s\n", k.c_str(), v.dump().c_str());
  }
  const json& ft = object(r, "flow_table");
  appendf(out, "flow table: %s forward, %s reply entries of %s each\n", text(ft, "forward").c_str(),
          text(ft, "reply").c_str(), text(ft, "capacity").c_str());
}

void print_done(std::string& out, const json& req, const json& r) {
  const std::string cmd = req.value("cmd", "");
  if (cmd == "drain" || cmd == "undrain" || cmd == "weight") {
    std::string backend = "[";
    backend += text(req, "address");
    backend += "]:";
    backend += text(req, "port");
    if (cmd == "weight") {
      appendf(out, "%s in %s: weight %s\n", backend.c_str(), text(req, "service").c_str(),
              text(req, "weight").c_str());
    } else {
      appendf(out, "%s in %s: %s\n", backend.c_str(), text(req, "service").c_str(),
              cmd == "drain" ? "draining" : "undrained");
    }
  } else if (cmd == "reload") {
    put_line(out, "reloaded");
  }
  if (r.contains("message")) appendf(out, "%s\n", text(r, "message").c_str());
}

}  // namespace

json control_call(const std::string& socket, const json& request, int timeout_s) {
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (socket.empty() || socket.size() >= sizeof sa.sun_path) {
    throw ControlUsageError("socket path '" + socket + "' is empty or too long");
  }
  std::memcpy(sa.sun_path, socket.data(), socket.size());
  v6lb::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd || ::connect(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    const int e = errno;
    const char* hint =
        e == EACCES ? " (run as root or a member of the socket's group)" : " (is v6lbd running?)";
    throw ControlTransportError("cannot connect to " + socket + ": " + std::strerror(e) + hint);
  }

  const std::string line = request.dump() + "\n";
  for (size_t off = 0; off < line.size();) {
    const ssize_t n = ::send(fd.get(), line.data() + off, line.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw ControlTransportError("sending to " + socket + ": " + std::strerror(errno));
    off += size_t(n);
  }

  // The reply is one line; a daemon busy reprogramming tables may take a while, but never forever.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
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
      throw ControlTransportError("no reply from v6lbd within " + std::to_string(timeout_s) + " s");
    }
    const ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw ControlTransportError("reading from " + socket + ": " + std::strerror(errno));
    if (n == 0) {
      if (reply.empty())
        throw ControlTransportError("v6lbd closed the connection without replying");
      break;  // a last line without '\n' is still a reply
    }
    reply.append(buf, size_t(n));
    if (reply.size() > kMaxReplyBytes) throw ControlTransportError("reply from v6lbd is too large");
  }
  try {
    json j = json::parse(reply);
    if (!j.is_object() || !j.contains("ok") || !j["ok"].is_boolean()) {
      throw ControlTransportError("reply from v6lbd has no \"ok\": " + reply.substr(0, 200));
    }
    return j;
  } catch (const json::parse_error& e) {
    throw ControlTransportError(std::string("reply from v6lbd is not JSON: ") + e.what());
  }
}

std::string control_reply_text(const json& request, const json& r) {
  std::string out;
  try {
    const std::string cmd = request.value("cmd", "");
    if (cmd == "status") {
      print_status(out, r);
    } else if (cmd == "services") {
      print_services(out, r);
    } else if (cmd == "backends") {
      print_backends(out, r);
    } else if (cmd == "flows") {
      print_flows(out, r);
    } else if (cmd == "stats") {
      print_stats(out, r);
    } else {
      print_done(out, request, r);
    }
  } catch (const std::exception&) {
    // A reply shape this version does not know: show it raw rather than nothing.
    return r.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
  }
  return out;
}

std::optional<std::string> canonical_ipv6(std::string s) {
  if (s.size() >= 2 && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
  in6_addr a{};
  char buf[INET6_ADDRSTRLEN];
  if (::inet_pton(AF_INET6, s.c_str(), &a) != 1 || !::inet_ntop(AF_INET6, &a, buf, sizeof buf))
    return std::nullopt;
  return std::string(buf);
}

int run_control_client(const ControlClientOptions& o) {
  json reply;
  try {
    reply = control_call(o.socket, o.request, o.timeout_s);
  } catch (const std::runtime_error& e) {  // ControlUsageError, ControlTransportError
    std::fprintf(stderr, "v6lbctl: %s\n", e.what());
    return 2;
  }
  const bool ok = reply["ok"].get<bool>();
  if (o.json) {
    std::puts(reply.dump(2, ' ', false, json::error_handler_t::replace).c_str());
  } else if (ok) {
    std::fputs(control_reply_text(o.request, reply).c_str(), stdout);
  }
  if (!ok) {
    std::fprintf(stderr, "v6lbctl: %s\n", text(reply, "error").c_str());
    return 1;
  }
  return 0;
}

}  // namespace v6lb
