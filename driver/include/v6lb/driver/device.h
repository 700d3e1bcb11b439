// A card as the host sees it: 32-bit registers. Back ends: a real Alveo card over XRT
// (driver/src/xrt_device.cc, built only where XRT is installed) and the Verilated card
// (SimDevice). Everything above this, table programming included, goes through these calls.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace v6lb {

class Device {
 public:
  virtual ~Device() = default;
  virtual uint32_t read32(uint32_t offset) = 0;
  virtual void write32(uint32_t offset, uint32_t value) = 0;
  // Consecutive registers from `offset`; back ends may do this in one transfer.
  virtual void write_block(uint32_t offset, std::span<const uint32_t> words) {
    for (size_t i = 0; i < words.size(); ++i) write32(offset + uint32_t(4 * i), words[i]);
  }
  // A batch of register accesses in order; the values of the reads, in order, go to `reads`
  // (which has room for them). A card in another process runs the batch in one round trip.
  struct RegOp {
    uint32_t offset;
    uint32_t value;  // written, unless `read`
    bool read;
  };
  virtual void run_ops(std::span<const RegOp> ops, std::span<uint32_t> reads) {
    size_t k = 0;
    for (const RegOp& op : ops) {
      if (op.read)
        reads[k++] = read32(op.offset);
      else
        write32(op.offset, op.value);
    }
  }
  virtual std::string name() const = 0;
  // The registers of the card's MAC (the CMAC kernel, v6lb/cmac_link.h), or nullptr with `why`
  // set: the simulated and software data planes have none, and a card's may fail to open.
  virtual Device* mac(std::string& why) {
    why = name() + " has no MAC of its own (simulated or software data plane)";
    return nullptr;
  }
  // Counters a back end keeps of its own, beyond the register map (the DPDK data plane's per
  // worker and per port counters): the metrics exporter publishes each as a Prometheus counter
  // family, so no layer above needs to know the back end's type.
  struct ExtraCounter {
    std::string family;  // Prometheus name, ending in _total
    std::string help;
    std::vector<std::pair<std::string, std::string>> labels;
    uint64_t value;
  };
  virtual std::vector<ExtraCounter> extra_counters() const { return {}; }
  // After an operation threw (the card went away): makes the device usable again if it can, or
  // returns false with `err` set. The card's state may be gone (a card process that restarted
  // starts empty); the caller reprograms it. The default has nothing to reconnect: an
  // in-process device or a card on the bus is retried as it is.
  virtual bool reconnect(std::string& err) {
    (void)err;
    return true;
  }
  uint64_t register_writes() const { return writes_; }

 protected:
  uint64_t writes_ = 0;  // back ends count their writes here, for the benchmarks
};

}  // namespace v6lb
