#include "v6lb/dataplane/pipeline.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "v6lb/dataplane/checksum.h"
#include "v6lb/dataplane/crc32c.h"

namespace v6lb {

struct Pipeline::Work {
  ParsedFrame pf;
  uint8_t key[FlowKey::kSize];
  int service;
  uint32_t fwd_set;
  uint32_t reply_set;
};

Pipeline::Pipeline(const Geometry& g)
    : geo_(g),
      services_(g.services),
      backends_(g.backends),
      maglev_(size_t(g.services) * 2 * g.maglev_size, kNoBackend),
      active_bank_(g.services, 0),
      fwd_(g.flow_sets, g.flow_ways),
      reply_(g.flow_sets, g.flow_ways),
      svc_ctr_(g.services),
      be_ctr_(g.backends) {
  if (g.services == 0 || g.services > 256) throw std::invalid_argument("services must be 1..256");
  if (g.backends == 0 || g.backends >= kNoBackend)
    throw std::invalid_argument("backends must be 1..65534");
  if (!is_prime(g.maglev_size)) throw std::invalid_argument("Maglev size must be prime");
}

void Pipeline::set_card(const CardEntry& card) {
  card_ = card;
  parser_cfg_ = ParserConfig{card.mac, card.address};
}

void Pipeline::set_service(uint32_t slot, const ServiceEntry& s) {
  services_.at(slot) = s;
  valid_services_ = 0;
  vips_.clear();
  for (uint32_t i = 0; i < geo_.services; ++i) {
    if (!services_[i].valid) continue;
    valid_services_ = i + 1;
    if (std::find(vips_.begin(), vips_.end(), services_[i].vip) == vips_.end())
      vips_.push_back(services_[i].vip);
  }
}

void Pipeline::set_backend(uint32_t slot, const BackendEntry& b) { backends_.at(slot) = b; }

void Pipeline::write_maglev(uint32_t service, uint32_t bank, uint32_t offset,
                            std::span<const uint16_t> entries) {
  if (service >= geo_.services || bank > 1 || offset + entries.size() > geo_.maglev_size)
    throw std::out_of_range("maglev write outside the table");
  std::copy(entries.begin(), entries.end(),
            maglev_.begin() + (size_t(service) * 2 + bank) * geo_.maglev_size + offset);
}

void Pipeline::set_active_bank(uint32_t service, uint32_t bank) {
  active_bank_.at(service) = uint8_t(bank & 1);
}

std::span<const uint16_t> Pipeline::maglev(uint32_t service, uint32_t bank) const {
  return {maglev_.data() + (size_t(service) * 2 + bank) * geo_.maglev_size, geo_.maglev_size};
}

void Pipeline::clear_counters() {
  counters_.fill(0);
  std::fill(svc_ctr_.begin(), svc_ctr_.end(), ServiceCounters{});
  std::fill(be_ctr_.begin(), be_ctr_.end(), BackendCounters{});
}

uint32_t Pipeline::client_hash(const uint8_t* client_addr, uint16_t client_port, uint8_t proto) {
  uint8_t k[FlowKey::kSize] = {};
  std::memcpy(k, client_addr, 16);
  store_be16(k + 32, client_port);
  k[36] = proto;
  return flow_hash(k);
}

uint32_t Pipeline::scheduler_hash(Scheduler s, const uint8_t key[FlowKey::kSize]) {
  if (s == Scheduler::kMaglev) return flow_hash(key);
  // The other schedulers hash the same 37 bytes with the unused fields zeroed.
  uint8_t k[FlowKey::kSize] = {};
  std::memcpy(k, key, 16);
  if (s == Scheduler::kSourceIpProto) k[36] = key[36];
  return flow_hash(k);
}

int Pipeline::lookup_service(const uint8_t* dst, uint8_t proto, uint16_t dport) const {
  for (uint32_t i = 0; i < valid_services_; ++i) {
    const ServiceEntry& s = services_[i];
    if (s.valid && s.port == dport && s.proto == proto && std::memcmp(s.vip.b.data(), dst, 16) == 0)
      return int(i);
  }
  return -1;
}

bool Pipeline::is_vip(const uint8_t* addr) const {
  for (const Ipv6Addr& v : vips_)
    if (std::memcmp(v.b.data(), addr, 16) == 0) return true;
  return false;
}

namespace {

// Rewrites `len` bytes at `field` to `value`, folding the change into the checksum accumulator.
inline void replace(uint8_t* field, const uint8_t* value, size_t len, uint64_t& delta) {
  delta = csum_delta(delta, field, value, len);
  std::memcpy(field, value, len);
}

inline void finish_rewrite(uint8_t* frame, const ParsedFrame& pf, const MacAddr& dst_mac,
                           const MacAddr& src_mac, uint64_t delta) {
  std::memcpy(frame, dst_mac.b.data(), 6);
  std::memcpy(frame + 6, src_mac.b.data(), 6);
  frame[pf.l3_off + kIp6HopLimit] -= 1;
  uint8_t* l4 = frame + pf.l4_off;
  const bool udp = pf.proto == uint8_t(L4Proto::kUdp);
  uint8_t* ck = l4 + (udp ? kUdpChecksum : kTcpChecksum);
  uint16_t c = csum_apply(load_be16(ck), delta);
  if (udp && c == 0) c = 0xFFFF;  // RFC 8200: zero means "no checksum", never sent over IPv6
  store_be16(ck, c);
}

}  // namespace

void Pipeline::process(std::span<Packet> burst, uint32_t now) {
  now_ = now;
  while (!burst.empty()) {
    const size_t n = std::min(burst.size(), kMaxBurst);
    Work work[kMaxBurst];

    // Pass 1: parse, hash, find the service; prefetch the flow-table sets. Reads only tables that
    // packets never write, so running it ahead keeps the sequential semantics.
    for (size_t i = 0; i < n; ++i) {
      Packet& p = burst[i];
      Work& w = work[i];
      w.pf = parse_frame({p.data, p.len}, parser_cfg_);
      if (w.pf.vip_source_check && is_vip(p.data + w.pf.l3_off + kIp6Src))
        w.pf.cls = ParseClass::kSpoofed;
      p.cls = w.pf.cls;
      w.service = -1;
      if (w.pf.cls != ParseClass::kL4) continue;
      const uint8_t* ip = p.data + w.pf.l3_off;
      const uint8_t* l4 = p.data + w.pf.l4_off;
      std::memcpy(w.key, ip + kIp6Src, 32);
      std::memcpy(w.key + 32, l4, 4);
      w.key[36] = w.pf.proto;
      const uint16_t sport = load_be16(l4 + kL4Sport), dport = load_be16(l4 + kL4Dport);
      w.service = lookup_service(ip + kIp6Dst, w.pf.proto, dport);
      if (w.service >= 0) {
        w.fwd_set = fwd_.set_of(flow_hash(w.key));
        w.reply_set = reply_.set_of(client_hash(ip + kIp6Src, sport, w.pf.proto));
        fwd_.prefetch(w.fwd_set);
        // A client packet writes its reply entry only when it learns the flow or refreshes it
        // (a T/8 cadence): prefetch the reply set for what usually opens a flow (a TCP SYN
        // without ACK, any UDP datagram) and leave the hit path's cache lines alone otherwise.
        const bool opens = w.pf.proto == uint8_t(L4Proto::kUdp) || (w.pf.tcp_flags & 0x12) == 0x02;
        if (opens) reply_.prefetch(w.reply_set);
      } else {
        w.reply_set = reply_.set_of(client_hash(ip + kIp6Dst, dport, w.pf.proto));
        reply_.prefetch(w.reply_set);
      }
    }

    // Pass 2: in order, the stateful part.
    for (size_t i = 0; i < n; ++i) {
      Packet& p = burst[i];
      Work& w = work[i];
      count(Counter::kRxPackets);
      count(Counter::kRxBytes, p.len);
      p.verdict = Verdict::kDrop;
      switch (w.pf.cls) {
        case ParseClass::kL4:
          if (w.service >= 0)
            to_service(p, w, now);
          else
            from_backend(p, w, now);
          break;
        case ParseClass::kOtherProto:
          count(Counter::kDropNoService);
          break;
        case ParseClass::kMalformed:
          count(Counter::kDropMalformed);
          break;
        case ParseClass::kNotIpv6:
          count(Counter::kDropNotIpv6);
          break;
        case ParseClass::kWrongMac:
          count(Counter::kDropWrongMac);
          break;
        case ParseClass::kBadSource:
          count(Counter::kDropBadSource);
          break;
        case ParseClass::kSpoofed:
          count(Counter::kDropSpoofed);
          break;
        case ParseClass::kPuntLocal:
          count(Counter::kPuntLocal);
          p.verdict = Verdict::kPunt;
          break;
        case ParseClass::kPuntFragment:
          count(Counter::kPuntFragment);
          p.verdict = Verdict::kPunt;
          break;
        case ParseClass::kPuntExtHeaders:
          count(Counter::kPuntExtHeaders);
          p.verdict = Verdict::kPunt;
          break;
        case ParseClass::kPuntIcmp:
          count(Counter::kPuntIcmp);
          p.verdict = Verdict::kPunt;
          break;
        case ParseClass::kPuntHopLimit:
          count(Counter::kPuntHopLimit);
          p.verdict = Verdict::kPunt;
          break;
      }
      if (p.verdict == Verdict::kForward) {
        count(Counter::kFwdPackets);
        count(Counter::kFwdBytes, p.len);
      } else if (p.verdict == Verdict::kPunt) {
        count(Counter::kPuntPackets);
        count(Counter::kPuntBytes, p.len);
      }
    }
    burst = burst.subspan(n);
  }
}

void Pipeline::to_service(Packet& p, Work& w, uint32_t now) {
  const uint32_t svc = uint32_t(w.service);
  const ServiceEntry& s = services_[svc];
  const uint32_t deadline = entry_deadline(now, s.timeout_ticks);
  bool write_reply = true;

  // Forward entry: hit, or pick by Maglev and learn.
  uint16_t be = kNoBackend;
  const int way = fwd_.find_live(w.fwd_set, w.key, now);
  if (way != FlowTable::kNone) {
    FlowEntry& e = fwd_.set(w.fwd_set)[way];
    if (backends_[e.backend].valid) {
      be = e.backend;
      write_reply = needs_refresh(e, now, s.timeout_ticks);
      if (write_reply) e.deadline = deadline;
    }
  }
  if (be == kNoBackend) {
    const uint32_t h = scheduler_hash(s.scheduler, w.key);
    const uint16_t pick = maglev_[(size_t(svc) * 2 + active_bank_[svc]) * geo_.maglev_size +
                                  maglev_index(h, geo_.maglev_size)];
    if (pick == kNoBackend || !backends_[pick].valid) {
      count(Counter::kDropNoBackend);
      return;
    }
    // A flow that cannot be stored is not forwarded: its replies would have no entry to be
    // translated by. The client's retry finds room once an entry expires.
    const int iw = fwd_.insert_way(w.fwd_set, w.key, now);
    if (iw == FlowTable::kNone) {
      count(Counter::kFlowTableFull);
      count(Counter::kDropFlowTableFull);
      return;
    }
    be = pick;
    fwd_.write(w.fwd_set, iw, w.key, be, uint8_t(svc), deadline);
    count(Counter::kFlowsLearned);
    ++svc_ctr_[svc].new_flows;
    ++be_ctr_[be].new_flows;
  }
  const BackendEntry& b = backends_[be];

  // Reply entry: written with the forward entry's deadline whenever the forward entry is written
  // (learned, or refreshed), and only then, so it lives exactly as long as the forward entry.
  if (write_reply) {
    uint8_t rkey[FlowKey::kSize];
    std::memcpy(rkey, b.address.b.data(), 16);
    std::memcpy(rkey + 16, w.key, 16);
    store_be16(rkey + 32, b.port);
    std::memcpy(rkey + 34, w.key + 32, 2);
    rkey[36] = w.key[36];
    const int rw = reply_.insert_way(w.reply_set, rkey, now);
    if (rw != FlowTable::kNone)
      reply_.write(w.reply_set, rw, rkey, be, uint8_t(svc), deadline);
    else
      count(Counter::kFlowTableFull);
  }

  // Rewrite toward the backend.
  uint8_t* ip = p.data + w.pf.l3_off;
  uint8_t* l4 = p.data + w.pf.l4_off;
  uint64_t delta = 0;
  replace(ip + kIp6Dst, b.address.b.data(), 16, delta);
  uint8_t port[2];
  store_be16(port, b.port);
  replace(l4 + kL4Dport, port, 2, delta);
  finish_rewrite(p.data, w.pf, b.mac, card_.mac, delta);

  p.verdict = Verdict::kForward;
  svc_ctr_[svc].packets++;
  svc_ctr_[svc].bytes += p.len;
  be_ctr_[be].packets++;
  be_ctr_[be].bytes += p.len;
}

void Pipeline::from_backend(Packet& p, Work& w, uint32_t now) {
  // Only a live reply entry translates: one a client packet wrote for this very backend (the
  // key holds the backend's address and port), whose service and backend are still valid. A
  // reply never refreshes it (the forward entry's writes do), so it is never live after its
  // flow's forward entry has expired.
  const int way = reply_.find_live(w.reply_set, w.key, now);
  const FlowEntry* e = way == FlowTable::kNone ? nullptr : &reply_.set(w.reply_set)[way];
  if (!e || !services_[e->service].valid || !backends_[e->backend].valid) {
    count(Counter::kDropNoService);
    return;
  }
  const uint16_t be = e->backend;
  const uint8_t svc = e->service;
  const ServiceEntry& s = services_[svc];

  uint8_t* ip = p.data + w.pf.l3_off;
  uint8_t* l4 = p.data + w.pf.l4_off;
  uint64_t delta = 0;
  replace(ip + kIp6Src, s.vip.b.data(), 16, delta);
  uint8_t port[2];
  store_be16(port, s.port);
  replace(l4 + kL4Sport, port, 2, delta);
  finish_rewrite(p.data, w.pf, card_.router_mac, card_.mac, delta);

  p.verdict = Verdict::kForward;
  count(Counter::kReplyPackets);
  svc_ctr_[svc].reply_packets++;
  svc_ctr_[svc].reply_bytes += p.len;
  be_ctr_[be].reply_packets++;
  be_ctr_[be].reply_bytes += p.len;
}

}  // namespace v6lb
