#include "v6lb/dataplane/pipeline.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "frame_builder.h"
#include "v6lb/control/program.h"

namespace v6lb {
namespace {

using test::build_frame;
using test::FrameSpec;

Config example_config() {
  Config c;
  c.card = {*MacAddr::parse("02:00:00:00:00:01"), *Ipv6Addr::parse("2001:db8:ff::1"),
            *MacAddr::parse("02:00:00:00:00:fe")};
  ServiceConfig web;
  web.name = "web";
  web.vip = *Ipv6Addr::parse("2001:db8::100");
  web.protocol = L4Proto::kTcp;
  web.port = 80;
  web.idle_timeout_ms = 240000;
  const char* be[] = {"2001:db8:1::10", "2001:db8:1::11", "2001:db8:1::12"};
  const uint32_t w[] = {100, 100, 50};
  for (int i = 0; i < 3; ++i) {
    BackendConfig b;
    b.address = *Ipv6Addr::parse(be[i]);
    b.port = 8080;
    b.weight = w[i];
    b.mac = *MacAddr::parse("02:00:00:00:01:1" + std::to_string(i));
    web.backends.push_back(b);
  }
  ServiceConfig dns;
  dns.name = "dns";
  dns.vip = *Ipv6Addr::parse("2001:db8::53");
  dns.protocol = L4Proto::kUdp;
  dns.port = 53;
  dns.scheduler = Scheduler::kSourceIp;
  dns.idle_timeout_ms = 30000;
  for (const char* a : {"2001:db8:2::20", "2001:db8:2::21"}) {
    BackendConfig b;
    b.address = *Ipv6Addr::parse(a);
    b.port = 53;
    b.mac = *MacAddr::parse("02:00:00:00:02:20");
    dns.backends.push_back(b);
  }
  c.services = {web, dns};
  return c;
}

class PipelineTest : public ::testing::Test {
 protected:
  PipelineTest() : dp_(geo()) {
    cfg_ = example_config();
    plan_ = make_plan(cfg_, geo());
    write_plan(plan_, dp_);
  }
  static Geometry geo() {
    Geometry g;
    g.services = 8;
    g.backends = 32;
    g.maglev_size = 4099;
    g.flow_sets = 256;
    g.flow_ways = 4;
    return g;
  }
  // Runs one frame; returns the verdict and leaves the rewritten frame in `f`.
  Verdict run(std::vector<uint8_t>& f, uint32_t now = 1000) {
    Packet p{f.data(), uint16_t(f.size())};
    dp_.process({&p, 1}, now);
    return p.verdict;
  }
  static Ipv6Addr dst_of(const std::vector<uint8_t>& f, size_t l3 = 14) {
    Ipv6Addr a;
    std::copy(f.begin() + l3 + 24, f.begin() + l3 + 40, a.b.begin());
    return a;
  }
  static Ipv6Addr src_of(const std::vector<uint8_t>& f, size_t l3 = 14) {
    Ipv6Addr a;
    std::copy(f.begin() + l3 + 8, f.begin() + l3 + 24, a.b.begin());
    return a;
  }
  static FrameSpec client(uint32_t i) {
    FrameSpec s;
    s.src = *Ipv6Addr::parse("2001:db8:c::" + std::to_string(i % 60000 + 1));
    s.sport = uint16_t(10000 + i / 60000);
    return s;
  }
  Geometry geo_ = geo();
  Config cfg_;
  Plan plan_;
  Pipeline dp_;
};

TEST_F(PipelineTest, ForwardRewriteToBackend) {
  FrameSpec s = client(1);
  s.payload_len = 100;
  auto f = build_frame(s);
  const auto orig = f;
  ASSERT_EQ(run(f), Verdict::kForward);
  const Ipv6Addr d = dst_of(f);
  int idx = -1;
  for (int i = 0; i < 3; ++i)
    if (d == cfg_.services[0].backends[i].address) idx = i;
  ASSERT_GE(idx, 0) << d.str();
  EXPECT_TRUE(std::equal(f.begin(), f.begin() + 6, cfg_.services[0].backends[idx].mac.b.begin()));
  EXPECT_TRUE(std::equal(f.begin() + 6, f.begin() + 12, cfg_.card.mac.b.begin()));
  EXPECT_EQ(f[14 + 7], s.hop_limit - 1);
  EXPECT_EQ(src_of(f), s.src);  // the client's address is never changed
  EXPECT_EQ(load_be16(&f[54]), s.sport);
  EXPECT_EQ(load_be16(&f[56]), 8080);
  EXPECT_EQ(test::carried_l4_checksum(f), test::full_l4_checksum(f));
  // Payload untouched.
  EXPECT_TRUE(std::equal(f.begin() + 74, f.end(), orig.begin() + 74));
  EXPECT_EQ(dp_.counter(Counter::kFlowsLearned), 1u);
  EXPECT_EQ(dp_.service_counters(0).packets, 1u);
  EXPECT_EQ(dp_.service_counters(0).new_flows, 1u);
}

TEST_F(PipelineTest, ReplyRewrittenBackToVip) {
  FrameSpec s = client(2);
  auto f = build_frame(s);
  ASSERT_EQ(run(f), Verdict::kForward);
  FrameSpec r;
  r.src = dst_of(f);
  r.dst = s.src;
  r.sport = 8080;
  r.dport = s.sport;
  r.tcp_flags = 0x12;
  r.src_mac = *MacAddr::parse("02:00:00:00:01:10");
  auto rf = build_frame(r);
  ASSERT_EQ(run(rf), Verdict::kForward);
  EXPECT_EQ(src_of(rf), cfg_.services[0].vip);
  EXPECT_EQ(load_be16(&rf[54]), 80);
  EXPECT_EQ(dst_of(rf), s.src);
  EXPECT_TRUE(std::equal(rf.begin(), rf.begin() + 6, cfg_.card.router_mac.b.begin()));
  EXPECT_EQ(test::carried_l4_checksum(rf), test::full_l4_checksum(rf));
  EXPECT_EQ(dp_.counter(Counter::kReplyPackets), 1u);
  EXPECT_EQ(dp_.service_counters(0).reply_packets, 1u);
}

TEST_F(PipelineTest, UnknownTrafficIsDroppedAsNoService) {
  FrameSpec s = client(3);
  s.dport = 81;  // not a service port
  auto f = build_frame(s);
  EXPECT_EQ(run(f), Verdict::kDrop);
  // From a backend's address but not from its service port: no flow, no reverse entry.
  FrameSpec r;
  r.src = *Ipv6Addr::parse("2001:db8:1::10");
  r.dst = *Ipv6Addr::parse("2001:db8:c::77");
  r.sport = 9999;
  f = build_frame(r);
  EXPECT_EQ(run(f), Verdict::kDrop);
  EXPECT_EQ(dp_.counter(Counter::kDropNoService), 2u);
}

TEST_F(PipelineTest, RepliesNeedTheFlowOfThatVeryBackend) {
  // No client packet came first: a reply from a backend's own address and port is not
  // translated (there is no stateless path), whichever service the backend serves.
  FrameSpec r;
  r.src = cfg_.services[0].backends[1].address;
  r.dst = *Ipv6Addr::parse("2001:db8:c::99");
  r.sport = 8080;
  r.dport = 4444;
  r.tcp_flags = 0x12;
  auto f = build_frame(r);
  EXPECT_EQ(run(f), Verdict::kDrop);
  EXPECT_EQ(dp_.counter(Counter::kDropNoService), 1u);

  // A client's flow lands on one backend; a reply to that client from any other backend of the
  // service is dropped, the one from its own backend translated.
  FrameSpec c = client(9);
  c.src = r.dst;
  c.sport = r.dport;
  f = build_frame(c);
  ASSERT_EQ(run(f), Verdict::kForward);
  const Ipv6Addr own = dst_of(f);
  int others = 0;
  for (const BackendConfig& b : cfg_.services[0].backends) {
    r.src = b.address;
    r.sport = b.port;
    f = build_frame(r);
    const Verdict v = run(f);
    if (b.address == own) {
      EXPECT_EQ(v, Verdict::kForward);
      EXPECT_EQ(src_of(f), cfg_.services[0].vip);
    } else {
      EXPECT_EQ(v, Verdict::kDrop) << b.address.str();
      ++others;
    }
  }
  ASSERT_GT(others, 0);
  EXPECT_EQ(dp_.counter(Counter::kReplyPackets), 1u);
  EXPECT_EQ(dp_.counter(Counter::kDropNoService), uint64_t(1 + others));
}

TEST_F(PipelineTest, RepliesNeverOutliveTheForwardEntry) {
  // The reply entry is written with the forward entry's deadline and only by the client's
  // packets: replies alone do not keep it, so after T + T/8 of client silence they are dropped
  // even though the backend kept sending, and the client's next packet makes them pass again.
  FrameSpec c = client(11);
  auto f = build_frame(c);
  ASSERT_EQ(run(f, 1000), Verdict::kForward);
  FrameSpec r;
  r.src = dst_of(f);
  r.dst = c.src;
  r.sport = 8080;
  r.dport = c.sport;
  const uint32_t t = cfg_.services[0].idle_timeout_ms, life = t + t / 8;
  uint32_t tick = 1000;
  for (; tick <= 1000 + life; tick += t / 4) {
    f = build_frame(r);
    EXPECT_EQ(run(f, tick), Verdict::kForward) << tick;
  }
  f = build_frame(r);
  EXPECT_EQ(run(f, 1000 + life + 1), Verdict::kDrop);
  f = build_frame(c);
  ASSERT_EQ(run(f, 1000 + life + 2), Verdict::kForward);
  f = build_frame(r);
  EXPECT_EQ(run(f, 1000 + life + 3), Verdict::kForward);
  // Every reply entry deadline equals its forward entry's.
  for (const FlowEntry& e : dp_.reply_flows().entries())
    if (e.valid) {
      bool found = false;
      for (const FlowEntry& fe : dp_.forward_flows().entries())
        found |= fe.valid && fe.deadline == e.deadline;
      EXPECT_TRUE(found);
    }
}

TEST_F(PipelineTest, ExceptionsArePuntedUnchanged) {
  FrameSpec s = client(4);
  s.proto = 58;
  auto f = build_frame(s);
  const auto orig = f;
  EXPECT_EQ(run(f), Verdict::kPunt);
  EXPECT_EQ(f, orig);
  s = client(4);
  s.dst = cfg_.card.address;
  f = build_frame(s);
  EXPECT_EQ(run(f), Verdict::kPunt);
  s = client(4);
  s.hop_limit = 1;
  f = build_frame(s);
  EXPECT_EQ(run(f), Verdict::kPunt);
  EXPECT_EQ(dp_.counter(Counter::kPuntIcmp), 1u);
  EXPECT_EQ(dp_.counter(Counter::kPuntLocal), 1u);
  EXPECT_EQ(dp_.counter(Counter::kPuntHopLimit), 1u);
  EXPECT_EQ(dp_.counter(Counter::kPuntPackets), 3u);
}

TEST_F(PipelineTest, SpoofedAndBadSourcesAreDroppedWithTheirCounters) {
  // A VIP as source, to a service or as a "reply": dropped, no flow learned.
  for (const ServiceConfig& sc : cfg_.services) {
    FrameSpec s = client(5);
    s.src = sc.vip;
    auto f = build_frame(s);
    const auto orig = f;
    EXPECT_EQ(run(f), Verdict::kDrop);
    EXPECT_EQ(f, orig);
    s.proto = 17;
    s.dport = 53;
    s.dst = cfg_.services[1].vip;
    f = build_frame(s);
    EXPECT_EQ(run(f), Verdict::kDrop);
    s = client(5);
    s.src = sc.vip;
    s.dst = cfg_.card.address;  // to the card: dropped, not punted
    f = build_frame(s);
    EXPECT_EQ(run(f), Verdict::kDrop);
    s.proto = 58;  // ICMPv6 is punted whatever its source
    f = build_frame(s);
    EXPECT_EQ(run(f), Verdict::kPunt);
  }
  EXPECT_EQ(dp_.counter(Counter::kDropSpoofed), 6u);
  EXPECT_EQ(dp_.counter(Counter::kFlowsLearned), 0u);
  EXPECT_EQ(dp_.counter(Counter::kPuntLocal), 2u);
  // The card's own address: spoofed too (decided by the parser).
  FrameSpec s = client(6);
  s.src = cfg_.card.address;
  auto f = build_frame(s);
  EXPECT_EQ(run(f), Verdict::kDrop);
  EXPECT_EQ(dp_.counter(Counter::kDropSpoofed), 7u);
  // A VIP no longer configured is an ordinary source.
  Config c = cfg_;
  c.services.pop_back();  // dns gone
  write_plan(make_plan(c, geo()), dp_);
  s = client(7);
  s.src = cfg_.services[1].vip;
  f = build_frame(s);
  EXPECT_EQ(run(f), Verdict::kForward);
  s.src = cfg_.services[0].vip;
  f = build_frame(s);
  EXPECT_EQ(run(f), Verdict::kDrop);
  EXPECT_EQ(dp_.counter(Counter::kDropSpoofed), 8u);
  // Multicast, loopback, unspecified.
  for (const char* a : {"ff02::1", "::1", "::"}) {
    s = client(8);
    s.src = *Ipv6Addr::parse(a);
    f = build_frame(s);
    EXPECT_EQ(run(f), Verdict::kDrop) << a;
  }
  EXPECT_EQ(dp_.counter(Counter::kDropBadSource), 3u);
  // DAD's Neighbor Solicitation from :: is punted.
  s = client(9);
  s.src = *Ipv6Addr::parse("::");
  s.dst = *Ipv6Addr::parse("ff02::1:ff00:1");
  s.dst_mac = *MacAddr::parse("33:33:ff:00:00:01");
  s.proto = 58;
  s.hop_limit = 255;
  f = build_frame(s);
  EXPECT_EQ(run(f), Verdict::kPunt);
  EXPECT_EQ(dp_.counter(Counter::kDropBadSource), 3u);
  EXPECT_EQ(dp_.counter(Counter::kPuntIcmp), 1u);
  uint64_t sum = dp_.counter(Counter::kFwdPackets) + dp_.counter(Counter::kPuntPackets);
  for (Counter k : {Counter::kDropMalformed, Counter::kDropNotIpv6, Counter::kDropWrongMac,
                    Counter::kDropBadSource, Counter::kDropSpoofed, Counter::kDropNoService,
                    Counter::kDropNoBackend})
    sum += dp_.counter(k);
  EXPECT_EQ(sum, dp_.counter(Counter::kRxPackets)) << "one reason per frame";
}

TEST_F(PipelineTest, BadTcpDataOffsetAndUdpLengthAreMalformed) {
  FrameSpec s = client(10);
  s.payload_len = 8;
  auto f = build_frame(s);
  f[54 + 12] = 0x80;  // 32 bytes of header in a 28-byte segment: the user's report
  EXPECT_EQ(run(f), Verdict::kDrop);
  f = build_frame(s);
  f[54 + 12] = 0x40;
  EXPECT_EQ(run(f), Verdict::kDrop);
  f = build_frame(s);
  f[54 + 12] = 0x70;  // 28 bytes: fits exactly
  EXPECT_EQ(run(f), Verdict::kForward);
  s.proto = 17;
  s.dport = 53;
  s.dst = cfg_.services[1].vip;
  f = build_frame(s);
  store_be16(&f[54 + 4], 0);
  EXPECT_EQ(run(f), Verdict::kDrop);
  f = build_frame(s);
  store_be16(&f[54 + 4], 17);
  EXPECT_EQ(run(f), Verdict::kDrop);
  EXPECT_EQ(dp_.counter(Counter::kDropMalformed), 4u);
  EXPECT_EQ(dp_.counter(Counter::kFlowsLearned), 1u);
}

TEST_F(PipelineTest, FlowsStickAcrossBackendSetChange) {
  // Learn 200 flows, then add a backend (new Maglev table): every learned flow keeps its backend.
  std::map<uint32_t, Ipv6Addr> first;
  for (uint32_t i = 0; i < 200; ++i) {
    auto f = build_frame(client(i));
    ASSERT_EQ(run(f, 10), Verdict::kForward);
    first[i] = dst_of(f);
  }
  Config c2 = cfg_;
  BackendConfig extra = c2.services[0].backends[0];
  extra.address = *Ipv6Addr::parse("2001:db8:1::13");
  c2.services[0].backends.push_back(extra);
  Plan p2 = make_plan(c2, geo());
  write_plan(p2, dp_);
  size_t to_new = 0;
  for (uint32_t i = 0; i < 200; ++i) {
    auto f = build_frame(client(i));
    ASSERT_EQ(run(f, 20), Verdict::kForward);
    EXPECT_EQ(dst_of(f), first[i]) << i;
  }
  // New flows do reach the new backend.
  for (uint32_t i = 1000; i < 1400; ++i) {
    auto f = build_frame(client(i));
    run(f, 20);
    to_new += dst_of(f) == extra.address;
  }
  EXPECT_GT(to_new, 40u);
}

TEST_F(PipelineTest, AgingForgetsIdleFlows) {
  auto f = build_frame(client(5));
  run(f, 1000);
  EXPECT_EQ(dp_.counter(Counter::kFlowsLearned), 1u);
  const uint32_t t = 240000, life = t + t / 8;
  f = build_frame(client(5));
  run(f, 1000 + life);  // idle T + T/8: still there, and refreshed (remaining life <= T)
  EXPECT_EQ(dp_.counter(Counter::kFlowsLearned), 1u);
  f = build_frame(client(5));
  run(f, 1000 + life + 10);  // not refreshed again: plenty of life left
  uint32_t deadline = 0;
  for (const FlowEntry& e : dp_.forward_flows().entries())
    if (e.valid) deadline = e.deadline;
  EXPECT_EQ(deadline, 1000 + life + life);  // from the refresh at 1000 + life
  f = build_frame(client(5));
  run(f, 1000 + 2 * life + 1);  // idle longer than T + T/8 since the refresh: learned again
  EXPECT_EQ(dp_.counter(Counter::kFlowsLearned), 2u);
  EXPECT_EQ(dp_.age(1000 + 4 * life), 2u);  // forward + reply reclaimed
}

TEST_F(PipelineTest, FullTableDropsNewFlowsUntilRoomIsFree) {
  // Fill every way of every set, then keep sending: a flow that cannot be stored is dropped and
  // counted, never forwarded without state; the flows that were stored keep going.
  const uint32_t capacity = geo().flow_sets * geo().flow_ways;
  uint64_t forwarded = 0;
  for (uint32_t i = 0; i < capacity * 3; ++i) {
    auto f = build_frame(client(i));
    forwarded += run(f, 100) == Verdict::kForward;
  }
  const uint64_t learned = dp_.counter(Counter::kFlowsLearned);
  EXPECT_LE(learned, capacity);
  EXPECT_EQ(forwarded, learned);
  EXPECT_EQ(dp_.counter(Counter::kDropFlowTableFull), capacity * 3 - learned);
  EXPECT_GE(dp_.counter(Counter::kFlowTableFull), capacity * 3 - learned);
  EXPECT_EQ(dp_.forward_flows().occupancy(), learned);
  EXPECT_EQ(dp_.service_counters(0).packets, learned);
  // Stored flows still pass; a dropped one is dropped again, then finds room once the stored
  // ones have expired (the client's retry).
  uint32_t stored = capacity * 3, lost = capacity * 3;
  for (uint32_t i = 0; i < capacity * 3 && (stored == capacity * 3 || lost == capacity * 3); ++i) {
    auto f = build_frame(client(i));
    (run(f, 101) == Verdict::kForward ? stored : lost) = i;
  }
  ASSERT_LT(stored, capacity * 3);
  ASSERT_LT(lost, capacity * 3);
  const uint32_t t = cfg_.services[0].idle_timeout_ms;
  auto f = build_frame(client(lost));
  EXPECT_EQ(run(f, 101 + t + t / 8 + 1), Verdict::kForward);
}

TEST_F(PipelineTest, SharedBackendRepliesGoToTheRightVip) {
  // Two services share one backend address and port; each reply must leave with its own VIP.
  Config c = cfg_;
  ServiceConfig alt = c.services[0];
  alt.name = "alt";
  alt.vip = *Ipv6Addr::parse("2001:db8::200");
  alt.backends.resize(1);
  c.services[0].backends.resize(1);
  c.services.push_back(alt);
  write_plan(make_plan(c, geo()), dp_);
  for (uint32_t i = 0; i < 50; ++i) {
    for (int svc : {0, 2}) {
      FrameSpec s = client(i);
      s.sport = uint16_t(20000 + i * 2 + (svc ? 1 : 0));
      s.dst = c.services[svc].vip;
      auto f = build_frame(s);
      ASSERT_EQ(run(f), Verdict::kForward);
      FrameSpec r;
      r.src = dst_of(f);
      r.dst = s.src;
      r.sport = 8080;
      r.dport = s.sport;
      auto rf = build_frame(r);
      ASSERT_EQ(run(rf), Verdict::kForward);
      EXPECT_EQ(src_of(rf), c.services[svc].vip);
    }
  }
}

TEST_F(PipelineTest, SourceIpSchedulerIgnoresPorts) {
  std::map<std::string, std::set<std::string>> by_client;
  for (uint32_t c = 0; c < 50; ++c)
    for (uint16_t port = 1000; port < 1020; ++port) {
      FrameSpec s;
      s.proto = 17;
      s.src = *Ipv6Addr::parse("2001:db8:c::" + std::to_string(c + 1));
      s.dst = cfg_.services[1].vip;
      s.sport = port;
      s.dport = 53;
      auto f = build_frame(s);
      // Each flow after the earlier ones expired (DNS: 3 s), so none meets a full set.
      ASSERT_EQ(run(f, 1000 + (c * 20 + port) * 4000), Verdict::kForward);
      by_client[s.src.str()].insert(dst_of(f).str());
    }
  std::set<std::string> used;
  for (auto& [c, backends] : by_client) {
    EXPECT_EQ(backends.size(), 1u) << c;
    used.insert(*backends.begin());
  }
  EXPECT_EQ(used.size(), 2u);
}

TEST_F(PipelineTest, DownBackendFlowsMoveAndDrainKeepsFlows) {
  std::map<uint32_t, Ipv6Addr> first;
  for (uint32_t i = 0; i < 300; ++i) {
    auto f = build_frame(client(i));
    run(f, 10);
    first[i] = dst_of(f);
  }
  // Backend 1 goes down, backend 2 drains (weight 0).
  Config c = cfg_;
  c.services[0].backends[2].weight = 0;
  BackendUp up = {{true, false, true}, {true, true}};
  write_plan(make_plan(c, geo(), &up), dp_);
  const Ipv6Addr down = c.services[0].backends[1].address;
  const Ipv6Addr drained = c.services[0].backends[2].address;
  for (uint32_t i = 0; i < 300; ++i) {
    auto f = build_frame(client(i));
    ASSERT_EQ(run(f, 20), Verdict::kForward);
    const Ipv6Addr now = dst_of(f);
    EXPECT_NE(now, down);
    if (first[i] != down) {
      EXPECT_EQ(now, first[i]) << i;  // drained and healthy flows stay
    }
  }
  for (uint32_t i = 5000; i < 5300; ++i) {
    auto f = build_frame(client(i));
    run(f, 20);
    EXPECT_NE(dst_of(f), drained);
    EXPECT_NE(dst_of(f), down);
  }
}

TEST_F(PipelineTest, NoBackendAtAllDrops) {
  Config c = cfg_;
  for (auto& b : c.services[0].backends) b.weight = 0;
  write_plan(make_plan(c, geo()), dp_);
  auto f = build_frame(client(9));
  EXPECT_EQ(run(f), Verdict::kDrop);
  EXPECT_EQ(dp_.counter(Counter::kDropNoBackend), 1u);
}

TEST_F(PipelineTest, BankFlipIsAtomicPerService) {
  // The inactive bank can be written freely; packets only see the active one.
  const uint32_t svc = 0, active = dp_.active_bank(svc);
  std::vector<uint16_t> junk(geo().maglev_size, 2);  // all to backend slot 2
  dp_.write_maglev(svc, active ^ 1, 0, junk);
  for (uint32_t i = 0; i < 100; ++i) {
    auto f = build_frame(client(7000 + i));
    run(f);
  }
  EXPECT_GT(dp_.backend_counters(0).packets + dp_.backend_counters(1).packets, 0u);
  dp_.set_active_bank(svc, active ^ 1);
  const uint64_t before = dp_.backend_counters(2).packets;
  for (uint32_t i = 0; i < 100; ++i) {
    auto f = build_frame(client(8000 + i));
    run(f);
  }
  EXPECT_EQ(dp_.backend_counters(2).packets - before, 100u);
}

TEST_F(PipelineTest, BurstEqualsOneByOne) {
  // Back-to-back packets of one new flow in one burst behave like sequential processing.
  Pipeline other(geo());
  write_plan(plan_, other);
  std::vector<std::vector<uint8_t>> a, b;
  for (uint32_t i = 0; i < 300; ++i) {
    FrameSpec s = client(i % 37);
    s.payload_len = i % 50;
    a.push_back(build_frame(s));
    b.push_back(a.back());
  }
  std::vector<Packet> burst;
  burst.reserve(a.size());
  for (auto& f : a) burst.push_back({f.data(), uint16_t(f.size())});
  dp_.process(burst, 5);
  for (auto& f : b) {
    Packet p{f.data(), uint16_t(f.size())};
    other.process({&p, 1}, 5);
  }
  EXPECT_EQ(a, b);
  EXPECT_EQ(dp_.counters(), other.counters());
  EXPECT_EQ(dp_.counter(Counter::kFlowsLearned), 37u);
}

}  // namespace
}  // namespace v6lb

namespace v6lb {
namespace {

TEST(Slots, KeptAcrossReloadsAndQuarantined) {
  Config c = example_config();
  Geometry g;
  g.services = 8;
  g.backends = 16;
  g.maglev_size = 251;
  const auto a = assign_slots(c, g);
  ASSERT_TRUE(a);
  // Insert a backend at the front of 'web' and drop its last one: the others keep their slots.
  Config d = c;
  BackendConfig extra = d.services[0].backends[0];
  extra.address = *Ipv6Addr::parse("2001:db8:1::99");
  d.services[0].backends.insert(d.services[0].backends.begin(), extra);
  d.services[0].backends.pop_back();
  std::vector<bool> quarantine(g.backends, false);
  const uint32_t dropped = a->backends.at({"web", c.services[0].backends[2].address, 8080});
  quarantine[dropped] = true;
  const auto b = assign_slots(d, g, &*a, &quarantine);
  ASSERT_TRUE(b);
  for (int i = 0; i < 2; ++i) {
    const SlotMap::BackendKey k{"web", c.services[0].backends[i].address, 8080};
    EXPECT_EQ(a->backends.at(k), b->backends.at(k));
  }
  EXPECT_EQ(a->services.at("dns"), b->services.at("dns"));
  const uint32_t new_slot = b->backends.at({"web", extra.address, 8080});
  EXPECT_NE(new_slot, dropped);  // quarantined: flows may still name it
  for (const auto& [k, s] : a->backends)
    EXPECT_TRUE(new_slot != s || std::get<1>(k) == extra.address);
  g.backends = 5;
  EXPECT_FALSE(assign_slots(d, g, &*a, &quarantine));  // 5 backends + 1 quarantined > 5 slots
}

TEST(PlanDiff, WritesOnlyWhatChangedAndEndsWhereAFullWriteWould) {
  Geometry g;
  g.services = 8;
  g.backends = 32;
  g.maglev_size = 251;
  g.flow_sets = 64;
  const Config c = example_config();
  const auto slots = assign_slots(c, g);
  const Plan a = make_plan(c, g, nullptr, &*slots);
  Pipeline dp(g);
  write_plan(a, dp);
  // One backend of 'web' goes down: its slot and the web Maglev table change, nothing else.
  BackendUp up = {{true, false, true}, {true, true}};
  const Plan b = make_plan(c, g, &up, &*slots);
  EXPECT_EQ(write_plan_diff(a, b, dp), 2u);
  Pipeline fresh(g);
  write_plan(b, fresh);
  for (const auto& ps : b.services) {
    EXPECT_TRUE(std::equal(dp.maglev(ps.slot, dp.active_bank(ps.slot)).begin(),
                           dp.maglev(ps.slot, dp.active_bank(ps.slot)).end(),
                           fresh.maglev(ps.slot, fresh.active_bank(ps.slot)).begin()));
    for (const auto& pb : ps.backends)
      EXPECT_EQ(dp.backend(pb.slot).valid, fresh.backend(pb.slot).valid);
  }
  EXPECT_EQ(write_plan_diff(b, b, dp), 0u);
  // Removing a service invalidates its slot and its backends' slots.
  Config d = c;
  d.services.pop_back();
  const auto s2 = assign_slots(d, g, &*slots);
  const Plan e = make_plan(d, g, nullptr, &*s2);
  write_plan_diff(b, e, dp);
  EXPECT_FALSE(dp.service(slots->services.at("dns")).valid);
  EXPECT_FALSE(
      dp.backend(slots->backends.at({"dns", c.services[1].backends[0].address, 53})).valid);
}

}  // namespace
}  // namespace v6lb
