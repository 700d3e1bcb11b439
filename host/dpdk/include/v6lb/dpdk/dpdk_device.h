// The software data plane on DPDK, behind the card's register map: `--device dpdk`.
//
// Worker lcores each run their own copy of the reference pipeline (a ModelDevice) on DPDK ports;
// the control thread (the caller of every Device method, e.g. the daemon's) turns register
// accesses into messages on lock-free single-producer rings that every worker applies between
// bursts, so CardTables programs this exactly as it programs the model or a card. docs/DPDK.md
// explains the threads, the dispatch, the options and the tests. No DPDK header leaks from here,
// so the daemon does not compile against DPDK.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "v6lb/dataplane/tables.h"
#include "v6lb/driver/device.h"

namespace v6lb {

// The data plane's own options, given after a second "--" among the EAL arguments:
//   v6lbd --device dpdk -- <EAL args> -- --data-port net_pcap0 --exception-port net_tap0
struct DpdkOptions {
  std::string data_port;       // port name or number; default: the first port not used otherwise
  std::string exception_port;  // default: the only net_tap port, if there is exactly one
  bool no_exception_port = false;
  uint16_t burst = 32;           // packets per RX burst (at most 64)
  uint16_t rx_desc = 512;        // descriptors per RX queue
  uint16_t tx_desc = 512;        // descriptors per TX queue
  uint32_t mbufs = 0;            // 0: sized from the queues and workers
  bool handoff_drop = false;     // a full hand-off ring: false waits (lossless), true drops
  uint32_t handoff_ring = 1024;  // entries of each worker-to-worker ring (a power of two)
  uint32_t idle_sleep_us = 100;  // quiet worker sleeps this long, up to 8x; 0: busy poll
};

// Parses the options above; false with `err` on anything unknown or malformed.
bool parse_dpdk_options(const std::vector<std::string>& args, DpdkOptions& o, std::string& err);
std::string dpdk_options_usage();

// Counters of the DPDK layer around the pipeline (the pipeline's own are the card's counters).
struct DpdkWorkerStats {
  uint32_t lcore = 0;
  uint64_t rx_packets = 0;       // received from the data port's queues this worker polls
  uint64_t handoff_out = 0;      // handed to the worker that owns the packet's client
  uint64_t handoff_in = 0;       // taken from other workers
  uint64_t handoff_dropped = 0;  // --handoff-full drop: frames a full ring did not take
  uint64_t handoff_full = 0;     // iterations that found an owner's ring full
  uint64_t processed = 0;        // run through the pipeline
  uint64_t tx_packets = 0;       // forwarded out of the data port
  uint64_t tx_dropped = 0;       // forwarded, but the TX queue was full
  uint64_t punt_packets = 0;     // sent to the exception port
  uint64_t punt_dropped = 0;     // punted with no exception port, or its TX queue was full
  uint64_t host_packets = 0;     // received from the exception port (the host) and sent out
  uint64_t host_dropped = 0;     // ... but the data port's TX queue was full
  uint64_t dropped = 0;          // dropped by the pipeline (its counters say why)
  uint64_t oversize = 0;         // multi-segment frames (longer than the card's 10,240): dropped
  uint64_t control_msgs = 0;     // register writes and requests applied
};

struct DpdkPortStats {
  std::string role;  // data | exception
  std::string name;
  uint64_t ipackets = 0, opackets = 0, imissed = 0, ierrors = 0, oerrors = 0, rx_nombuf = 0;
};

struct DpdkStats {
  std::vector<DpdkWorkerStats> workers;
  DpdkWorkerStats total;  // summed (lcore unused)
  std::vector<DpdkPortStats> ports;
};

class DpdkDevice final : public Device {
 public:
  // Initialises the EAL with `eal_args` (argv[0] is supplied here), sets up the ports and starts
  // one worker per lcore other than the main one. Each worker's pipeline has geometry `g`, so
  // the flow tables of W workers hold W times g's entries; the capability registers say so.
  // On failure returns null with `err` saying why. The EAL can be initialised once per process:
  // a second open, even after a failed one, fails.
  static std::unique_ptr<DpdkDevice> open(const std::vector<std::string>& eal_args,
                                          const Geometry& g, std::string& err);
  ~DpdkDevice() override;
  DpdkDevice(const DpdkDevice&) = delete;
  DpdkDevice& operator=(const DpdkDevice&) = delete;

  uint32_t read32(uint32_t offset) override;
  void write32(uint32_t offset, uint32_t value) override;
  // Table reads in a batch are posted to the workers together (see src/registers.cc).
  void run_ops(std::span<const RegOp> ops, std::span<uint32_t> reads) override;
  std::string name() const override;

  uint32_t workers() const;
  DpdkStats stats() const;
  // stats() as the metrics exporter publishes it: v6lb_dpdk_worker_total, v6lb_dpdk_port_total.
  std::vector<ExtraCounter> extra_counters() const override;
  // Frames received so far from the data and exception ports (for --idle-exit).
  uint64_t received() const;
  // Stops receiving, lets the workers finish what they hold, then stops them. Registers stay
  // readable and writable afterwards (applied directly). Idempotent; the destructor calls it.
  void stop();

  // For the benchmark, which installs RX callbacks on the data port.
  uint16_t data_port_id() const;
  uint16_t data_rx_queues() const;

  struct Impl;

 private:
  explicit DpdkDevice(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace v6lb
