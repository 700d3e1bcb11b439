#include "v6lb/daemon.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>

#include "v6lb/cmac_link.h"
#include "v6lb/control_server.h"
#include "v6lb/device_open.h"
#include "v6lb/health.h"
#include "v6lb/metrics_server.h"
#include "v6lb/model_device.h"
#include "v6lb_regs.h"
#if V6LB_HAVE_DPDK
#include "v6lb/dpdk_device.h"
#endif

namespace v6lb {

using nlohmann::json;

Daemon::Daemon(DaemonOptions opts) : opts_(std::move(opts)) {}

Daemon::~Daemon() {
  if (signal_fd_ >= 0) close(signal_fd_);
}

std::string Daemon::backend_id(const std::string& service, const BackendConfig& b) {
  return service + "/[" + b.address.str() + "]:" + std::to_string(b.port);
}

bool Daemon::start(std::string& err) {
  // Block the signals before anything can start a thread (the Verilated card may): a thread with
  // them unblocked would take SIGHUP's default action and end the process.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  auto loaded = load_config_file(opts_.config_path);
  if (auto* e = std::get_if<ConfigError>(&loaded)) {
    err = e->message;
    return false;
  }
  Config cfg = std::get<Config>(std::move(loaded));

  // The device.
  DeviceOptions dopt;
  dopt.spec = opts_.device;
  dopt.xclbin = opts_.xclbin;
  dopt.tap = opts_.tap;
  dopt.exception_tap = opts_.exception_tap;
  dopt.eal_args = opts_.eal_args;
  dopt.model_geometry.maglev_size = cfg.tables.maglev_size;
  dopt.model_geometry.flow_sets = cfg.tables.flow_table_size / dopt.model_geometry.flow_ways;
  OpenedDevice opened;
  if (!open_device(dopt, opened, err)) return false;
  dev_ = std::move(opened.device);
  pump_ = std::move(opened.pump);
  model_ = opened.model;
  try {
    tables_ = std::make_unique<CardTables>(*dev_);
  } catch (const std::exception& e) {
    err = dev_->name() + ": " + e.what();
    return false;
  }
  quarantine_.assign(tables_->geometry().backends, false);
  // A card that is already programmed (the daemon restarted, the card kept forwarding): keep
  // the slots its tables use, so the flows it holds keep naming the same backends.
  try {
    slots_ = tables_->recover_slots(cfg);
  } catch (const std::exception& e) {
    err = dev_->name() + ": reading the tables back: " + e.what();
    return false;
  }
  if (!slots_.services.empty())
    spdlog::info("v6lbd: the device already serves {} of the {} services; keeping their slots",
                 slots_.services.size(), cfg.services.size());
  // A backend the card holds as invalid was down when the last daemon stopped: it stays down
  // until its health check says otherwise (rise), rather than taking new flows meanwhile.
  try {
    for (const auto& s : cfg.services) {
      if (s.health_check.type == HealthCheckType::kNone) continue;
      for (const auto& b : s.backends) {
        auto it = slots_.backends.find({s.name, b.address, b.port});
        if (it != slots_.backends.end() && !tables_->read_backend(it->second).valid) {
          backends_[backend_id(s.name, b)] = {"down", "down before the daemon restarted", {}};
          purge_slots_.insert(it->second);  // finish a sweep the last daemon may not have
        }
      }
    }
  } catch (const std::exception& e) {
    err = dev_->name() + ": reading the backend table back: " + e.what();
    return false;
  }

  if (!apply(cfg, err)) return false;
  tables_->set_control(/*aging=*/true, /*external_tick=*/false);

  // Servers.
  const std::string sock =
      opts_.control_socket.empty() ? cfg_.daemon.control_socket : opts_.control_socket;
  control_ = ControlServer::open(sock, err);
  if (!control_) return false;
  control_->set_handler([this](const json& r) { return handle(r); });
  const std::string maddr = opts_.metrics.empty() ? cfg_.daemon.metrics : opts_.metrics;
  if (maddr != "off") {
    metrics_ = MetricsServer::open(maddr, err);
    if (!metrics_) return false;
    metrics_->set_handler([this] { return metrics_text(); });
  }

  signal_fd_ = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  started_ = last_age_ = std::chrono::steady_clock::now();
  spdlog::info("v6lbd: {} services on {}, control {}, metrics {}", cfg_.services.size(),
               dev_->name(), sock, maddr);
  return true;
}

Config Daemon::effective(const Config& c) const {
  Config e = c;
  for (auto& s : e.services)
    for (auto& b : s.backends) {
      auto it = backends_.find(backend_id(s.name, b));
      if (it != backends_.end() && it->second.weight_override)
        b.weight = *it->second.weight_override;
    }
  return e;
}

BackendUp Daemon::up_state(const Config& c) const {
  BackendUp up;
  for (const auto& s : c.services) {
    std::vector<bool> v;
    for (const auto& b : s.backends) {
      auto it = backends_.find(backend_id(s.name, b));
      v.push_back(it == backends_.end() || it->second.health != "down");
    }
    up.push_back(std::move(v));
  }
  return up;
}

// Plans `next` with slots kept from the running config and writes the difference.
bool Daemon::apply(const Config& next, std::string& err) {
  const Geometry g = tables_->geometry();
  if (auto e = check_fits(next, g)) {
    err = next.source + ": " + *e;
    return false;
  }
  auto slots = assign_slots(next, g, &slots_, &quarantine_);
  if (!slots) {
    // Out of slots with the quarantine: give quarantined slots back (their flows are long
    // reprogrammed or aged in practice) rather than refuse the config.
    std::fill(quarantine_.begin(), quarantine_.end(), false);
    slots = assign_slots(next, g, &slots_, &quarantine_);
    if (!slots) {
      err = next.source + ": does not fit the device's tables";
      return false;
    }
  }
  // Backend state: keep what still exists, start new ones unknown (treated as up).
  std::map<std::string, BackendState> states;
  for (const auto& s : next.services)
    for (const auto& b : s.backends) {
      const std::string id = backend_id(s.name, b);
      auto it = backends_.find(id);
      BackendState st = it != backends_.end() ? it->second : BackendState{};
      if (s.health_check.type == HealthCheckType::kNone) st.health = "up";
      states[id] = st;
    }
  // Slots of backends that disappear go into quarantine: flow entries may still name them.
  for (const auto& [k, slot] : slots_.backends)
    if (!slots->backends.count(k)) quarantine_[slot] = true;
  backends_ = std::move(states);
  cfg_ = next;
  slots_ = *slots;
  program(cfg_);
  update_health_targets();
  return true;
}

void Daemon::program(const Config& c) {
  const Config e = effective(c);
  const BackendUp up = up_state(c);
  Plan next = make_plan(e, tables_->geometry(), &up, &slots_);
  if (!programmed_) {
    write_plan(next, *tables_);
    programmed_ = true;
  } else {
    const size_t writes = write_plan_diff(plan_, next, *tables_);
    spdlog::info("v6lbd: tables updated ({} table writes)", writes);
  }
  plan_ = std::move(next);
}

void Daemon::update_health_targets() {
  if (!health_) health_ = std::make_unique<HealthChecker>();
  std::vector<HealthTarget> targets;
  for (const auto& s : cfg_.services)
    for (const auto& b : s.backends)
      targets.push_back(HealthTarget{backend_id(s.name, b), b.address, b.port, s.health_check});
  health_->set_targets(std::move(targets));
}

void Daemon::health_changed(const std::string& id, bool up, const std::string& reason) {
  auto it = backends_.find(id);
  if (it == backends_.end()) return;
  const std::string now = up ? "up" : "down";
  const bool was_down = it->second.health == "down";
  it->second.health = now;
  it->second.reason = reason;
  if (was_down == !up) return;  // unknown -> up changes nothing in the tables
  spdlog::warn("v6lbd: backend {} is {}{}{}", id, now, reason.empty() ? "" : ": ", reason);
  program(cfg_);
  const uint32_t slot = backend_slot(id);
  if (slot == UINT32_MAX) return;
  if (up) {
    purge_slots_.erase(slot);  // its remaining flows are its own again
  } else {
    purge_slots_.insert(slot);
    purge_cursor_ = 0;  // one full sweep after the latest change covers every slot in the set
  }
}

uint32_t Daemon::backend_slot(const std::string& id) const {
  for (const auto& s : cfg_.services)
    for (const auto& b : s.backends)
      if (backend_id(s.name, b) == id) {
        auto it = slots_.backends.find({s.name, b.address, b.port});
        return it == slots_.backends.end() ? UINT32_MAX : it->second;
      }
  return UINT32_MAX;
}

// Deletes flow entries that name a backend in purge_slots_. A read and the delete are two
// register transactions, so an entry the card re-learned in between (for a live backend: Maglev
// no longer picks a down one) can be deleted too; its next packet learns it again with the same
// pick, and replies meanwhile take the reverse table. Nothing is lost but one entry write.
void Daemon::purge_step(uint32_t budget) {
  if (purge_slots_.empty()) return;
  const Geometry g = tables_->geometry();
  const uint32_t n = g.flow_sets * g.flow_ways;
  uint32_t owners[256];
  while (budget > 0 && purge_cursor_ < 2 * n) {
    const FlowDirection dir = purge_cursor_ < n ? FlowDirection::kForward : FlowDirection::kReply;
    const uint32_t first = purge_cursor_ % n;
    const uint32_t count = std::min({budget, n - first, uint32_t(std::size(owners))});
    tables_->read_flow_owners(dir, first, {owners, count});
    for (uint32_t k = 0; k < count; ++k)
      if ((owners[k] >> 31) && purge_slots_.count(owners[k] & 0xFFFF)) {
        tables_->write_flow(dir, first + k, FlowEntry{});
        ++purged_;
      }
    purge_cursor_ += count;
    budget -= count;
  }
  if (purge_cursor_ >= 2 * n) {
    spdlog::info("v6lbd: flows of down backends removed ({} entries so far)", purged_);
    purge_slots_.clear();
    purge_cursor_ = 0;
  }
}

bool Daemon::reload(std::string& err) {
  auto loaded = load_config_file(opts_.config_path);
  if (auto* e = std::get_if<ConfigError>(&loaded)) {
    err = e->message;
    spdlog::error("v6lbd: reload refused, running config kept: {}", err);
    return false;
  }
  if (!apply(std::get<Config>(loaded), err)) {
    spdlog::error("v6lbd: reload refused, running config kept: {}", err);
    return false;
  }
  spdlog::info("v6lbd: reloaded {}", opts_.config_path);
  return true;
}

void Daemon::poll_once(int timeout_ms) {
  // Sleep until something is ready: the health checker's sockets or its next probe, a client,
  // a signal, or the data plane's port (frames must not wait for a health-check tick).
  std::vector<pollfd> pfds;
  auto want = [&](int fd) {
    if (fd >= 0) pfds.push_back({fd, POLLIN, 0});
  };
  int timeout = timeout_ms;
  if (health_) {
    want(health_->fd());
    const int t = health_->next_timeout_ms();
    if (t >= 0) timeout = std::min(timeout, t);
  }
  if (control_) want(control_->fd());
  if (metrics_) want(metrics_->fd());
  want(signal_fd_);
  if (pump_) {
    for (int fd : pump_->fds()) want(fd);
    const int t = pump_->next_timeout_ms();
    if (t >= 0) timeout = std::min(timeout, t);
  }
  if (!purge_slots_.empty()) timeout = 0;  // a sweep is under way: keep going
  ::poll(pfds.data(), pfds.size(), std::max(timeout, 0));

  if (pump_) pump_->run();
  if (health_) {
    health_->poll(0);
    for (const HealthChange& c : health_->take_changes())
      health_changed(c.id, c.state == HealthState::kUp, c.reason);
  }
  if (control_) control_->poll(0);
  if (metrics_) metrics_->poll(0);
  purge_step(64);  // a slice per pass: health checks and clients keep their pace
  if (signal_fd_ >= 0) {
    signalfd_siginfo si;
    while (read(signal_fd_, &si, sizeof si) == sizeof si) {
      if (si.ssi_signo == SIGHUP) {
        std::string err;
        reload(err);
      } else {
        spdlog::info("v6lbd: signal {}, exiting", si.ssi_signo);
        stopping_ = true;
      }
    }
  }
  // The model has no aging engine of its own: reclaim expired entries once a second.
  const auto now = std::chrono::steady_clock::now();
  if (model_ && !pump_ && now - last_age_ > std::chrono::seconds(1)) {
    last_age_ = now;
    model_->pipeline().age(
        uint32_t(std::chrono::duration_cast<std::chrono::milliseconds>(now - started_).count()));
  }
}

int Daemon::run() {
  try {
    while (!stopping_) poll_once(1000);
  } catch (const std::exception& e) {
    // The device went away (a card process that died, a card that fell off the bus): nothing
    // the daemon can do on its own; exit non-zero so the service manager restarts it.
    spdlog::error("v6lbd: {}", e.what());
    return 1;
  }
  return 0;
}

// ---------------------------------------------------------------- control commands

json Daemon::handle(const json& req) {
  const std::string cmd = req.at("cmd").get<std::string>();
  if (cmd == "status") return cmd_status();
  if (cmd == "services") return cmd_services();
  if (cmd == "backends") return cmd_backends(req);
  if (cmd == "flows") return cmd_flows(req);
  if (cmd == "stats") {
    json s = stats_to_json(cfg_, tables_->read_stats(plan_));
    s["ok"] = true;
    return s;
  }
  if (cmd == "drain") return cmd_set_weight(req, 0u, false);
  if (cmd == "undrain") return cmd_set_weight(req, std::nullopt, true);
  if (cmd == "weight") {
    if (!req.contains("weight") || !req["weight"].is_number_unsigned() ||
        req["weight"].get<uint64_t>() > 65535)
      return {{"ok", false}, {"error", "weight must be an integer 0..65535"}};
    return cmd_set_weight(req, uint32_t(req["weight"].get<uint64_t>()), false);
  }
  if (cmd == "reload") {
    std::string err;
    if (!reload(err)) return {{"ok", false}, {"error", err}};
    return {{"ok", true}};
  }
  return {{"ok", false}, {"error", "unknown command '" + cmd + "'"}};
}

json Daemon::cmd_status() {
  size_t nb = 0;
  for (const auto& s : cfg_.services) nb += s.backends.size();
  const Geometry g = tables_->geometry();
  return {{"ok", true},
          {"device", dev_->name()},
          {"config", opts_.config_path},
          {"uptime_s", std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::steady_clock::now() - started_)
                           .count()},
          {"services", cfg_.services.size()},
          {"backends", nb},
          {"flows",
           {{"forward", tables_->read_counter(3, 0)},
            {"reply", tables_->read_counter(3, 1)},
            {"capacity", uint64_t(g.flow_sets) * g.flow_ways}}},
          {"flow_purge",
           {{"pending", !purge_slots_.empty()},
            {"progress", double(purge_cursor_) / (2.0 * g.flow_sets * g.flow_ways)},
            {"removed", purged_}}},
          {"link", link_status()}};
}

json Daemon::link_status() {
  std::string why;
  Device* mac = dev_->mac(why);
  if (!mac) return {{"state", "n/a: " + why}};
  CmacLink l;
  if (!read_cmac_link(*mac, l, why)) return {{"state", "unknown: " + why}};
  return {{"state", l.describe()},    {"up", l.up()},
          {"status", l.status},       {"ctrl", l.ctrl},
          {"rx_frames", l.rx_frames}, {"rx_drops", l.rx_drops},
          {"tx_frames", l.tx_frames}};
}

json Daemon::cmd_services() {
  json out = json::array();
  for (const auto& ps : plan_.services) {
    const ServiceConfig* sc = nullptr;
    for (const auto& s : cfg_.services)
      if (slots_.services.at(s.name) == ps.slot) sc = &s;
    if (!sc) continue;
    size_t up = 0;
    for (const auto& pb : ps.backends) up += pb.entry.valid;
    out.push_back({{"name", sc->name},
                   {"vip", sc->vip.str()},
                   {"protocol", to_string(sc->protocol)},
                   {"port", sc->port},
                   {"scheduler", to_string(sc->scheduler)},
                   {"backends_up", up},
                   {"backends_total", ps.backends.size()},
                   {"packets", tables_->read_counter(1, ps.slot, 0)},
                   {"new_flows", tables_->read_counter(1, ps.slot, 2)}});
  }
  return {{"ok", true}, {"services", out}};
}

json Daemon::cmd_backends(const json& req) {
  const std::string only = req.value("service", std::string());
  json out = json::array();
  for (size_t si = 0; si < cfg_.services.size(); ++si) {
    const ServiceConfig& s = cfg_.services[si];
    if (!only.empty() && s.name != only) continue;
    for (const auto& b : s.backends) {
      const std::string id = backend_id(s.name, b);
      const BackendState& st = backends_.at(id);
      const uint32_t slot = slots_.backends.at({s.name, b.address, b.port});
      const uint32_t weight = st.weight_override.value_or(b.weight);
      std::string state = st.health;
      if (state != "down" && weight == 0) state = "draining";
      out.push_back({{"service", s.name},
                     {"address", b.address.str()},
                     {"port", b.port},
                     {"weight", weight},
                     {"state", state},
                     {"health_reason", st.reason},
                     {"packets", tables_->read_counter(2, slot, 0)},
                     {"flows", tables_->read_counter(2, slot, 4)}});
    }
  }
  if (!only.empty() && out.empty())
    return {{"ok", false}, {"error", "no service named '" + only + "'"}};
  return {{"ok", true}, {"backends", out}};
}

json Daemon::cmd_flows(const json& req) {
  const size_t limit = req.value("limit", size_t(100));
  const std::string only = req.value("service", std::string());
  const Geometry g = tables_->geometry();
  json out = json::array();
  std::map<uint32_t, const ServiceConfig*> by_slot;
  for (const auto& s : cfg_.services) by_slot[slots_.services.at(s.name)] = &s;
  std::map<uint32_t, const BackendConfig*> be_by_slot;
  for (const auto& s : cfg_.services)
    for (const auto& b : s.backends)
      be_by_slot[slots_.backends.at({s.name, b.address, b.port})] = &b;
  const uint32_t n = g.flow_sets * g.flow_ways;
  const uint32_t now = dev_->read32(regs::TICK_NOW);
  // Owners in batches (one round trip per 256 entries on a remote card), whole entries only
  // for the ones that hold a flow: most of a table is empty.
  uint32_t owners[256];
  for (uint32_t i = 0; i < n && out.size() < limit; ++i) {
    if (i % 256 == 0) tables_->read_flow_owners(FlowDirection::kForward, i, {owners, 256});
    if (!(owners[i % 256] >> 31)) continue;
    const FlowEntry e = tables_->read_flow(FlowDirection::kForward, i);
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

json Daemon::cmd_set_weight(const json& req, std::optional<uint32_t> weight, bool clear) {
  const std::string svc = req.value("service", std::string());
  const std::string addr = req.value("address", std::string());
  if (!req.contains("port") || !req["port"].is_number_unsigned())
    return {{"ok", false}, {"error", "request needs service, address and port"}};
  const auto a = Ipv6Addr::parse(addr);
  if (!a) return {{"ok", false}, {"error", "bad IPv6 address '" + addr + "'"}};
  const uint64_t port = req["port"].get<uint64_t>();
  for (const auto& s : cfg_.services) {
    if (s.name != svc) continue;
    for (const auto& b : s.backends)
      if (b.address == *a && b.port == port) {
        BackendState& st = backends_[backend_id(s.name, b)];
        if (clear)
          st.weight_override.reset();
        else
          st.weight_override = weight;
        program(cfg_);
        return {{"ok", true}};
      }
    return {
        {"ok", false},
        {"error", "service '" + svc + "' has no backend [" + addr + "]:" + std::to_string(port)}};
  }
  return {{"ok", false}, {"error", "no service named '" + svc + "'"}};
}

// ---------------------------------------------------------------- metrics

#if V6LB_HAVE_DPDK
namespace {

// The DPDK layer around the pipeline: per worker (lcore) and per port.
void dpdk_metrics(PromText& t, const DpdkStats& s) {
  const char* help =
      "DPDK data plane, per worker: frames received, handed off, processed, sent, "
      "punted, dropped (docs/DPDK.md).";
  for (const DpdkWorkerStats& w : s.workers) {
    const std::string lcore = std::to_string(w.lcore);
    const std::pair<const char*, uint64_t> v[] = {
        {"rx_packets", w.rx_packets},     {"handoff_out", w.handoff_out},
        {"handoff_in", w.handoff_in},     {"handoff_dropped", w.handoff_dropped},
        {"handoff_full", w.handoff_full}, {"processed", w.processed},
        {"tx_packets", w.tx_packets},     {"tx_dropped", w.tx_dropped},
        {"punt_packets", w.punt_packets}, {"punt_dropped", w.punt_dropped},
        {"host_packets", w.host_packets}, {"host_dropped", w.host_dropped},
        {"dropped", w.dropped},           {"oversize", w.oversize},
        {"control_msgs", w.control_msgs}};
    for (const auto& [name, value] : v)
      t.counter("v6lb_dpdk_worker_total", help, {{"lcore", lcore}, {"counter", name}}, value);
  }
  for (const DpdkPortStats& p : s.ports) {
    const std::pair<const char*, uint64_t> v[] = {
        {"ipackets", p.ipackets}, {"opackets", p.opackets}, {"imissed", p.imissed},
        {"ierrors", p.ierrors},   {"oerrors", p.oerrors},   {"rx_nombuf", p.rx_nombuf}};
    for (const auto& [name, value] : v)
      t.counter("v6lb_dpdk_port_total", "DPDK port statistics (rte_eth_stats).",
                {{"role", p.role}, {"port", p.name}, {"counter", name}}, value);
  }
}

}  // namespace
#endif

std::string Daemon::metrics_text() {
  PromText t;
  const DataPlaneStats st = tables_->read_stats(plan_);
  for (size_t i = 0; i < kNumCounters; ++i)
    t.counter("v6lb_dataplane_total", "Data-plane counters by name (packets, bytes, reasons).",
              {{"counter", std::string(kCounterNames[i])}}, uint64_t(st.global[i]));
  for (size_t si = 0; si < cfg_.services.size() && si < st.services.size(); ++si) {
    const ServiceConfig& s = cfg_.services[si];
    const ServiceCounters& c = st.services[si];
    const PromText::Labels l = {{"service", s.name}};
    t.counter("v6lb_service_packets_total", "Client packets to the service.", l,
              uint64_t(c.packets));
    t.counter("v6lb_service_bytes_total", "Client bytes to the service.", l, uint64_t(c.bytes));
    t.counter("v6lb_service_new_flows_total", "Flows learned.", l, uint64_t(c.new_flows));
    t.counter("v6lb_service_reply_packets_total", "Backend replies rewritten to the VIP.", l,
              double(c.reply_packets));
    for (size_t bi = 0; bi < s.backends.size(); ++bi) {
      const BackendConfig& b = s.backends[bi];
      const BackendCounters& bc = st.backends[si][bi];
      const BackendState& bs = backends_.at(backend_id(s.name, b));
      // Appended, not "[" + ...: GCC 12 warns falsely on that here (-Wrestrict, GCC bug 105329).
      std::string backend = "[";
      backend += b.address.str();
      backend += "]:";
      backend += std::to_string(b.port);
      const PromText::Labels bl = {{"service", s.name}, {"backend", backend}};
      t.counter("v6lb_backend_packets_total", "Packets forwarded to the backend.", bl,
                double(bc.packets));
      t.counter("v6lb_backend_bytes_total", "Bytes forwarded to the backend.", bl,
                uint64_t(bc.bytes));
      t.counter("v6lb_backend_new_flows_total", "Flows learned onto the backend.", bl,
                double(bc.new_flows));
      t.gauge("v6lb_backend_up", "1 when health checks pass (or are unknown yet), 0 when down.", bl,
              bs.health == "down" ? 0 : 1);
      t.gauge("v6lb_backend_weight", "Effective weight (0: draining).", bl,
              double(bs.weight_override.value_or(b.weight)));
    }
  }
  t.gauge("v6lb_flow_table_entries", "Flow-table entries in use.", {{"direction", "forward"}},
          double(st.flows_forward));
  t.gauge("v6lb_flow_table_entries", "Flow-table entries in use.", {{"direction", "reply"}},
          double(st.flows_reply));
  t.gauge("v6lb_flow_table_capacity", "Flow-table entries per direction.", {},
          double(st.flow_capacity));
  std::string why;
  CmacLink link;
  if (Device* mac = dev_->mac(why); mac && read_cmac_link(*mac, link, why)) {
    t.gauge("v6lb_link_up", "1 when the card's Ethernet link is up (CMAC aligned, rx status).", {},
            link.up() ? 1 : 0);
    const char* help = "Frames at the card's MAC (32-bit counters: they wrap).";
    t.counter("v6lb_mac_frames_total", help, {{"counter", "rx"}}, uint64_t(link.rx_frames));
    t.counter("v6lb_mac_frames_total", help, {{"counter", "rx_dropped"}}, uint64_t(link.rx_drops));
    t.counter("v6lb_mac_frames_total", help, {{"counter", "tx"}}, uint64_t(link.tx_frames));
  }
#if V6LB_HAVE_DPDK
  if (const auto* d = dynamic_cast<const DpdkDevice*>(dev_.get())) dpdk_metrics(t, d->stats());
#endif
  return t.str();
}

}  // namespace v6lb
