#include <gtest/gtest.h>

#include "frame_builder.h"
#include "v6lb/dataplane/packet_parser.h"

namespace v6lb {
namespace {

using test::build_frame;
using test::FrameSpec;

const ParserConfig kCard{*MacAddr::parse("02:00:00:00:00:01"), *Ipv6Addr::parse("2001:db8:ff::1")};

ParseClass classify(const std::vector<uint8_t>& f) { return parse_frame(f, kCard).cls; }

TEST(Parser, TcpAndUdpAreL4) {
  FrameSpec s;
  auto f = build_frame(s);
  ParsedFrame pf = parse_frame(f, kCard);
  EXPECT_EQ(pf.cls, ParseClass::kL4);
  EXPECT_EQ(pf.l3_off, 14);
  EXPECT_EQ(pf.l4_off, 54);
  EXPECT_EQ(pf.proto, 6);
  EXPECT_EQ(pf.tcp_flags, 0x02);
  s.proto = 17;
  EXPECT_EQ(classify(build_frame(s)), ParseClass::kL4);
}

TEST(Parser, VlanTaggedFrame) {
  FrameSpec s;
  s.vlan = true;
  ParsedFrame pf = parse_frame(build_frame(s), kCard);
  EXPECT_EQ(pf.cls, ParseClass::kL4);
  EXPECT_EQ(pf.l3_off, 18);
  EXPECT_EQ(pf.l4_off, 58);
}

TEST(Parser, FourExtensionHeadersAreParsed) {
  FrameSpec s;
  s.ext = {{0, 0}, {60, 1}, {43, 2}, {60, 0}};
  ParsedFrame pf = parse_frame(build_frame(s), kCard);
  EXPECT_EQ(pf.cls, ParseClass::kL4);
  EXPECT_EQ(pf.l4_off, 54 + 8 + 16 + 24 + 8);
}

TEST(Parser, OtherUpperLayerProtocol) {
  FrameSpec s;
  s.proto = 50;  // ESP
  s.payload_len = 16;
  EXPECT_EQ(classify(build_frame(s)), ParseClass::kOtherProto);
}

// Malformed row of the design table.
TEST(Parser, MalformedTruncatedEthernet) {
  EXPECT_EQ(classify(std::vector<uint8_t>(13, 0)), ParseClass::kMalformed);
  FrameSpec s;
  s.vlan = true;
  auto f = build_frame(s);
  f.resize(17);
  EXPECT_EQ(classify(f), ParseClass::kMalformed);
}

TEST(Parser, MalformedTooLong) {
  FrameSpec s;
  s.payload_len = kMaxFrameLen - 74;
  EXPECT_EQ(classify(build_frame(s)), ParseClass::kL4);  // exactly the limit
  s.payload_len += 1;
  EXPECT_EQ(classify(build_frame(s)), ParseClass::kMalformed);
}

TEST(Parser, MalformedBadVersion) {
  auto f = build_frame(FrameSpec{});
  f[14] = 0x40;
  EXPECT_EQ(classify(f), ParseClass::kMalformed);
}

TEST(Parser, MalformedPayloadLengthBeyondFrame) {
  FrameSpec s;
  s.payload_len = 100;
  auto f = build_frame(s);
  store_be16(&f[18], uint16_t(load_be16(&f[18]) + 1));
  EXPECT_EQ(classify(f), ParseClass::kMalformed);
}

TEST(Parser, MalformedTruncatedExtensionHeader) {
  FrameSpec s;
  s.ext = {{60, 4}};  // 40 bytes
  auto f = build_frame(s);
  // Claim a longer header than the packet holds.
  f[54 + 1] = 20;
  EXPECT_EQ(classify(f), ParseClass::kMalformed);
}

TEST(Parser, MalformedTruncatedL4Header) {
  FrameSpec s;
  auto f = build_frame(s);
  store_be16(&f[18], 19);  // TCP needs 20 bytes
  EXPECT_EQ(classify(f), ParseClass::kMalformed);
  s.proto = 17;
  f = build_frame(s);
  store_be16(&f[18], 7);  // UDP needs 8
  EXPECT_EQ(classify(f), ParseClass::kMalformed);
}

TEST(Parser, MalformedUdpZeroChecksum) {
  FrameSpec s;
  s.proto = 17;
  auto f = build_frame(s);
  f[54 + 6] = f[54 + 7] = 0;
  EXPECT_EQ(classify(f), ParseClass::kMalformed);
}

// Not-for-us rows.
TEST(Parser, NotIpv6) {
  FrameSpec s;
  s.ethertype = 0x0800;
  EXPECT_EQ(classify(build_frame(s)), ParseClass::kNotIpv6);
  s.ethertype = 0x0806;
  EXPECT_EQ(classify(build_frame(s)), ParseClass::kNotIpv6);
  // A second tag (QinQ) is not parsed: not IPv6 after one tag.
  s.ethertype = 0x86DD;
  s.vlan = true;
  auto f = build_frame(s);
  store_be16(&f[16], 0x8100);
  EXPECT_EQ(classify(f), ParseClass::kNotIpv6);
}

TEST(Parser, WrongMacAndMulticast) {
  FrameSpec s;
  s.dst_mac = *MacAddr::parse("02:00:00:00:00:02");
  EXPECT_EQ(classify(build_frame(s)), ParseClass::kWrongMac);
  s.dst_mac = *MacAddr::parse("33:33:00:00:00:01");
  EXPECT_EQ(classify(build_frame(s)), ParseClass::kL4);
}

// Exception rows.
TEST(Parser, ExceptionIcmpv6) {
  FrameSpec s;
  s.proto = 58;
  EXPECT_EQ(classify(build_frame(s)), ParseClass::kPuntIcmp);
}

TEST(Parser, ExceptionFragment) {
  FrameSpec s;
  s.ext = {{44}};
  EXPECT_EQ(classify(build_frame(s)), ParseClass::kPuntFragment);
  s.ext = {{0, 0}, {44}};
  EXPECT_EQ(classify(build_frame(s)), ParseClass::kPuntFragment);
}

TEST(Parser, ExceptionTooManyExtensionHeaders) {
  FrameSpec s;
  s.ext = {{0, 0}, {60, 0}, {43, 0}, {60, 0}, {60, 0}};
  EXPECT_EQ(classify(build_frame(s)), ParseClass::kPuntExtHeaders);
}

TEST(Parser, ExceptionHeadersBeyondParseWindow) {
  FrameSpec s;
  s.ext = {{60, 24}};  // 200 bytes: 54 + 200 + 20 > 256
  s.payload_len = 64;
  EXPECT_EQ(classify(build_frame(s)), ParseClass::kPuntExtHeaders);
  s.ext = {{60, 22}};  // 184 bytes: L4 ends at 258 > 256
  EXPECT_EQ(classify(build_frame(s)), ParseClass::kPuntExtHeaders);
  s.ext = {{60, 21}};  // 176 bytes: L4 ends at 250
  EXPECT_EQ(classify(build_frame(s)), ParseClass::kL4);
}

// A Routing header with Segments Left != 0: the destination is not the final one, so the packet
// is punted unchanged (PIPELINE.md section 1, step 13).
TEST(Parser, ExceptionRoutingWithSegmentsLeft) {
  FrameSpec s;
  s.ext = {{43, 2}};  // 24 bytes at 54; Segments Left at 57
  auto f = build_frame(s);
  ASSERT_EQ(f[57], 0);
  EXPECT_EQ(classify(f), ParseClass::kL4);  // Segments Left 0: walked as any other header
  f[57] = 1;
  ParsedFrame pf = parse_frame(f, kCard);
  EXPECT_EQ(pf.cls, ParseClass::kPuntExtHeaders);
  EXPECT_EQ(pf.proto, 43);  // the walk stopped at the Routing header
  EXPECT_EQ(pf.l4_off, 54);
  EXPECT_EQ(pf.tcp_flags, 0);  // the TCP header was never read
  f[57] = 0xFF;
  EXPECT_EQ(classify(f), ParseClass::kPuntExtHeaders);

  // Behind two other headers, with a tag: Segments Left at 58 + 8 + 16 + 3.
  s.vlan = true;
  s.ext = {{0, 0}, {60, 1}, {43, 0}};
  f = build_frame(s);
  EXPECT_EQ(classify(f), ParseClass::kL4);
  f[58 + 24 + 3] = 2;
  pf = parse_frame(f, kCard);
  EXPECT_EQ(pf.cls, ParseClass::kPuntExtHeaders);
  EXPECT_EQ(pf.proto, 43);
  EXPECT_EQ(pf.l4_off, 58 + 24);

  // Byte 3 of a Hop-by-Hop / Destination Options header is not Segments Left.
  s.vlan = false;
  s.ext = {{0, 0}, {60, 0}};
  f = build_frame(s);
  f[54 + 3] = f[62 + 3] = 7;
  EXPECT_EQ(classify(f), ParseClass::kL4);
}

TEST(Parser, RoutingWithSegmentsLeftPrecedence) {
  FrameSpec s;
  s.ext = {{43, 0}};
  auto with_sl = [](std::vector<uint8_t> f) {
    f[54 + 3] = 1;
    return f;
  };
  // Truncated Routing header: malformed first, as for any extension header.
  {
    auto f = with_sl(build_frame(s));
    f[54 + 1] = 3;  // claims 32 bytes; the packet holds 8 + 20
    EXPECT_EQ(classify(f), ParseClass::kMalformed);
    f = with_sl(build_frame(s));
    f.resize(54 + 6);  // only 6 bytes of it (Segments Left included)
    store_be16(&f[18], 6);
    EXPECT_EQ(classify(f), ParseClass::kMalformed);
  }
  // The walk stops there: a truncated header after it is not looked at.
  {
    FrameSpec t = s;
    t.ext = {{43, 0}, {60, 0}};
    auto f = with_sl(build_frame(t));
    f[62 + 1] = 200;  // the Destination Options header now runs far past ip_end
    EXPECT_EQ(classify(f), ParseClass::kPuntExtHeaders);
    f[54 + 3] = 0;
    EXPECT_EQ(classify(f), ParseClass::kMalformed);
  }
  // Leaving the window is an exception of the same class anyway.
  {
    FrameSpec t = s;
    t.ext = {{43, 30}};  // 248 bytes from 54: ends at 302
    t.payload_len = 64;
    auto f = with_sl(build_frame(t));
    EXPECT_EQ(classify(f), ParseClass::kPuntExtHeaders);
  }
  // Malformed L4 after it is not reached; wrong MAC and local still come first.
  {
    auto f = with_sl(build_frame(s));
    store_be16(&f[18], 8 + 19);  // TCP header cut short
    f.resize(54 + 8 + 19);
    EXPECT_EQ(classify(f), ParseClass::kPuntExtHeaders);
    FrameSpec t = s;
    t.dst_mac = *MacAddr::parse("02:00:00:00:00:02");
    EXPECT_EQ(classify(with_sl(build_frame(t))), ParseClass::kWrongMac);
    t = s;
    t.dst = kCard.card_addr;
    EXPECT_EQ(classify(with_sl(build_frame(t))), ParseClass::kPuntLocal);
  }
  // As a fifth extension header it is one too many, whatever its Segments Left.
  {
    FrameSpec t = s;
    t.ext = {{0, 0}, {60, 0}, {60, 0}, {60, 0}, {43, 0}};
    auto f = build_frame(t);
    f[54 + 32 + 3] = 1;
    ParsedFrame pf = parse_frame(f, kCard);
    EXPECT_EQ(pf.cls, ParseClass::kPuntExtHeaders);
    EXPECT_EQ(pf.l4_off, 54 + 32);
  }
}

TEST(Parser, ExceptionHopLimit) {
  FrameSpec s;
  s.hop_limit = 1;
  EXPECT_EQ(classify(build_frame(s)), ParseClass::kPuntHopLimit);
  s.hop_limit = 0;
  EXPECT_EQ(classify(build_frame(s)), ParseClass::kPuntHopLimit);
  s.hop_limit = 2;
  EXPECT_EQ(classify(build_frame(s)), ParseClass::kL4);
}

TEST(Parser, ExceptionToCardAddress) {
  FrameSpec s;
  s.dst = kCard.card_addr;
  EXPECT_EQ(classify(build_frame(s)), ParseClass::kPuntLocal);
  s.proto = 58;  // local wins over ICMPv6
  EXPECT_EQ(classify(build_frame(s)), ParseClass::kPuntLocal);
}

TEST(Parser, Precedence) {
  // Malformed beats wrong MAC; wrong MAC beats exceptions; exceptions beat hop limit.
  FrameSpec s;
  s.dst_mac = *MacAddr::parse("02:00:00:00:00:99");
  auto f = build_frame(s);
  f[14] = 0x40;
  EXPECT_EQ(classify(f), ParseClass::kMalformed);
  s.proto = 58;
  EXPECT_EQ(classify(build_frame(s)), ParseClass::kWrongMac);
  s.dst_mac = kCard.card_mac;
  s.hop_limit = 1;
  EXPECT_EQ(classify(build_frame(s)), ParseClass::kPuntIcmp);
}

// PIPELINE.md section 1, step 7: the TCP data offset and the UDP length against the IPv6
// payload, decided before the MAC check like every malformed case.
TEST(Parser, TcpDataOffsetMustFitThePayload) {
  FrameSpec s;
  s.payload_len = 40;
  const size_t l4 = 54;
  for (unsigned doff = 0; doff < 16; ++doff) {
    auto f = build_frame(s);
    f[l4 + 12] = uint8_t(doff << 4);
    const ParsedFrame pf = parse_frame(f, kCard);
    EXPECT_EQ(pf.cls, doff < 5 ? ParseClass::kMalformed : ParseClass::kL4) << doff;
    EXPECT_EQ(pf.tcp_flags, s.tcp_flags) << "the header was read";
    EXPECT_FALSE(pf.cls == ParseClass::kMalformed && pf.vip_source_check);
  }
  s.payload_len = 39;  // a 60-byte header ends one byte beyond ip_end
  auto f = build_frame(s);
  f[l4 + 12] = 0xF0;
  EXPECT_EQ(classify(f), ParseClass::kMalformed);
  f[l4 + 12] = 0xE0;  // 56 bytes: fits
  EXPECT_EQ(classify(f), ParseClass::kL4);
  // Beyond ip_end but inside the frame (Ethernet padding) is still beyond.
  s.payload_len = 0;
  s.pad_to = 120;
  f = build_frame(s);
  f[l4 + 12] = 0x60;
  EXPECT_EQ(classify(f), ParseClass::kMalformed);
  // Malformed comes before the MAC check.
  s.dst_mac = *MacAddr::parse("02:00:00:00:00:99");
  f = build_frame(s);
  EXPECT_EQ(classify(f), ParseClass::kWrongMac);
  f[l4 + 12] = 0x40;
  EXPECT_EQ(classify(f), ParseClass::kMalformed);
  // A TCP header leaving the parse window is ext headers, its data offset unread.
  s = FrameSpec{};
  s.ext = {{60, 24}};  // TCP at 254
  f = build_frame(s);
  f[254 + 12] = 0x10;
  EXPECT_EQ(classify(f), ParseClass::kPuntExtHeaders);
}

TEST(Parser, UdpLengthMustBeThePayloads) {
  FrameSpec s;
  s.proto = 17;
  s.payload_len = 20;
  s.pad_to = 200;  // padding after ip_end is not part of the datagram
  for (bool vlan : {false, true}) {
    s.vlan = vlan;
    const size_t l4 = vlan ? 58 : 54;
    auto f = build_frame(s);
    ASSERT_EQ(load_be16(&f[l4 + 4]), 28);
    EXPECT_EQ(classify(f), ParseClass::kL4);
    for (uint16_t len : {0, 7, 8, 27, 29, 146, 0xFFFF}) {
      store_be16(&f[l4 + 4], len);
      EXPECT_EQ(classify(f), ParseClass::kMalformed) << len;
    }
  }
  // Behind extension headers the length is ip_end minus the UDP header's start.
  s.vlan = false;
  s.ext = {{0, 0}, {60, 1}};
  auto f = build_frame(s);
  EXPECT_EQ(classify(f), ParseClass::kL4);
  store_be16(&f[54 + 24 + 4], 28 + 24);  // the IPv6 payload length: wrong
  EXPECT_EQ(classify(f), ParseClass::kMalformed);
}

// Steps 9 and 10: multicast, loopback and (but for ICMPv6) unspecified sources are bad; the
// card's own address as source is spoofed (but for ICMPv6); both before the exceptions.
TEST(Parser, BadAndSpoofedSources) {
  const Ipv6Addr unspec = *Ipv6Addr::parse("::");
  for (const char* a : {"ff02::1", "ff00::", "ffff:ffff::1", "::1", "::"}) {
    FrameSpec s;
    s.src = *Ipv6Addr::parse(a);
    EXPECT_EQ(classify(build_frame(s)), ParseClass::kBadSource) << a;
    s.dst = kCard.card_addr;  // to the card: dropped, not punted
    EXPECT_EQ(classify(build_frame(s)), ParseClass::kBadSource) << a;
    s.dst_mac = *MacAddr::parse("02:00:00:00:00:99");
    EXPECT_EQ(classify(build_frame(s)), ParseClass::kWrongMac) << a;
    // ICMPv6: only the unspecified address is allowed (DAD, RS, MLD).
    s = FrameSpec{};
    s.src = *Ipv6Addr::parse(a);
    s.proto = 58;
    s.dst = *Ipv6Addr::parse("ff02::1:ff00:1");
    s.dst_mac = *MacAddr::parse("33:33:ff:00:00:01");
    const ParseClass icmp = s.src == unspec ? ParseClass::kPuntIcmp : ParseClass::kBadSource;
    EXPECT_EQ(classify(build_frame(s)), icmp) << a;
    s.ext = {{0, 0}};  // MLD: Hop-by-Hop first
    EXPECT_EQ(classify(build_frame(s)), icmp) << a;
    s.ext = {{44, 0}};  // a fragment is not ICMPv6
    EXPECT_EQ(classify(build_frame(s)), ParseClass::kBadSource) << a;
  }
  for (const char* a : {"::2", "1::", "fe80::1", "2001:db8:ff::2", "::ffff:192.0.2.1"}) {
    FrameSpec s;
    s.src = *Ipv6Addr::parse(a);
    const ParsedFrame pf = parse_frame(build_frame(s), kCard);
    EXPECT_EQ(pf.cls, ParseClass::kL4) << a;
    EXPECT_TRUE(pf.vip_source_check) << a;
  }
  FrameSpec s;
  s.src = kCard.card_addr;
  EXPECT_EQ(classify(build_frame(s)), ParseClass::kSpoofed);
  s.dst = kCard.card_addr;
  EXPECT_EQ(classify(build_frame(s)), ParseClass::kSpoofed);
  s.hop_limit = 1;
  EXPECT_EQ(classify(build_frame(s)), ParseClass::kSpoofed);
  s.proto = 58;  // a duplicate's Neighbor Advertisement, say
  ParsedFrame pf = parse_frame(build_frame(s), kCard);
  EXPECT_EQ(pf.cls, ParseClass::kPuntLocal);
  EXPECT_FALSE(pf.vip_source_check);
  s.dst = *Ipv6Addr::parse("ff02::1");
  pf = parse_frame(build_frame(s), kCard);
  EXPECT_EQ(pf.cls, ParseClass::kPuntIcmp);
  EXPECT_FALSE(pf.vip_source_check);
  // Past the source checks every frame but ICMPv6 is left to the VIP check.
  s = FrameSpec{};
  s.ext = {{44, 0}};
  pf = parse_frame(build_frame(s), kCard);
  EXPECT_EQ(pf.cls, ParseClass::kPuntFragment);
  EXPECT_TRUE(pf.vip_source_check);
  s.ext = {};
  s.dst = kCard.card_addr;
  pf = parse_frame(build_frame(s), kCard);
  EXPECT_EQ(pf.cls, ParseClass::kPuntLocal);
  EXPECT_TRUE(pf.vip_source_check);
}

// Every truncation of valid frames is malformed and never read past the end (ASan checks the
// latter: the buffer is exactly the truncated length).
TEST(Parser, EveryTruncationIsMalformed) {
  std::vector<FrameSpec> specs(4);
  specs[1].vlan = true;
  specs[2].proto = 17;
  specs[2].payload_len = 30;
  specs[3].ext = {{0, 0}, {60, 1}, {43, 2}, {60, 0}};
  specs[3].payload_len = 10;
  for (const FrameSpec& s : specs) {
    const auto full = build_frame(s);
    const size_t ip_end = parse_frame(full, kCard).ip_end;
    ASSERT_EQ(parse_frame(full, kCard).cls, ParseClass::kL4);
    for (size_t n = 0; n < ip_end; ++n) {
      std::vector<uint8_t> t(full.begin(), full.begin() + n);
      t.shrink_to_fit();
      ASSERT_EQ(classify(t), ParseClass::kMalformed) << "truncated to " << n;
    }
  }
}

}  // namespace
}  // namespace v6lb
