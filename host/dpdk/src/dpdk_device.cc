// The register front end of the DPDK data plane: the card's register map (as ModelDevice decodes
// it) on the control thread, table commands and counter snapshots relayed to the workers.
#include "v6lb/dpdk_device.h"

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_pause.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "eal.h"
#include "ports.h"
#include "v6lb/packet_parser.h"
#include "v6lb_regs.h"
#include "worker.h"

namespace v6lb {

using dpdk::ControlMsg;
using dpdk::kNoPort;
using dpdk::MsgKind;
using dpdk::Worker;
namespace r = regs;

namespace {

bool in_array(uint32_t off, uint32_t base, uint32_t count) {
  return off >= base && off < base + 4 * count && (off - base) % 4 == 0;
}

constexpr uint32_t kInboxEntries = 4096;

}  // namespace

struct DpdkDevice::Impl {
  Geometry geo;  // of each worker's pipeline
  DpdkOptions opt;
  dpdk::Shared sh;
  std::vector<std::unique_ptr<Worker>> workers;
  std::vector<rte_ring*> rings;
  rte_mempool* pool = nullptr;
  uint16_t data_rxq = 0;
  std::vector<uint16_t> started;
  bool eal_up = false;
  bool running = false;
  uint64_t seq = 0;

  // The register file as ModelDevice keeps it; table staging stays here until TBL_CMD.
  std::array<uint32_t, 16> data{};
  uint32_t index = 0, sel = 0, status = 0, ctrl = 0, tick_div = 300000, cnt_sel = 0;
  uint32_t card_mac_hi = 0, card_mac_lo = 0, router_mac_hi = 0, router_mac_lo = 0;
  std::array<uint32_t, 4> card_addr{};
  std::array<uint32_t, 8> banks{};
  uint64_t snapshot = 0;

  ~Impl() {
    stop();
    workers.clear();
    for (uint16_t p : started) dpdk::stop_port(p);
    for (rte_ring* ring : rings) rte_ring_free(ring);
    if (pool) rte_mempool_free(pool);
    if (eal_up) dpdk::eal_cleanup();
  }

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

  void command(uint32_t cmd);
  void take_snapshot();
  void set_exception_mac();
};

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
  const uint16_t exc_rxq = exc == kNoPort ? 0 : dpdk::usable_rx_queues(exc, 1);

  // The mbuf pool: every descriptor may hold one, plus what can sit in the hand-off rings and
  // the workers' bursts.
  uint64_t n = opt.mbufs;
  if (!n) {
    n = uint64_t(data_rxq + exc_rxq) * opt.rx_desc +
        uint64_t(nworkers) * opt.tx_desc * (exc == kNoPort ? 1 : 2) +
        uint64_t(nworkers) * (nworkers - 1) * opt.handoff_ring +
        uint64_t(nworkers) * opt.burst * (data_rxq + nworkers + 4) + 1024;
  }
  pool = rte_pktmbuf_pool_create("v6lb_mbufs", unsigned(n), 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                 rte_socket_id());
  if (!pool) {
    err = "cannot allocate " + std::to_string(n) + " mbufs: " + rte_strerror(rte_errno) +
          " (give the EAL more memory with -m MB, or fewer mbufs with --mbufs / --rx-desc)";
    return false;
  }

  // Workers and their rings.
  sh.data_port = data;
  sh.exc_port = exc;
  sh.exc_rx = exc_rxq > 0;
  sh.workers = nworkers;
  sh.burst = opt.burst;
  sh.idle_sleep_us = opt.idle_sleep_us;
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
      rings.push_back(rg);
    return rg;
  };
  for (auto& w : workers) {
    if (!(w->inbox = ring("v6lb_ctl_" + std::to_string(w->id()), true))) return false;
    w->to.assign(nworkers, nullptr);
    w->from.assign(nworkers, nullptr);
    for (uint16_t q = 0; q < data_rxq; ++q)
      if (q % nworkers == w->id()) w->rx_queues.push_back(q);
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
  if (!dpdk::start_port(data, qp, pool, err)) return false;
  started.push_back(data);
  if (exc != kNoPort) {
    qp.rx_queues = exc_rxq;
    if (!dpdk::start_port(exc, qp, pool, err)) return false;
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
  for (auto& w : workers) rte_eal_wait_lcore(w->lcore());
  running = false;
  // Whatever the control thread sent that a worker had not applied yet, in order.
  for (auto& w : workers) {
    ControlMsg m;
    while (rte_ring_dequeue_elem(w->inbox, &m, sizeof m) == 0) w->apply(m);
  }
}

// Table commands, checked as the card checks them, then relayed: a flow-table entry to the one
// worker that holds it, a read to one worker, a write to all of them.
void DpdkDevice::Impl::command(uint32_t cmd) {
  const uint32_t table = cmd & 0xF, op = (cmd >> 4) & 3;
  const bool write = op == r::TBL_CMD_OP_WRITE, read = op == r::TBL_CMD_OP_READ;
  const bool flow = table == r::TBL_CMD_TABLE_FWD_FLOW || table == r::TBL_CMD_TABLE_REPLY_FLOW;
  const uint32_t per = flow_entries_per_worker();
  bool ok = false;
  switch (table) {
    case r::TBL_CMD_TABLE_SERVICE:
      ok = index < geo.services && (write || read);
      break;
    case r::TBL_CMD_TABLE_BACKEND:
      ok = index < geo.backends && (write || read);
      break;
    case r::TBL_CMD_TABLE_MAGLEV:
      ok = write && index < geo.maglev_size && (sel & 0xFFFF) < geo.services;
      break;
    case r::TBL_CMD_TABLE_FWD_FLOW:
    case r::TBL_CMD_TABLE_REPLY_FLOW:
      ok = index / per < workers.size() && (write || read);
      break;
    case r::TBL_CMD_TABLE_REVERSE:
      ok = write && index < geo.reverse_entries;
      break;
    default:
      break;
  }
  status = ok ? 0 : 2;  // TBL_STATUS.ERROR, as the card reports an unknown table, op or index
  if (!ok) return;
  ControlMsg m{};
  m.kind = MsgKind::kCommand;
  m.offset = cmd;
  m.value = flow ? index % per : index;
  m.sel = sel;
  m.data = data;
  Worker& target = *workers[flow ? index / per : 0];
  if (read) {
    const uint64_t s = post(target, m);
    wait(target, s);
    data = target.reply().data;
  } else if (flow) {
    send(target, m);
  } else {
    broadcast(m);
  }
}

// A counter is the sum over the workers (occupancy too: each holds its own flows).
void DpdkDevice::Impl::take_snapshot() {
  ControlMsg m{};
  m.kind = MsgKind::kCounter;
  m.offset = cnt_sel;
  std::vector<uint64_t> seqs;
  seqs.reserve(workers.size());
  for (auto& w : workers) seqs.push_back(post(*w, m));
  snapshot = 0;
  for (size_t i = 0; i < workers.size(); ++i) {
    wait(*workers[i], seqs[i]);
    snapshot += workers[i]->reply().value;
  }
}

// The host's stack behind a TAP exception port answers for the card: give it the card's MAC.
void DpdkDevice::Impl::set_exception_mac() {
  if (sh.exc_port == kNoPort || dpdk::port_driver(sh.exc_port) != "net_tap") return;
  rte_ether_addr a{{uint8_t(card_mac_hi >> 8), uint8_t(card_mac_hi), uint8_t(card_mac_lo >> 24),
                    uint8_t(card_mac_lo >> 16), uint8_t(card_mac_lo >> 8), uint8_t(card_mac_lo)}};
  if (rte_is_valid_assigned_ether_addr(&a)) rte_eth_dev_default_mac_addr_set(sh.exc_port, &a);
}

// ---------------------------------------------------------------- DpdkDevice

DpdkDevice::DpdkDevice(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DpdkDevice::~DpdkDevice() = default;

std::unique_ptr<DpdkDevice> DpdkDevice::open(const std::vector<std::string>& eal_args,
                                             const Geometry& g, std::string& err) {
  auto impl = std::make_unique<Impl>();
  impl->geo = g;
  try {
    if (!impl->open(eal_args, err)) return nullptr;
  } catch (const std::exception& e) {  // a Pipeline refusing the geometry, or out of memory
    err = std::string("dpdk: ") + e.what();
    return nullptr;
  }
  return std::unique_ptr<DpdkDevice>(new DpdkDevice(std::move(impl)));
}

std::string DpdkDevice::name() const {
  const Impl& d = *impl_;
  std::string s = "dpdk (" + std::to_string(d.workers.size()) + " worker" +
                  (d.workers.size() == 1 ? "" : "s") + " on " + dpdk::port_name(d.sh.data_port);
  if (d.sh.exc_port != kNoPort) s += ", exception port " + dpdk::port_name(d.sh.exc_port);
  return s + ")";
}

uint32_t DpdkDevice::workers() const { return uint32_t(impl_->workers.size()); }
uint16_t DpdkDevice::data_port_id() const { return impl_->sh.data_port; }
uint16_t DpdkDevice::data_rx_queues() const { return impl_->data_rxq; }
void DpdkDevice::stop() { impl_->stop(); }

uint64_t DpdkDevice::received() const {
  uint64_t n = 0;
  for (auto& w : impl_->workers)
    n += w->counters().rx_packets.get() + w->counters().host_packets.get();
  return n;
}

DpdkStats DpdkDevice::stats() const {
  DpdkStats s;
  DpdkWorkerStats& t = s.total;
  for (auto& w : impl_->workers) {
    const DpdkWorkerStats x = w->stats();
    s.workers.push_back(x);
    t.rx_packets += x.rx_packets;
    t.handoff_out += x.handoff_out;
    t.handoff_in += x.handoff_in;
    t.handoff_full += x.handoff_full;
    t.processed += x.processed;
    t.tx_packets += x.tx_packets;
    t.tx_dropped += x.tx_dropped;
    t.punt_packets += x.punt_packets;
    t.punt_dropped += x.punt_dropped;
    t.host_packets += x.host_packets;
    t.host_dropped += x.host_dropped;
    t.dropped += x.dropped;
    t.oversize += x.oversize;
    t.control_msgs += x.control_msgs;
  }
  for (uint16_t p : impl_->started) {
    DpdkPortStats ps;
    ps.role = p == impl_->sh.data_port ? "data" : "exception";
    ps.name = dpdk::port_name(p);
    rte_eth_stats es{};
    if (rte_eth_stats_get(p, &es) == 0) {
      ps.ipackets = es.ipackets;
      ps.opackets = es.opackets;
      ps.imissed = es.imissed;
      ps.ierrors = es.ierrors;
      ps.oerrors = es.oerrors;
      ps.rx_nombuf = es.rx_nombuf;
    }
    s.ports.push_back(ps);
  }
  return s;
}

uint32_t DpdkDevice::read32(uint32_t off) {
  Impl& d = *impl_;
  const Geometry& g = d.geo;
  switch (off) {
    case r::ID:
      return r::ID_MAGIC;
    case r::VERSION:
      return r::MAP_VERSION_MAJOR << 16 | r::MAP_VERSION_MINOR;
    case r::CAP_DATA_WIDTH:
      return 0;  // no stream: like the model
    case r::CAP_SERVICES:
      return g.services;
    case r::CAP_BACKENDS:
      return g.backends;
    case r::CAP_MAGLEV_M:
      return g.maglev_size;
    case r::CAP_FLOW_SETS:
      // Each worker holds its own sets: entry index = worker * sets * ways + set * ways + way.
      return g.flow_sets * uint32_t(d.workers.size());
    case r::CAP_FLOW_WAYS:
      return g.flow_ways;
    case r::CAP_PARSE_WINDOW:
      return kParseWindow;
    case r::CAP_MAX_FRAME:
      return kMaxFrameLen;
    case r::CAP_REVERSE_ENTRIES:
      return g.reverse_entries;
    case r::CTRL:
      return d.ctrl;
    case r::TICK_DIV:
      return d.tick_div;
    case r::TICK_NOW:
      return d.sh.tick(rte_rdtsc());
    case r::CARD_MAC_HI:
      return d.card_mac_hi;
    case r::CARD_MAC_LO:
      return d.card_mac_lo;
    case r::ROUTER_MAC_HI:
      return d.router_mac_hi;
    case r::ROUTER_MAC_LO:
      return d.router_mac_lo;
    case r::TBL_INDEX:
      return d.index;
    case r::TBL_SEL:
      return d.sel;
    case r::TBL_STATUS:
      return d.status;
    case r::CNT_SEL:
      return d.cnt_sel;
    case r::CNT_LO:
      return uint32_t(d.snapshot);
    case r::CNT_HI:
      return uint32_t(d.snapshot >> 32);
    default:
      break;
  }
  if (in_array(off, r::CARD_ADDR, 4)) return d.card_addr[(off - r::CARD_ADDR) / 4];
  if (in_array(off, r::TBL_DATA, 16)) return d.data[(off - r::TBL_DATA) / 4];
  if (in_array(off, r::ACTIVE_BANK, 8)) return d.banks[(off - r::ACTIVE_BANK) / 4];
  return 0;
}

void DpdkDevice::write32(uint32_t off, uint32_t v) {
  Impl& d = *impl_;
  ++writes_;
  switch (off) {
    case r::CTRL:
      d.ctrl = v & 3;
      d.write_all(off, d.ctrl);
      return;
    case r::TICK_DIV:
      d.tick_div = v;
      d.write_all(off, v);
      return;
    case r::CARD_MAC_HI:
      d.card_mac_hi = v & 0xFFFF;
      d.write_all(off, v);
      d.set_exception_mac();
      return;
    case r::CARD_MAC_LO:
      d.card_mac_lo = v;
      d.write_all(off, v);
      d.set_exception_mac();
      return;
    case r::ROUTER_MAC_HI:
      d.router_mac_hi = v & 0xFFFF;
      d.write_all(off, v);
      return;
    case r::ROUTER_MAC_LO:
      d.router_mac_lo = v;
      d.write_all(off, v);
      return;
    case r::TBL_INDEX:
      d.index = v;
      return;
    case r::TBL_SEL:
      d.sel = v & 0x1FFFF;
      return;
    case r::TBL_CMD:
      d.command(v);
      return;
    case r::CNT_SEL:
      d.cnt_sel = v & 0x3FFFFFF;
      d.take_snapshot();
      return;
    case r::CNT_CLEAR:
      if (v & 1) d.write_all(off, v);
      return;
    default:
      break;
  }
  if (in_array(off, r::CARD_ADDR, 4)) {
    d.card_addr[(off - r::CARD_ADDR) / 4] = v;
    d.write_all(off, v);
  } else if (in_array(off, r::TBL_DATA, 16)) {
    d.data[(off - r::TBL_DATA) / 4] = v;
  } else if (in_array(off, r::ACTIVE_BANK, 8)) {
    // After the Maglev writes in every worker's ring: each flips between two bursts.
    d.banks[(off - r::ACTIVE_BANK) / 4] = v;
    d.write_all(off, v);
  }
}

}  // namespace v6lb
