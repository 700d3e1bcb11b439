// v6lbd: one daemon per card. Loads the config, programs the device through CardTables (slots
// kept stable across reloads, only differences written), runs health checks and moves a
// service's Maglev table when a backend goes down or up, ages flows, and serves v6lbctl
// (ControlApi on a Unix socket) and Prometheus (MetricsExporter on HTTP). Single-threaded: one
// Asio io_context, run by run() in the calling thread, serves everything (docs/ARCHITECTURE.md,
// "The event loop"). Errors: docs/ARCHITECTURE.md, "Errors in the control plane".
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "v6lb/control/config.h"
#include "v6lb/control/program.h"
#include "v6lb/driver/card_tables.h"
#include "v6lb/driver/device.h"
#include "v6lb/io/packet_pump.h"

namespace v6lb {

class ControlApi;
class ControlServer;
class FlowPurger;
class HealthChecker;
class MetricsExporter;
class MetricsServer;
class ModelDevice;

struct DaemonOptions {
  std::string config_path;
  // device_open.h: model | sim | sim512 | xrt[:BDF] | dpdk | card:PATH
  std::string device = "model";
  std::string xclbin;
  std::string tap;                    // model/sim: the card's port is this TAP interface
  std::string exception_tap;          // model/sim: punted frames go to this TAP
  std::vector<std::string> eal_args;  // dpdk: EAL arguments
  std::string metrics;                // overrides daemon.metrics of the config when set
  std::string control_socket;         // overrides daemon.control_socket when set
};

// What the health checks last said of a backend. Unknown (no verdict yet) counts as up.
enum class BackendHealth : uint8_t { kUnknown, kUp, kDown };
std::string_view to_string(BackendHealth h);

struct BackendState {
  BackendHealth health = BackendHealth::kUnknown;
  std::string reason;                       // of the last change, from the health checker
  std::optional<uint32_t> weight_override;  // from v6lbctl weight/drain
  // Up again while the sweep of its flows from before it went down still runs: kept out of the
  // data plane (its slot invalid) until the sweep is done, so a reply entry of a flow that was
  // re-picked to another backend meanwhile can never match again (docs/OPERATIONS.md).
  bool held = false;
  bool down() const { return health == BackendHealth::kDown; }
  bool serving() const { return !down() && !held; }
};

// Whether the device answers. A register operation that throws (a card process that died, a
// card that fell off the bus, a fault) makes it failed: the daemon keeps running with its
// config, pauses what needs the device, and tries to reconnect with a backoff (0.25 s doubling
// to 5 s); when the device answers again it is reprogrammed in full from the running config.
struct DeviceHealth {
  bool ok = true;
  std::string error;          // the last failure's message; empty if it never failed
  uint64_t failures = 0;      // times it went from working to failed
  uint64_t recoveries = 0;    // times it came back and was reprogrammed
  uint64_t last_rewrite = 0;  // table writes of the last reprogramming
  std::chrono::steady_clock::time_point since;  // of the current state
};

class Daemon {
 public:
  // `device`, when given, is used instead of opening opts.device (embedding, tests).
  explicit Daemon(DaemonOptions opts, std::unique_ptr<Device> device = nullptr);
  ~Daemon();

  // Loads the config, opens and programs the device, starts the servers. On failure returns
  // false with `err` set and leaves nothing half-started.
  bool start(std::string& err);
  // Runs the loop until stop() or SIGTERM/SIGINT; SIGHUP reloads. Returns the exit code: 0, or 1
  // when the loop itself failed (logged). A failing device does not end it (DeviceHealth).
  int run();
  // Makes run() return 0 once the handler running now (if any) is done.
  void stop();

  // Runs the loop for one handler, waiting up to timeout_ms for it, then whatever else is ready
  // (at most 1000 handlers; for tests, run() is the daemon's own loop). False once the loop
  // failed (logged); run() would then return 1.
  bool poll_once(int timeout_ms);

  const DeviceHealth& device_health() const { return device_; }
  // A device operation threw `what` (the control API and the metrics exporter report theirs
  // here): marks the device failed and starts the reconnect attempts, once.
  void device_failed(const std::string& what);

  // The loop every part of the daemon is served on.
  boost::asio::io_context& io() { return io_; }
  // Reloads the config file; on error nothing changes and the message names file:line.
  bool reload(std::string& err);
  // Sets (or with `clear`, removes) the v6lbctl weight of one backend and reprograms.
  bool set_weight(const std::string& service, const Ipv6Addr& address, uint64_t port,
                  std::optional<uint32_t> weight, bool clear, std::string& err);

  // The running state, for the control API and the metrics exporter.
  const DaemonOptions& options() const { return opts_; }
  const Config& config() const { return cfg_; }
  const Plan& plan() const { return plan_; }
  const SlotMap& slots() const { return slots_; }
  CardTables& tables() { return *tables_; }
  Device& device() { return *dev_; }
  const FlowPurger& purger() const { return *purger_; }
  const BackendState& backend(const std::string& service, const BackendConfig& b) const;
  std::chrono::steady_clock::duration uptime() const;

 private:
  bool apply(const Config& next, std::string& err);
  Config effective(const Config& c) const;  // the config with v6lbctl overrides applied
  BackendUp up_state(const Config& c) const;
  void program(const Config& next);
  void health_changed(const std::string& id, bool up, const std::string& reason);
  void update_health_targets();
  uint32_t backend_slot(const std::string& id) const;
  static std::string backend_id(const std::string& service, const BackendConfig& b);
  struct Loop;
  void start_loop();
  template <typename F>
  void guarded(F&& f);  // runs a loop handler; a device failure stops the loop, run() returns 1
  void service_health();
  void watch_pump(size_t i);
  void service_pump();
  void arm_aging();
  void kick_purger();
  void release_held();  // a sweep is done: backends held out of the data plane come back
  void wait_signal();
  void arm_watchdog();
  void arm_recovery();
  void try_recover();

  boost::asio::io_context io_{1};  // first: destroyed last, after everything registered on it
  DaemonOptions opts_;
  Config cfg_;
  std::unique_ptr<Device> dev_;
  std::unique_ptr<PacketPump> pump_;  // frames between a TAP and an in-process model/sim
  ModelDevice* model_ = nullptr;      // when the device is the model
  std::unique_ptr<CardTables> tables_;
  SlotMap slots_;
  Plan plan_;
  bool programmed_ = false;
  std::map<std::string, BackendState> backends_;  // by backend_id
  std::vector<bool> quarantine_;
  std::unique_ptr<FlowPurger> purger_;
  std::unique_ptr<HealthChecker> health_;
  std::unique_ptr<ControlApi> api_;
  std::unique_ptr<ControlServer> control_;
  std::unique_ptr<MetricsExporter> exporter_;
  std::unique_ptr<MetricsServer> metrics_;
  bool stopping_ = false;
  bool failed_ = false;  // the loop itself failed (not expected: every handler catches)
  DeviceHealth device_;
  std::chrono::milliseconds backoff_{250};
  std::unique_ptr<Device> given_device_;  // from the constructor, until start() takes it
  std::chrono::steady_clock::time_point started_;
  std::unique_ptr<Loop> loop_;  // last: its watches go before the fds they watch
};

}  // namespace v6lb
