// The reference pipeline: the one C++ statement of the data plane's behaviour (docs/PIPELINE.md).
// The RTL is held to it byte for byte, the DPDK data plane runs it, v6lb-replay exposes it.
// Packet path: no allocation, no exceptions; packets are rewritten in place.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "v6lb/dataplane/flow_table.h"
#include "v6lb/dataplane/maglev.h"
#include "v6lb/dataplane/packet_class.h"
#include "v6lb/dataplane/packet_parser.h"
#include "v6lb/dataplane/tables.h"

namespace v6lb {

struct Packet {
  uint8_t* data = nullptr;
  uint16_t len = 0;
  Verdict verdict = Verdict::kDrop;         // out
  ParseClass cls = ParseClass::kMalformed;  // out: the parser's class
};

inline constexpr size_t kMaxBurst = 64;

class Pipeline final : public TableWriter {
 public:
  explicit Pipeline(const Geometry& g);

  // Runs a burst in order; every packet sees the tables exactly as the earlier ones left them.
  void process(std::span<Packet> burst, uint32_t now);
  // The tick of the newest process() or age() call: the pipeline's current time, which TICK_NOW
  // reports (as the card's TICK_NOW reports the tick its pipeline runs on). 0 before the first.
  uint32_t now() const { return now_; }

  // TableWriter
  Geometry geometry() const override { return geo_; }
  void set_card(const CardEntry& card) override;
  void set_service(uint32_t slot, const ServiceEntry& s) override;
  void set_backend(uint32_t slot, const BackendEntry& b) override;
  void write_maglev(uint32_t service, uint32_t bank, uint32_t offset,
                    std::span<const uint16_t> entries) override;
  void set_active_bank(uint32_t service, uint32_t bank) override;
  uint32_t active_bank(uint32_t service) const override { return active_bank_[service]; }

  const CardEntry& card() const { return card_; }
  const ServiceEntry& service(uint32_t slot) const { return services_[slot]; }
  const BackendEntry& backend(uint32_t slot) const { return backends_[slot]; }
  std::span<const uint16_t> maglev(uint32_t service, uint32_t bank) const;

  // Flow tables. Forward entries are keyed by the client's packet; reply entries by the
  // backend's packet (backend, client, backend port, client port, protocol).
  FlowTable& forward_flows() { return fwd_; }
  FlowTable& reply_flows() { return reply_; }
  const FlowTable& forward_flows() const { return fwd_; }
  const FlowTable& reply_flows() const { return reply_; }
  uint64_t age(uint32_t now) {
    now_ = now;
    return fwd_.age(now) + reply_.age(now);
  }

  // Set indices: forward by the full key's hash, reply by the client side only (address, port,
  // protocol) so the card can address both sets as soon as the header is parsed.
  static uint32_t client_hash(const uint8_t* client_addr, uint16_t client_port, uint8_t proto);
  static uint32_t scheduler_hash(Scheduler s, const uint8_t key[FlowKey::kSize]);

  // Counters.
  uint64_t counter(Counter c) const { return counters_[size_t(c)]; }
  const std::array<uint64_t, kNumCounters>& counters() const { return counters_; }
  const ServiceCounters& service_counters(uint32_t slot) const { return svc_ctr_[slot]; }
  const BackendCounters& backend_counters(uint32_t slot) const { return be_ctr_[slot]; }
  void clear_counters();

 private:
  struct Work;  // per-packet scratch of a burst
  int lookup_service(const uint8_t* dst, uint8_t proto, uint16_t dport) const;
  // A valid service has this VIP (any protocol and port): a packet from it is spoofed.
  bool is_vip(const uint8_t* addr) const;
  void to_service(Packet& p, Work& w, uint32_t now);
  void from_backend(Packet& p, Work& w, uint32_t now);
  void count(Counter c, uint64_t n = 1) { counters_[size_t(c)] += n; }

  Geometry geo_;
  CardEntry card_{};
  ParserConfig parser_cfg_{};
  std::vector<ServiceEntry> services_;
  std::vector<BackendEntry> backends_;
  std::vector<uint16_t> maglev_;  // [service][bank][M]
  std::vector<uint8_t> active_bank_;
  uint32_t valid_services_ = 0;
  std::vector<Ipv6Addr> vips_;  // the valid services' VIPs, each once (rebuilt by set_service)
  uint32_t now_ = 0;            // see now()
  FlowTable fwd_;
  FlowTable reply_;
  std::array<uint64_t, kNumCounters> counters_{};
  std::vector<ServiceCounters> svc_ctr_;
  std::vector<BackendCounters> be_ctr_;
};

}  // namespace v6lb
