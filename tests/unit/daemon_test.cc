// The daemon's answers on the model device, driven through Daemon::handle (what the control
// socket serves) with no sockets in between: what `v6lbctl flows` shows for flow entries.
#include "v6lb/daemon/daemon.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "temp_dir.h"
#include "test_daemon.h"
#include "v6lb/control/slot_recovery.h"
#include "v6lb/daemon/control_api.h"
#include "v6lb/daemon/flow_purger.h"

namespace v6lb {
namespace {

using nlohmann::json;

using test::TempDir;

std::string config_text(const TempDir& dir, bool second_backend) {
  std::string c =
      "card: { mac: \"02:00:00:00:00:01\", address: \"2001:db8:ff::1\", router_mac: "
      "\"02:00:00:00:00:fe\" }\n"
      "daemon: { control_socket: \"" +
      dir / "ctl.sock" +
      "\" }\n"
      "tables: { flow_table_size: 4096 }\n"
      "services:\n"
      "  - name: web\n"
      "    vip: \"2001:db8::100\"\n"
      "    protocol: tcp\n"
      "    port: 80\n"
      "    health_check: { type: none }\n"
      "    backends:\n"
      "      - { address: \"2001:db8:1::10\", port: 8080 }\n";
  if (second_backend) c += "      - { address: \"2001:db8:1::11\", port: 8080 }\n";
  return c;
}

void write_file(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

FlowEntry flow_to(uint32_t service, uint32_t backend, uint8_t client) {
  FlowEntry e{};
  FlowKey k;
  k.src = *Ipv6Addr::parse("2001:db8:c::" + std::to_string(client));
  k.dst = *Ipv6Addr::parse("2001:db8::100");
  k.sport = 40000;
  k.dport = 80;
  k.proto = 6;
  k.to_bytes(e.key);
  e.valid = 1;
  e.backend = uint16_t(backend);
  e.service = uint8_t(service);
  e.deadline = 60000;
  return e;
}

// The flows of a backend that a reload removed stay in the table until they age out (their slot
// is quarantined meanwhile). They show the slot and that the backend was removed, not "?:0".
TEST(DaemonFlows, FlowOfARemovedBackendShowsItsSlotAndRemoved) {
  TempDir dir;
  const std::string cfg = dir / "lb.yaml";
  Daemon d(test::daemon_options(cfg, config_text(dir, true)));
  std::string err;
  ASSERT_TRUE(d.start(err)) << err;
  const SlotMap slots = recover_slots(d.tables(), d.config());
  const uint32_t svc = slots.services.at("web");
  const uint32_t kept = slots.backends.at({"web", *Ipv6Addr::parse("2001:db8:1::10"), 8080});
  const uint32_t gone = slots.backends.at({"web", *Ipv6Addr::parse("2001:db8:1::11"), 8080});

  write_file(cfg, config_text(dir, false));
  ASSERT_TRUE(d.reload(err)) << err;
  d.tables().write_flow(FlowDirection::kForward, 0, flow_to(svc, kept, 1));
  d.tables().write_flow(FlowDirection::kForward, 1, flow_to(svc, gone, 2));

  const json r = ControlApi(d).handle({{"cmd", "flows"}});
  ASSERT_TRUE(r.at("ok").get<bool>()) << r.dump();
  ASSERT_EQ(r.at("flows").size(), 2u) << r.dump();
  const json& a = r["flows"][0];
  const json& b = r["flows"][1];
  EXPECT_EQ(a.at("backend"), "2001:db8:1::10") << a.dump();
  EXPECT_EQ(a.at("backend_port"), 8080) << a.dump();
  EXPECT_EQ(a.at("backend_slot"), kept) << a.dump();
  EXPECT_EQ(a.at("backend_removed"), false) << a.dump();
  EXPECT_TRUE(b.at("backend").is_null()) << b.dump();
  EXPECT_TRUE(b.at("backend_port").is_null()) << b.dump();
  EXPECT_EQ(b.at("backend_slot"), gone) << b.dump();
  EXPECT_EQ(b.at("backend_removed"), true) << b.dump();
  EXPECT_EQ(b.at("client"), "2001:db8:c::2") << b.dump();
}

// A limit that is not a non-negative integer is refused, whatever JSON number it is (control_fuzz
// found 5e41 converted to size_t: undefined behaviour).
TEST(DaemonFlows, LimitMustBeANonNegativeInteger) {
  TempDir dir;
  const std::string cfg = dir / "lb.yaml";
  Daemon d(test::daemon_options(cfg, config_text(dir, true)));
  std::string err;
  ASSERT_TRUE(d.start(err)) << err;
  ControlApi api(d);
  for (const char* bad : {R"(4.999e41)", "-1", "1.5", R"("10")", "null"}) {
    const json r = api.handle(json::parse(std::string(R"({"cmd":"flows","limit":)") + bad + "}"));
    EXPECT_FALSE(r.at("ok").get<bool>()) << bad << " " << r.dump();
    EXPECT_NE(r.value("error", "").find("limit"), std::string::npos) << r.dump();
  }
  const json ok = api.handle({{"cmd", "flows"}, {"limit", 3}});
  EXPECT_TRUE(ok.at("ok").get<bool>()) << ok.dump();
}

// A TCP listener on [::1] for a tcp health check: listening = the backend is up.
class Listener {
 public:
  explicit Listener(uint16_t port = 0) : port_(port) { open(); }
  ~Listener() { close(); }
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  uint16_t port() const { return port_; }
  void open() {
    fd_ = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_loopback;
    a.sin6_port = htons(port_);
    ASSERT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0) << strerror(errno);
    ASSERT_EQ(::listen(fd_, 64), 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin6_port);
  }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  uint16_t port_;
  int fd_ = -1;
};

// A backend that comes back up while the sweep of its flows from before it went down still runs
// is held out of the data plane (its slot stays invalid) until the sweep is done: a reply entry
// of a flow re-picked to another backend meanwhile must never be usable again. The table is
// large (2 x 2^21 entries) and the planted entries sit at the end of each, so the sweep is still
// running when the health check sees the backend again.
TEST(DaemonHealth, BackendUpDuringItsSweepIsHeldUntilTheSweepIsDone) {
  TempDir dir;
  Listener backend;
  const std::string cfg = dir / "lb.yaml";
  Daemon d(test::daemon_options(
      cfg,
      "card: { mac: \"02:00:00:00:00:01\", address: \"2001:db8:ff::1\", router_mac: "
      "\"02:00:00:00:00:fe\" }\n"
      "daemon: { control_socket: \"" +
          dir / "ctl.sock" +
          "\" }\n"
          "tables: { flow_table_size: 2097152 }\n"
          "services:\n"
          "  - name: web\n"
          "    vip: \"2001:db8::100\"\n"
          "    protocol: tcp\n"
          "    port: 80\n"
          "    health_check: { type: tcp, interval: 100ms, timeout: 50ms, rise: 1, fall: 1 }\n"
          "    backends:\n"
          "      - { address: \"::1\", port: " +
          std::to_string(backend.port()) + " }\n"));
  std::string err;
  ASSERT_TRUE(d.start(err)) << err;
  ControlApi api(d);
  auto state = [&] {
    return api.handle({{"cmd", "backends"}}).at("backends").at(0).at("state").get<std::string>();
  };
  auto wait_for = [&](const std::string& want, int seconds) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (state() != want && std::chrono::steady_clock::now() < end) d.poll_once(10);
    return state();
  };
  ASSERT_EQ(wait_for("up", 10), "up");
  const uint32_t svc = d.slots().services.at("web");
  const uint32_t slot = d.slots().backends.at({"web", *Ipv6Addr::parse("::1"), backend.port()});
  const Geometry g = d.tables().geometry();
  const uint32_t last = g.flow_sets * g.flow_ways - 1;
  FlowEntry e = flow_to(svc, slot, 7);
  e.deadline = 0x7fffffff;  // live for as long as the test runs
  d.tables().write_flow(FlowDirection::kForward, last, e);
  d.tables().write_flow(FlowDirection::kReply, last, e);

  backend.close();
  ASSERT_EQ(wait_for("down", 10), "down");
  EXPECT_FALSE(d.tables().read_backend(slot).valid);
  backend.open();
  // From now on, whenever the slot is valid again, the old entries are gone.
  bool held = false;
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < end) {
    d.poll_once(10);
    const std::string st = state();
    held |= st == "held";
    if (d.tables().read_backend(slot).valid) {
      EXPECT_EQ(st, "up");
      EXPECT_FALSE(d.tables().read_flow(FlowDirection::kReply, last).valid);
      EXPECT_FALSE(d.tables().read_flow(FlowDirection::kForward, last).valid);
      break;
    }
  }
  EXPECT_TRUE(held) << "the sweep ended before the backend was seen up: nothing was held";
  EXPECT_TRUE(d.tables().read_backend(slot).valid) << "the backend never came back";
  EXPECT_FALSE(d.purger().pending());
}

}  // namespace
}  // namespace v6lb
