// The daemon when its device fails: a card process (CardServer in a thread, standing in for
// v6lb-card) that goes away and comes back empty, and a device whose register operations fail
// for a while. The daemon must keep running with its config, say so in status and metrics, and
// when the device answers again leave it programmed exactly as a device programmed directly
// from the same plan.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "card_thread.h"
#include "temp_dir.h"
#include "test_daemon.h"
#include "v6lb/control/program.h"
#include "v6lb/daemon/control_api.h"
#include "v6lb/daemon/daemon.h"
#include "v6lb/driver/card_tables.h"
#include "v6lb/driver/model_device.h"

namespace v6lb {
namespace {

using nlohmann::json;
using test::CardThread;
using test::TempDir;
using Clock = std::chrono::steady_clock;

// Register operations that throw while `failing` is set, as a card that fell off the bus does.
class FaultyDevice final : public Device {
 public:
  explicit FaultyDevice(Device& inner) : inner_(inner) {}
  std::atomic<bool> failing{false};
  uint64_t refused = 0;

  uint32_t read32(uint32_t offset) override {
    check();
    return inner_.read32(offset);
  }
  void write32(uint32_t offset, uint32_t value) override {
    check();
    ++writes_;
    inner_.write32(offset, value);
  }
  std::string name() const override { return "faulty " + inner_.name(); }

 private:
  void check() {
    if (failing) {
      ++refused;
      throw std::runtime_error("injected fault");
    }
  }
  Device& inner_;
};

Geometry geometry() {
  Geometry g;
  g.maglev_size = 4099;
  g.flow_sets = 1024;
  return g;
}

std::string config_text(const TempDir& dir, int backends) {
  std::string c =
      "card: { mac: \"02:00:00:00:00:01\", address: \"2001:db8:ff::1\", router_mac: "
      "\"02:00:00:00:00:fe\" }\n"
      "daemon: { control_socket: \"" +
      dir / "ctl.sock" +
      "\" }\n"
      "tables: { flow_table_size: 4096, maglev_size: 4099 }\n"
      "services:\n";
  for (int s = 0; s < 2; ++s) {
    c += "  - name: svc" + std::to_string(s) + "\n    vip: \"2001:db8::" + std::to_string(100 + s) +
         "\"\n    protocol: tcp\n    port: " + std::to_string(80 + s) +
         "\n    health_check: { type: none }\n    backends:\n";
    for (int b = 0; b < backends; ++b)
      c += "      - { address: \"2001:db8:1::" + std::to_string(10 * s + b + 1) +
           "\", port: 8080, weight: " + std::to_string(b + 1) + " }\n";
  }
  return c;
}

// Runs the daemon's loop until pred() holds or `ms` passed.
template <class Pred>
bool run_until(Daemon& d, int ms, Pred pred) {
  const auto end = Clock::now() + std::chrono::milliseconds(ms);
  while (!pred()) {
    if (Clock::now() >= end) return false;
    if (!d.poll_once(20)) return false;
  }
  return true;
}

// The card's tables against a model programmed directly with the daemon's plan; the Maglev
// tables the card forwards by (its active banks) against the plan's.
void expect_programmed_as(ModelDevice& card, const Plan& plan) {
  ModelDevice direct(geometry());
  CardTables want(direct), got(card);
  write_plan(plan, want);
  const Geometry g = got.geometry();
  for (uint32_t s = 0; s < g.services; ++s)
    EXPECT_EQ(encode_service(want.read_service(s)), encode_service(got.read_service(s))) << s;
  for (uint32_t b = 0; b < g.backends; ++b)
    EXPECT_EQ(encode_backend(want.read_backend(b)), encode_backend(got.read_backend(b))) << b;
  for (const auto& ps : plan.services) {
    const auto table = card.pipeline().maglev(ps.slot, card.pipeline().active_bank(ps.slot));
    ASSERT_TRUE(std::equal(table.begin(), table.end(), ps.maglev.begin(), ps.maglev.end()))
        << "service slot " << ps.slot;
  }
}

std::string sock_path(const char* name) {
  return "/tmp/v6lb-recovery-test-" + std::to_string(getpid()) + "-" + name + ".sock";
}

TEST(DeviceRecovery, CardProcessRestartIsNoticedAndReprogrammed) {
  TempDir dir;
  const std::string cfg = dir / "lb.yaml";
  const std::string path = sock_path("restart");
  auto first = std::make_unique<ModelDevice>(geometry());
  auto card = std::make_unique<CardThread>(path, *first);

  Daemon d(test::daemon_options(cfg, config_text(dir, 3), "card:" + path));
  std::string err;
  ASSERT_TRUE(d.start(err)) << err;
  EXPECT_TRUE(d.device_health().ok);

  // The card process ends. The idle daemon notices within its watchdog's second.
  card.reset();
  first.reset();
  ASSERT_TRUE(run_until(d, 3000, [&] { return !d.device_health().ok; }));
  EXPECT_EQ(d.device_health().failures, 1u);
  EXPECT_NE(d.device_health().error.find("card"), std::string::npos) << d.device_health().error;
  // The daemon answers meanwhile: status says what is wrong, device commands say why not.
  ControlApi api(d);
  const json st = api.handle({{"cmd", "status"}});
  ASSERT_TRUE(st.at("ok").get<bool>()) << st.dump();
  EXPECT_FALSE(st.at("device_state").at("ok").get<bool>()) << st.dump();
  EXPECT_FALSE(st.contains("flows")) << st.dump();
  const json stats = api.handle({{"cmd", "stats"}});
  EXPECT_FALSE(stats.at("ok").get<bool>()) << stats.dump();
  EXPECT_NE(stats.at("error").get<std::string>().find("reconnecting"), std::string::npos);
  // A reload meanwhile is taken; it is written when the card is back.
  std::ofstream(cfg) << config_text(dir, 2);
  ASSERT_TRUE(d.reload(err)) << err;
  EXPECT_EQ(d.config().services[0].backends.size(), 2u);

  // A new card process, empty, on the same socket: reconnected and programmed in full.
  ModelDevice second(geometry());
  CardThread again(path, second);
  ASSERT_TRUE(run_until(d, 8000, [&] { return d.device_health().ok; }));
  EXPECT_EQ(d.device_health().recoveries, 1u);
  EXPECT_GT(d.device_health().last_rewrite, 0u);
  {
    const auto paused = again.pause();
    expect_programmed_as(second, d.plan());
  }
  EXPECT_EQ(d.plan().services.at(0).backends.size(), 2u);
  const json st2 = api.handle({{"cmd", "status"}});
  EXPECT_TRUE(st2.at("device_state").at("ok").get<bool>()) << st2.dump();
  EXPECT_EQ(st2.at("device_state").at("recoveries").get<uint64_t>(), 1u);
  EXPECT_TRUE(st2.contains("flows")) << st2.dump();
}

TEST(DeviceRecovery, FailingRegisterOperationsKeepTheConfigAndAreRetried) {
  TempDir dir;
  const std::string cfg = dir / "lb.yaml";
  ModelDevice model(geometry());
  auto faulty = std::make_unique<FaultyDevice>(model);
  FaultyDevice& dev = *faulty;
  Daemon d(test::daemon_options(cfg, config_text(dir, 3)), std::move(faulty));  // given device
  std::string err;
  ASSERT_TRUE(d.start(err)) << err;
  const Plan before = d.plan();

  // Every operation fails: a weight change is refused by the device, not by the daemon.
  dev.failing = true;
  ASSERT_TRUE(d.set_weight("svc0", *Ipv6Addr::parse("2001:db8:1::1"), 8080, 9, false, err)) << err;
  EXPECT_FALSE(d.device_health().ok);
  EXPECT_EQ(d.device_health().error, "injected fault");
  EXPECT_EQ(d.config().services.size(), 2u);  // the running config is kept
  // Retried with a backoff, and still failing: no new failure is counted for the same outage.
  const uint64_t refused = dev.refused;
  ASSERT_TRUE(run_until(d, 2000, [&] { return dev.refused > refused + 2; }));
  EXPECT_EQ(d.device_health().failures, 1u);
  EXPECT_FALSE(d.device_health().ok);

  // The device answers again: everything rewritten, the weight change included.
  dev.failing = false;
  ASSERT_TRUE(run_until(d, 8000, [&] { return d.device_health().ok; }));
  EXPECT_EQ(d.device_health().recoveries, 1u);
  expect_programmed_as(model, d.plan());
  EXPECT_EQ(d.plan().services.at(0).backends.at(0).weight, 9u);
  EXPECT_NE(d.plan().services.at(0).maglev, before.services.at(0).maglev);
}

}  // namespace
}  // namespace v6lb
