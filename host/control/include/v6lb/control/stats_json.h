// Counters of a data plane, gathered the same way from the model or a card, as JSON and as a
// human-readable report; v6lb-replay and the daemon share the names.
#pragma once

#include <array>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "v6lb/control/config.h"
#include "v6lb/control/program.h"
#include "v6lb/dataplane/packet_class.h"
#include "v6lb/driver/card_tables.h"

namespace v6lb {

class Pipeline;

// Counters of the slots a Plan uses (indexed like plan.services[i] / .backends[j]).
struct DataPlaneStats {
  std::array<uint64_t, kNumCounters> global{};
  std::vector<ServiceCounters> services;
  std::vector<std::vector<BackendCounters>> backends;
  uint64_t flows_forward = 0;  // occupancy of each flow table
  uint64_t flows_reply = 0;
  uint64_t flow_capacity = 0;  // entries per direction

  bool operator==(const DataPlaneStats&) const = default;
};

DataPlaneStats read_stats(const Pipeline& dp, const Plan& plan);
// The same counters read from a card (or any Device) through its counter registers.
DataPlaneStats read_stats(CardTables& card, const Plan& plan);
nlohmann::json stats_to_json(const Config& cfg, const DataPlaneStats& st);
std::string stats_report(const nlohmann::json& stats);

}  // namespace v6lb
