#include "v6lb/dataplane/checksum.h"

#include <gtest/gtest.h>

#include <random>

#include "frame_builder.h"
#include "v6lb/dataplane/pipeline.h"

namespace v6lb {
namespace {

using test::build_frame;
using test::FrameSpec;

// A random unicast address: the config admits no multicast VIP or backend, and a multicast
// source is dropped (docs/PIPELINE.md section 1, step 9).
Ipv6Addr random_addr(std::mt19937& rng) {
  Ipv6Addr a;
  for (auto& x : a.b) x = uint8_t(rng());
  if (a.b[0] == 0xFF) a.b[0] = 0x20;
  return a;
}

// RFC 1624 eqn. 3 on raw fields against recomputation from scratch.
TEST(Checksum, IncrementalEqualsFullOnRandomSegments) {
  std::mt19937 rng(1624);
  for (int i = 0; i < 10000; ++i) {
    std::vector<uint8_t> seg(20 + rng() % 1400);
    for (auto& x : seg) x = uint8_t(rng());
    seg[16] = seg[17] = 0;
    Ipv6Addr src = random_addr(rng), dst = random_addr(rng);
    const uint16_t c0 = l4_checksum_ipv6(src, dst, 6, seg);
    store_be16(&seg[16], c0);
    // Replace the destination address and the destination port.
    Ipv6Addr dst2 = random_addr(rng);
    uint8_t port2[2] = {uint8_t(rng()), uint8_t(rng())};
    uint64_t delta = csum_delta(0, dst.b.data(), dst2.b.data(), 16);
    delta = csum_delta(delta, &seg[2], port2, 2);
    const uint16_t inc = csum_apply(c0, delta);
    seg[2] = port2[0];
    seg[3] = port2[1];
    seg[16] = seg[17] = 0;
    ASSERT_EQ(inc, l4_checksum_ipv6(src, dst2, 6, seg)) << "iteration " << i;
  }
}

// The same through the pipeline's rewrite, on 10,000 random TCP/UDP frames in both directions.
TEST(Checksum, PipelineRewriteEqualsFullRecomputation) {
  std::mt19937 rng(42);
  Geometry g;
  g.services = 4;
  g.backends = 8;
  g.maglev_size = 251;
  g.flow_sets = 1024;
  Pipeline dp(g);
  CardEntry card{*MacAddr::parse("02:00:00:00:00:01"), *Ipv6Addr::parse("2001:db8:ff::1"),
                 *MacAddr::parse("02:00:00:00:00:fe")};
  dp.set_card(card);
  for (int i = 0; i < 10000; ++i) {
    FrameSpec s;
    s.proto = rng() % 2 ? 6 : 17;
    s.src = random_addr(rng);
    s.dst = random_addr(rng);
    s.sport = uint16_t(rng() | 1);
    s.dport = uint16_t(rng() | 1);
    s.vlan = rng() % 4 == 0;
    if (rng() % 4 == 0) s.ext.push_back({uint8_t(rng() % 2 ? 0 : 60), uint8_t(rng() % 3)});
    s.payload_len = rng() % 1200;
    s.payload_seed = uint8_t(rng());
    // Program a service for this VIP with one random backend.
    ServiceEntry se{true, s.dst, s.proto, s.dport, Scheduler::kMaglev, 1000};
    BackendEntry be{true, random_addr(rng), uint16_t(rng()), *MacAddr::parse("02:00:00:00:01:10"),
                    0};
    dp.set_service(0, se);
    dp.set_backend(0, be);
    std::vector<uint16_t> t(g.maglev_size, 0);
    dp.write_maglev(0, 0, 0, t);
    auto f = build_frame(s);
    Packet p{f.data(), uint16_t(f.size())};
    dp.process({&p, 1}, uint32_t(i) * 2000);  // earlier flows have expired
    ASSERT_EQ(p.verdict, Verdict::kForward);
    ASSERT_EQ(test::carried_l4_checksum(f), test::full_l4_checksum(f)) << "iteration " << i;
    if (s.proto == 17) {
      ASSERT_NE(test::carried_l4_checksum(f), 0);
    }

    // And the backend's reply back through the reply entry.
    FrameSpec r = s;
    r.src = be.address;
    r.dst = s.src;
    r.sport = be.port;
    r.dport = s.sport;
    auto rf = build_frame(r);
    Packet rp{rf.data(), uint16_t(rf.size())};
    dp.process({&rp, 1}, uint32_t(i) * 2000);
    ASSERT_EQ(rp.verdict, Verdict::kForward) << "iteration " << i << " class " << int(rp.cls)
                                             << " full " << dp.counter(Counter::kFlowTableFull);
    ASSERT_EQ(test::carried_l4_checksum(rf), test::full_l4_checksum(rf)) << "iteration " << i;
  }
}

// A UDP checksum that would come out as 0 is sent as 0xFFFF (RFC 8200 section 8.1).
TEST(Checksum, UdpZeroBecomesFfff) {
  Geometry g;
  g.services = 1;
  g.backends = 1;
  g.maglev_size = 3;
  g.flow_sets = 4;
  Pipeline dp(g);
  dp.set_card({*MacAddr::parse("02:00:00:00:00:01"), *Ipv6Addr::parse("2001:db8:ff::1"),
               *MacAddr::parse("02:00:00:00:00:fe")});
  FrameSpec s;
  s.proto = 17;
  s.payload_len = 2;
  dp.set_service(0, {true, s.dst, 17, s.dport, Scheduler::kMaglev, 1000});
  dp.write_maglev(0, 0, 0, std::vector<uint16_t>(3, 0));
  // Search a backend port that makes the rewritten checksum exactly 0 (i.e. 0xFFFF after fixup).
  bool found = false;
  for (uint32_t port = 1; port < 65536 && !found; ++port) {
    BackendEntry be{true, *Ipv6Addr::parse("2001:db8:1::10"), uint16_t(port), {}, 0};
    auto f = build_frame(s);
    uint64_t d = csum_delta(0, s.dst.b.data(), be.address.b.data(), 16);
    uint8_t pb[2] = {uint8_t(port >> 8), uint8_t(port)},
            old[2] = {uint8_t(s.dport >> 8), uint8_t(s.dport)};
    d = csum_delta(d, old, pb, 2);
    if (csum_apply(test::carried_l4_checksum(f), d) != 0) continue;
    found = true;
    dp.set_backend(0, be);
    Packet p{f.data(), uint16_t(f.size())};
    dp.process({&p, 1}, 1);
    ASSERT_EQ(p.verdict, Verdict::kForward);
    EXPECT_EQ(test::carried_l4_checksum(f), 0xFFFF);
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace v6lb
