// The simulated card: the Verilated v6lb_top (DATA_WIDTH 64 or 512) behind a small C++ API.
// Frames go in on the receive stream and come out on the forward or punt stream; registers are
// reached over AXI4-Lite, one transaction at a time, while traffic keeps flowing.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace v6lb {

struct SimOptions {
  int data_width = 64;        // 64 or 512: which Verilated build
  double input_gap = 0.0;     // probability of an idle cycle before each input beat
  double output_ready = 1.0;  // probability that tready is high on an output each cycle
  uint64_t seed = 1;
  std::string fst_path;  // FST waveform, if the build has tracing
};

struct SimFrame {
  std::vector<uint8_t> data;
  uint64_t seq = 0;  // position of the input frame it came from (0-based)
};

enum class SimVerdict : uint8_t { kForward = 0, kPunt = 1, kDrop = 2 };

class SimCard {
 public:
  static std::unique_ptr<SimCard> create(const SimOptions& opts);
  // Whether this build can write FST waveforms (configure with -DV6LB_SIM_TRACE=ON).
  static bool can_trace();
  virtual ~SimCard() = default;

  // AXI4-Lite, 32-bit; the clock runs while the transaction completes.
  virtual void write32(uint32_t addr, uint32_t value) = 0;
  virtual uint32_t read32(uint32_t addr) = 0;

  // Queues a frame for the receive stream; `tick` is driven on now_tick from its first beat.
  virtual void send(std::span<const uint8_t> frame, uint32_t tick) = 0;
  // Drives now_tick while no frame is being received (a frame drives its own tick from its first
  // beat): how a simulation that follows wall time lets the aging engine see time pass.
  virtual void set_now_tick(uint32_t tick) = 0;
  // Runs `n` clock cycles.
  virtual void step(uint64_t n = 1) = 0;
  // Runs until every queued frame has a verdict and the outputs are drained (or `max_cycles`
  // pass: returns false then).
  virtual bool drain(uint64_t max_cycles = 100'000'000) = 0;

  // Frames that came out since the last call, in output order.
  virtual std::vector<SimFrame> take_forwarded() = 0;
  virtual std::vector<SimFrame> take_punted() = 0;
  // Verdicts in input order, one per frame sent so far and disposed of.
  virtual const std::vector<SimVerdict>& verdicts() const = 0;

  virtual uint64_t cycles() const = 0;
  virtual uint64_t beats_in() const = 0;  // receive beats accepted
  virtual uint64_t frames_sent() const = 0;
  virtual int data_width() const = 0;
};

}  // namespace v6lb
