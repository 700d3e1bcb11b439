// The driver programs the model device and the simulated card through the same CardTables
// calls; both must end up with the same table contents and forward a capture identically.
#include <gtest/gtest.h>

#include <random>

#include "frame_builder.h"
#include "v6lb/control/program.h"
#include "v6lb/control/slot_recovery.h"
#include "v6lb/control/stats_json.h"
#include "v6lb/driver/card_tables.h"
#include "v6lb/driver/model_device.h"
#include "v6lb/driver/sim_device.h"
#include "v6lb_print.h"
#include "v6lb_regs.h"

namespace v6lb {
namespace {

using test::build_frame;
using test::FrameSpec;

Config driver_config() {
  Config c;
  c.card = {*MacAddr::parse("02:00:00:00:00:01"), *Ipv6Addr::parse("2001:db8:ff::1"),
            *MacAddr::parse("02:00:00:00:00:fe")};
  for (int s = 0; s < 3; ++s) {
    ServiceConfig sc;
    sc.name = "svc" + std::to_string(s);
    sc.vip = *Ipv6Addr::parse("2001:db8::" + std::to_string(100 + s));
    sc.protocol = s == 1 ? L4Proto::kUdp : L4Proto::kTcp;
    sc.port = uint16_t(80 + s);
    sc.scheduler = Scheduler(s);
    sc.idle_timeout_ms = 10000 * (s + 1);
    for (int b = 0; b < 4; ++b) {
      BackendConfig bc;
      bc.address =
          *Ipv6Addr::parse("2001:db8:" + std::to_string(s + 1) + "::" + std::to_string(b + 10));
      bc.port = uint16_t(8000 + b);
      bc.weight = uint32_t(b + 1) * 10;
      bc.mac = *MacAddr::parse("02:00:00:00:0" + std::to_string(s) + ":1" + std::to_string(b));
      sc.backends.push_back(bc);
    }
    c.services.push_back(sc);
  }
  return c;
}

TEST(Driver, SameProgrammingSameTablesOnModelAndSim) {
  ModelDevice model_dev;
  SimOptions so;
  so.data_width = 64;
  SimDevice sim_dev(SimCard::create(so));
  CardTables model(model_dev), sim(sim_dev);
  ASSERT_EQ(model.geometry().services, sim.geometry().services);
  ASSERT_EQ(model.geometry().flow_sets, sim.geometry().flow_sets);

  const Config cfg = driver_config();
  const Plan plan = make_plan(cfg, model.geometry());
  write_plan(plan, model);
  write_plan(plan, sim);
  model.set_control(false, true);
  sim.set_control(false, true);
  EXPECT_EQ(model.geometry(), sim.geometry()) << test::diff(model.geometry(), sim.geometry());
  for (const auto& ps : plan.services) {
    const ServiceEntry a = model.read_service(ps.slot), b = sim.read_service(ps.slot);
    EXPECT_TRUE(a.valid);
    EXPECT_EQ(a, b) << "service slot " << ps.slot << ": " << test::diff(a, b);
    EXPECT_EQ(model.active_bank(ps.slot), sim.active_bank(ps.slot));
    for (const auto& pb : ps.backends) {
      const BackendEntry x = model.read_backend(pb.slot), y = sim.read_backend(pb.slot);
      EXPECT_EQ(x, y) << "backend slot " << pb.slot << ": " << test::diff(x, y);
    }
  }
  // Host-written flow entries (pins) read back identically.
  std::mt19937 rng{3};
  const uint32_t entries = model.geometry().flow_sets * model.geometry().flow_ways;
  for (int i = 0; i < 50; ++i) {
    FlowEntry e{};
    for (auto& k : e.key) k = uint8_t(rng());
    e.valid = 1;
    e.backend = uint16_t(rng() % 12);
    e.service = uint8_t(rng() % 3);
    e.deadline = rng();
    const uint32_t index = rng() % entries;
    const auto dir = i % 2 ? FlowDirection::kReply : FlowDirection::kForward;
    model.write_flow(dir, index, e);
    sim.write_flow(dir, index, e);
    const FlowEntry a = model.read_flow(dir, index), b = sim.read_flow(dir, index);
    EXPECT_EQ(a, e) << "model, flow " << index << ": " << test::diff(a, e);
    EXPECT_EQ(a, b) << "flow " << index << ": " << test::diff(a, b);
  }
  // Traffic next: the model's pins are cleared, and a fresh card is programmed the same way.
  model_dev.pipeline().forward_flows().erase_if([](const FlowEntry&) { return true; });
  model_dev.pipeline().reply_flows().erase_if([](const FlowEntry&) { return true; });
  SimDevice fresh(SimCard::create(so));
  CardTables sim2(fresh);
  write_plan(plan, sim2);
  sim2.set_control(false, true);

  // The same frames through both: same forwarded bytes, same counters.
  std::vector<std::vector<uint8_t>> model_out, sim_out;
  for (uint32_t i = 0; i < 600; ++i) {
    FrameSpec s;
    const int svc = int(i % 3);
    s.dst = cfg.services[svc].vip;
    s.dport = cfg.services[svc].port;
    s.proto = uint8_t(cfg.services[svc].protocol);
    store_be16(&s.src.b[14], uint16_t(i * 7));
    s.sport = uint16_t(1000 + i);
    s.payload_len = i % 90;
    auto f = build_frame(s);
    auto g = f;
    Packet p{g.data(), uint16_t(g.size())};
    model_dev.pipeline().process({&p, 1}, 50);
    if (p.verdict == Verdict::kForward) model_out.push_back(g);
    fresh.card().send(f, 50);
  }
  ASSERT_TRUE(fresh.card().drain());
  for (auto& f : fresh.card().take_forwarded()) sim_out.push_back(std::move(f.data));
  EXPECT_EQ(model_out.size(), 600u);
  EXPECT_EQ(model_out, sim_out);
  const DataPlaneStats a = read_stats(model, plan), b = read_stats(sim2, plan);
  EXPECT_EQ(a, b) << test::diff(a, b);
}

}  // namespace
}  // namespace v6lb

namespace v6lb {
namespace {

// TICK_NOW is the tick the pipeline runs on: the newest frame's tick (or the time given to the
// aging engine), on the model as on the card driven by an external tick (v6lbctl flows computes
// EXPIRES from it).
TEST(Driver, TickNowIsThePipelinesTickOnModelAndSim) {
  ModelDevice model_dev;
  SimOptions so;
  so.data_width = 64;
  SimDevice sim_dev(SimCard::create(so));
  CardTables model(model_dev), sim(sim_dev);
  const Config cfg = driver_config();
  const Plan plan = make_plan(cfg, model.geometry());
  write_plan(plan, model);
  write_plan(plan, sim);
  model.set_control(false, true);
  sim.set_control(false, true);
  EXPECT_EQ(model_dev.read32(regs::TICK_NOW), sim_dev.read32(regs::TICK_NOW));
  for (uint32_t tick : {1234u, 98765u, 0xFFFFFF00u}) {
    FrameSpec s;
    s.dst = cfg.services[0].vip;
    s.dport = cfg.services[0].port;
    auto f = build_frame(s);
    Packet p{f.data(), uint16_t(f.size())};
    model_dev.pipeline().process({&p, 1}, tick);
    sim_dev.card().send(build_frame(s), tick);
    ASSERT_TRUE(sim_dev.card().drain());
    EXPECT_EQ(model_dev.read32(regs::TICK_NOW), tick);
    EXPECT_EQ(sim_dev.read32(regs::TICK_NOW), tick);
  }
  // Idle time: the model's aging step, the card's tick input between frames.
  model_dev.pipeline().age(5000);
  sim_dev.card().set_now_tick(5000);
  sim_dev.card().step(8);
  EXPECT_EQ(model_dev.read32(regs::TICK_NOW), 5000u);
  EXPECT_EQ(sim_dev.read32(regs::TICK_NOW), 5000u);
}

// A restarted daemon finds the slots the card's tables already use, even when the config was
// reordered and extended while it was down; a fresh card yields none.
TEST(Driver, RecoverSlotsFromTheTables) {
  ModelDevice dev;
  CardTables t(dev);
  EXPECT_TRUE(recover_slots(t, driver_config()).services.empty());
  const Config a = driver_config();
  const auto slots = assign_slots(a, t.geometry());
  write_plan(make_plan(a, t.geometry(), nullptr, &*slots), t);

  Config b = a;
  std::swap(b.services[0], b.services[2]);
  BackendConfig extra = b.services[1].backends[0];
  extra.address = *Ipv6Addr::parse("2001:db8:2::99");
  b.services[1].backends.insert(b.services[1].backends.begin(), extra);
  const SlotMap got = recover_slots(t, b);
  EXPECT_EQ(got.services, slots->services);
  for (const auto& [k, slot] : slots->backends) EXPECT_EQ(got.backends.at(k), slot);
  EXPECT_FALSE(got.backends.count({b.services[1].name, extra.address, extra.port}));
  // Planning with them keeps every old slot and gives the new backend a free one.
  const auto next = assign_slots(b, t.geometry(), &got);
  for (const auto& [k, slot] : slots->backends) EXPECT_EQ(next->backends.at(k), slot);
}

}  // namespace
}  // namespace v6lb

namespace v6lb {
namespace {

// A register space that is not a v6lb card (every register reads 0xDEADBEEF): CardTables refuses
// it and says what it read, in hex, before touching anything.
class NotACard final : public Device {
 public:
  uint32_t read32(uint32_t) override { return 0xDEADBEEF; }
  void write32(uint32_t, uint32_t) override { ++writes_; }
  std::string name() const override { return "not-a-card"; }
};

TEST(Driver, RefusesARegisterSpaceWithoutTheId) {
  NotACard dev;
  try {
    CardTables t(dev);
    FAIL() << "accepted a device whose ID register reads 0xdeadbeef";
  } catch (const CardError& e) {
    EXPECT_STREQ(e.what(),
                 "not-a-card: not a v6lb card (ID register reads 0xdeadbeef, want 0x76366c62)");
  }
  EXPECT_EQ(dev.register_writes(), 0u);
}

}  // namespace
}  // namespace v6lb
