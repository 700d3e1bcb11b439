// Builds test frames byte by byte (Ethernet, optional 802.1Q, IPv6, extension headers, TCP/UDP/
// ICMPv6) with correct lengths and checksums, so tests can then break exactly one thing.
#pragma once

#include <cstdint>
#include <vector>

#include "v6lb/dataplane/net_types.h"

namespace v6lb::test {

struct ExtHeader {
  uint8_t type;      // 0 hop-by-hop, 43 routing, 44 fragment, 60 destination options
  uint8_t len8 = 0;  // Hdr Ext Len (units of 8 bytes beyond the first 8)
};

struct FrameSpec {
  MacAddr dst_mac = *MacAddr::parse("02:00:00:00:00:01");
  MacAddr src_mac = *MacAddr::parse("02:00:00:00:00:fe");
  bool vlan = false;
  uint16_t vlan_tci = 100;
  uint16_t ethertype = 0x86DD;
  Ipv6Addr src = *Ipv6Addr::parse("2001:db8:c::1");
  Ipv6Addr dst = *Ipv6Addr::parse("2001:db8::100");
  uint8_t hop_limit = 64;
  std::vector<ExtHeader> ext;
  uint8_t proto = 6;  // 6 TCP, 17 UDP, 58 ICMPv6, other: raw payload
  uint16_t sport = 40000;
  uint16_t dport = 80;
  uint8_t tcp_flags = 0x02;  // SYN
  uint32_t payload_len = 0;
  uint8_t payload_seed = 0;
  uint32_t pad_to = 60;  // Ethernet minimum without FCS
};

std::vector<uint8_t> build_frame(const FrameSpec& s);

// Recomputes the TCP/UDP checksum of `frame` from scratch (for comparisons); frame must hold
// Ethernet[/VLAN]/IPv6/ext/L4 as built above. Returns the checksum the frame should carry.
uint16_t full_l4_checksum(const std::vector<uint8_t>& frame);
// The checksum currently in the frame.
uint16_t carried_l4_checksum(const std::vector<uint8_t>& frame);

}  // namespace v6lb::test
