// v6lbd: one daemon per card. Loads the config, programs the device through CardTables (slots
// kept stable across reloads, only differences written), runs health checks and moves a
// service's Maglev table when a backend goes down or up, ages flows, answers v6lbctl on a Unix
// socket and Prometheus on HTTP. Single-threaded: one event loop polls everything.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "v6lb/driver/card_tables.h"
#include "v6lb/control/config.h"
#include "v6lb/driver/device.h"
#include "v6lb/io/packet_pump.h"
#include "v6lb/control/program.h"

namespace v6lb {

class ControlServer;
class MetricsServer;
class HealthChecker;
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

class Daemon {
 public:
  explicit Daemon(DaemonOptions opts);
  ~Daemon();

  // Loads the config, opens and programs the device, starts the servers. On failure returns
  // false with `err` set and leaves nothing half-started.
  bool start(std::string& err);
  // Runs until stop() or SIGTERM/SIGINT; SIGHUP reloads. Returns the exit code.
  int run();
  void stop() { stopping_ = true; }

  // One pass of the event loop (for tests): health, servers, aging. Returns after timeout_ms at
  // most.
  void poll_once(int timeout_ms);
  // Reloads the config file; on error nothing changes and the message names file:line.
  bool reload(std::string& err);
  nlohmann::json handle(const nlohmann::json& request);
  std::string metrics_text();

  const Config& config() const { return cfg_; }
  CardTables& tables() { return *tables_; }

 private:
  struct BackendState {
    std::string health = "unknown";  // up | down | unknown (treated as up)
    std::string reason;
    std::optional<uint32_t> weight_override;  // from v6lbctl weight/drain
  };

  bool apply(const Config& next, std::string& err);
  Config effective(const Config& c) const;  // the config with v6lbctl overrides applied
  BackendUp up_state(const Config& c) const;
  void program(const Config& next);
  void health_changed(const std::string& id, bool up, const std::string& reason);
  void update_health_targets();
  void purge_step(uint32_t budget);
  uint32_t backend_slot(const std::string& id) const;
  static std::string backend_id(const std::string& service, const BackendConfig& b);
  nlohmann::json cmd_status();
  nlohmann::json link_status();  // the card's MAC (v6lb/cmac_link.h), for status
  nlohmann::json cmd_services();
  nlohmann::json cmd_backends(const nlohmann::json& req);
  nlohmann::json cmd_flows(const nlohmann::json& req);
  nlohmann::json cmd_set_weight(const nlohmann::json& req, std::optional<uint32_t> weight,
                                bool clear);

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
  std::unique_ptr<HealthChecker> health_;
  std::unique_ptr<ControlServer> control_;
  std::unique_ptr<MetricsServer> metrics_;
  // Flows of backends that went down, removed by a sweep over both flow tables a slice per loop
  // pass (the data plane already treats them as absent; this frees their entries).
  std::set<uint32_t> purge_slots_;
  uint32_t purge_cursor_ = 0;
  uint64_t purged_ = 0;
  int signal_fd_ = -1;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point last_age_;
};

}  // namespace v6lb
