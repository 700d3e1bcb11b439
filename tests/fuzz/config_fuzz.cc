// libFuzzer harness: the config loader on any text (docs/RELIABILITY.md). It must never throw,
// crash or read out of bounds; a config it accepts must be one the rest of the host can use:
// formatting its durations round-trips, and when it fits the data plane's tables (check_fits),
// make_plan builds a plan for it and write_plan programs a model with it. Large Maglev tables are
// left out of the plan step to keep each input fast.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <variant>

#include "fuzz_check.h"
#include "v6lb/control/config.h"
#include "v6lb/control/program.h"
#include "v6lb/dataplane/pipeline.h"

namespace {

using v6lb::fuzz::check;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace v6lb;
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto r = load_config_string(text, "fuzz.yaml");
  if (auto* e = std::get_if<ConfigError>(&r)) {
    check(!e->message.empty());
    return 0;
  }
  const Config& cfg = std::get<Config>(r);
  check(!cfg.services.empty());
  for (const ServiceConfig& s : cfg.services) {
    check(!s.backends.empty());
    check(parse_duration_ms(format_duration_ms(s.idle_timeout_ms)) == s.idle_timeout_ms);
  }
  if (cfg.tables.maglev_size > 4099 || cfg.tables.flow_table_size > 4096) return 0;
  Geometry geo;
  geo.maglev_size = cfg.tables.maglev_size;
  geo.flow_sets = cfg.tables.flow_table_size / geo.flow_ways;
  if (geo.flow_sets == 0 || check_fits(cfg, geo)) return 0;
  const Plan plan = make_plan(cfg, geo);
  Pipeline dp(geo);
  write_plan(plan, dp);
  return 0;
}
