// One worker lcore: polls its RX queues, hands each packet to the worker that owns its client
// (so a connection's forward and reply packets meet the same flow state), runs the reference
// pipeline on what it owns, and transmits. Its tables change only between bursts, by the
// control messages it dequeues itself: nothing on the packet path locks, allocates or throws.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "control_msg.h"
#include "v6lb/dataplane/packet_parser.h"
#include "v6lb/dpdk/dpdk_device.h"
#include "v6lb/driver/model_device.h"

struct rte_mbuf;
struct rte_ring;

namespace v6lb::dpdk {

inline constexpr uint16_t kNoPort = 0xFFFF;

// Set up by the control thread before the workers start; read-only for them afterwards except
// `phase`.
struct Shared {
  uint16_t data_port = kNoPort;
  uint16_t exc_port = kNoPort;  // the exception port, or kNoPort
  uint32_t workers = 1;
  uint16_t burst = 32;
  uint32_t idle_sleep_us = 100;
  bool handoff_drop = false;
  uint64_t tsc0 = 0;
  uint64_t cycles_per_ms = 1;
  // 0 run; 1 stop receiving from ports; 2 drain the hand-off rings and return.
  std::atomic<int> phase{0};

  uint32_t tick(uint64_t tsc) const { return uint32_t((tsc - tsc0) / cycles_per_ms); }
};

// A counter only its worker writes: relaxed load + store compiles to a plain add, and readers on
// the control thread see a value that is at worst a moment old.
struct Counter64 {
  std::atomic<uint64_t> v{0};
  void add(uint64_t n) {
    v.store(v.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  uint64_t get() const { return v.load(std::memory_order_relaxed); }
};

struct WorkerCounters {
  Counter64 rx_packets, handoff_out, handoff_in, handoff_full, handoff_dropped, processed,
      tx_packets, tx_dropped, punt_packets, punt_dropped, host_packets, host_dropped, dropped,
      oversize, control_msgs;
};

class Worker {
 public:
  Worker(uint32_t id, uint32_t lcore, const Geometry& g, Shared& shared);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Lcore entry point (rte_eal_remote_launch): runs until phase 2.
  static int main(void* self);

  uint32_t id() const { return id_; }
  uint32_t lcore() const { return lcore_; }
  ModelDevice& device() { return md_; }
  Reply& reply() { return reply_; }
  const WorkerCounters& counters() const { return ctr_; }
  DpdkWorkerStats stats() const;
  // Applies one message on the calling thread (the control thread once the workers stopped).
  void apply(const ControlMsg& m);

  // Wiring, done by the control thread before launch.
  rte_ring* inbox = nullptr;            // control -> this worker
  std::vector<rte_ring*> to;            // [owner]: this worker -> owner (null for self)
  std::vector<rte_ring*> from;          // [sender]: sender -> this worker (null for self)
  std::vector<uint16_t> rx_queues;      // data-port RX queues this worker polls
  std::vector<uint16_t> exc_rx_queues;  // exception-port RX queues this worker polls
  std::atomic<bool> rx_stopped{false};  // acknowledged phase 1
  // Set (release) as main() returns; the control thread reads it (acquire) after
  // rte_eal_wait_lcore. The EAL's wait orders the same way, but inside librte_eal, which
  // ThreadSanitizer does not see: this makes the worker's last writes visible to it too.
  std::atomic<bool> exited{false};

 private:
  int run();
  bool apply_control();
  void refresh_dispatch();
  uint32_t owner_of(const rte_mbuf* m) const;
  size_t receive(size_t nb);
  void process(size_t nb, uint32_t now);
  bool flush_handoffs();       // true: some owner's ring was full, packets wait
  bool forward_host_frames();  // true: some arrived
  void age_some(uint32_t now);

  const uint32_t id_, lcore_;
  Shared& sh_;
  ModelDevice md_;
  Reply reply_;
  WorkerCounters ctr_;
  bool rx_enabled_ = false;  // set by the host's first CTRL write, after the tables are loaded
  bool aging_ = false;

  // Dispatch view of the tables, rebuilt when a control message changed them.
  struct ServiceKey {
    uint8_t vip[16];
    uint8_t proto;
    uint16_t port;
  };
  std::vector<ServiceKey> services_;
  ParserConfig parser_cfg_{};

  // Burst buffers, sized once.
  std::vector<rte_mbuf*> rx_, batch_, fwd_, punt_, drop_;
  std::vector<std::vector<rte_mbuf*>> out_;  // [owner]: packets to hand over this iteration
  std::vector<Packet> pk_;
  uint32_t last_age_tick_ = 0;
  size_t age_cursor_ = 0;
};

}  // namespace v6lb::dpdk
