#include "v6lb/stats_json.h"

#include <cstdio>
#include <map>

namespace v6lb {

nlohmann::json stats_to_json(const Config& cfg, const Plan& plan, const Pipeline& dp) {
  using nlohmann::json;
  json counters = json::object();
  for (size_t i = 0; i < kNumCounters; ++i)
    counters[std::string(kCounterNames[i])] = dp.counters()[i];

  // Live flows per backend slot, read back from the forward table as the daemon would.
  std::map<uint16_t, uint64_t> flows;
  for (const FlowEntry& e : dp.forward_flows().entries())
    if (e.valid) ++flows[e.backend];

  json services = json::array();
  for (size_t si = 0; si < plan.services.size(); ++si) {
    const PlannedService& ps = plan.services[si];
    const ServiceConfig& sc = cfg.services[si];
    const ServiceCounters& c = dp.service_counters(ps.slot);
    json backends = json::array();
    for (size_t bi = 0; bi < ps.backends.size(); ++bi) {
      const PlannedBackend& pb = ps.backends[bi];
      const BackendCounters& bc = dp.backend_counters(pb.slot);
      backends.push_back({{"address", sc.backends[bi].address.str()},
                          {"port", sc.backends[bi].port},
                          {"weight", sc.backends[bi].weight},
                          {"packets", bc.packets},
                          {"bytes", bc.bytes},
                          {"reply_packets", bc.reply_packets},
                          {"reply_bytes", bc.reply_bytes},
                          {"flows", flows[uint16_t(pb.slot)]}});
    }
    services.push_back({{"name", sc.name},
                        {"vip", sc.vip.str()},
                        {"protocol", to_string(sc.protocol)},
                        {"port", sc.port},
                        {"scheduler", to_string(sc.scheduler)},
                        {"packets", c.packets},
                        {"bytes", c.bytes},
                        {"new_flows", c.new_flows},
                        {"reply_packets", c.reply_packets},
                        {"reply_bytes", c.reply_bytes},
                        {"backends", backends}});
  }
  return {{"counters", counters},
          {"services", services},
          {"flow_table",
           {{"forward", dp.forward_flows().occupancy()},
            {"reply", dp.reply_flows().occupancy()},
            {"capacity", uint64_t(dp.forward_flows().sets()) * dp.forward_flows().ways()}}}};
}

std::string stats_report(const nlohmann::json& s) {
  std::string out;
  char line[256];
  for (const auto& svc : s["services"]) {
    std::snprintf(line, sizeof line, "service %s [%s]:%u/%s (%s): %llu packets, %llu new flows\n",
                  svc["name"].get<std::string>().c_str(), svc["vip"].get<std::string>().c_str(),
                  svc["port"].get<unsigned>(), svc["protocol"].get<std::string>().c_str(),
                  svc["scheduler"].get<std::string>().c_str(),
                  (unsigned long long)svc["packets"].get<uint64_t>(),
                  (unsigned long long)svc["new_flows"].get<uint64_t>());
    out += line;
    uint64_t total_flows = 0, total_weight = 0;
    for (const auto& b : svc["backends"]) {
      total_flows += b["flows"].get<uint64_t>();
      total_weight += b["weight"].get<uint64_t>();
    }
    for (const auto& b : svc["backends"]) {
      const double share = total_flows ? 100.0 * b["flows"].get<uint64_t>() / total_flows : 0;
      const double want = total_weight ? 100.0 * b["weight"].get<uint64_t>() / total_weight : 0;
      std::snprintf(line, sizeof line,
                    "  [%s]:%u weight %llu: %llu flows (%.1f%%, weight share %.1f%%), %llu "
                    "packets, %llu replies\n",
                    b["address"].get<std::string>().c_str(), b["port"].get<unsigned>(),
                    (unsigned long long)b["weight"].get<uint64_t>(),
                    (unsigned long long)b["flows"].get<uint64_t>(), share, want,
                    (unsigned long long)b["packets"].get<uint64_t>(),
                    (unsigned long long)b["reply_packets"].get<uint64_t>());
      out += line;
    }
  }
  out += "counters:\n";
  for (const auto& [k, v] : s["counters"].items()) {
    if (v.get<uint64_t>() == 0) continue;
    std::snprintf(line, sizeof line, "  %-18s %llu\n", k.c_str(),
                  (unsigned long long)v.get<uint64_t>());
    out += line;
  }
  const auto& ft = s["flow_table"];
  std::snprintf(line, sizeof line, "flow table: %llu forward, %llu reply entries of %llu each\n",
                (unsigned long long)ft["forward"].get<uint64_t>(),
                (unsigned long long)ft["reply"].get<uint64_t>(),
                (unsigned long long)ft["capacity"].get<uint64_t>());
  out += line;
  return out;
}

}  // namespace v6lb
