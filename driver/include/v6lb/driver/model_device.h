// The reference pipeline behind the card's register map: the `model` device. Register writes are
// decoded exactly as the card decodes them (TBL_CMD, ACTIVE_BANK, CNT_SEL, ...) and applied to a
// Pipeline, so CardTables programs the model through the same calls as a card, and the daemon
// can run (and be tested) without Verilator or hardware.
#pragma once

#include <memory>

#include "v6lb/dataplane/pipeline.h"
#include "v6lb/driver/device.h"
#include "v6lb/driver/register_file.h"

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
  uint64_t counter(uint32_t sel) const;

  std::unique_ptr<Pipeline> dp_;
  RegisterFile regs_;
};

}  // namespace v6lb
