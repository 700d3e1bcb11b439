#include "v6lb/program.h"

#include <map>
#include <set>
#include <tuple>

#include "v6lb/maglev.h"
#include "v6lb/pipeline.h"

namespace v6lb {

std::optional<std::string> check_fits(const Config& cfg, const Geometry& g) {
  size_t backends = 0;
  for (const auto& s : cfg.services) backends += s.backends.size();
  if (cfg.services.size() > g.services)
    return std::to_string(cfg.services.size()) + " services configured, the data plane holds " +
           std::to_string(g.services);
  if (backends > g.backends)
    return std::to_string(backends) + " backends configured, the data plane holds " +
           std::to_string(g.backends);
  return std::nullopt;
}

Plan make_plan(const Config& cfg, const Geometry& g, const BackendUp* up) {
  Plan plan;
  plan.card = CardEntry{cfg.card.mac, cfg.card.address, cfg.card.router_mac};
  uint32_t next_backend = 0;
  for (size_t si = 0; si < cfg.services.size(); ++si) {
    const ServiceConfig& sc = cfg.services[si];
    PlannedService ps;
    ps.slot = uint32_t(si);
    ps.entry.valid = true;
    ps.entry.vip = sc.vip;
    ps.entry.proto = uint8_t(sc.protocol);
    ps.entry.port = sc.port;
    ps.entry.scheduler = sc.scheduler;
    ps.entry.timeout_ticks = uint32_t(uint64_t(sc.idle_timeout_ms) * kTicksPerSecond / 1000);
    std::vector<MaglevBackend> mb;
    for (size_t bi = 0; bi < sc.backends.size(); ++bi) {
      const BackendConfig& bc = sc.backends[bi];
      const bool is_up = !up || si >= up->size() || bi >= (*up)[si].size() || (*up)[si][bi];
      PlannedBackend pb;
      pb.slot = next_backend++;
      pb.entry = BackendEntry{is_up, bc.address, bc.port, bc.mac, uint8_t(si)};
      pb.weight = is_up ? bc.weight : 0;
      mb.push_back(MaglevBackend{bc.address, bc.port, pb.weight, uint16_t(pb.slot)});
      ps.backends.push_back(pb);
    }
    ps.maglev = maglev_build(mb, g.maglev_size);
    plan.services.push_back(std::move(ps));
  }

  // Reverse entries: only a backend key that one service uses can name its VIP unambiguously;
  // on a slot collision the first in config order keeps the slot.
  using Key = std::tuple<Ipv6Addr, uint16_t, uint8_t>;
  std::map<Key, int> users;
  for (const auto& ps : plan.services)
    for (const auto& pb : ps.backends) ++users[{pb.entry.address, pb.entry.port, ps.entry.proto}];
  std::set<uint32_t> taken;
  for (const auto& ps : plan.services)
    for (const auto& pb : ps.backends) {
      if (users[{pb.entry.address, pb.entry.port, ps.entry.proto}] != 1) continue;
      const uint32_t slot =
          Pipeline::reverse_hash(pb.entry.address.b.data(), pb.entry.port, ps.entry.proto) &
          (g.reverse_entries - 1);
      if (!taken.insert(slot).second) continue;
      plan.reverse.push_back(
          {slot, ReverseEntry{true, pb.entry.address, pb.entry.port, ps.entry.proto,
                              uint16_t(pb.slot), uint8_t(ps.slot)}});
    }
  return plan;
}

void write_maglev_hitless(TableWriter& dp, uint32_t service_slot, const std::vector<uint16_t>& t) {
  const uint32_t inactive = dp.active_bank(service_slot) ^ 1;
  dp.write_maglev(service_slot, inactive, 0, t);
  dp.set_active_bank(service_slot, inactive);
}

void write_plan(const Plan& plan, TableWriter& dp) {
  const Geometry g = dp.geometry();
  dp.set_card(plan.card);
  std::vector<bool> backend_used(g.backends, false), service_used(g.services, false);
  for (const auto& ps : plan.services)
    for (const auto& pb : ps.backends) {
      dp.set_backend(pb.slot, pb.entry);
      backend_used[pb.slot] = true;
    }
  for (const auto& ps : plan.services) {
    write_maglev_hitless(dp, ps.slot, ps.maglev);
    dp.set_service(ps.slot, ps.entry);
    service_used[ps.slot] = true;
  }
  for (uint32_t i = 0; i < g.services; ++i)
    if (!service_used[i]) dp.set_service(i, ServiceEntry{});
  for (uint32_t i = 0; i < g.backends; ++i)
    if (!backend_used[i]) dp.set_backend(i, BackendEntry{});
  std::vector<bool> reverse_used(g.reverse_entries, false);
  for (const auto& pr : plan.reverse) {
    dp.set_reverse(pr.slot, pr.entry);
    reverse_used[pr.slot] = true;
  }
  for (uint32_t i = 0; i < g.reverse_entries; ++i)
    if (!reverse_used[i]) dp.set_reverse(i, ReverseEntry{});
}

}  // namespace v6lb
