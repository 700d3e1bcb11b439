#include "worker.h"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include <algorithm>
#include <cstring>

#include "v6lb/dataplane/net_types.h"
#include "v6lb_regs.h"

namespace v6lb::dpdk {
namespace {

namespace r = regs;

constexpr uint32_t kIdlePolls = 1024;     // empty polls before a worker sleeps
constexpr int kMaxControlPerBurst = 256;  // bounds the pause a big table load adds to a burst

void free_bulk(rte_mbuf** m, size_t n) {
  if (n) rte_pktmbuf_free_bulk(m, unsigned(n));
}

// Transmits all of `m` it can; frees and returns the rest as dropped.
uint64_t tx_or_free(uint16_t port, uint16_t queue, rte_mbuf** m, size_t n) {
  if (!n) return 0;
  const uint16_t sent = rte_eth_tx_burst(port, queue, m, uint16_t(n));
  free_bulk(m + sent, n - sent);
  return n - sent;
}

}  // namespace

Worker::Worker(uint32_t id, uint32_t lcore, const Geometry& g, Shared& shared)
    : id_(id), lcore_(lcore), sh_(shared), md_(g) {}

Worker::~Worker() = default;

int Worker::main(void* self) {
  Worker& w = *static_cast<Worker*>(self);
  const int rc = w.run();
  w.exited.store(true, std::memory_order_release);
  return rc;
}

DpdkWorkerStats Worker::stats() const {
  DpdkWorkerStats s;
  s.lcore = lcore_;
  s.rx_packets = ctr_.rx_packets.get();
  s.handoff_out = ctr_.handoff_out.get();
  s.handoff_in = ctr_.handoff_in.get();
  s.handoff_full = ctr_.handoff_full.get();
  s.handoff_dropped = ctr_.handoff_dropped.get();
  s.processed = ctr_.processed.get();
  s.tx_packets = ctr_.tx_packets.get();
  s.tx_dropped = ctr_.tx_dropped.get();
  s.punt_packets = ctr_.punt_packets.get();
  s.punt_dropped = ctr_.punt_dropped.get();
  s.host_packets = ctr_.host_packets.get();
  s.host_dropped = ctr_.host_dropped.get();
  s.dropped = ctr_.dropped.get();
  s.oversize = ctr_.oversize.get();
  s.control_msgs = ctr_.control_msgs.get();
  return s;
}

void Worker::apply(const ControlMsg& m) {
  ctr_.control_msgs.add(1);
  switch (m.kind) {
    case MsgKind::kWrite:
      md_.write32(m.offset, m.value);
      if (m.offset == r::CTRL) {
        // The host writes CTRL once the tables are loaded (the daemon and v6lb-dpdk both do):
        // frames received before that would only meet empty tables.
        rx_enabled_ = true;
        aging_ = m.value & 1;
      }
      break;
    case MsgKind::kCommand:
      for (uint32_t i = 0; i < r::TBL_DATA_COUNT; ++i)
        md_.write32(r::at(r::TBL_DATA, i), m.data[i]);
      md_.write32(r::TBL_INDEX, m.value);
      md_.write32(r::TBL_SEL, m.sel);
      md_.write32(r::TBL_CMD, m.offset);
      if (m.seq) {
        Reply::Slot& a = reply_.slot(m.seq);
        for (uint32_t i = 0; i < r::TBL_DATA_COUNT; ++i)
          a.data[i] = md_.read32(r::at(r::TBL_DATA, i));
        a.status = md_.read32(r::TBL_STATUS);
      }
      break;
    case MsgKind::kCounter: {
      md_.write32(r::CNT_SEL, m.offset);
      const uint64_t hi = md_.read32(r::CNT_HI);
      reply_.slot(m.seq).value = hi << 32 | md_.read32(r::CNT_LO);
      break;
    }
    case MsgKind::kSync:
      break;
  }
  if (m.seq) reply_.done.store(m.seq, std::memory_order_release);
}

bool Worker::apply_control() {
  ControlMsg m;
  int n = 0;
  while (n < kMaxControlPerBurst && rte_ring_dequeue_elem(inbox, &m, sizeof m) == 0) {
    apply(m);
    ++n;
  }
  if (n) refresh_dispatch();
  return n != 0;
}

void Worker::refresh_dispatch() {
  const Pipeline& p = md_.pipeline();
  services_.clear();  // within the capacity reserved in run(): no allocation
  for (uint32_t i = 0; i < p.geometry().services; ++i) {
    const ServiceEntry& s = p.service(i);
    if (!s.valid) continue;
    ServiceKey k;
    std::memcpy(k.vip, s.vip.b.data(), 16);
    k.proto = s.proto;
    k.port = s.port;
    services_.push_back(k);
  }
  parser_cfg_ = ParserConfig{p.card().mac, p.card().address};
}

// The worker whose pipeline holds this packet's flow state: by the client side, which is the
// source of a packet to a service and the destination of a reply, hashed exactly as the
// pipeline addresses its reply table. Anything that is not TCP/UDP keeps no state and stays.
uint32_t Worker::owner_of(const rte_mbuf* m) const {
  const uint8_t* d = rte_pktmbuf_mtod(m, const uint8_t*);
  const ParsedFrame pf = parse_frame({d, m->data_len}, parser_cfg_);
  if (pf.cls != ParseClass::kL4) return id_;
  const uint8_t* ip = d + pf.l3_off;
  const uint8_t* l4 = d + pf.l4_off;
  const uint16_t sport = load_be16(l4 + kL4Sport), dport = load_be16(l4 + kL4Dport);
  bool to_service = false;
  for (const ServiceKey& s : services_)
    if (s.port == dport && s.proto == pf.proto && std::memcmp(s.vip, ip + kIp6Dst, 16) == 0) {
      to_service = true;
      break;
    }
  const uint32_t h = to_service ? Pipeline::client_hash(ip + kIp6Src, sport, pf.proto)
                                : Pipeline::client_hash(ip + kIp6Dst, dport, pf.proto);
  // The high bits pick the worker; the pipeline's set index takes the low ones.
  return uint32_t((uint64_t(h) * sh_.workers) >> 32);
}

// Receives from this worker's RX queues into batch_[nb..]; hands other workers' packets over.
size_t Worker::receive(size_t nb) {
  for (uint16_t q : rx_queues) {
    const uint16_t n = rte_eth_rx_burst(sh_.data_port, q, rx_.data(), sh_.burst);
    if (!n) continue;
    ctr_.rx_packets.add(n);
    // The headers the parser reads next: a NIC's DMA leaves them in memory or the LLC.
    for (uint16_t i = 0; i < n; ++i) rte_prefetch0(rte_pktmbuf_mtod(rx_[i], const void*));
    if (sh_.workers == 1) {
      std::copy_n(rx_.data(), n, batch_.data() + nb);
      nb += n;
      continue;
    }
    for (uint16_t i = 0; i < n; ++i) {
      const uint32_t o = owner_of(rx_[i]);
      if (o == id_)
        batch_[nb++] = rx_[i];
      else
        out_[o].push_back(rx_[i]);  // capacity reserved: burst per RX queue
    }
  }
  return nb;
}

// Hands packets to their owners. By default a full ring is back-pressure, not loss: what does not
// fit waits here, and this worker stops receiving until it is gone (the NIC's RX ring absorbs the
// difference and, past that, counts imissed as it would for a slow single core). With
// --handoff-full drop, what does not fit is dropped, so a stalled worker stalls no other.
bool Worker::flush_handoffs() {
  bool pending = false;
  for (uint32_t o = 0; o < out_.size(); ++o) {
    std::vector<rte_mbuf*>& v = out_[o];
    if (v.empty()) continue;
    const unsigned done = rte_ring_sp_enqueue_burst(to[o], reinterpret_cast<void* const*>(v.data()),
                                                    unsigned(v.size()), nullptr);
    ctr_.handoff_out.add(done);
    v.erase(v.begin(), v.begin() + done);  // within capacity: no allocation
    if (v.empty()) continue;
    ctr_.handoff_full.add(1);
    if (sh_.handoff_drop) {  // isolate this worker from a stalled owner: lose its frames only
      ctr_.handoff_dropped.add(v.size());
      free_bulk(v.data(), v.size());
      v.clear();
    } else {
      pending = true;
    }
  }
  return pending;
}

void Worker::process(size_t nb, uint32_t now) {
  size_t k = 0;
  for (size_t i = 0; i < nb; ++i) {
    rte_mbuf* m = batch_[i];
    // A frame the card takes fits one mbuf (kMbufDataRoom). One longer than that comes in
    // several: the pipeline drops it by its length alone (parse_frame reads no byte of a frame
    // over kMaxFrameLen), counted as the model and the card count it; `oversize` says so too.
    uint32_t len = m->data_len;
    if (m->nb_segs != 1) {
      ctr_.oversize.add(1);
      len = std::min<uint32_t>(m->pkt_len, 65535);
      if (len <= kMaxFrameLen) {  // segmented although it would fit: not a frame we can run
        rte_pktmbuf_free(m);
        continue;
      }
    }
    batch_[k] = m;
    pk_[k] = Packet{rte_pktmbuf_mtod(m, uint8_t*), uint16_t(len)};
    ++k;
  }
  if (!k) return;
  md_.pipeline().process({pk_.data(), k}, now);
  ctr_.processed.add(k);
  size_t nf = 0, np = 0, nd = 0;
  for (size_t i = 0; i < k; ++i) {
    switch (pk_[i].verdict) {
      case Verdict::kForward:
        fwd_[nf++] = batch_[i];
        break;
      case Verdict::kPunt:
        punt_[np++] = batch_[i];
        break;
      case Verdict::kDrop:
        drop_[nd++] = batch_[i];
        break;
    }
  }
  const uint64_t lost = tx_or_free(sh_.data_port, uint16_t(id_), fwd_.data(), nf);
  ctr_.tx_packets.add(nf - lost);
  ctr_.tx_dropped.add(lost);
  if (np) {
    if (sh_.exc_port != kNoPort) {
      const uint64_t plost = tx_or_free(sh_.exc_port, uint16_t(id_), punt_.data(), np);
      ctr_.punt_packets.add(np - plost);
      ctr_.punt_dropped.add(plost);
    } else {
      free_bulk(punt_.data(), np);
      ctr_.punt_dropped.add(np);
    }
  }
  free_bulk(drop_.data(), nd);
  ctr_.dropped.add(nd);
}

// What the host's stack sends through the exception port (NDP answers, echo replies, its own
// connections) leaves through the data port unchanged.
bool Worker::forward_host_frames() {
  bool any = false;
  for (uint16_t q : exc_rx_queues) {
    const uint16_t n = rte_eth_rx_burst(sh_.exc_port, q, rx_.data(), sh_.burst);
    if (!n) continue;
    any = true;
    const uint64_t lost = tx_or_free(sh_.data_port, uint16_t(id_), rx_.data(), n);
    ctr_.host_packets.add(n - lost);
    ctr_.host_dropped.add(lost);
  }
  return any;
}

// The aging engine: reclaims expired entries a slice per tick, so a whole table is swept about
// once a second without a long pause. What it reclaims is already absent to lookups.
void Worker::age_some(uint32_t now) {
  if (now == last_age_tick_) return;
  last_age_tick_ = now;
  Pipeline& p = md_.pipeline();
  for (FlowTable* t : {&p.forward_flows(), &p.reply_flows()}) {
    std::span<FlowEntry> e = t->entries();
    const size_t slice = std::max<size_t>(256, e.size() / 1000);
    const size_t begin = age_cursor_ % e.size(), end = std::min(e.size(), begin + slice);
    for (size_t i = begin; i < end; ++i)
      if (e[i].valid && !e[i].live(now)) e[i].valid = 0;
  }
  const size_t size = p.forward_flows().entries().size();
  age_cursor_ = (age_cursor_ + std::max<size_t>(256, size / 1000)) % size;
}

int Worker::run() {
  const size_t burst = sh_.burst, nq = rx_queues.size();
  rx_.resize(burst);
  const size_t cap = burst * (nq + sh_.workers);
  batch_.resize(cap);
  fwd_.resize(cap);
  punt_.resize(cap);
  drop_.resize(cap);
  pk_.resize(cap);
  out_.assign(sh_.workers, {});
  for (auto& v : out_) v.reserve(burst * std::max<size_t>(nq, 1));
  services_.reserve(md_.pipeline().geometry().services);
  refresh_dispatch();

  uint32_t idle = 0, sleep_us = sh_.idle_sleep_us;
  bool acked = false;
  for (;;) {
    const int phase = sh_.phase.load(std::memory_order_acquire);
    bool busy = apply_control();
    const uint32_t now = sh_.tick(rte_rdtsc());
    size_t nb = 0;
    bool pending = flush_handoffs();  // what a full ring refused last time, first
    if (phase == 0 && rx_enabled_ && !pending) {
      nb = receive(0);
      pending = flush_handoffs();
      busy |= forward_host_frames();
    }
    busy |= pending;  // holding frames for a full ring: no sleeping
    for (uint32_t o = 0; o < from.size(); ++o) {
      if (!from[o]) continue;
      const unsigned n = rte_ring_sc_dequeue_burst(
          from[o], reinterpret_cast<void**>(batch_.data() + nb), unsigned(burst), nullptr);
      ctr_.handoff_in.add(n);
      nb += n;
    }
    if (nb) {
      // A frame handed over by another worker may have been received after table writes that
      // this worker has not applied yet: the control thread sends each write to every worker
      // in turn, so the receiver can be ahead (at start, the whole program: the frames then met
      // half-empty tables, drop_no_service). Everything waiting is applied first, so a frame
      // sees every write its receiver had seen.
      while (apply_control()) {
      }
      process(nb, now);
      busy = true;
    }
    if (aging_) age_some(now);
    if (phase >= 1 && !acked && !pending) {
      // Nothing more comes from the ports through this worker; phase 2 starts once every
      // worker has said so, so the rings can then be drained for good.
      rx_stopped.store(true, std::memory_order_release);
      acked = true;
    }
    if (phase == 2 && !nb) break;
    if (busy) {
      idle = 0;
      sleep_us = sh_.idle_sleep_us;
    } else if (++idle >= kIdlePolls && sh_.idle_sleep_us) {
      // Quiet: one poll round per sleep (a TAP's RX poll is a system call, so spinning between
      // sleeps would cost a core), sleeps growing to 8x while it stays quiet; the first frame or
      // message brings back full-speed polling.
      rte_delay_us_sleep(sleep_us);
      sleep_us = std::min(sleep_us * 2, sh_.idle_sleep_us * 8);
      idle = kIdlePolls;
    }
  }
  return 0;
}

}  // namespace v6lb::dpdk
