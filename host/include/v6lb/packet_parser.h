// Parser of the data plane: Ethernet, at most one 802.1Q tag, IPv6, up to four extension headers
// (Hop-by-Hop, Destination Options, Routing), TCP/UDP. Never reads outside the frame.
#pragma once

#include <cstdint>
#include <span>

#include "v6lb/net_types.h"
#include "v6lb/packet_class.h"

namespace v6lb {

// Headers must end within the first kParseWindow bytes of the frame (a fixed header buffer in
// the card); a chain reaching further is an exception, not malformed.
inline constexpr uint32_t kParseWindow = 256;
inline constexpr uint32_t kMaxExtHeaders = 4;
// Longest frame accepted (jumbo frames included); the card buffers whole frames, so longer ones
// are dropped as malformed.
inline constexpr uint32_t kMaxFrameLen = 10240;

struct ParsedFrame {
  ParseClass cls = ParseClass::kMalformed;
  uint16_t l3_off = 0;    // start of the IPv6 header (14, or 18 with a VLAN tag)
  uint16_t l4_off = 0;    // start of the TCP/UDP header
  uint16_t ip_end = 0;    // end of the IPv6 packet (frame may carry padding after it)
  uint8_t proto = 0;      // upper-layer protocol after the extension headers
  uint8_t tcp_flags = 0;  // TCP only
};

struct ParserConfig {
  MacAddr card_mac;
  Ipv6Addr card_addr;
};

ParsedFrame parse_frame(std::span<const uint8_t> frame, const ParserConfig& cfg);

// Field offsets relative to the IPv6 header and the L4 header.
inline constexpr uint16_t kIp6HopLimit = 7;
inline constexpr uint16_t kIp6Src = 8;
inline constexpr uint16_t kIp6Dst = 24;
inline constexpr uint16_t kL4Sport = 0;
inline constexpr uint16_t kL4Dport = 2;
inline constexpr uint16_t kTcpChecksum = 16;
inline constexpr uint16_t kUdpChecksum = 6;

}  // namespace v6lb
