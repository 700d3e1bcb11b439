// What moves frames for a data plane that lives in this process (the model or the Verilated
// card behind a TAP): the owner's event loop waits on fds() and next_timeout_ms() and calls run()
// when either fires. Back ends with their own threads (DPDK workers) or their own hardware need
// none.
#pragma once

#include <cstdint>
#include <vector>

namespace v6lb {

struct PumpStats {
  uint64_t rx_frames = 0;       // frames read from the port
  uint64_t tx_frames = 0;       // frames the data plane forwarded back out of the port
  uint64_t punted_frames = 0;   // frames handed to the host (exception port)
  uint64_t host_tx_frames = 0;  // frames the host sent out through the port
  uint64_t dropped_frames = 0;  // dropped by the data plane
  uint64_t tx_errors = 0;       // writes the kernel refused (a full TAP queue)
};

class PacketPump {
 public:
  virtual ~PacketPump() = default;
  virtual std::vector<int> fds() const = 0;
  // Milliseconds until run() has timed work (the simulated clock advancing while idle); -1: none.
  virtual int next_timeout_ms() const = 0;
  // Moves whatever is waiting; never blocks.
  virtual void run() = 0;
  virtual PumpStats stats() const = 0;
};

}  // namespace v6lb
