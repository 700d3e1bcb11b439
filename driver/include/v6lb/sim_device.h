// The Verilated card as a Device: register accesses are AXI4-Lite transactions on the simulated
// card, with its clock running (and traffic flowing) while they complete.
#pragma once

#include <memory>

#include "v6lb/device.h"
#include "v6lb/sim_card.h"

namespace v6lb {

class SimDevice final : public Device {
 public:
  explicit SimDevice(std::unique_ptr<SimCard> card) : card_(std::move(card)) {}
  uint32_t read32(uint32_t offset) override { return card_->read32(offset); }
  void write32(uint32_t offset, uint32_t value) override {
    ++writes_;
    card_->write32(offset, value);
  }
  std::string name() const override {
    return "sim (Verilated v6lb_top, DATA_WIDTH " + std::to_string(card_->data_width()) + ")";
  }
  SimCard& card() { return *card_; }

 private:
  std::unique_ptr<SimCard> card_;
};

}  // namespace v6lb
