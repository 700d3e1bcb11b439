#include "v6lb/daemon/control_api.h"

#include <chrono>
#include <map>
#include <string>

#include "v6lb/control/stats_json.h"
#include "v6lb/daemon/daemon.h"
#include "v6lb/daemon/flow_purger.h"
#include "v6lb/driver/cmac_link.h"
#include "v6lb_regs.h"

namespace v6lb {

using nlohmann::json;

json ControlApi::handle(const json& req) {
  const std::string cmd = req.at("cmd").get<std::string>();
  if (cmd == "status") return status();
  if (!d_.device_health().ok &&
      (cmd == "services" || cmd == "backends" || cmd == "flows" || cmd == "stats")) {
    return {{"ok", false},
            {"error", "the device is failed (" + d_.device_health().error +
                          "); the daemon is reconnecting"}};
  }
  if (cmd == "services") return services();
  if (cmd == "backends") return backends(req);
  if (cmd == "flows") return flows(req);
  if (cmd == "stats") {
    json s = stats_to_json(d_.config(), read_stats(d_.tables(), d_.plan()));
    s["ok"] = true;
    return s;
  }
  if (cmd == "drain") return set_weight(req, 0u, false);
  if (cmd == "undrain") return set_weight(req, std::nullopt, true);
  if (cmd == "weight") {
    if (!req.contains("weight") || !req["weight"].is_number_unsigned() ||
        req["weight"].get<uint64_t>() > 65535)
      return {{"ok", false}, {"error", "weight must be an integer 0..65535"}};
    return set_weight(req, uint32_t(req["weight"].get<uint64_t>()), false);
  }
  if (cmd == "reload") {
    std::string err;
    if (!d_.reload(err)) return {{"ok", false}, {"error", err}};
    return {{"ok", true}};
  }
  return {{"ok", false}, {"error", "unknown command '" + cmd + "'"}};
}

json ControlApi::status() {
  size_t nb = 0;
  const Config& cfg = d_.config();
  CardTables& t = d_.tables();
  for (const auto& s : cfg.services) nb += s.backends.size();
  const Geometry g = t.geometry();
  const DeviceHealth& dh = d_.device_health();
  json out = {{"ok", true},
              {"device", d_.device().name()},
              {"device_state",
               {{"ok", dh.ok},
                {"error", dh.error},
                {"failures", dh.failures},
                {"recoveries", dh.recoveries},
                {"last_rewrite_writes", dh.last_rewrite},
                {"for_s", std::chrono::duration_cast<std::chrono::seconds>(
                              std::chrono::steady_clock::now() - dh.since)
                              .count()}}},
              {"config", d_.options().config_path},
              {"uptime_s", std::chrono::duration_cast<std::chrono::seconds>(d_.uptime()).count()},
              {"services", cfg.services.size()},
              {"backends", nb},
              {"flow_purge",
               {{"pending", d_.purger().pending()},
                {"progress", d_.purger().progress()},
                {"removed", d_.purger().removed()}}}};
  // What only the device knows is left out while it is failed: the daemon answers still.
  if (dh.ok) {
    try {
      out["flows"] = {
          {"forward", t.read_counter(CounterKind::kFlowOccupancy, regs::CNT_FLOW_OCC_FORWARD)},
          {"reply", t.read_counter(CounterKind::kFlowOccupancy, regs::CNT_FLOW_OCC_REPLY)},
          {"capacity", uint64_t(g.flow_sets) * g.flow_ways}};
      out["link"] = link_status();
    } catch (const std::exception& e) {
      d_.device_failed(e.what());
      out["device_state"]["ok"] = false;
      out["device_state"]["error"] = e.what();
    }
  }
  return out;
}

json ControlApi::link_status() {
  std::string why;
  Device* mac = d_.device().mac(why);
  if (!mac) return {{"state", "n/a: " + why}};
  CmacLink l;
  if (!read_cmac_link(*mac, l, why)) return {{"state", "unknown: " + why}};
  return {{"state", l.describe()},    {"up", l.up()},
          {"status", l.status},       {"ctrl", l.ctrl},
          {"rx_frames", l.rx_frames}, {"rx_drops", l.rx_drops},
          {"tx_frames", l.tx_frames}};
}

json ControlApi::services() {
  json out = json::array();
  CardTables& t = d_.tables();
  for (const auto& ps : d_.plan().services) {
    const ServiceConfig* sc = nullptr;
    for (const auto& s : d_.config().services)
      if (d_.slots().services.at(s.name) == ps.slot) sc = &s;
    if (!sc) continue;
    size_t up = 0;
    for (const auto& pb : ps.backends) up += pb.entry.valid;
    out.push_back(
        {{"name", sc->name},
         {"vip", sc->vip.str()},
         {"protocol", to_string(sc->protocol)},
         {"port", sc->port},
         {"scheduler", to_string(sc->scheduler)},
         {"backends_up", up},
         {"backends_total", ps.backends.size()},
         {"packets", t.read_counter(CounterKind::kService, ps.slot, regs::CNT_SERVICE_PACKETS)},
         {"new_flows",
          t.read_counter(CounterKind::kService, ps.slot, regs::CNT_SERVICE_NEW_FLOWS)}});
  }
  return {{"ok", true}, {"services", out}};
}

json ControlApi::backends(const json& req) {
  const std::string only = req.value("service", std::string());
  json out = json::array();
  CardTables& t = d_.tables();
  for (const ServiceConfig& s : d_.config().services) {
    if (!only.empty() && s.name != only) continue;
    for (const auto& b : s.backends) {
      const BackendState& st = d_.backend(s.name, b);
      const uint32_t slot = d_.slots().backends.at({s.name, b.address, b.port});
      const uint32_t weight = st.weight_override.value_or(b.weight);
      std::string state(to_string(st.health));
      if (st.held) state = "held";  // up, out until the sweep of its old flows is done
      if (st.serving() && weight == 0) state = "draining";
      out.push_back(
          {{"service", s.name},
           {"address", b.address.str()},
           {"port", b.port},
           {"weight", weight},
           {"state", state},
           {"health_reason", st.reason},
           {"packets", t.read_counter(CounterKind::kBackend, slot, regs::CNT_BACKEND_PACKETS)},
           {"flows", t.read_counter(CounterKind::kBackend, slot, regs::CNT_BACKEND_NEW_FLOWS)}});
    }
  }
  if (!only.empty() && out.empty())
    return {{"ok", false}, {"error", "no service named '" + only + "'"}};
  return {{"ok", true}, {"backends", out}};
}

json ControlApi::flows(const json& req) {
  // Checked before it is read: a number out of range (5e41, -1) would be undefined behaviour in
  // the conversion (found by control_fuzz).
  size_t limit = 100;
  if (const auto it = req.find("limit"); it != req.end()) {
    // An integer, not a float; built in C++ a small one may be signed (number_integer).
    if (!it->is_number_integer() || (!it->is_number_unsigned() && it->get<int64_t>() < 0))
      return {{"ok", false}, {"error", "limit must be an integer 0.." + std::to_string(SIZE_MAX)}};
    limit = size_t(it->get<uint64_t>());
  }
  const std::string only = req.value("service", std::string());
  CardTables& t = d_.tables();
  const Geometry g = t.geometry();
  json out = json::array();
  std::map<uint32_t, const ServiceConfig*> by_slot;
  for (const auto& s : d_.config().services) by_slot[d_.slots().services.at(s.name)] = &s;
  std::map<uint32_t, const BackendConfig*> be_by_slot;
  for (const auto& s : d_.config().services)
    for (const auto& b : s.backends)
      be_by_slot[d_.slots().backends.at({s.name, b.address, b.port})] = &b;
  const uint32_t n = g.flow_sets * g.flow_ways;
  const uint32_t now = d_.device().read32(regs::TICK_NOW);
  // Owners in batches (one round trip per 256 entries on a remote card), whole entries only
  // for the ones that hold a flow: most of a table is empty.
  uint32_t owners[256];
  for (uint32_t i = 0; i < n && out.size() < limit; ++i) {
    if (i % 256 == 0) t.read_flow_owners(FlowDirection::kForward, i, {owners, 256});
    if (!regs::TBL_FLOW_VALID_GET(owners[i % 256])) continue;
    const FlowEntry e = t.read_flow(FlowDirection::kForward, i);
    if (!e.valid) continue;
    auto s = by_slot.find(e.service);
    auto b = be_by_slot.find(e.backend);
    if (s == by_slot.end() || (!only.empty() && s->second->name != only)) continue;
    const FlowKey k = e.flow_key();
    out.push_back({{"client", k.src.str()},
                   {"client_port", k.sport},
                   {"vip", k.dst.str()},
                   {"vip_port", k.dport},
                   {"protocol", k.proto == 6 ? "tcp" : "udp"},
                   // A removed backend's leftover flows (its slot is quarantined until they
                   // age out): no address, the slot, and that it was removed.
                   {"backend", b != be_by_slot.end() ? json(b->second->address.str()) : json()},
                   {"backend_port", b != be_by_slot.end() ? json(b->second->port) : json()},
                   {"backend_slot", e.backend},
                   {"backend_removed", b == be_by_slot.end()},
                   {"expires_in_s", double(int32_t(e.deadline - now)) / kTicksPerSecond}});
  }
  return {{"ok", true}, {"flows", out}};
}

json ControlApi::set_weight(const json& req, std::optional<uint32_t> weight, bool clear) {
  const std::string svc = req.value("service", std::string());
  const std::string addr = req.value("address", std::string());
  if (!req.contains("port") || !req["port"].is_number_unsigned())
    return {{"ok", false}, {"error", "request needs service, address and port"}};
  const auto a = Ipv6Addr::parse(addr);
  if (!a) return {{"ok", false}, {"error", "bad IPv6 address '" + addr + "'"}};
  const uint64_t port = req["port"].get<uint64_t>();
  std::string err;
  if (!d_.set_weight(svc, *a, port, weight, clear, err)) return {{"ok", false}, {"error", err}};
  return {{"ok", true}};
}

}  // namespace v6lb
