#include "v6lb/daemon/daemon.h"

#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "v6lb/control/slot_recovery.h"
#include "v6lb/daemon/accept_client.h"
#include "v6lb/daemon/control_api.h"
#include "v6lb/daemon/control_server.h"
#include "v6lb/daemon/flow_purger.h"
#include "v6lb/daemon/health.h"
#include "v6lb/daemon/metrics_exporter.h"
#include "v6lb/daemon/metrics_server.h"
#include "v6lb/driver/model_device.h"
#include "v6lb/io/device_open.h"
#include "v6lb_regs.h"

namespace v6lb {

using nlohmann::json;

std::string_view to_string(BackendHealth h) {
  switch (h) {
    case BackendHealth::kUp:
      return "up";
    case BackendHealth::kDown:
      return "down";
    case BackendHealth::kUnknown:
      break;
  }
  return "unknown";
}

namespace asio = boost::asio;

namespace {

sigset_t loop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

}  // namespace

// What the daemon waits on besides the servers and the health checker (which register
// themselves on io_). The descriptors belong to the packet pump: released, never closed, here.
struct Daemon::Loop {
  explicit Loop(asio::io_context& io)
      : signals(io), pump_timer(io), age_timer(io), watchdog(io), recovery(io) {}
  ~Loop() {
    boost::system::error_code ignored;
    for (auto& d : pump_fds) {
      d->cancel(ignored);
      d->release();
    }
  }
  asio::signal_set signals;
  std::vector<std::unique_ptr<asio::posix::stream_descriptor>> pump_fds;
  asio::steady_timer pump_timer;
  asio::steady_timer age_timer;
  asio::steady_timer watchdog;  // reads a register now and then: a dead card shows when idle
  asio::steady_timer recovery;
  bool purge_posted = false;
};

Daemon::Daemon(DaemonOptions opts, std::unique_ptr<Device> device)
    : opts_(std::move(opts)), given_device_(std::move(device)) {}

namespace {
// How often an idle daemon asks the device whether it is still there.
constexpr auto kWatchdogInterval = std::chrono::seconds(1);
constexpr auto kBackoffFirst = std::chrono::milliseconds(250);
constexpr auto kBackoffMax = std::chrono::milliseconds(5000);
}  // namespace

Daemon::~Daemon() = default;

std::string Daemon::backend_id(const std::string& service, const BackendConfig& b) {
  return service + "/[" + b.address.str() + "]:" + std::to_string(b.port);
}

bool Daemon::start(std::string& err) {
  // Block the signals before anything can start a thread (the Verilated card may): a thread with
  // them unblocked would take SIGHUP's default action and end the process.
  // run() unblocks them in its own thread only, where the loop's signal_set takes them.
  const sigset_t set = loop_signals();
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
  if (given_device_) {
    dev_ = std::move(given_device_);
  } else {
    OpenedDevice opened;
    if (!open_device(dopt, opened, err)) return false;
    dev_ = std::move(opened.device);
    pump_ = std::move(opened.pump);
    model_ = opened.model;
  }
  device_.since = std::chrono::steady_clock::now();
  try {
    tables_ = std::make_unique<CardTables>(*dev_);
  } catch (const std::exception& e) {
    err = dev_->name() + ": " + e.what();
    return false;
  }
  quarantine_.assign(tables_->geometry().backends, false);
  purger_ = std::make_unique<FlowPurger>(*tables_);
  // A card that is already programmed (the daemon restarted, the card kept forwarding): keep
  // the slots its tables use, so the flows it holds keep naming the same backends.
  try {
    slots_ = recover_slots(*tables_, cfg);
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
          backends_[backend_id(s.name, b)] = {
              BackendHealth::kDown, "down before the daemon restarted", {}};
          purger_->add(it->second);  // finish a sweep the last daemon may not have
        }
      }
    }
  } catch (const std::exception& e) {
    err = dev_->name() + ": reading the backend table back: " + e.what();
    return false;
  }

  if (!apply(cfg, err)) return false;
  if (!device_.ok) {
    err = dev_->name() + ": programming the tables: " + device_.error;
    return false;
  }
  try {
    tables_->set_control(/*aging=*/true, /*external_tick=*/false);
  } catch (const std::exception& e) {
    err = dev_->name() + ": " + e.what();
    return false;
  }

  // Servers.
  const std::string sock =
      opts_.control_socket.empty() ? cfg_.daemon.control_socket : opts_.control_socket;
  control_ = ControlServer::open(io_, sock, err);
  if (!control_) return false;
  api_ = std::make_unique<ControlApi>(*this);
  control_->set_handler([this](const json& r) { return api_->handle(r); });
  const std::string maddr = opts_.metrics.empty() ? cfg_.daemon.metrics : opts_.metrics;
  if (maddr != "off") {
    metrics_ = MetricsServer::open(io_, maddr, err);
    if (!metrics_) return false;
    exporter_ = std::make_unique<MetricsExporter>(*this);
    metrics_->set_handler([this] { return exporter_->render(); });
  }

  started_ = std::chrono::steady_clock::now();
  try {
    start_loop();
  } catch (const std::exception& e) {  // the io_context refused a descriptor or a signal
    err = std::string("event loop: ") + e.what();
    return false;
  }
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
      v.push_back(it == backends_.end() || it->second.serving());
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
      if (s.health_check.type == HealthCheckType::kNone) st.health = BackendHealth::kUp;
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
  if (!device_.ok) {
    // Written in full from the running config once the device is back (try_recover).
    spdlog::info("v6lbd: the device is failed; the change is written when it is back");
    return;
  }
  try {
    if (!programmed_) {
      const uint64_t before = dev_->register_writes();
      write_plan(next, *tables_);
      device_.last_rewrite = dev_->register_writes() - before;
      programmed_ = true;
    } else {
      const size_t writes = write_plan_diff(plan_, next, *tables_);
      spdlog::info("v6lbd: tables updated ({} table writes)", writes);
    }
    plan_ = std::move(next);
  } catch (const std::exception& ex) {
    // Half written: the card is rewritten in full when it answers again.
    programmed_ = false;
    plan_ = std::move(next);
    device_failed(ex.what());
  }
}

void Daemon::update_health_targets() {
  if (!health_) {
    health_ = std::make_unique<HealthChecker>(io_, HealthClock{},
                                              [this] { guarded([&] { service_health(); }); });
  }
  std::vector<HealthTarget> targets;
  for (const auto& s : cfg_.services)
    for (const auto& b : s.backends)
      targets.push_back(HealthTarget{backend_id(s.name, b), b.address, b.port, s.health_check});
  health_->set_targets(std::move(targets));  // schedules the new targets' first probes
}

void Daemon::health_changed(const std::string& id, bool up, const std::string& reason) {
  auto it = backends_.find(id);
  if (it == backends_.end()) return;
  const bool was_down = it->second.down();
  it->second.health = up ? BackendHealth::kUp : BackendHealth::kDown;
  it->second.reason = reason;
  if (was_down == !up) return;  // unknown -> up changes nothing in the tables
  spdlog::warn("v6lbd: backend {} is {}{}{}", id, to_string(it->second.health),
               reason.empty() ? "" : ": ", reason);
  const uint32_t slot = backend_slot(id);
  // Up before the sweep of its old flows is done: it stays out (slot invalid) until then. Its
  // old entries include reply entries of flows that were re-picked to another backend while it
  // was down; valid again, it would have them translated into those connections.
  it->second.held = up && slot != UINT32_MAX && purger_->has(slot);
  if (it->second.held) {
    spdlog::warn("v6lbd: backend {} stays out until its old flows are removed", id);
    return;
  }
  program(cfg_);
  if (slot == UINT32_MAX || up) return;
  purger_->add(slot);
  kick_purger();
}

void Daemon::release_held() {
  bool any = false;
  for (auto& [id, st] : backends_)
    if (st.held) {
      st.held = false;
      any = true;
      spdlog::warn("v6lbd: backend {} is back: its old flows are removed", id);
    }
  if (any) program(cfg_);
}

const BackendState& Daemon::backend(const std::string& service, const BackendConfig& b) const {
  return backends_.at(backend_id(service, b));
}

std::chrono::steady_clock::duration Daemon::uptime() const {
  return std::chrono::steady_clock::now() - started_;
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

// The event loop. Everything the daemon serves has a handler on io_, all run by the one thread
// in run(): the control and metrics servers (their own handlers), and here the signals, the
// health checker (its probes' sockets and timer, on io_ already), the packet pump (its fds and its
// timeout), the model's aging once a second and the flow purger's slices. A handler never blocks; a
// device exception in one stops the loop and run() returns 1 (the control server answers its own).
void Daemon::start_loop() {
  loop_ = std::make_unique<Loop>(io_);
  for (int sig : {SIGHUP, SIGTERM, SIGINT}) loop_->signals.add(sig);
  wait_signal();
  if (pump_) {
    for (int fd : pump_->fds()) {
      if (fd < 0) continue;
      loop_->pump_fds.push_back(std::make_unique<asio::posix::stream_descriptor>(io_, fd));
      watch_pump(loop_->pump_fds.size() - 1);
    }
    service_pump();  // arms its timer
  }
  if (model_ && !pump_) arm_aging();  // the model has no aging engine of its own
  arm_watchdog();
  kick_purger();  // a sweep left by the last daemon (start)
}

template <typename F>
void Daemon::guarded(F&& f) {
  if (failed_) return;
  try {
    f();
  } catch (const std::exception& e) {
    // What throws in a handler is the device: a card process that died, a card that fell off
    // the bus, a failing register operation.
    device_failed(e.what());
  } catch (...) {
    device_failed("unknown exception");
  }
}

void Daemon::device_failed(const std::string& what) {
  if (!device_.ok) return;
  device_.ok = false;
  device_.error = what;
  ++device_.failures;
  device_.since = std::chrono::steady_clock::now();
  spdlog::error("v6lbd: device failed: {}; keeping the config, reconnecting", what);
  backoff_ = kBackoffFirst;
  arm_recovery();
}

void Daemon::arm_watchdog() {
  loop_->watchdog.expires_after(kWatchdogInterval);
  loop_->watchdog.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    if (device_.ok)
      guarded([&] {
        (void)tables_->read_counter(CounterKind::kFlowOccupancy, regs::CNT_FLOW_OCC_FORWARD);
      });
    arm_watchdog();
  });
}

void Daemon::arm_recovery() {
  if (!loop_) return;  // start() failed on it: nothing to recover into
  loop_->recovery.expires_after(backoff_);
  loop_->recovery.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    try_recover();
  });
}

// Reconnects, checks that the card that answers is the same size, and writes every table from
// the running config (a card process that restarted has nothing; a card that only missed some
// writes gets them all again, unchanged entries rewritten with what they hold).
void Daemon::try_recover() {
  std::string err;
  try {
    if (dev_->reconnect(err)) {
      CardTables probe(*dev_);
      if (!(probe.geometry() == tables_->geometry())) {
        err = "the card that answers has other table sizes than the one the daemon started on";
      } else {
        const BackendUp up = up_state(cfg_);
        Plan next = make_plan(effective(cfg_), tables_->geometry(), &up, &slots_);
        const uint64_t before = dev_->register_writes();
        write_plan(next, *tables_);
        tables_->set_control(/*aging=*/true, /*external_tick=*/false);
        device_.last_rewrite = dev_->register_writes() - before;
        plan_ = std::move(next);
        programmed_ = true;
        const auto down = std::chrono::steady_clock::now() - device_.since;
        device_.ok = true;
        ++device_.recoveries;
        device_.since = std::chrono::steady_clock::now();
        spdlog::warn("v6lbd: device back after {} ms ({}); reprogrammed: {} register writes",
                     std::chrono::duration_cast<std::chrono::milliseconds>(down).count(),
                     dev_->name(), device_.last_rewrite);
        kick_purger();
        return;
      }
    }
  } catch (const std::exception& e) {
    err = e.what();
  }
  device_.ok = false;
  device_.error = err;
  spdlog::debug("v6lbd: device still failed: {}; next try in {} ms", err, backoff_.count());
  backoff_ =
      std::min(backoff_ * 2, std::chrono::duration_cast<std::chrono::milliseconds>(kBackoffMax));
  arm_recovery();
}

void Daemon::wait_signal() {
  loop_->signals.async_wait([this](const boost::system::error_code& ec, int sig) {
    if (ec) return;  // cancelled: the daemon is going away
    guarded([&] {
      if (sig == SIGHUP) {
        std::string err;
        reload(err);  // logs a refusal itself
      } else {
        spdlog::info("v6lbd: signal {}, exiting", sig);
        stop();
      }
    });
    wait_signal();
  });
}

void Daemon::service_health() {
  for (const HealthChange& c : health_->take_changes())
    health_changed(c.id, c.state == HealthState::kUp, c.reason);
}

void Daemon::watch_pump(size_t i) {
  when_ready(*loop_->pump_fds[i], asio::posix::stream_descriptor::wait_read,
             [this, i](const boost::system::error_code& ec) {
               if (ec) return;
               guarded([&] { service_pump(); });
               watch_pump(i);
             });
}

void Daemon::service_pump() {
  pump_->run();
  const int t = pump_->next_timeout_ms();
  if (t < 0) {
    loop_->pump_timer.cancel();
    return;
  }
  loop_->pump_timer.expires_after(std::chrono::milliseconds(t));
  loop_->pump_timer.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    guarded([&] { service_pump(); });
  });
}

void Daemon::arm_aging() {
  loop_->age_timer.expires_after(std::chrono::seconds(1));
  loop_->age_timer.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    if (device_.ok)
      guarded([&] {
        const auto now = std::chrono::steady_clock::now();
        model_->pipeline().age(uint32_t(
            std::chrono::duration_cast<std::chrono::milliseconds>(now - started_).count()));
      });
    arm_aging();
  });
}

void Daemon::kick_purger() {
  if (!loop_ || !purger_ || !purger_->pending() || loop_->purge_posted || !device_.ok) return;
  loop_->purge_posted = true;
  // A slice per handler, posted behind whatever else is ready: health checks, clients and frames
  // keep their pace while a sweep runs.
  asio::post(io_, [this] {
    loop_->purge_posted = false;
    guarded([&] {
      if (purger_->step(64)) release_held();
    });
    kick_purger();
  });
}

void Daemon::stop() {
  stopping_ = true;
  io_.stop();
}

bool Daemon::poll_once(int timeout_ms) {
  if (failed_) return false;
  io_.restart();
  io_.run_one_for(std::chrono::milliseconds(std::max(timeout_ms, 0)));
  // Bounded: a sweep of the flow purger posts its next slice as it goes.
  for (int i = 0; i < 1000 && !failed_ && io_.poll_one() > 0; ++i) {
  }
  return !failed_;
}

int Daemon::run() {
  // The signals stay blocked in every other thread (start() blocked them before any could be
  // started) and are taken here, where the signal_set's handler can run.
  const sigset_t set = loop_signals();
  sigset_t old;
  pthread_sigmask(SIG_UNBLOCK, &set, &old);
  int rc = 0;
  try {
    while (!stopping_ && !failed_) {
      io_.restart();
      io_.run();
    }
  } catch (const std::exception& e) {  // not expected: every handler catches
    spdlog::error("v6lbd: {}", e.what());
    failed_ = true;
  }
  if (failed_) rc = 1;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return rc;
}

bool Daemon::set_weight(const std::string& service, const Ipv6Addr& address, uint64_t port,
                        std::optional<uint32_t> weight, bool clear, std::string& err) {
  for (const auto& s : cfg_.services) {
    if (s.name != service) continue;
    for (const auto& b : s.backends)
      if (b.address == address && b.port == port) {
        BackendState& st = backends_[backend_id(s.name, b)];
        if (clear)
          st.weight_override.reset();
        else
          st.weight_override = weight;
        program(cfg_);
        return true;
      }
    err =
        "service '" + service + "' has no backend [" + address.str() + "]:" + std::to_string(port);
    return false;
  }
  err = "no service named '" + service + "'";
  return false;
}

}  // namespace v6lb
