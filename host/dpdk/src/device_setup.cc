// Opening the DPDK data plane: the EAL, the ports, the mbuf pool, the workers and their rings;
// and stopping it in the order that loses no frame.
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "device_impl.h"
#include "eal.h"
#include "host_side.h"
#include "ports.h"
#include "v6lb_regs.h"

namespace v6lb {

using dpdk::ControlMsg;
using dpdk::kNoPort;
using dpdk::MsgKind;
using dpdk::Reply;
using dpdk::Worker;
namespace r = regs;

namespace {

constexpr uint32_t kInboxEntries = 4096;

}  // namespace

bool DpdkDevice::Impl::open(const std::vector<std::string>& eal_args, std::string& err) {
  std::vector<std::string> app_args;
  if (!dpdk::eal_init(eal_args, app_args, err)) return false;
  eal_up = true;
  if (!parse_dpdk_options(app_args, opt, err)) return false;

  const uint32_t nworkers = rte_lcore_count() - 1;
  if (nworkers == 0) {
    err =
        "no worker lcore: give the EAL at least two (e.g. -l 0-1); the main lcore runs the "
        "control path, each other lcore a worker";
    return false;
  }
  if (rte_eth_dev_count_avail() == 0) {
    err = "no DPDK ports: add a NIC or a --vdev (net_pcap0,rx_pcap=IN,tx_pcap=OUT; net_tap0; ...)";
    return false;
  }

  // Ports: the exception port first, so the data port's default can skip it.
  uint16_t exc = kNoPort, data = kNoPort;
  if (!opt.exception_port.empty()) {
    if (!dpdk::find_port(opt.exception_port, exc, err)) return false;
  } else if (!opt.no_exception_port) {
    uint16_t id, taps = 0;
    RTE_ETH_FOREACH_DEV(id) {
      if (dpdk::port_driver(id) == "net_tap") {
        exc = id;
        ++taps;
      }
    }
    if (taps != 1) exc = kNoPort;
  }
  if (!opt.data_port.empty()) {
    if (!dpdk::find_port(opt.data_port, data, err)) return false;
  } else {
    uint16_t id;
    RTE_ETH_FOREACH_DEV(id) {
      if (id != exc) {
        data = id;
        break;
      }
    }
    if (data == kNoPort) {
      err = "no data port: the only port is the exception port " + dpdk::port_name(exc);
      return false;
    }
  }
  if (data == exc) {
    err = "the data port and the exception port are both " + dpdk::port_name(data);
    return false;
  }
  for (uint16_t p : {data, exc}) {
    if (p == kNoPort) continue;
    const uint16_t txq = dpdk::max_tx_queues(p);
    if (txq < nworkers) {
      err = dpdk::port_name(p) + " offers " + std::to_string(txq) + " TX queue(s); the " +
            std::to_string(nworkers) +
            " workers need one each (net_pcap: give tx_pcap= once per worker; or use fewer "
            "lcores)";
      return false;
    }
  }
  data_rxq = dpdk::usable_rx_queues(data, uint16_t(std::min<uint32_t>(nworkers, 0xFFFF)));
  if (data_rxq == 0) {
    err = dpdk::port_name(data) + " has no RX queue";
    return false;
  }
  // The exception port gets as many RX queues as it can up to one per worker (net_tap needs as
  // many RX as TX queues, and spreads what the kernel sends over all of them).
  const uint16_t exc_rxq =
      exc == kNoPort ? 0
                     : dpdk::usable_rx_queues(exc, uint16_t(std::min<uint32_t>(nworkers, 0xFFFF)));

  // The mbuf pool: every descriptor may hold one, plus what can sit in the hand-off rings and
  // the workers' bursts.
  uint64_t n = opt.mbufs;
  if (!n) {
    n = uint64_t(data_rxq + exc_rxq) * opt.rx_desc +
        uint64_t(nworkers) * opt.tx_desc * (exc == kNoPort ? 1 : 2) +
        uint64_t(nworkers) * (nworkers - 1) * opt.handoff_ring +
        uint64_t(nworkers) * opt.burst * (data_rxq + nworkers + 4) + 1024;
  }
  // Every frame the card takes (kMaxFrameLen, jumbo frames included) fits one mbuf: the
  // pipeline needs a frame in one piece, and the model and the card take the same frames.
  pool.reset(rte_pktmbuf_pool_create("v6lb_mbufs", unsigned(n), 256, 0, dpdk::kMbufDataRoom,
                                     int(rte_socket_id())));
  if (!pool) {
    err = "cannot allocate " + std::to_string(n) + " mbufs: " + rte_strerror(rte_errno) +
          " (give the EAL more memory with -m MB, or fewer mbufs with --mbufs / --rx-desc)";
    return false;
  }

  // Workers and their rings.
  sh.data_port = data;
  sh.exc_port = exc;
  sh.workers = nworkers;
  sh.burst = opt.burst;
  sh.idle_sleep_us = opt.idle_sleep_us;
  sh.handoff_drop = opt.handoff_drop;
  sh.cycles_per_ms = std::max<uint64_t>(1, rte_get_tsc_hz() / 1000);
  sh.tsc0 = rte_rdtsc();
  uint32_t i = 0, lcore;
  RTE_LCORE_FOREACH_WORKER(lcore) {
    workers.push_back(std::make_unique<Worker>(i++, lcore, geo, sh));
  }
  auto ring = [&](const std::string& name, bool elem) -> rte_ring* {
    rte_ring* rg = elem ? rte_ring_create_elem(name.c_str(), sizeof(ControlMsg), kInboxEntries,
                                               int(rte_socket_id()), RING_F_SP_ENQ | RING_F_SC_DEQ)
                        : rte_ring_create(name.c_str(), opt.handoff_ring, int(rte_socket_id()),
                                          RING_F_SP_ENQ | RING_F_SC_DEQ);
    if (!rg)
      err = "cannot create ring " + name + ": " + rte_strerror(rte_errno);
    else
      rings.emplace_back(rg);
    return rg;
  };
  for (auto& w : workers) {
    if (!(w->inbox = ring("v6lb_ctl_" + std::to_string(w->id()), true))) return false;
    w->to.assign(nworkers, nullptr);
    w->from.assign(nworkers, nullptr);
    for (uint16_t q = 0; q < data_rxq; ++q)
      if (q % nworkers == w->id()) w->rx_queues.push_back(q);
    for (uint16_t q = 0; q < exc_rxq; ++q)
      if (q % nworkers == w->id()) w->exc_rx_queues.push_back(q);
  }
  for (auto& a : workers)
    for (auto& b : workers) {
      if (a == b) continue;
      rte_ring* rg =
          ring("v6lb_ho_" + std::to_string(a->id()) + "_" + std::to_string(b->id()), false);
      if (!rg) return false;
      a->to[b->id()] = rg;
      b->from[a->id()] = rg;
    }

  // Ports, then the workers.
  dpdk::QueuePlan qp;
  qp.rx_desc = opt.rx_desc;
  qp.tx_desc = opt.tx_desc;
  qp.rx_queues = data_rxq;
  qp.tx_queues = uint16_t(nworkers);
  if (!dpdk::start_port(data, qp, pool.get(), err)) return false;
  started.push_back(data);
  if (exc != kNoPort) {
    qp.rx_queues = exc_rxq;
    if (!dpdk::start_port(exc, qp, pool.get(), err)) return false;
    started.push_back(exc);
  }
  for (auto& w : workers) {
    if (int rc = rte_eal_remote_launch(&Worker::main, w.get(), w->lcore()); rc != 0) {
      err = "cannot start the worker on lcore " + std::to_string(w->lcore());
      stop();
      return false;
    }
    running = true;
  }
  return true;
}

void DpdkDevice::Impl::stop() {
  if (!running) return;
  sh.phase.store(1, std::memory_order_release);
  const auto t0 = std::chrono::steady_clock::now();
  for (auto& w : workers)
    while (!w->rx_stopped.load(std::memory_order_acquire) &&
           std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5))
      std::this_thread::sleep_for(std::chrono::microseconds(100));
  sh.phase.store(2, std::memory_order_release);
  for (auto& w : workers) {
    rte_eal_wait_lcore(w->lcore());
    (void)w->exited.load(std::memory_order_acquire);  // true: see Worker::exited
  }
  running = false;
  // Whatever the control thread sent that a worker had not applied yet, in order.
  for (auto& w : workers) {
    ControlMsg m;
    while (rte_ring_dequeue_elem(w->inbox, &m, sizeof m) == 0) w->apply(m);
  }
}

DpdkDevice::Impl::~Impl() {
  stop();
  workers.clear();
  // The host side of TAP ports (docs/DPDK.md, "Restarts"): stopping a net_tap port sets the
  // interface down, which flushes the host's routes through it; a persistent TAP gets them
  // back once DPDK is done with it, for the next data plane to find.
  std::vector<dpdk::HostSide> host_sides;
  for (uint16_t p : started)
    if (dpdk::port_driver(p) == "net_tap")
      host_sides.push_back(dpdk::HostSide::capture(dpdk::port_ifindex(p)));
  for (uint16_t p : started) dpdk::stop_port(p);
  // In this order: nothing may use a ring or an mbuf once the ports are closed, and the EAL
  // goes last.
  rings.clear();
  pool.reset();
  if (eal_up) dpdk::eal_cleanup();
  for (const dpdk::HostSide& h : host_sides) {
    std::string err;
    if (!h.restore(err)) spdlog::warn("dpdk: the TAP's host side was not restored: {}", err);
  }
}

}  // namespace v6lb
