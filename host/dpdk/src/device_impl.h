// The state behind a DpdkDevice, shared by its files: the workers and their rings, the ports,
// and the register file the control thread keeps (as ModelDevice keeps it). Private to
// host/dpdk/src.
#pragma once

#include <rte_mempool.h>
#include <rte_pause.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include <array>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "v6lb/dpdk/dpdk_device.h"
#include "v6lb/driver/register_file.h"
#include "worker.h"

namespace v6lb {

namespace dpdk {

// DPDK objects this device creates, freed with the function DPDK gives for each.
struct RingFree {
  void operator()(rte_ring* r) const { rte_ring_free(r); }
};
struct PoolFree {
  void operator()(rte_mempool* p) const { rte_mempool_free(p); }
};
using RingPtr = std::unique_ptr<rte_ring, RingFree>;
using PoolPtr = std::unique_ptr<rte_mempool, PoolFree>;

}  // namespace dpdk

struct DpdkDevice::Impl {
  using Worker = dpdk::Worker;
  using ControlMsg = dpdk::ControlMsg;
  using MsgKind = dpdk::MsgKind;
  Geometry geo;  // of each worker's pipeline
  DpdkOptions opt;
  dpdk::Shared sh;
  std::vector<std::unique_ptr<Worker>> workers;
  std::vector<dpdk::RingPtr>
      rings;  // control and hand-off rings; workers hold plain pointers to them
  dpdk::PoolPtr pool;
  uint16_t data_rxq = 0;
  std::vector<uint16_t> started;
  bool eal_up = false;
  bool running = false;
  uint64_t seq = 0;

  // The register file as ModelDevice keeps it; table staging stays here until TBL_CMD.
  RegisterFile regs;

  ~Impl();

  uint32_t flow_entries_per_worker() const { return geo.flow_sets * geo.flow_ways; }

  bool open(const std::vector<std::string>& eal_args, std::string& err);
  void stop();

  // ---- messages to workers
  void send(Worker& w, const ControlMsg& m) {
    if (!running) {
      w.apply(m);
      return;
    }
    ControlMsg copy = m;  // the ring API takes a non-const pointer
    while (rte_ring_enqueue_elem(w.inbox, &copy, sizeof copy) != 0)
      std::this_thread::sleep_for(std::chrono::microseconds(20));
  }
  void broadcast(const ControlMsg& m) {
    for (auto& w : workers) send(*w, m);
  }
  uint64_t post(Worker& w, ControlMsg m) {
    m.seq = ++seq;
    send(w, m);
    return m.seq;
  }
  void wait(Worker& w, uint64_t s) {
    if (!running) return;
    const auto t0 = std::chrono::steady_clock::now();
    for (uint32_t spin = 0; w.reply().done.load(std::memory_order_acquire) < s; ++spin) {
      if (spin < 20000) {
        rte_pause();
        continue;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(10));
      if (std::chrono::steady_clock::now() - t0 > std::chrono::seconds(10))
        throw std::runtime_error("dpdk: worker on lcore " + std::to_string(w.lcore()) +
                                 " does not answer");
    }
  }
  void write_all(uint32_t off, uint32_t v) {
    ControlMsg m{};
    m.kind = MsgKind::kWrite;
    m.offset = off;
    m.value = v;
    broadcast(m);
  }

  struct Posted {
    Worker* worker = nullptr;  // null: nothing to collect
    uint64_t seq = 0;
  };
  Posted start_command(uint32_t cmd);
  const std::array<uint32_t, 16>& collect(const Posted& p);
  void command(uint32_t cmd);
  void take_snapshot();
  void set_exception_mac();
};

}  // namespace v6lb
