// The reference pipeline behind the card's register map: the `model` device. Register writes are
// decoded exactly as the card decodes them (TBL_CMD, ACTIVE_BANK, CNT_SEL, ...) and applied to a
// Pipeline, so CardTables programs the model through the same calls as a card, and the daemon
// can run (and be tested) without Verilator or hardware.
#pragma once

#include <array>
#include <memory>

#include "v6lb/device.h"
#include "v6lb/pipeline.h"

namespace v6lb {

class ModelDevice final : public Device {
 public:
  explicit ModelDevice(const Geometry& g = Geometry{});
  uint32_t read32(uint32_t offset) override;
  void write32(uint32_t offset, uint32_t value) override;
  std::string name() const override { return "model (reference pipeline)"; }
  Pipeline& pipeline() { return *dp_; }

 private:
  void command(uint32_t cmd);
  void update_card();
  uint64_t counter(uint32_t sel) const;

  std::unique_ptr<Pipeline> dp_;
  std::array<uint32_t, 16> data_{};
  uint32_t index_ = 0, sel_ = 0, status_ = 0, ctrl_ = 0, tick_div_ = 300000, cnt_sel_ = 0;
  uint32_t card_mac_hi_ = 0, card_mac_lo_ = 0, router_mac_hi_ = 0, router_mac_lo_ = 0;
  std::array<uint32_t, 4> card_addr_{};
  std::array<uint32_t, 8> banks_{};
  uint64_t snapshot_ = 0;
};

}  // namespace v6lb
