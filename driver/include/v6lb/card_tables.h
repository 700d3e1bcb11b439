// Typed programming of a card through its registers (docs/REGISTERS.md): the TableWriter the
// daemon and v6lb-replay use for the sim and xrt devices. Reads the capability registers first
// and refuses a card whose register map it does not know.
#pragma once

#include <cstdint>
#include <span>
#include <stdexcept>
#include <vector>

#include "v6lb/config.h"
#include "v6lb/device.h"
#include "v6lb/flow_table.h"
#include "v6lb/program.h"
#include "v6lb/stats_json.h"
#include "v6lb/table_words.h"
#include "v6lb/tables.h"

namespace v6lb {

class CardError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class FlowDirection : uint8_t { kForward = 4, kReply = 5 };  // TBL_CMD.TABLE values

class CardTables final : public TableWriter {
 public:
  explicit CardTables(Device& dev);  // throws CardError: not a v6lb card, unknown version

  Geometry geometry() const override { return geo_; }
  uint32_t data_width() const { return data_width_; }
  void set_card(const CardEntry& card) override;
  void set_service(uint32_t slot, const ServiceEntry& s) override;
  void set_backend(uint32_t slot, const BackendEntry& b) override;
  void set_reverse(uint32_t slot, const ReverseEntry& r) override;
  void write_maglev(uint32_t service, uint32_t bank, uint32_t offset,
                    std::span<const uint16_t> entries) override;
  void set_active_bank(uint32_t service, uint32_t bank) override;
  uint32_t active_bank(uint32_t service) const override;

  // Flow entries, index = set * ways + way.
  void write_flow(FlowDirection dir, uint32_t index, const FlowEntry& e);
  FlowEntry read_flow(FlowDirection dir, uint32_t index);
  // Just the word that says whether entry `index` holds a flow and whose it is (VALID, SERVICE,
  // BACKEND): a sweep over the whole table reads one data word per entry instead of twelve.
  uint32_t read_flow_owner(FlowDirection dir, uint32_t index);
  // The same for entries first .. first + out.size() - 1, in one batch of register accesses.
  void read_flow_owners(FlowDirection dir, uint32_t first, std::span<uint32_t> out);
  ServiceEntry read_service(uint32_t slot);
  BackendEntry read_backend(uint32_t slot);

  // Counters. kind: 0 global, 1 service, 2 backend, 3 occupancy.
  uint64_t read_counter(uint32_t kind, uint32_t index, uint32_t field = 0);
  DataPlaneStats read_stats(const Plan& plan);
  void clear_counters();

  void set_control(bool aging, bool external_tick);

  // Reads the service and backend tables back and finds the slots `cfg`'s services and backends
  // already occupy (a service by VIP, protocol and port; a backend by address and port within its
  // service, valid or not: a backend that was down keeps its slot). A restarted daemon plans
  // with these, so flow entries on the card keep naming the same backends.
  SlotMap recover_slots(const Config& cfg);

 private:
  void command(uint32_t table, uint32_t op);
  void write_entry(uint32_t table, uint32_t index, const TableWords& w, size_t words);
  TableWords read_entry(uint32_t table, uint32_t index, size_t words);

  Device& dev_;
  Geometry geo_;
  uint32_t data_width_ = 0;
  std::vector<uint32_t> banks_;  // ACTIVE_BANK words as last written
};

}  // namespace v6lb
