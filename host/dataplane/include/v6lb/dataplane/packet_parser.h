// Parser of the data plane: Ethernet, at most one 802.1Q tag, IPv6, up to four extension headers
// (Hop-by-Hop, Destination Options, Routing with Segments Left 0), TCP/UDP. Never reads outside
// the frame.
#pragma once

#include <cstdint>
#include <span>

#include "v6lb/dataplane/net_types.h"
#include "v6lb/dataplane/packet_class.h"

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
  uint16_t l3_off = 0;  // start of the IPv6 header (14, or 18 with a VLAN tag)
  // l4_off and proto say where the extension-header walk stopped: at the upper-layer header
  // (TCP, UDP, ICMPv6, other) when it ran to the end; when it stopped early (an exception: a
  // Fragment header, a 5th extension header, a header leaving the parse window, a Routing header
  // with Segments Left != 0), at the header that stopped it. Left 0 if the walk never ran or
  // found a truncated extension header.
  uint16_t l4_off = 0;    // start of that header
  uint16_t ip_end = 0;    // end of the IPv6 packet (frame may carry padding after it)
  uint8_t proto = 0;      // that header's type (its preceding Next Header field)
  uint8_t tcp_flags = 0;  // set whenever the TCP header was read, whatever the final class
  // The frame passed the source checks the parser can make (docs/PIPELINE.md §1 steps 9-10)
  // and is not ICMPv6: it is spoofed, whatever its class, if its source is a valid service's
  // VIP. The pipeline checks that against its service table.
  bool vip_source_check = false;
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
inline constexpr uint16_t kTcpDataOffset = 12;  // high nibble: header length in 32-bit words
inline constexpr uint16_t kUdpLength = 4;
inline constexpr uint16_t kUdpChecksum = 6;

}  // namespace v6lb
