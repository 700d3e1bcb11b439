// Test printers for the data planes' counters and table entries: gtest's PrintTo (found by ADL)
// names every field, and diff() names only the fields that differ, so a failed whole-struct
// comparison says where model and card part:
//   EXPECT_EQ(model, card) << test::diff(model, card);
// No gtest dependency: the DPDK equivalence test (a plain main) uses diff() too.
#pragma once

#include <cstring>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "v6lb/control/stats_json.h"
#include "v6lb/dataplane/flow_table.h"
#include "v6lb/dataplane/packet_class.h"
#include "v6lb/dataplane/tables.h"

namespace v6lb {
namespace test {

using Fields = std::vector<std::pair<std::string, std::string>>;

inline std::string hex(const uint8_t* p, size_t n) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    s += d[p[i] >> 4];
    s += d[p[i] & 15];
  }
  return s;
}
inline std::string num(uint64_t v) { return std::to_string(v); }

inline Fields fields(const ServiceCounters& c) {
  return {{"packets", num(c.packets)},
          {"bytes", num(c.bytes)},
          {"new_flows", num(c.new_flows)},
          {"reply_packets", num(c.reply_packets)},
          {"reply_bytes", num(c.reply_bytes)}};
}
inline Fields fields(const BackendCounters& c) {
  return {{"packets", num(c.packets)},
          {"bytes", num(c.bytes)},
          {"reply_packets", num(c.reply_packets)},
          {"reply_bytes", num(c.reply_bytes)},
          {"new_flows", num(c.new_flows)}};
}
inline Fields fields(const Geometry& g) {
  return {{"services", num(g.services)},
          {"backends", num(g.backends)},
          {"maglev_size", num(g.maglev_size)},
          {"flow_sets", num(g.flow_sets)},
          {"flow_ways", num(g.flow_ways)}};
}
inline Fields fields(const CardEntry& c) {
  return {{"mac", c.mac.str()}, {"address", c.address.str()}, {"router_mac", c.router_mac.str()}};
}
inline Fields fields(const ServiceEntry& s) {
  return {{"valid", num(s.valid)},
          {"vip", s.vip.str()},
          {"proto", num(s.proto)},
          {"port", num(s.port)},
          {"scheduler", num(uint8_t(s.scheduler))},
          {"timeout_ticks", num(s.timeout_ticks)}};
}
inline Fields fields(const BackendEntry& b) {
  return {{"valid", num(b.valid)},
          {"address", b.address.str()},
          {"port", num(b.port)},
          {"mac", b.mac.str()},
          {"service", num(b.service)}};
}
inline Fields fields(const FlowEntry& e) {
  return {{"key", hex(e.key, FlowKey::kSize)}, {"valid", num(e.valid)},
          {"backend", num(e.backend)},         {"deadline", num(e.deadline)},
          {"service", num(e.service)},         {"pad", hex(e.pad, sizeof e.pad)}};
}
// Counters by name, services[i].field, backends[i][j].field: every field, zeros included.
inline Fields fields(const DataPlaneStats& st) {
  Fields f;
  for (size_t i = 0; i < kNumCounters; ++i)
    f.emplace_back(std::string(kCounterNames[i]), num(st.global[i]));
  f.emplace_back("services.size", num(st.services.size()));
  for (size_t s = 0; s < st.services.size(); ++s)
    for (auto& [k, v] : fields(st.services[s])) f.emplace_back("services[" + num(s) + "]." + k, v);
  f.emplace_back("backends.size", num(st.backends.size()));
  for (size_t s = 0; s < st.backends.size(); ++s) {
    f.emplace_back("backends[" + num(s) + "].size", num(st.backends[s].size()));
    for (size_t b = 0; b < st.backends[s].size(); ++b)
      for (auto& [k, v] : fields(st.backends[s][b]))
        f.emplace_back("backends[" + num(s) + "][" + num(b) + "]." + k, v);
  }
  f.emplace_back("flows_forward", num(st.flows_forward));
  f.emplace_back("flows_reply", num(st.flows_reply));
  f.emplace_back("flow_capacity", num(st.flow_capacity));
  return f;
}

// "field: a != b; ..." for the fields that differ ("" when none do). Fields present in one only
// (vectors of different sizes) are named with "(absent)".
template <class T>
std::string diff(const T& a, const T& b) {
  const Fields fa = fields(a), fb = fields(b);
  std::string out;
  auto find = [](const Fields& f, const std::string& k) -> const std::string* {
    for (const auto& [n, v] : f)
      if (n == k) return &v;
    return nullptr;
  };
  auto add = [&](const std::string& k, const std::string* x, const std::string* y) {
    out += (out.empty() ? "" : "; ") + k + ": " + (x ? *x : "(absent)") +
           " != " + (y ? *y : "(absent)");
  };
  for (const auto& [k, v] : fa) {
    const std::string* w = find(fb, k);
    if (!w || *w != v) add(k, &v, w);
  }
  for (const auto& [k, v] : fb)
    if (!find(fa, k)) add(k, nullptr, &v);
  return out.empty() ? out : "differs in " + out;
}

// Every field, or for DataPlaneStats the non-zero ones (the zeros of unused slots are noise).
template <class T>
std::string describe(const T& x) {
  std::string out = "{";
  for (const auto& [k, v] : fields(x)) out += (out.size() > 1 ? ", " : "") + k + "=" + v;
  return out + "}";
}
inline std::string describe(const DataPlaneStats& st) {
  std::string out = "{";
  for (const auto& [k, v] : fields(st))
    if (v != "0") out += (out.size() > 1 ? ", " : "") + k + "=" + v;
  return out + " (zeros left out)}";
}

}  // namespace test

// gtest printers (looked up by ADL in the types' namespace).
inline void PrintTo(const ServiceCounters& x, std::ostream* os) { *os << test::describe(x); }
inline void PrintTo(const BackendCounters& x, std::ostream* os) { *os << test::describe(x); }
inline void PrintTo(const Geometry& x, std::ostream* os) { *os << test::describe(x); }
inline void PrintTo(const CardEntry& x, std::ostream* os) { *os << test::describe(x); }
inline void PrintTo(const ServiceEntry& x, std::ostream* os) { *os << test::describe(x); }
inline void PrintTo(const BackendEntry& x, std::ostream* os) { *os << test::describe(x); }
inline void PrintTo(const FlowEntry& x, std::ostream* os) { *os << test::describe(x); }
inline void PrintTo(const DataPlaneStats& x, std::ostream* os) { *os << test::describe(x); }

}  // namespace v6lb
