// The Verilated card as a Device: register accesses are AXI4-Lite transactions on the simulated
// card, with its clock running (and traffic flowing) while they complete.
#pragma once

#include <memory>

#include "v6lb/driver/device.h"
#include "v6lb/sim/sim_card.h"
#include "v6lb_regs.h"

namespace v6lb {

class SimDevice final : public Device {
 public:
  explicit SimDevice(std::unique_ptr<SimCard> card) : card_(std::move(card)) {}
  uint32_t read32(uint32_t offset) override { return card_->read32(offset); }
  void write32(uint32_t offset, uint32_t value) override {
    ++writes_;
    // A card that follows wall time (behind a TAP) takes its time from now_tick, whatever the
    // host asks: the simulated clock runs at no fixed rate, so the internal divider means nothing.
    if (offset == regs::CTRL && wall_clock_) value |= regs::CTRL_TICK_EXT_MASK;
    card_->write32(offset, value);
  }
  void set_wall_clock(bool on) {
    wall_clock_ = on;
    write32(regs::CTRL, card_->read32(regs::CTRL));
  }
  std::string name() const override {
    return "sim (Verilated v6lb_top, DATA_WIDTH " + std::to_string(card_->data_width()) + ")";
  }
  SimCard& card() { return *card_; }

 private:
  std::unique_ptr<SimCard> card_;
  bool wall_clock_ = false;
};

}  // namespace v6lb
