// The port of an in-process card (the model or the Verilated RTL) as a Linux TAP interface:
// frames the kernel sends on the TAP go through the data plane, forwarded frames go back out of
// the TAP, punted frames go to an optional exception TAP (whose kernel side owns the card's
// address and MAC, so NDP, ping and the daemon's own traffic work), and frames the kernel sends
// on the exception TAP leave through the port as they are (the host's transmit path).
//
// Time follows the wall clock in 1 ms ticks from when the pump opened. The simulated card takes
// it on now_tick (the pump sets CTRL.TICK_EXT for it) and is clocked for a few thousand cycles
// every 100 ms while idle, so its aging engine runs while no traffic does.
#pragma once

#include <array>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "v6lb/driver/unique_fd.h"
#include "v6lb/io/packet_pump.h"

namespace v6lb {

class ModelDevice;
class SimDevice;

// Opens (creating if needed) TAP interface `name` without packet info, non-blocking, and sets it
// up. Returns an invalid fd with `err` set on failure.
UniqueFd open_tap(const std::string& name, std::string& err);

class TapPump final : public PacketPump {
 public:
  static std::unique_ptr<TapPump> for_model(ModelDevice& dev, const std::string& tap,
                                            const std::string& exception_tap, std::string& err);
  static std::unique_ptr<TapPump> for_sim(SimDevice& dev, const std::string& tap,
                                          const std::string& exception_tap, std::string& err);

  std::vector<int> fds() const override;
  int next_timeout_ms() const override;
  void run() override;
  PumpStats stats() const override { return stats_; }

 private:
  static constexpr size_t kBurst = 32;
  // Bursts one run() moves at most. Under a sustained load the port always has a burst waiting;
  // a run() that drained it would never return, and the loop it shares (health probes, the
  // control socket, the host's own frames) would wait behind the traffic: probes timed out and
  // healthy backends were marked down. The fd stays readable, so the loop calls run() again
  // right after whatever else is ready.
  static constexpr size_t kBurstsPerRun = 4;
  static constexpr size_t kFrameBuf = 16384;

  TapPump() = default;
  bool open(const std::string& tap, const std::string& exception_tap, std::string& err);
  uint32_t now_tick() const;
  size_t read_burst();  // fills bufs_/lens_ from the port; returns how many
  void run_model(size_t n, uint32_t tick);
  void run_sim(size_t n, uint32_t tick);
  void host_transmit();
  void send(int fd, const uint8_t* data, size_t len);

  ModelDevice* model_ = nullptr;
  SimDevice* sim_ = nullptr;
  UniqueFd port_, exception_;
  std::vector<std::array<uint8_t, kFrameBuf>> bufs_ =
      std::vector<std::array<uint8_t, kFrameBuf>>(kBurst);
  std::array<size_t, kBurst> lens_{};
  std::chrono::steady_clock::time_point start_, last_idle_clock_;
  PumpStats stats_;
};

}  // namespace v6lb
