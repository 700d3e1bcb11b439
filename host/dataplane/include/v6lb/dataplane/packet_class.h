// The packet classes of the design table and the counters of the data plane. The names here are
// the ones users see (JSON stats, metrics, v6lbctl) and the ones the register map exports.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "v6lb_regs.h"

namespace v6lb {

// What the parser concluded about a frame, before any table lookup. Order of checks is the
// design's precedence; see docs/PIPELINE.md.
enum class ParseClass : uint8_t {
  kL4,              // IPv6 TCP or UDP, fully parsed: candidate for a service or a reply
  kOtherProto,      // IPv6 with another upper-layer protocol: no service can match
  kMalformed,       // truncated header, bad version, payload length beyond frame, TCP data
                    // offset or UDP length disagreeing with the payload, UDP checksum 0
  kNotIpv6,         // EtherType not IPv6 after at most one 802.1Q tag
  kWrongMac,        // destination MAC neither ours nor multicast
  kBadSource,       // source multicast, loopback, or unspecified (but for ICMPv6)
  kSpoofed,         // source the card's address or a VIP (but for ICMPv6)
  kPuntLocal,       // destination is the card's own address
  kPuntFragment,    // Fragment header
  kPuntExtHeaders,  // more than 4 extension headers, or headers beyond the parse window
  kPuntIcmp,        // ICMPv6
  kPuntHopLimit,    // hop limit <= 1
};

enum class Verdict : uint8_t { kForward, kPunt, kDrop };

// Global counters, 64-bit each, numbered as the register map numbers them (CNT_SEL.INDEX of
// KIND GLOBAL), so the model, the card and the DPDK data plane index them alike.
enum class Counter : uint8_t {
  kRxPackets = regs::CNT_GLOBAL_RX_PACKETS,
  kRxBytes = regs::CNT_GLOBAL_RX_BYTES,
  kFwdPackets = regs::CNT_GLOBAL_FWD_PACKETS,
  kFwdBytes = regs::CNT_GLOBAL_FWD_BYTES,
  kPuntPackets = regs::CNT_GLOBAL_PUNT_PACKETS,
  kPuntBytes = regs::CNT_GLOBAL_PUNT_BYTES,
  kDropMalformed = regs::CNT_GLOBAL_DROP_MALFORMED,
  kDropNotIpv6 = regs::CNT_GLOBAL_DROP_NOT_IPV6,
  kDropWrongMac = regs::CNT_GLOBAL_DROP_WRONG_MAC,
  kDropNoService = regs::CNT_GLOBAL_DROP_NO_SERVICE,
  kDropNoBackend = regs::CNT_GLOBAL_DROP_NO_BACKEND,
  kPuntLocal = regs::CNT_GLOBAL_PUNT_LOCAL,
  kPuntFragment = regs::CNT_GLOBAL_PUNT_FRAGMENT,
  kPuntExtHeaders = regs::CNT_GLOBAL_PUNT_EXT_HEADERS,
  kPuntIcmp = regs::CNT_GLOBAL_PUNT_ICMP,
  kPuntHopLimit = regs::CNT_GLOBAL_PUNT_HOP_LIMIT,
  kFlowsLearned = regs::CNT_GLOBAL_FLOWS_LEARNED,
  kFlowTableFull = regs::CNT_GLOBAL_FLOW_TABLE_FULL,
  kReplyPackets = regs::CNT_GLOBAL_REPLY_PACKETS,
  kDropFlowTableFull = regs::CNT_GLOBAL_DROP_FLOW_TABLE_FULL,  // a new flow found no way: dropped
  kDropBadSource = regs::CNT_GLOBAL_DROP_BAD_SOURCE,  // multicast, loopback, unspecified source
  kDropSpoofed = regs::CNT_GLOBAL_DROP_SPOOFED,       // source the card's address or a VIP
  kCount = regs::CNT_GLOBAL_COUNT
};
inline constexpr size_t kNumCounters = size_t(Counter::kCount);

// The counters' names as the register map spells them (generated, so they cannot drift).
inline constexpr std::span<const std::string_view, kNumCounters> kCounterNames{
    regs::CNT_GLOBAL_NAMES};
static_assert(std::size(regs::CNT_GLOBAL_NAMES) == kNumCounters);

struct ServiceCounters {
  uint64_t packets = 0;  // client -> VIP
  uint64_t bytes = 0;
  uint64_t new_flows = 0;
  uint64_t reply_packets = 0;  // backend -> client, rewritten to the VIP
  uint64_t reply_bytes = 0;

  bool operator==(const ServiceCounters&) const = default;
};

struct BackendCounters {
  uint64_t packets = 0;  // forwarded to this backend
  uint64_t bytes = 0;
  uint64_t reply_packets = 0;
  uint64_t reply_bytes = 0;
  uint64_t new_flows = 0;  // flows learned onto this backend

  bool operator==(const BackendCounters&) const = default;
};

}  // namespace v6lb
