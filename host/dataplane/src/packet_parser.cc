#include "v6lb/dataplane/packet_parser.h"

#include <cstring>

namespace v6lb {
namespace {

constexpr uint16_t kEtherVlan = 0x8100;
constexpr uint16_t kEtherIpv6 = 0x86DD;
constexpr uint8_t kNhHopByHop = 0, kNhRouting = 43, kNhFragment = 44, kNhDstOpts = 60;
constexpr uint8_t kNhIcmpv6 = 58, kNhTcp = 6, kNhUdp = 17;

}  // namespace

ParsedFrame parse_frame(std::span<const uint8_t> frame, const ParserConfig& cfg) {
  ParsedFrame r;
  const uint8_t* p = frame.data();
  const uint32_t len = uint32_t(frame.size());

  // 1. Ethernet and one optional 802.1Q tag.
  if (len < 14 || len > kMaxFrameLen) return r;  // malformed
  uint32_t l3 = 14;
  uint16_t et = load_be16(p + 12);
  if (et == kEtherVlan) {
    if (len < 18) return r;
    et = load_be16(p + 16);
    l3 = 18;
  }
  if (et != kEtherIpv6) {
    r.cls = ParseClass::kNotIpv6;
    return r;
  }
  r.l3_off = uint16_t(l3);

  // 2. IPv6 fixed header. Anything truncated below is malformed; a chain that leaves the parse
  // window, is too long or holds a Routing header with Segments Left != 0 is an exception,
  // decided after the MAC check.
  if (len < l3 + 40) return r;
  if ((p[l3] >> 4) != 6) return r;
  const uint32_t ip_end = l3 + 40 + load_be16(p + l3 + 4);
  if (ip_end > len) return r;
  r.ip_end = uint16_t(ip_end);

  ParseClass exception = ParseClass::kL4;  // kL4 = no exception yet
  uint8_t nh = p[l3 + 6];
  uint32_t cur = l3 + 40;
  uint32_t n_ext = 0;
  while (nh == kNhHopByHop || nh == kNhDstOpts || nh == kNhRouting || nh == kNhFragment) {
    if (nh == kNhFragment) {
      exception = ParseClass::kPuntFragment;
      break;
    }
    if (n_ext == kMaxExtHeaders) {
      exception = ParseClass::kPuntExtHeaders;
      break;
    }
    if (cur + 8 > ip_end) return r;
    const uint32_t hlen = (uint32_t(p[cur + 1]) + 1) * 8;
    if (cur + hlen > ip_end) return r;
    if (cur + hlen > kParseWindow) {
      exception = ParseClass::kPuntExtHeaders;
      break;
    }
    // A Routing header with Segments Left != 0: the IPv6 destination is not the final one, and
    // the L4 checksum covers the final one, so the packet must not be rewritten.
    if (nh == kNhRouting && p[cur + 3] != 0) {
      exception = ParseClass::kPuntExtHeaders;
      break;
    }
    nh = p[cur];
    cur += hlen;
    ++n_ext;
  }
  // Where the walk stopped: the upper-layer header, or after an early stop (exception) the
  // header that stopped it.
  r.proto = nh;
  r.l4_off = uint16_t(cur);

  ParseClass l4 = ParseClass::kOtherProto;
  if (exception == ParseClass::kL4) {
    if (nh == kNhTcp || nh == kNhUdp) {
      const uint32_t hlen = nh == kNhTcp ? 20 : 8;
      if (cur + hlen > ip_end) return r;
      if (cur + hlen > kParseWindow) {
        exception = ParseClass::kPuntExtHeaders;
      } else if (nh == kNhUdp) {
        // The UDP length must be the upper-layer packet's (so 0, a jumbogram's, is malformed),
        // and RFC 8200 8.1: a zero UDP checksum is invalid over IPv6.
        if (uint32_t(load_be16(p + cur + kUdpLength)) != ip_end - cur) return r;
        if (load_be16(p + cur + kUdpChecksum) == 0) return r;
        l4 = ParseClass::kL4;
      } else {
        // Set whenever the TCP header was read, whatever the final class (malformed by its data
        // offset, wrong MAC, local, hop limit...).
        r.tcp_flags = p[cur + 13];
        // Data offset: at least the 20-byte header, options within the payload.
        const uint32_t doff = p[cur + kTcpDataOffset] >> 4;
        if (doff < 5 || cur + doff * 4 > ip_end) return r;
        l4 = ParseClass::kL4;
      }
    } else if (nh == kNhIcmpv6) {
      exception = ParseClass::kPuntIcmp;
    }
  }

  // 3. Not addressed to us at layer 2.
  MacAddr dst_mac;
  std::memcpy(dst_mac.b.data(), p, 6);
  if (dst_mac != cfg.card_mac && !dst_mac.is_multicast()) {
    r.cls = ParseClass::kWrongMac;
    return r;
  }

  // 4. The source address. ICMPv6 (the walk ran to its end at an ICMPv6 header) may come from
  // the unspecified address (NDP's duplicate address detection, MLD) and from the card's own
  // address (a duplicate's Neighbor Advertisement), and is never forwarded.
  const uint8_t* src = p + l3 + kIp6Src;
  const bool icmp = exception == ParseClass::kPuntIcmp;
  uint64_t w0, w1;  // bytes 0-7 and 7-14
  std::memcpy(&w0, src, 8);
  std::memcpy(&w1, src + 7, 8);
  const bool zero_hi = (w0 | w1) == 0;  // bytes 0-14 zero
  if (src[0] == 0xFF || (zero_hi && src[15] == 1) || (zero_hi && src[15] == 0 && !icmp)) {
    r.cls = ParseClass::kBadSource;
    return r;
  }
  if (!icmp && std::memcmp(src, cfg.card_addr.b.data(), 16) == 0) {
    r.cls = ParseClass::kSpoofed;
    return r;
  }
  r.vip_source_check = !icmp;

  // 5. Exceptions, in the design's order.
  if (std::memcmp(p + l3 + kIp6Dst, cfg.card_addr.b.data(), 16) == 0) {
    r.cls = ParseClass::kPuntLocal;
  } else if (exception != ParseClass::kL4) {
    r.cls = exception;
  } else if (p[l3 + kIp6HopLimit] <= 1) {
    r.cls = ParseClass::kPuntHopLimit;
  } else {
    r.cls = l4;
  }
  return r;
}

}  // namespace v6lb
