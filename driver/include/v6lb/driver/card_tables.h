// Typed programming of a card through its registers (docs/REGISTERS.md): the TableWriter the
// daemon and v6lb-replay use for the sim and xrt devices. Reads the capability registers first
// and refuses a card whose register map it does not know.
#pragma once

#include <cstdint>
#include <span>
#include <stdexcept>
#include <vector>

#include "v6lb/dataplane/flow_table.h"
#include "v6lb/dataplane/tables.h"
#include "v6lb/driver/device.h"
#include "v6lb/driver/table_words.h"
#include "v6lb_regs.h"

namespace v6lb {

class CardError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class FlowDirection : uint8_t {  // the TBL_CMD.TABLE value of each direction's table
  kForward = regs::TBL_CMD_TABLE_FWD_FLOW,
  kReply = regs::TBL_CMD_TABLE_REPLY_FLOW,
};

// Counter groups of CNT_SEL.KIND.
enum class CounterKind : uint8_t {
  kGlobal = regs::CNT_SEL_KIND_GLOBAL,
  kService = regs::CNT_SEL_KIND_SERVICE,
  kBackend = regs::CNT_SEL_KIND_BACKEND,
  kFlowOccupancy = regs::CNT_SEL_KIND_FLOW_OCC,
};

class CardTables final : public TableWriter {
 public:
  explicit CardTables(Device& dev);  // throws CardError: not a v6lb card, unknown version

  Geometry geometry() const override { return geo_; }
  uint32_t data_width() const { return data_width_; }
  void set_card(const CardEntry& card) override;
  void set_service(uint32_t slot, const ServiceEntry& s) override;
  void set_backend(uint32_t slot, const BackendEntry& b) override;
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

  // One 64-bit counter: `index` is the global counter number (regs::CNT_GLOBAL_*), the service
  // or backend slot, or the flow direction (regs::CNT_FLOW_OCC_*); `field` the service's or
  // backend's counter (regs::CNT_SERVICE_*, regs::CNT_BACKEND_*).
  uint64_t read_counter(CounterKind kind, uint32_t index, uint32_t field = 0);
  void clear_counters();

  void set_control(bool aging, bool external_tick);

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
