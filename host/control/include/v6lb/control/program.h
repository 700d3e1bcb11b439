// Turns a Config into table contents (a Plan) and writes a Plan into any data plane through
// TableWriter. The daemon, v6lb-replay and the tests all program through here, so every engine is
// programmed the same way.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "v6lb/control/config.h"
#include "v6lb/dataplane/tables.h"

namespace v6lb {

struct PlannedBackend {
  uint32_t slot;
  BackendEntry entry;
  uint32_t weight;  // effective weight in the Maglev table (0: drained or down)
};

struct PlannedService {
  uint32_t slot;
  ServiceEntry entry;
  std::vector<PlannedBackend> backends;  // in config order
  std::vector<uint16_t> maglev;          // M entries of backend slots
};

struct Plan {
  CardEntry card;
  std::vector<PlannedService> services;  // in config order
};

// Health state of a backend, by (service index, backend index) in config order; absent = up.
using BackendUp = std::vector<std::vector<bool>>;

// Slot numbers keep their meaning across reloads: flow entries name backend slots, so a backend
// keeps its slot as long as its service lists it, and a freed slot is not reused while flows may
// still name it (the caller passes those as `quarantined`).
struct SlotMap {
  using BackendKey = std::tuple<std::string, Ipv6Addr, uint16_t>;  // service name, address, port
  std::map<std::string, uint32_t> services;
  std::map<BackendKey, uint32_t> backends;
};

std::optional<std::string> check_fits(const Config& cfg, const Geometry& g);
// Slots for `cfg`, keeping those of `previous`; new ones take the lowest free slot not in
// `quarantined`. nullopt when the tables are full.
std::optional<SlotMap> assign_slots(const Config& cfg, const Geometry& g,
                                    const SlotMap* previous = nullptr,
                                    const std::vector<bool>* quarantined = nullptr);
// Without `slots`, services and backends take slots in config order.
Plan make_plan(const Config& cfg, const Geometry& g, const BackendUp* up = nullptr,
               const SlotMap* slots = nullptr);

// Writes everything: card, backends, services, each Maglev table into the inactive bank, then
// flips. Slots the plan does not use are invalidated.
void write_plan(const Plan& plan, TableWriter& dp);

// Writes only what differs from `from` (Maglev tables hitlessly) and invalidates the slots `to`
// no longer uses; returns the number of table writes issued.
size_t write_plan_diff(const Plan& from, const Plan& to, TableWriter& dp);

// Writes a new Maglev table for one service hitlessly: inactive bank, then the flip.
void write_maglev_hitless(TableWriter& dp, uint32_t service_slot, const std::vector<uint16_t>& t);

}  // namespace v6lb
