#include "v6lb/control/stats_json.h"

#include <cstdio>

#include "v6lb/dataplane/pipeline.h"
#include "v6lb_regs.h"

namespace v6lb {

DataPlaneStats read_stats(const Pipeline& dp, const Plan& plan) {
  DataPlaneStats st;
  st.global = dp.counters();
  for (const PlannedService& ps : plan.services) {
    st.services.push_back(dp.service_counters(ps.slot));
    std::vector<BackendCounters> bc;
    for (const PlannedBackend& pb : ps.backends) bc.push_back(dp.backend_counters(pb.slot));
    st.backends.push_back(std::move(bc));
  }
  st.flows_forward = dp.forward_flows().occupancy();
  st.flows_reply = dp.reply_flows().occupancy();
  st.flow_capacity = uint64_t(dp.forward_flows().sets()) * dp.forward_flows().ways();
  return st;
}

DataPlaneStats read_stats(CardTables& card, const Plan& plan) {
  namespace r = regs;
  DataPlaneStats st;
  for (size_t i = 0; i < kNumCounters; ++i)
    st.global[i] = card.read_counter(CounterKind::kGlobal, uint32_t(i));
  for (const PlannedService& ps : plan.services) {
    auto sc = [&](uint32_t field) {
      return card.read_counter(CounterKind::kService, ps.slot, field);
    };
    st.services.push_back({.packets = sc(r::CNT_SERVICE_PACKETS),
                           .bytes = sc(r::CNT_SERVICE_BYTES),
                           .new_flows = sc(r::CNT_SERVICE_NEW_FLOWS),
                           .reply_packets = sc(r::CNT_SERVICE_REPLY_PACKETS),
                           .reply_bytes = sc(r::CNT_SERVICE_REPLY_BYTES)});
    std::vector<BackendCounters> bcs;
    for (const PlannedBackend& pb : ps.backends) {
      auto bc = [&](uint32_t field) {
        return card.read_counter(CounterKind::kBackend, pb.slot, field);
      };
      bcs.push_back({.packets = bc(r::CNT_BACKEND_PACKETS),
                     .bytes = bc(r::CNT_BACKEND_BYTES),
                     .reply_packets = bc(r::CNT_BACKEND_REPLY_PACKETS),
                     .reply_bytes = bc(r::CNT_BACKEND_REPLY_BYTES),
                     .new_flows = bc(r::CNT_BACKEND_NEW_FLOWS)});
    }
    st.backends.push_back(std::move(bcs));
  }
  st.flows_forward = card.read_counter(CounterKind::kFlowOccupancy, r::CNT_FLOW_OCC_FORWARD);
  st.flows_reply = card.read_counter(CounterKind::kFlowOccupancy, r::CNT_FLOW_OCC_REPLY);
  const Geometry g = card.geometry();
  st.flow_capacity = uint64_t(g.flow_sets) * g.flow_ways;
  return st;
}

nlohmann::json stats_to_json(const Config& cfg, const DataPlaneStats& st) {
  using nlohmann::json;
  json counters = json::object();
  for (size_t i = 0; i < kNumCounters; ++i) counters[std::string(kCounterNames[i])] = st.global[i];

  json services = json::array();
  for (size_t si = 0; si < cfg.services.size() && si < st.services.size(); ++si) {
    const ServiceConfig& sc = cfg.services[si];
    const ServiceCounters& c = st.services[si];
    json backends = json::array();
    for (size_t bi = 0; bi < sc.backends.size(); ++bi) {
      const BackendCounters& bc = st.backends[si][bi];
      backends.push_back({{"address", sc.backends[bi].address.str()},
                          {"port", sc.backends[bi].port},
                          {"weight", sc.backends[bi].weight},
                          {"packets", bc.packets},
                          {"bytes", bc.bytes},
                          {"reply_packets", bc.reply_packets},
                          {"reply_bytes", bc.reply_bytes},
                          {"flows", bc.new_flows}});
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
  return {
      {"counters", counters},
      {"services", services},
      {"flow_table",
       {{"forward", st.flows_forward}, {"reply", st.flows_reply}, {"capacity", st.flow_capacity}}}};
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
