// Differential tests: the Verilated card against the reference pipeline, programmed from the same
// plan, fed the same frames. Forwarded and punted frames must be byte-identical and in the same
// order, and every counter equal, at DATA_WIDTH 64 and 512, with random input gaps and random
// output backpressure.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "frame_builder.h"
#include "v6lb/card_tables.h"
#include "v6lb/pipeline.h"
#include "v6lb/program.h"
#include "v6lb/sim_device.h"
#include "v6lb/stats_json.h"

namespace v6lb {
namespace {

using test::build_frame;
using test::FrameSpec;

struct Input {
  std::vector<uint8_t> frame;
  uint32_t tick;
};

Config test_config() {
  Config c;
  c.card = {*MacAddr::parse("02:00:00:00:00:01"), *Ipv6Addr::parse("2001:db8:ff::1"),
            *MacAddr::parse("02:00:00:00:00:fe")};
  auto backend = [](const char* a, uint16_t port, uint32_t w, const char* mac) {
    BackendConfig b;
    b.address = *Ipv6Addr::parse(a);
    b.port = port;
    b.weight = w;
    b.mac = *MacAddr::parse(mac);
    return b;
  };
  ServiceConfig web;
  web.name = "web";
  web.vip = *Ipv6Addr::parse("2001:db8::100");
  web.protocol = L4Proto::kTcp;
  web.port = 80;
  web.idle_timeout_ms = 5000;
  web.backends = {backend("2001:db8:1::10", 8080, 100, "02:00:00:00:01:10"),
                  backend("2001:db8:1::11", 8080, 100, "02:00:00:00:01:11"),
                  backend("2001:db8:1::12", 8081, 50, "02:00:00:00:01:12")};
  ServiceConfig dns;
  dns.name = "dns";
  dns.vip = *Ipv6Addr::parse("2001:db8::53");
  dns.protocol = L4Proto::kUdp;
  dns.port = 53;
  dns.scheduler = Scheduler::kSourceIp;
  dns.idle_timeout_ms = 3000;
  dns.backends = {backend("2001:db8:2::20", 53, 1, "02:00:00:00:02:20"),
                  backend("2001:db8:2::21", 5353, 1, "02:00:00:00:02:21")};
  ServiceConfig ssh;  // a second service on the web backends' address: replies must pick the VIP
  ssh.name = "ssh";
  ssh.vip = *Ipv6Addr::parse("2001:db8::22");
  ssh.protocol = L4Proto::kTcp;
  ssh.port = 22;
  ssh.scheduler = Scheduler::kSourceIpProto;
  ssh.idle_timeout_ms = 60000;
  ssh.backends = {backend("2001:db8:1::10", 22, 1, "02:00:00:00:01:10")};
  c.services = {web, dns, ssh};
  return c;
}

// Every class of the design table, a few of each.
void add_class_frames(std::vector<Input>& in, std::mt19937& rng, uint32_t tick) {
  const Config cfg = test_config();
  auto push = [&](std::vector<uint8_t> f) { in.push_back({std::move(f), tick}); };
  FrameSpec base;
  push(std::vector<uint8_t>(13, 0xAB));  // truncated Ethernet
  {
    auto f = build_frame(base);
    f[14] = 0x40;  // version 4
    push(f);
    f = build_frame(base);
    store_be16(&f[18], 200);  // payload length beyond the frame
    push(f);
  }
  {
    FrameSpec s;
    s.proto = 17;
    s.dport = 53;
    s.dst = cfg.services[1].vip;
    auto f = build_frame(s);
    f[54 + 6] = f[54 + 7] = 0;  // UDP checksum 0
    push(f);
  }
  {
    FrameSpec s;
    s.ethertype = 0x0806;
    push(build_frame(s));
    s = base;
    s.dst_mac = *MacAddr::parse("02:00:00:00:00:77");
    push(build_frame(s));
    s = base;
    s.dst_mac = *MacAddr::parse("33:33:00:00:00:01");  // multicast: accepted
    push(build_frame(s));
  }
  {
    FrameSpec s;
    s.proto = 58;
    push(build_frame(s));
    s = base;
    s.ext = {{44}};
    push(build_frame(s));
    s.ext = {{0, 0}, {60, 0}, {43, 0}, {60, 0}, {60, 0}};
    push(build_frame(s));
    s.ext = {{60, 24}};
    push(build_frame(s));
    s = base;
    s.hop_limit = 1;
    push(build_frame(s));
    s = base;
    s.dst = cfg.card.address;
    push(build_frame(s));
    s = base;
    s.proto = 50;
    s.payload_len = 20;
    push(build_frame(s));
    s = base;
    s.dport = 8080;  // no service
    push(build_frame(s));
    s = base;
    s.vlan = true;
    s.ext = {{0, 0}, {60, 2}};
    s.payload_len = uint32_t(rng() % 300);
    push(build_frame(s));
    s = base;
    s.payload_len = 10240 - 74 + 1;  // over MAX_FRAME
    push(build_frame(s));
  }
}

// Client traffic and the backends' replies. Replies are aimed at the backend the model picks,
// found by running the client frames through a scratch model first.
std::vector<Input> make_traffic(uint32_t flows, uint64_t seed, const Geometry& geo) {
  std::mt19937 rng{uint32_t(seed)};
  const Config cfg = test_config();
  std::vector<Input> in;
  add_class_frames(in, rng, 1000);
  struct Flow {
    FrameSpec spec;
    int svc;
  };
  std::vector<Flow> fl;
  for (uint32_t i = 0; i < flows; ++i) {
    FrameSpec s;
    const int svc = rng() % 10 < 7 ? 0 : rng() % 3 ? 1 : 2;
    s.src = *Ipv6Addr::parse("2001:db8:c::");
    store_be16(&s.src.b[12], uint16_t(rng()));
    store_be16(&s.src.b[14], uint16_t(i));
    s.dst = cfg.services[svc].vip;
    s.proto = uint8_t(cfg.services[svc].protocol);
    s.dport = cfg.services[svc].port;
    s.sport = uint16_t(1024 + rng() % 60000);
    s.vlan = rng() % 8 == 0;
    if (rng() % 8 == 0) s.ext.push_back({uint8_t(rng() % 2 ? 0 : 60), uint8_t(rng() % 3)});
    fl.push_back({s, svc});
  }
  // Interleave: each flow sends 1-4 packets spread in time, sometimes two back to back (the
  // second must see the entry the first learned a cycle earlier). Time advances ~1 ms a frame, so
  // between rounds some flows expire (3-5 s timeouts), some are due for a refresh, some not.
  uint32_t tick = 2000;
  std::vector<Input> client;
  for (int round = 0; round < 4; ++round)
    for (uint32_t i = 0; i < flows; ++i) {
      if (round > 0 && rng() % 3 == 0) continue;
      FrameSpec s = fl[i].spec;
      s.payload_len = uint32_t(rng() % (rng() % 10 == 0 ? 1400 : 120));
      s.payload_seed = uint8_t(rng());
      s.tcp_flags = round == 0 ? 0x02 : 0x10;
      tick += rng() % 3;
      client.push_back({build_frame(s), tick});
      if (rng() % 4 == 0) {
        s.payload_seed = uint8_t(rng());
        client.push_back({build_frame(s), tick});
      }
    }
  // Which backend got each flow: run a scratch model.
  Pipeline scratch(geo);
  write_plan(make_plan(cfg, geo), scratch);
  std::map<std::pair<std::string, uint16_t>, std::pair<Ipv6Addr, uint16_t>> chosen;
  for (const Input& c : client) {
    auto f = c.frame;
    Packet p{f.data(), uint16_t(f.size())};
    scratch.process({&p, 1}, c.tick);
    if (p.verdict != Verdict::kForward) continue;
    const ParsedFrame pf = parse_frame(f, {});
    Ipv6Addr src, dst;
    std::copy(f.begin() + pf.l3_off + 8, f.begin() + pf.l3_off + 24, src.b.begin());
    std::copy(f.begin() + pf.l3_off + 24, f.begin() + pf.l3_off + 40, dst.b.begin());
    chosen[{src.str(), load_be16(&f[pf.l4_off])}] = {dst, load_be16(&f[pf.l4_off + 2])};
  }
  // Merge client frames with replies (from the chosen backend, and sometimes a wrong one).
  for (const Input& c : client) {
    in.push_back(c);
    if (rng() % 2) continue;
    const ParsedFrame pf = parse_frame(c.frame, {});
    Ipv6Addr src;
    std::copy(c.frame.begin() + pf.l3_off + 8, c.frame.begin() + pf.l3_off + 24, src.b.begin());
    const uint16_t sport = load_be16(&c.frame[pf.l4_off]);
    auto it = chosen.find({src.str(), sport});
    if (it == chosen.end()) continue;
    FrameSpec r;
    r.src = it->second.first;
    r.dst = src;
    r.sport = it->second.second;
    r.dport = sport;
    r.proto = pf.proto;
    r.tcp_flags = 0x12;
    r.payload_len = uint32_t(rng() % 200);
    if (rng() % 10 == 0) r.sport ^= 1;  // not a flow: dropped
    in.push_back({build_frame(r), c.tick});
  }
  return in;
}

struct Result {
  std::vector<std::vector<uint8_t>> fwd, punt;
  DataPlaneStats stats;
};

Result run_model(const std::vector<Input>& in, const Geometry& geo) {
  const Config cfg = test_config();
  Pipeline dp(geo);
  const Plan plan = make_plan(cfg, geo);
  write_plan(plan, dp);
  Result r;
  for (const Input& x : in) {
    auto f = x.frame;
    Packet p{f.data(), uint16_t(f.size())};
    dp.process({&p, 1}, x.tick);
    if (p.verdict == Verdict::kForward) r.fwd.push_back(f);
    if (p.verdict == Verdict::kPunt) r.punt.push_back(f);
  }
  r.stats = read_stats(dp, plan);
  return r;
}

Result run_rtl(const std::vector<Input>& in, const SimOptions& so) {
  const Config cfg = test_config();
  SimDevice dev(SimCard::create(so));
  CardTables tables(dev);
  const Plan plan = make_plan(cfg, tables.geometry());
  write_plan(plan, tables);
  tables.set_control(false, true);
  SimCard& card = dev.card();
  Result r;
  for (size_t i = 0; i < in.size(); ++i) {
    card.send(in[i].frame, in[i].tick);
    if (i % 512 == 511) EXPECT_TRUE(card.drain());
  }
  EXPECT_TRUE(card.drain());
  for (auto& f : card.take_forwarded()) r.fwd.push_back(std::move(f.data));
  for (auto& f : card.take_punted()) r.punt.push_back(std::move(f.data));
  r.stats = tables.read_stats(plan);
  return r;
}

void expect_same(const Result& m, const Result& h) {
  ASSERT_EQ(m.fwd.size(), h.fwd.size());
  for (size_t i = 0; i < m.fwd.size(); ++i) ASSERT_EQ(m.fwd[i], h.fwd[i]) << "forwarded frame " << i;
  ASSERT_EQ(m.punt.size(), h.punt.size());
  for (size_t i = 0; i < m.punt.size(); ++i) ASSERT_EQ(m.punt[i], h.punt[i]) << "punted frame " << i;
  for (size_t i = 0; i < kNumCounters; ++i)
    EXPECT_EQ(m.stats.global[i], h.stats.global[i]) << kCounterNames[i];
  for (size_t s = 0; s < m.stats.services.size(); ++s) {
    EXPECT_EQ(m.stats.services[s].packets, h.stats.services[s].packets);
    EXPECT_EQ(m.stats.services[s].bytes, h.stats.services[s].bytes);
    EXPECT_EQ(m.stats.services[s].new_flows, h.stats.services[s].new_flows);
    EXPECT_EQ(m.stats.services[s].reply_packets, h.stats.services[s].reply_packets);
    EXPECT_EQ(m.stats.services[s].reply_bytes, h.stats.services[s].reply_bytes);
    for (size_t b = 0; b < m.stats.backends[s].size(); ++b) {
      EXPECT_EQ(m.stats.backends[s][b].packets, h.stats.backends[s][b].packets);
      EXPECT_EQ(m.stats.backends[s][b].bytes, h.stats.backends[s][b].bytes);
      EXPECT_EQ(m.stats.backends[s][b].reply_packets, h.stats.backends[s][b].reply_packets);
      EXPECT_EQ(m.stats.backends[s][b].new_flows, h.stats.backends[s][b].new_flows);
    }
  }
  EXPECT_EQ(m.stats.flows_forward, h.stats.flows_forward);
  EXPECT_EQ(m.stats.flows_reply, h.stats.flows_reply);
}

Geometry sim_geometry() { return Geometry{}; }  // the sim build uses the model's defaults

class Differential : public ::testing::TestWithParam<std::tuple<int, bool>> {};

TEST_P(Differential, ModelAndRtlAgree) {
  const auto [width, stress] = GetParam();
  const auto in = make_traffic(stress ? 3000 : 10000, 7 + width, sim_geometry());
  SimOptions so;
  so.data_width = width;
  if (stress) {
    so.input_gap = 0.3;
    so.output_ready = 0.6;
    so.seed = 99;
  }
  const Result m = run_model(in, sim_geometry());
  const Result h = run_rtl(in, so);
  EXPECT_GT(m.fwd.size(), in.size() / 2);
  EXPECT_GT(m.stats.global[size_t(Counter::kReplyPackets)], 100u);
  expect_same(m, h);
}

INSTANTIATE_TEST_SUITE_P(Widths, Differential,
                         ::testing::Combine(::testing::Values(64, 512), ::testing::Bool()));

// After every truncation of valid frames (and runs of garbage), a valid frame still passes.
TEST(RtlLiveness, TruncatedFramesNeverWedgeThePipeline) {
  for (int width : {64, 512}) {
    std::vector<Input> in;
    FrameSpec s;
    s.payload_len = 100;
    s.ext = {{0, 0}};
    const auto full = build_frame(s);
    for (size_t n = 0; n <= full.size(); ++n)
      in.push_back({std::vector<uint8_t>(full.begin(), full.begin() + n), 10});
    std::mt19937 rng(5);
    for (int i = 0; i < 200; ++i) {
      std::vector<uint8_t> junk(rng() % 300);
      for (auto& b : junk) b = uint8_t(rng());
      in.push_back({junk, 10});
    }
    in.push_back({full, 10});
    SimOptions so;
    so.data_width = width;
    so.input_gap = 0.2;
    so.output_ready = 0.5;
    const Result m = run_model(in, sim_geometry());
    const Result h = run_rtl(in, so);
    expect_same(m, h);
    ASSERT_FALSE(h.fwd.empty());
    EXPECT_EQ(h.fwd.back().size(), full.size());
  }
}

}  // namespace
}  // namespace v6lb
