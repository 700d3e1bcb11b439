// The card's plain registers (control, MACs and address, table staging, counter select), kept by
// the software devices (ModelDevice, DpdkDevice) as v6lb_axil_regs keeps them on the card. A
// write is stored here and names what else it asks of the device; each device carries that out
// its own way (the model on its pipeline, DPDK on every worker).
#pragma once

#include <array>
#include <cstdint>

#include "v6lb/dataplane/tables.h"

namespace v6lb {

class RegisterFile {
 public:
  enum class Effect : uint8_t {
    kNone,           // staging only (TBL_INDEX, TBL_SEL, TBL_DATA) or not a register
    kState,          // CTRL, TICK_DIV
    kCard,           // CARD_MAC_*, ROUTER_MAC_*, CARD_ADDR: card() changed
    kActiveBank,     // an ACTIVE_BANK word
    kCommand,        // TBL_CMD: run the table command
    kCounterSelect,  // CNT_SEL: take the snapshot of cnt_sel()
    kCounterClear,   // CNT_CLEAR with bit 0 set
  };

  // `caps` answers the CAP_* registers; `tick_now` is TICK_NOW.
  uint32_t read(uint32_t offset, const Geometry& caps, uint32_t tick_now) const;
  Effect write(uint32_t offset, uint32_t value);

  uint32_t ctrl() const { return ctrl_; }
  uint32_t tick_div() const { return tick_div_; }
  CardEntry card() const;
  MacAddr card_mac() const;
  uint32_t index() const { return index_; }
  uint32_t sel() const { return sel_; }
  uint32_t cnt_sel() const { return cnt_sel_; }
  const std::array<uint32_t, 16>& data() const { return data_; }
  void set_data(const std::array<uint32_t, 16>& d) { data_ = d; }
  void set_status(uint32_t s) { status_ = s; }
  void set_snapshot(uint64_t v) { snapshot_ = v; }
  // Services 32w .. 32w+31 (word w of ACTIVE_BANK).
  uint32_t banks(uint32_t word) const { return banks_[word]; }

  static bool in_array(uint32_t off, uint32_t base, uint32_t count) {
    return off >= base && off < base + 4 * count && (off - base) % 4 == 0;
  }

 private:
  std::array<uint32_t, 16> data_{};
  uint32_t index_ = 0, sel_ = 0, status_ = 0, ctrl_ = 0, tick_div_ = 300000, cnt_sel_ = 0;
  uint32_t card_mac_hi_ = 0, card_mac_lo_ = 0, router_mac_hi_ = 0, router_mac_lo_ = 0;
  std::array<uint32_t, 4> card_addr_{};
  std::array<uint32_t, 8> banks_{};
  uint64_t snapshot_ = 0;
};

}  // namespace v6lb
