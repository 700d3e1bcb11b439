// The YAML configuration loader (schema and error list: docs/CONFIG.md).
//
// Everything is checked while the tree is read, and the first problem ends the load. Errors
// point at the node that is wrong (for a missing key: the map that lacks it), because a reload
// of a running daemon is refused with that message and the operator fixes the file from it.

#include "v6lb/control/config.h"

#include <fcntl.h>
#include <unistd.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <map>
#include <span>
#include <sstream>
#include <string_view>
#include <tuple>
#include <utility>

namespace v6lb {
namespace {

using namespace std::string_literals;
using std::string_view_literals::operator""sv;

// Limits that are policy rather than format; docs/CONFIG.md lists them.
constexpr size_t kMaxServices = 256;
constexpr size_t kMaxNameLength = 64;
constexpr int64_t kMinMaglevSize = 3;
constexpr int64_t kMaxMaglevSize = 1000003;
constexpr int64_t kMinFlowTableSize = 4;
constexpr int64_t kMaxFlowTableSize = int64_t(1) << 31;
constexpr uint64_t kMinIdleTimeoutMs = 1000;
constexpr uint64_t kMaxIdleTimeoutMs =
    1000000ull * 1000;  // T + T/8 stays below 2^31 ticks (docs/PIPELINE.md)
constexpr uint64_t kMinIntervalMs = 100;
constexpr uint64_t kMaxIntervalMs = 3600ull * 1000;
constexpr uint64_t kMinProbeTimeoutMs = 10;
constexpr size_t kMaxHttpPathLength = 1024;
// sun_path is 108 bytes including the terminating NUL.
constexpr size_t kMaxSocketPathLength = 107;

// Validation stops at the first problem; throwing it keeps every check to one line. Failure is
// private to this file and is always caught in load_config_string, so it never crosses the API.
struct Failure {
  YAML::Mark mark;
  std::string message;
};

[[noreturn]] void fail(const YAML::Mark& mark, std::string message) {
  throw Failure{mark, std::move(message)};
}

std::string quoted(std::string_view s) { return "'"s.append(s).append("'"); }

int line_of(const YAML::Mark& m) { return m.line + 1; }

std::string describe(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Scalar: {
      // Messages are one line of a log; a block scalar could be many lines and long.
      std::string text = n.Scalar().substr(0, 60);
      for (char& c : text)
        if (static_cast<unsigned char>(c) < 0x20) c = '?';
      return quoted(text.size() < n.Scalar().size() ? text + "..." : text);
    }
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a map";
    default:
      return "nothing";
  }
}

std::string join(std::span<const std::string_view> words) {
  std::string out;
  for (std::string_view w : words) {
    if (!out.empty()) out += ", ";
    out += w;
  }
  return out;
}

// A node to be converted, what messages call it ("'port'", "a backend") and where it is.
struct Value {
  YAML::Node node;
  std::string label;
  YAML::Mark mark;
};

[[noreturn]] void wrong(const Value& v, std::string_view expected, std::string_view note = {}) {
  std::string msg = v.label + " must be " + std::string(expected) + ", got " + describe(v.node);
  if (!note.empty()) msg.append(" (").append(note).append(")");
  fail(v.mark, std::move(msg));
}

// Levenshtein distance, for "did you mean" on misspelt keys.
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1])});
      diag = up;
    }
  }
  return row[b.size()];
}

// A YAML map being read. The constructor checks its shape once (a map, scalar keys, no key
// twice, only allowed keys), so the code for each section just asks for the keys it wants.
class MapReader {
 public:
  MapReader(const Value& v, std::string context, std::span<const std::string_view> allowed)
      : mark_(v.mark), context_(std::move(context)) {
    if (!v.node.IsMap()) wrong(v, "a map");
    for (auto it = v.node.begin(); it != v.node.end(); ++it) {
      YAML::Node key = it->first;  // a copy: the iterator yields a temporary pair
      if (!key.IsScalar()) fail(key.Mark(), "a key " + context_ + " must be a plain word");
      const std::string& name = key.Scalar();  // `key` lives to the end of the iteration
      if (const Entry* seen = find(name))
        fail(key.Mark(), "duplicate key " + quoted(name) + " " + context_ + " (first at line " +
                             std::to_string(line_of(seen->key_mark)) + ")");
      if (std::find(allowed.begin(), allowed.end(), name) == allowed.end())
        fail(key.Mark(), unknown_key_message(name, allowed));
      entries_.push_back(Entry{name, it->second, key.Mark()});
    }
  }

  std::optional<Value> optional(std::string_view key) const {
    const Entry* e = find(key);
    if (!e) return std::nullopt;
    // An empty value has no position of its own (yaml-cpp puts it on the next token), so point
    // at its key instead.
    YAML::Mark at = e->value.IsNull() ? e->key_mark : e->value.Mark();
    return Value{e->value, quoted(key), at};
  }

  Value required(std::string_view key) const {
    if (auto v = optional(key)) return *v;
    fail(mark_, "missing required key " + quoted(key) + " " + context_);
  }

  // Where the key itself is written, for errors about a key that should not be there.
  YAML::Mark key_mark(std::string_view key) const { return find(key)->key_mark; }

  // Once a service's name is known, later messages can say which service.
  void set_context(std::string context) { context_ = std::move(context); }

 private:
  struct Entry {
    std::string key;
    YAML::Node value;
    YAML::Mark key_mark;
  };

  const Entry* find(std::string_view key) const {
    for (const Entry& e : entries_)
      if (e.key == key) return &e;
    return nullptr;
  }

  std::string unknown_key_message(const std::string& key,
                                  std::span<const std::string_view> allowed) const {
    std::string msg =
        "unknown key " + quoted(key) + " " + context_ + " (allowed: " + join(allowed) + ")";
    std::string_view best;
    size_t best_distance = 3;  // more than two edits is a different word, not a typo
    for (std::string_view a : allowed) {
      size_t d = edit_distance(key, a);
      if (d < best_distance) best_distance = d, best = a;
    }
    if (!best.empty()) msg += "; did you mean " + quoted(best) + "?";
    return msg;
  }

  YAML::Mark mark_;
  std::string context_;
  std::vector<Entry> entries_;
};

// Items of a list, each labelled for messages; `what` names one item ("a backend").
std::vector<Value> list_items(const Value& v, const std::string& what) {
  if (!v.node.IsSequence()) wrong(v, "a list");
  std::vector<Value> items;
  for (const YAML::Node& n : v.node) items.push_back(Value{n, what, n.Mark()});
  return items;
}

// ---- scalar conversions -------------------------------------------------------------------

std::string as_string(const Value& v, std::string_view expected = "a string") {
  if (!v.node.IsScalar()) wrong(v, expected);
  return v.node.Scalar();
}

// Decimal only: "0x50" or "8e1" for a port is far more likely a mistake than intent.
std::optional<int64_t> parse_integer(std::string_view s) {
  bool negative = !s.empty() && s[0] == '-';
  if (negative) s.remove_prefix(1);
  if (s.empty() || s.size() > 18) return std::nullopt;
  int64_t value = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return negative ? -value : value;
}

int64_t as_integer(const Value& v, int64_t lo, int64_t hi) {
  std::string expected = "an integer in " + std::to_string(lo) + ".." + std::to_string(hi);
  std::optional<int64_t> n = parse_integer(as_string(v, expected));
  if (!n || *n < lo || *n > hi) wrong(v, expected);
  return *n;
}

uint16_t as_port(const Value& v) { return uint16_t(as_integer(v, 1, 65535)); }

bool is_multicast(const Ipv6Addr& a) { return a.b[0] == 0xff; }

// Every address in the config is a unicast endpoint: the card, a VIP or a backend.
Ipv6Addr as_ipv6(const Value& v) {
  std::optional<Ipv6Addr> a = Ipv6Addr::parse(as_string(v, "an IPv6 address"));
  if (!a) wrong(v, "an IPv6 address");
  if (a->is_zero()) wrong(v, "a unicast IPv6 address", "the unspecified address");
  if (is_multicast(*a)) wrong(v, "a unicast IPv6 address", "multicast");
  return *a;
}

// MacAddr::parse also takes '-' separators; the config spells MACs one way only.
MacAddr as_unicast_mac(const Value& v) {
  constexpr std::string_view kExpected = "a MAC address (six hex pairs separated by ':')";
  std::string text = as_string(v, kExpected);
  std::optional<MacAddr> m = MacAddr::parse(text);
  if (!m || text.find('-') != std::string::npos) wrong(v, kExpected);
  // A multicast or zero next hop would flood or black-hole every packet sent to it.
  if (m->is_multicast()) wrong(v, "a unicast MAC address", "multicast");
  if (*m == MacAddr{}) wrong(v, "a unicast MAC address", "all zeros");
  return *m;
}

uint32_t as_duration_ms(const Value& v, uint64_t lo, uint64_t hi) {
  constexpr std::string_view kExpected = "a duration like 500ms, 30s, 4m or 2m30s";
  std::string text = as_string(v, kExpected);
  std::optional<uint64_t> ms = parse_duration_ms(text);
  if (!ms) {
    if (auto n = parse_integer(text); n && *n >= 0)
      fail(v.mark, v.label + ": duration needs a unit (ms, s, m, h or d), got " + quoted(text) +
                       "; write e.g. " + quoted(text + "s"));
    wrong(v, kExpected);
  }
  if (*ms < lo || *ms > hi)
    wrong(v, "between " + format_duration_ms(lo) + " and " + format_duration_ms(hi));
  return uint32_t(*ms);
}

template <typename E>
using Choices = std::span<const std::pair<std::string_view, E>>;

template <typename E>
E as_choice(const Value& v, std::string_view noun, Choices<E> choices) {
  std::vector<std::string_view> names;
  for (const auto& [name, value] : choices) names.push_back(name);
  std::string text = as_string(v, "one of: " + join(names));
  for (const auto& [name, value] : choices)
    if (text == name) return value;
  fail(v.mark,
       "unknown " + std::string(noun) + " " + quoted(text) + " (allowed: " + join(names) + ")");
}

constexpr std::pair<std::string_view, Scheduler> kSchedulers[] = {
    {"maglev", Scheduler::kMaglev},
    {"source-ip", Scheduler::kSourceIp},
    {"source-ip-proto", Scheduler::kSourceIpProto},
};
constexpr std::pair<std::string_view, L4Proto> kProtocols[] = {
    {"tcp", L4Proto::kTcp},
    {"udp", L4Proto::kUdp},
};
constexpr std::pair<std::string_view, HealthCheckType> kHealthCheckTypes[] = {
    {"tcp", HealthCheckType::kTcp},
    {"http", HealthCheckType::kHttp},
    {"none", HealthCheckType::kNone},
};

// ---- sections ---------------------------------------------------------------------------------

constexpr std::array kTopKeys = {"card"sv, "services"sv, "tables"sv, "daemon"sv};
constexpr std::array kCardKeys = {"mac"sv, "address"sv, "router_mac"sv};
constexpr std::array kTablesKeys = {"maglev_size"sv, "flow_table_size"sv};
constexpr std::array kDaemonKeys = {"control_socket"sv, "metrics"sv};
constexpr std::array kServiceKeys = {"name"sv,         "vip"sv,       "protocol"sv,
                                     "port"sv,         "scheduler"sv, "idle_timeout"sv,
                                     "health_check"sv, "backends"sv};
constexpr std::array kHealthCheckKeys = {"type"sv, "interval"sv, "timeout"sv, "rise"sv,
                                         "fall"sv, "port"sv,     "path"sv,    "expect_status"sv};
constexpr std::array kBackendKeys = {"address"sv, "port"sv, "weight"sv, "mac"sv};

CardConfig parse_card(const Value& v) {
  MapReader m(v, "in card", kCardKeys);
  CardConfig card;
  card.mac = as_unicast_mac(m.required("mac"));
  card.address = as_ipv6(m.required("address"));
  card.router_mac = as_unicast_mac(m.required("router_mac"));
  return card;
}

bool is_prime(int64_t n) {
  if (n < 2) return false;
  for (int64_t d = 2; d * d <= n; ++d)
    if (n % d == 0) return false;
  return true;
}

TablesConfig parse_tables(const Value& v) {
  MapReader m(v, "in tables", kTablesKeys);
  TablesConfig t;
  if (auto size = m.optional("maglev_size")) {
    int64_t n = as_integer(*size, kMinMaglevSize, kMaxMaglevSize);
    if (!is_prime(n)) {
      int64_t next = n;
      while (!is_prime(next)) ++next;
      wrong(*size, "a prime number", "the next prime is " + std::to_string(next));
    }
    t.maglev_size = uint32_t(n);
  }
  if (auto size = m.optional("flow_table_size")) {
    int64_t n = as_integer(*size, kMinFlowTableSize, kMaxFlowTableSize);
    if (n & (n - 1)) wrong(*size, "a power of two");
    t.flow_table_size = uint32_t(n);
  }
  return t;
}

// "[2001:db8::1]:9109", "127.0.0.1:9109" or "localhost:9109".
bool valid_listen_address(std::string_view s) {
  size_t colon = s.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::optional<int64_t> port = parse_integer(s.substr(colon + 1));
  if (!port || *port < 1 || *port > 65535) return false;
  std::string_view host = s.substr(0, colon);
  if (host.front() == '[')
    return host.size() > 2 && host.back() == ']' &&
           Ipv6Addr::parse(host.substr(1, host.size() - 2)).has_value();
  // An IPv6 address without brackets cannot be told apart from its port.
  return host.find(':') == std::string_view::npos;
}

DaemonConfig parse_daemon(const Value& v) {
  MapReader m(v, "in daemon", kDaemonKeys);
  DaemonConfig d;
  if (auto sock = m.optional("control_socket")) {
    d.control_socket = as_string(*sock, "a socket path");
    if (d.control_socket.empty() || d.control_socket.size() > kMaxSocketPathLength)
      wrong(*sock, "a socket path of 1.." + std::to_string(kMaxSocketPathLength) + " bytes");
  }
  if (auto metrics = m.optional("metrics")) {
    constexpr std::string_view kExpected = "an address like [::1]:9109 or 127.0.0.1:9109";
    d.metrics = as_string(*metrics, kExpected);
    if (!valid_listen_address(d.metrics)) wrong(*metrics, kExpected);
  }
  return d;
}

HealthCheckConfig parse_health_check(const Value& v) {
  MapReader m(v, "in health_check", kHealthCheckKeys);
  HealthCheckConfig h;
  if (auto type = m.optional("type"))
    h.type = as_choice(*type, "health check type", Choices<HealthCheckType>(kHealthCheckTypes));
  auto interval = m.optional("interval");
  auto timeout = m.optional("timeout");
  if (interval) h.interval_ms = as_duration_ms(*interval, kMinIntervalMs, kMaxIntervalMs);
  if (timeout) h.timeout_ms = as_duration_ms(*timeout, kMinProbeTimeoutMs, kMaxIntervalMs);
  // A probe still running when the next is due would overlap it and blur rise/fall counting.
  if (h.timeout_ms > h.interval_ms)
    fail((timeout ? timeout : interval)->mark,
         "health check timeout (" + format_duration_ms(h.timeout_ms) +
             ") must not be longer than its interval (" + format_duration_ms(h.interval_ms) + ")");
  if (auto rise = m.optional("rise")) h.rise = uint32_t(as_integer(*rise, 1, 100));
  if (auto fall = m.optional("fall")) h.fall = uint32_t(as_integer(*fall, 1, 100));
  if (auto port = m.optional("port")) h.port = as_port(*port);

  // Silently ignoring these on a tcp check would hide that the check is not the one intended.
  for (std::string_view key : {"path"sv, "expect_status"sv})
    if (m.optional(key) && h.type != HealthCheckType::kHttp)
      fail(m.key_mark(key),
           quoted(key) + " applies only to http health checks (type is " + to_string(h.type) + ")");
  if (auto path = m.optional("path")) {
    constexpr std::string_view kExpected = "a URL path starting with '/' without spaces";
    h.http_path = as_string(*path, kExpected);
    // It goes verbatim into the request line, so whitespace or control bytes would break it.
    bool clean = h.http_path.size() <= kMaxHttpPathLength;
    for (unsigned char c : h.http_path) clean = clean && c > 0x20 && c != 0x7f;
    if (h.http_path.empty() || h.http_path[0] != '/' || !clean) wrong(*path, kExpected);
  }
  if (auto status = m.optional("expect_status"))
    h.http_expect_status = uint16_t(as_integer(*status, 100, 599));
  return h;
}

BackendConfig parse_backend(const Value& v, const CardConfig& card) {
  MapReader m(v, "in backend", kBackendKeys);
  BackendConfig b;
  b.line = line_of(v.mark);
  b.address = as_ipv6(m.required("address"));
  b.port = as_port(m.required("port"));
  if (auto weight = m.optional("weight")) b.weight = uint32_t(as_integer(*weight, 0, 65535));
  b.mac = card.router_mac;
  if (auto mac = m.optional("mac")) b.mac = as_unicast_mac(*mac);
  return b;
}

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength) return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-'))
      return false;
  return true;
}

// What earlier services claimed, for the checks that span services.
struct ServiceIndex {
  std::map<std::string, int> names;  // name -> line
  std::map<std::tuple<Ipv6Addr, L4Proto, uint16_t>, const ServiceConfig*> listeners;
};

ServiceConfig parse_service(const Value& v, const CardConfig& card, const ServiceIndex& index) {
  MapReader m(v, "in service", kServiceKeys);
  ServiceConfig s;
  s.line = line_of(v.mark);

  Value name = m.required("name");
  constexpr std::string_view kNameExpected = "a name of letters, digits, '_', '.', '-' (1..64)";
  s.name = as_string(name, kNameExpected);
  if (!valid_name(s.name)) wrong(name, kNameExpected);
  if (auto it = index.names.find(s.name); it != index.names.end())
    fail(name.mark, "duplicate service name " + quoted(s.name) + " (already used at line " +
                        std::to_string(it->second) + ")");
  m.set_context("in service " + quoted(s.name));

  Value vip = m.required("vip");
  s.vip = as_ipv6(vip);
  // The card punts packets to its own address before matching services, so such a VIP would
  // never receive a packet.
  if (s.vip == card.address)
    fail(vip.mark, "vip " + s.vip.str() + " of service " + quoted(s.name) +
                       " is the card's own address (card.address)");
  s.protocol = as_choice(m.required("protocol"), "protocol", Choices<L4Proto>(kProtocols));
  s.port = as_port(m.required("port"));
  if (auto sched = m.optional("scheduler"))
    s.scheduler = as_choice(*sched, "scheduler", Choices<Scheduler>(kSchedulers));
  if (auto idle = m.optional("idle_timeout"))
    s.idle_timeout_ms = as_duration_ms(*idle, kMinIdleTimeoutMs, kMaxIdleTimeoutMs);
  if (auto hc = m.optional("health_check")) s.health_check = parse_health_check(*hc);

  auto listener = std::make_tuple(s.vip, s.protocol, s.port);
  if (auto it = index.listeners.find(listener); it != index.listeners.end())
    fail(v.mark, "duplicate service: " + s.vip.str() + " " + to_string(s.protocol) + "/" +
                     std::to_string(s.port) + " is already defined by " + quoted(it->second->name) +
                     " at line " + std::to_string(it->second->line));

  Value backends = m.required("backends");
  std::map<std::pair<Ipv6Addr, uint16_t>, int> seen;  // (address, port) -> line
  for (const Value& item : list_items(backends, "a backend")) {
    BackendConfig b = parse_backend(item, card);
    auto [it, added] = seen.emplace(std::make_pair(b.address, b.port), b.line);
    if (!added)
      fail(item.mark, "duplicate backend [" + b.address.str() + "]:" + std::to_string(b.port) +
                          " in service " + quoted(s.name) + " (already listed at line " +
                          std::to_string(it->second) + ")");
    s.backends.push_back(b);
  }
  if (s.backends.empty())
    fail(backends.mark, "service " + quoted(s.name) + " has no backends (list at least one)");

  return s;
}

std::vector<ServiceConfig> parse_services(const Value& v, const CardConfig& card) {
  std::vector<Value> items = list_items(v, "a service");
  if (items.empty()) fail(v.mark, "'services' must list at least one service");
  if (items.size() > kMaxServices)
    fail(items[kMaxServices].mark, "too many services: " + std::to_string(items.size()) +
                                       " (at most " + std::to_string(kMaxServices) + ")");
  std::vector<ServiceConfig> services;
  // Reserved up front so the index's pointers into it stay valid while services are added.
  services.reserve(items.size());
  ServiceIndex index;
  for (const Value& item : items) {
    const ServiceConfig& s = services.emplace_back(parse_service(item, card, index));
    index.names.emplace(s.name, s.line);
    index.listeners.emplace(std::make_tuple(s.vip, s.protocol, s.port), &s);
  }
  return services;
}

Config parse_root(const YAML::Node& root, const std::string& source) {
  if (root.IsNull())
    fail(YAML::Mark(), "the configuration is empty (it needs at least 'card' and 'services')");
  MapReader top(Value{root, "the configuration", root.Mark()}, "at the top level", kTopKeys);
  Config cfg;
  cfg.source = source;
  cfg.card = parse_card(top.required("card"));
  if (auto tables = top.optional("tables")) cfg.tables = parse_tables(*tables);
  if (auto daemon = top.optional("daemon")) cfg.daemon = parse_daemon(*daemon);
  cfg.services = parse_services(top.required("services"), cfg.card);
  return cfg;
}

// Records where each document starts; ignores everything else.
class DocumentStarts : public YAML::EventHandler {
 public:
  std::vector<YAML::Mark> marks;

  void OnDocumentStart(const YAML::Mark& mark) override { marks.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// A second document would be silently ignored by YAML::Load, and is almost always a stray '---'.
// YAML::LoadAll cannot be used to find it: in yaml-cpp 0.7 it loops forever, allocating until
// the process is killed, on a token that cannot start a node, e.g. a ',' at the top
// (jbeder/yaml-cpp#1040). So the parser is stepped by hand, at most twice.
void require_single_document(const std::string& yaml) {
  std::istringstream in(yaml);
  YAML::Parser parser(in);
  DocumentStarts starts;
  if (!parser.HandleNextDocument(starts) || !parser.HandleNextDocument(starts)) return;
  const YAML::Mark& second = starts.marks.back();
  // Two documents starting at one place: the parser is stuck on a character it cannot read.
  if (starts.marks.size() == 2 && starts.marks[0].pos == second.pos && second.pos >= 0 &&
      size_t(second.pos) < yaml.size())
    fail(second, "YAML syntax error: unexpected " + quoted(yaml.substr(size_t(second.pos), 1)));
  fail(second, "more than one YAML document; the configuration must be exactly one");
}

std::string located(const std::string& name, const YAML::Mark& mark, const std::string& message) {
  if (mark.line < 0) return name + ": " + message;
  return name + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1) + ": " +
         message;
}

}  // namespace

std::variant<Config, ConfigError> load_config_string(const std::string& yaml,
                                                     const std::string& name) {
  try {
    require_single_document(yaml);
    return parse_root(YAML::Load(yaml), name);
  } catch (const Failure& f) {
    return ConfigError{located(name, f.mark, f.message)};
  } catch (const YAML::ParserException& e) {
    return ConfigError{located(name, e.mark, "YAML syntax error: " + e.msg)};
  } catch (const YAML::Exception& e) {
    return ConfigError{located(name, e.mark, e.msg)};
  } catch (const std::exception& e) {
    return ConfigError{name + ": " + e.what()};
  } catch (...) {
    return ConfigError{name + ": unexpected error while loading the configuration"};
  }
}

std::variant<Config, ConfigError> load_config_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ConfigError{path + ": cannot read: " + std::strerror(errno)};
  std::string text;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return ConfigError{path + ": cannot read: " + std::strerror(err)};
    }
    text.append(buf, size_t(n));
  }
  ::close(fd);
  return load_config_string(text, path);
}

std::optional<uint64_t> parse_duration_ms(const std::string& text) {
  struct Unit {
    std::string_view name;
    uint64_t ms;
  };
  // "ms" before "m" so that "500ms" is not read as 500 minutes followed by junk.
  static constexpr Unit kUnits[] = {
      {"d", 86400000}, {"h", 3600000}, {"ms", 1}, {"m", 60000}, {"s", 1000},
  };
  std::string_view s = text;
  if (s.empty()) return std::nullopt;
  uint64_t total = 0;
  uint64_t previous_unit = UINT64_MAX;
  while (!s.empty()) {
    size_t digits = 0;
    uint64_t n = 0;
    while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') {
      if (n > (UINT64_MAX - 9) / 10) return std::nullopt;
      n = n * 10 + uint64_t(s[digits] - '0');
      ++digits;
    }
    if (digits == 0) return std::nullopt;
    s.remove_prefix(digits);
    const Unit* unit = nullptr;
    for (const Unit& u : kUnits)
      if (s.starts_with(u.name)) {
        unit = &u;
        break;
      }
    // Largest unit first, each once: "30s2m" or "1s1s" is more likely a typo than intent.
    if (!unit || unit->ms >= previous_unit) return std::nullopt;
    s.remove_prefix(unit->name.size());
    previous_unit = unit->ms;
    if (n > (UINT64_MAX - total) / unit->ms) return std::nullopt;
    total += n * unit->ms;
  }
  return total;
}

std::string format_duration_ms(uint64_t ms) {
  // The largest single unit that divides exactly, so the text parses back to the same value.
  static constexpr std::pair<uint64_t, const char*> kUnits[] = {
      {86400000, "d"}, {3600000, "h"}, {60000, "m"}, {1000, "s"}};
  for (const auto& [size, name] : kUnits)
    if (ms != 0 && ms % size == 0) return std::to_string(ms / size) + name;
  return std::to_string(ms) + "ms";
}

const char* to_string(Scheduler s) {
  switch (s) {
    case Scheduler::kMaglev:
      return "maglev";
    case Scheduler::kSourceIp:
      return "source-ip";
    case Scheduler::kSourceIpProto:
      return "source-ip-proto";
  }
  return "unknown";
}

const char* to_string(L4Proto p) {
  switch (p) {
    case L4Proto::kTcp:
      return "tcp";
    case L4Proto::kUdp:
      return "udp";
  }
  return "unknown";
}

const char* to_string(HealthCheckType t) {
  switch (t) {
    case HealthCheckType::kNone:
      return "none";
    case HealthCheckType::kTcp:
      return "tcp";
    case HealthCheckType::kHttp:
      return "http";
  }
  return "unknown";
}

}  // namespace v6lb
