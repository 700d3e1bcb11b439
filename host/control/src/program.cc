#include "v6lb/control/program.h"

#include <map>

#include "v6lb/dataplane/maglev.h"
#include "v6lb/dataplane/pipeline.h"

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

std::optional<SlotMap> assign_slots(const Config& cfg, const Geometry& g, const SlotMap* previous,
                                    const std::vector<bool>* quarantined) {
  SlotMap out;
  std::vector<bool> svc_used(g.services, false), be_used(g.backends, false);
  if (quarantined)
    for (size_t i = 0; i < quarantined->size() && i < g.backends; ++i)
      be_used[i] = (*quarantined)[i];
  // Keep what still exists first, so a new entry can never take a kept one's slot.
  for (const auto& sc : cfg.services) {
    if (previous) {
      auto it = previous->services.find(sc.name);
      if (it != previous->services.end() && it->second < g.services) {
        out.services[sc.name] = it->second;
        svc_used[it->second] = true;
      }
    }
    for (const auto& bc : sc.backends) {
      const SlotMap::BackendKey k{sc.name, bc.address, bc.port};
      if (!previous) continue;
      auto it = previous->backends.find(k);
      if (it != previous->backends.end() && it->second < g.backends) {
        out.backends[k] = it->second;
        be_used[it->second] = true;
      }
    }
  }
  uint32_t next_svc = 0, next_be = 0;
  for (const auto& sc : cfg.services) {
    if (!out.services.count(sc.name)) {
      while (next_svc < g.services && svc_used[next_svc]) ++next_svc;
      if (next_svc == g.services) return std::nullopt;
      out.services[sc.name] = next_svc;
      svc_used[next_svc] = true;
    }
    for (const auto& bc : sc.backends) {
      const SlotMap::BackendKey k{sc.name, bc.address, bc.port};
      if (out.backends.count(k)) continue;
      while (next_be < g.backends && be_used[next_be]) ++next_be;
      if (next_be == g.backends) return std::nullopt;
      out.backends[k] = next_be;
      be_used[next_be] = true;
    }
  }
  return out;
}

Plan make_plan(const Config& cfg, const Geometry& g, const BackendUp* up, const SlotMap* slots) {
  Plan plan;
  plan.card = CardEntry{cfg.card.mac, cfg.card.address, cfg.card.router_mac};
  uint32_t next_backend = 0;
  for (size_t si = 0; si < cfg.services.size(); ++si) {
    const ServiceConfig& sc = cfg.services[si];
    PlannedService ps;
    ps.slot = slots ? slots->services.at(sc.name) : uint32_t(si);
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
      pb.slot = slots ? slots->backends.at({sc.name, bc.address, bc.port}) : next_backend++;
      pb.entry = BackendEntry{is_up, bc.address, bc.port, bc.mac, uint8_t(ps.slot)};
      pb.weight = is_up ? bc.weight : 0;
      mb.push_back(MaglevBackend{bc.address, bc.port, pb.weight, uint16_t(pb.slot)});
      ps.backends.push_back(pb);
    }
    ps.maglev = maglev_build(mb, g.maglev_size);
    plan.services.push_back(std::move(ps));
  }

  return plan;
}

void write_maglev_hitless(TableWriter& dp, uint32_t service_slot, const std::vector<uint16_t>& t) {
  const uint32_t inactive = dp.active_bank(service_slot) ^ 1;
  dp.write_maglev(service_slot, inactive, 0, t);
  dp.set_active_bank(service_slot, inactive);
}

namespace {
bool same(const ServiceEntry& a, const ServiceEntry& b) {
  return a.valid == b.valid && a.vip == b.vip && a.proto == b.proto && a.port == b.port &&
         a.scheduler == b.scheduler && a.timeout_ticks == b.timeout_ticks;
}
bool same(const BackendEntry& a, const BackendEntry& b) {
  return a.valid == b.valid && a.address == b.address && a.port == b.port && a.mac == b.mac &&
         a.service == b.service;
}
}  // namespace

size_t write_plan_diff(const Plan& from, const Plan& to, TableWriter& dp) {
  size_t writes = 0;
  if (from.card.mac != to.card.mac || from.card.address != to.card.address ||
      from.card.router_mac != to.card.router_mac) {
    dp.set_card(to.card);
    ++writes;
  }
  std::map<uint32_t, const PlannedService*> old_svc;
  std::map<uint32_t, const BackendEntry*> old_be;
  for (const auto& ps : from.services) {
    old_svc[ps.slot] = &ps;
    for (const auto& pb : ps.backends) old_be[pb.slot] = &pb.entry;
  }
  std::map<uint32_t, bool> new_be;
  // New and changed backends before the Maglev tables that may name them.
  for (const auto& ps : to.services)
    for (const auto& pb : ps.backends) {
      new_be[pb.slot] = true;
      auto it = old_be.find(pb.slot);
      if (it == old_be.end() || !same(*it->second, pb.entry)) {
        dp.set_backend(pb.slot, pb.entry);
        ++writes;
      }
    }
  std::map<uint32_t, bool> new_svc;
  for (const auto& ps : to.services) {
    new_svc[ps.slot] = true;
    auto it = old_svc.find(ps.slot);
    if (it == old_svc.end() || it->second->maglev != ps.maglev) {
      write_maglev_hitless(dp, ps.slot, ps.maglev);
      ++writes;
    }
    if (it == old_svc.end() || !same(it->second->entry, ps.entry)) {
      dp.set_service(ps.slot, ps.entry);
      ++writes;
    }
  }
  for (const auto& [slot, ps] : old_svc)
    if (!new_svc.count(slot)) {
      dp.set_service(slot, ServiceEntry{});
      ++writes;
    }
  for (const auto& [slot, e] : old_be)
    if (!new_be.count(slot)) {
      dp.set_backend(slot, BackendEntry{});
      ++writes;
    }
  return writes;
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
}

}  // namespace v6lb
