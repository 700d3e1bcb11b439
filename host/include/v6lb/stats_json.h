// Counters of a data plane as JSON and as a human-readable report, shared by v6lb-replay and the
// daemon so both speak the same names.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "v6lb/config.h"
#include "v6lb/pipeline.h"
#include "v6lb/program.h"

namespace v6lb {

nlohmann::json stats_to_json(const Config& cfg, const Plan& plan, const Pipeline& dp);
std::string stats_report(const nlohmann::json& stats);

}  // namespace v6lb
