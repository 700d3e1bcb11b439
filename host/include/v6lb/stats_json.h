// Counters of a data plane, gathered the same way from the model or a card, as JSON and as a
// human-readable report; v6lb-replay and the daemon share the names.
#pragma once

#include <array>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "v6lb/config.h"
#include "v6lb/packet_class.h"
#include "v6lb/program.h"

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
nlohmann::json stats_to_json(const Config& cfg, const DataPlaneStats& st);
std::string stats_report(const nlohmann::json& stats);

}  // namespace v6lb
