// The YAML loader: the shipped configs load with the values they spell, and every documented
// error (docs/CONFIG.md) is reported at the right file:line:column with a recognisable phrase.

#include "v6lb/control/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#ifndef V6LB_SOURCE_DIR
#define V6LB_SOURCE_DIR "."
#endif
#ifndef V6LB_SHARED_DIR
#define V6LB_SHARED_DIR V6LB_SOURCE_DIR "/../shared"
#endif

namespace v6lb {
namespace {

Ipv6Addr ip(const char* text) { return *Ipv6Addr::parse(text); }
MacAddr mac(const char* text) { return *MacAddr::parse(text); }

const char* const kCardLine =
    R"(card: {mac: "02:00:00:00:00:01", address: "2001:db8:ff::1", router_mac: "02:00:00:00:00:fe"})";

// A config as numbered lines, so each test can change line N and state where errors point.
struct Lines {
  std::vector<std::string> lines;

  // The smallest valid config; the error tests start from it.
  static Lines base() {
    return Lines{{
        kCardLine,                                            // 1
        "services:",                                          // 2
        "  - name: web",                                      // 3
        "    vip: \"2001:db8::100\"",                         // 4
        "    protocol: tcp",                                  // 5
        "    port: 80",                                       // 6
        "    backends:",                                      // 7
        "      - {address: \"2001:db8:1::10\", port: 8080}",  // 8
    }};
  }
  Lines& set(size_t line, std::string text) {
    lines.at(line - 1) = std::move(text);
    return *this;
  }
  Lines& insert(size_t before_line, std::string text) {
    lines.insert(lines.begin() + std::ptrdiff_t(before_line - 1), std::move(text));
    return *this;
  }
  Lines& append(std::string text) {
    lines.push_back(std::move(text));
    return *this;
  }
  std::string str() const {
    std::string out;
    for (const std::string& l : lines) out += l + "\n";
    return out;
  }
};

Config load_ok(const std::string& text) {
  auto result = load_config_string(text, "t.yaml");
  if (auto* e = std::get_if<ConfigError>(&result)) {
    ADD_FAILURE() << "unexpected error: " << e->message << "\n" << text;
    return {};
  }
  return std::get<Config>(std::move(result));
}

// The load fails, the message starts with `prefix` ("t.yaml:L:C: ") and contains `phrase`.
testing::AssertionResult FailsWith(const std::string& text, const std::string& prefix,
                                   const std::string& phrase) {
  auto result = load_config_string(text, "t.yaml");
  const auto* e = std::get_if<ConfigError>(&result);
  if (!e) return testing::AssertionFailure() << "loaded, but should have failed:\n" << text;
  if (!e->message.starts_with(prefix))
    return testing::AssertionFailure()
           << "message '" << e->message << "' does not start with '" << prefix << "'";
  if (e->message.find(phrase) == std::string::npos)
    return testing::AssertionFailure() << "message '" << e->message << "' lacks '" << phrase << "'";
  return testing::AssertionSuccess() << e->message;
}
testing::AssertionResult FailsWith(const Lines& l, const std::string& prefix,
                                   const std::string& phrase) {
  return FailsWith(l.str(), prefix, phrase);
}

// ---- configs that load ----------------------------------------------------------------------

TEST(ConfigLoad, SharedMinimalConfig) {
  std::string path = V6LB_SHARED_DIR "/examples/lb.yaml";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " is absent";
  auto result = load_config_file(path);
  ASSERT_TRUE(std::holds_alternative<Config>(result)) << std::get<ConfigError>(result).message;
  const Config& c = std::get<Config>(result);

  EXPECT_EQ(c.source, path);
  EXPECT_EQ(c.card.mac, mac("02:00:00:00:00:01"));
  EXPECT_EQ(c.card.address, ip("2001:db8:ff::1"));
  EXPECT_EQ(c.card.router_mac, mac("02:00:00:00:00:fe"));
  ASSERT_EQ(c.services.size(), 2u);

  const ServiceConfig& web = c.services[0];
  EXPECT_EQ(web.name, "web");
  EXPECT_EQ(web.vip, ip("2001:db8::100"));
  EXPECT_EQ(web.protocol, L4Proto::kTcp);
  EXPECT_EQ(web.port, 80);
  EXPECT_EQ(web.scheduler, Scheduler::kMaglev);
  EXPECT_EQ(web.idle_timeout_ms, 240000u);
  EXPECT_EQ(web.health_check.type, HealthCheckType::kTcp);
  EXPECT_EQ(web.health_check.interval_ms, 2000u);
  EXPECT_EQ(web.health_check.timeout_ms, 1000u);
  EXPECT_EQ(web.health_check.rise, 2u);
  EXPECT_EQ(web.health_check.fall, 3u);
  ASSERT_EQ(web.backends.size(), 3u);
  EXPECT_EQ(web.backends[0].address, ip("2001:db8:1::10"));
  EXPECT_EQ(web.backends[0].port, 8080);
  EXPECT_EQ(web.backends[0].weight, 100u);
  EXPECT_EQ(web.backends[0].mac, mac("02:00:00:00:01:10"));
  EXPECT_EQ(web.backends[2].weight, 50u);
  EXPECT_EQ(web.backends[2].mac, mac("02:00:00:00:01:12"));
  EXPECT_GT(web.line, 0);
  EXPECT_GT(web.backends[1].line, web.backends[0].line);

  const ServiceConfig& dns = c.services[1];
  EXPECT_EQ(dns.name, "dns");
  EXPECT_EQ(dns.vip, ip("2001:db8::53"));
  EXPECT_EQ(dns.protocol, L4Proto::kUdp);
  EXPECT_EQ(dns.port, 53);
  EXPECT_EQ(dns.scheduler, Scheduler::kSourceIp);
  EXPECT_EQ(dns.idle_timeout_ms, 30000u);
  EXPECT_EQ(dns.health_check.type, HealthCheckType::kNone);
  ASSERT_EQ(dns.backends.size(), 2u);
  EXPECT_EQ(dns.backends[1].address, ip("2001:db8:2::21"));
  EXPECT_EQ(dns.backends[1].weight, 1u);

  // Nothing set: defaults.
  EXPECT_EQ(c.tables.maglev_size, 65537u);
  EXPECT_EQ(c.tables.flow_table_size, 65536u);
  EXPECT_EQ(c.daemon.control_socket, "/run/v6lb/v6lbd.sock");
  EXPECT_EQ(c.daemon.metrics, "[::1]:9109");
}

TEST(ConfigLoad, FullExampleConfig) {
  std::string path = V6LB_SOURCE_DIR "/examples/lb.yaml";
  auto result = load_config_file(path);
  ASSERT_TRUE(std::holds_alternative<Config>(result)) << std::get<ConfigError>(result).message;
  const Config& c = std::get<Config>(result);

  EXPECT_EQ(c.tables.maglev_size, 65537u);
  EXPECT_EQ(c.tables.flow_table_size, 65536u);
  EXPECT_EQ(c.daemon.control_socket, "/run/v6lb/v6lbd.sock");
  EXPECT_EQ(c.daemon.metrics, "[::1]:9109");
  ASSERT_EQ(c.services.size(), 3u);

  const ServiceConfig& web = c.services[0];
  EXPECT_EQ(web.idle_timeout_ms, 240000u);  // "4m"
  EXPECT_EQ(web.health_check.type, HealthCheckType::kHttp);
  EXPECT_EQ(web.health_check.interval_ms, 2000u);
  EXPECT_EQ(web.health_check.timeout_ms, 500u);
  EXPECT_EQ(web.health_check.port, std::optional<uint16_t>(8081));
  EXPECT_EQ(web.health_check.http_path, "/healthz");
  EXPECT_EQ(web.health_check.http_expect_status, 204);
  ASSERT_EQ(web.backends.size(), 4u);
  EXPECT_EQ(web.backends[2].address, ip("2001:db8:1::12"));
  EXPECT_EQ(web.backends[2].weight, 50u);
  EXPECT_EQ(web.backends[2].mac, mac("02:00:00:00:01:12"));
  EXPECT_EQ(web.backends[3].weight, 0u);  // draining

  const ServiceConfig& dns = c.services[1];
  EXPECT_EQ(dns.health_check.type, HealthCheckType::kNone);
  EXPECT_EQ(dns.backends[1].weight, 1u);
  EXPECT_EQ(dns.backends[1].mac, c.card.router_mac);

  const ServiceConfig& ssh = c.services[2];
  EXPECT_EQ(ssh.vip, web.vip);
  EXPECT_EQ(ssh.port, 22);
  EXPECT_EQ(ssh.scheduler, Scheduler::kSourceIpProto);
  EXPECT_EQ(ssh.idle_timeout_ms, 9000000u);  // "2h30m"
  EXPECT_EQ(ssh.health_check.type, HealthCheckType::kTcp);
  EXPECT_EQ(ssh.health_check.interval_ms, 10000u);
  EXPECT_EQ(ssh.health_check.timeout_ms, 3000u);
  EXPECT_EQ(ssh.health_check.rise, 1u);
  EXPECT_EQ(ssh.health_check.fall, 5u);
  EXPECT_FALSE(ssh.health_check.port.has_value());
}

TEST(ConfigLoad, DefaultsForEveryOptionalKey) {
  Config c = load_ok(Lines::base().str());
  EXPECT_EQ(c.source, "t.yaml");
  ASSERT_EQ(c.services.size(), 1u);
  const ServiceConfig& s = c.services[0];
  EXPECT_EQ(s.line, 3);
  EXPECT_EQ(s.scheduler, Scheduler::kMaglev);
  EXPECT_EQ(s.idle_timeout_ms, 240000u);
  EXPECT_EQ(s.health_check.type, HealthCheckType::kTcp);
  EXPECT_EQ(s.health_check.interval_ms, 2000u);
  EXPECT_EQ(s.health_check.timeout_ms, 1000u);
  EXPECT_EQ(s.health_check.rise, 2u);
  EXPECT_EQ(s.health_check.fall, 3u);
  EXPECT_FALSE(s.health_check.port.has_value());
  EXPECT_EQ(s.health_check.http_path, "/");
  EXPECT_EQ(s.health_check.http_expect_status, 200);
  ASSERT_EQ(s.backends.size(), 1u);
  EXPECT_EQ(s.backends[0].line, 8);
  EXPECT_EQ(s.backends[0].weight, 1u);
  EXPECT_EQ(s.backends[0].mac, mac("02:00:00:00:00:fe"));  // card.router_mac
  EXPECT_EQ(c.tables.maglev_size, 65537u);
  EXPECT_EQ(c.tables.flow_table_size, 65536u);
}

TEST(ConfigLoad, HttpCheckDefaults) {
  Config c = load_ok(Lines::base().insert(7, "    health_check: {type: http}").str());
  EXPECT_EQ(c.services[0].health_check.type, HealthCheckType::kHttp);
  EXPECT_EQ(c.services[0].health_check.http_path, "/");
  EXPECT_EQ(c.services[0].health_check.http_expect_status, 200);
}

TEST(ConfigLoad, TablesAndDaemonSections) {
  Config c =
      load_ok(Lines::base()
                  .append("tables: {maglev_size: 251, flow_table_size: 1024}")
                  .append("daemon: {control_socket: /tmp/v6.sock, metrics: \"0.0.0.0:9000\"}")
                  .str());
  EXPECT_EQ(c.tables.maglev_size, 251u);
  EXPECT_EQ(c.tables.flow_table_size, 1024u);
  EXPECT_EQ(c.daemon.control_socket, "/tmp/v6.sock");
  EXPECT_EQ(c.daemon.metrics, "0.0.0.0:9000");
}

TEST(ConfigLoad, AddressesAreParsedNotCompared) {
  Config c = load_ok(Lines::base()
                         .set(4, "    vip: \"2001:0DB8:0000::0100\"")
                         .set(8, "      - {address: \"2001:db8:1:0:0:0:0:10\", port: 8080}")
                         .str());
  EXPECT_EQ(c.services[0].vip, ip("2001:db8::100"));
  EXPECT_EQ(c.services[0].backends[0].address, ip("2001:db8:1::10"));
}

TEST(ConfigLoad, SameVipAndPortOnBothProtocols) {
  Lines l = Lines::base();
  l.append("  - {name: web-udp, vip: \"2001:db8::100\", protocol: udp, port: 80,")
      .append("     backends: [{address: \"2001:db8:1::10\", port: 8080}]}");
  Config c = load_ok(l.str());
  ASSERT_EQ(c.services.size(), 2u);
  EXPECT_EQ(c.services[1].protocol, L4Proto::kUdp);
}

TEST(ConfigLoad, SameBackendInTwoServices) {
  Lines l = Lines::base();
  l.append("  - {name: alt, vip: \"2001:db8::101\", protocol: tcp, port: 80,")
      .append("     backends: [{address: \"2001:db8:1::10\", port: 8080}]}");
  EXPECT_EQ(load_ok(l.str()).services.size(), 2u);
}

TEST(ConfigLoad, QuotedNumbersAreAccepted) {
  Config c = load_ok(Lines::base().set(6, "    port: \"80\"").str());
  EXPECT_EQ(c.services[0].port, 80);
}

TEST(ConfigLoad, WeightBoundsAreInclusive) {
  Config c = load_ok(Lines::base()
                         .set(8, "      - {address: \"2001:db8:1::10\", port: 8080, weight: 0}")
                         .append("      - {address: \"2001:db8:1::11\", port: 1, weight: 65535}")
                         .str());
  EXPECT_EQ(c.services[0].backends[0].weight, 0u);
  EXPECT_EQ(c.services[0].backends[1].weight, 65535u);
  EXPECT_EQ(c.services[0].backends[1].port, 1);
}

TEST(ConfigLoad, ExactlyMaxServices) {
  std::string text = std::string(kCardLine) + "\nservices:\n";
  for (int i = 0; i < 256; ++i)
    text += "  - {name: s" + std::to_string(i) +
            ", vip: \"2001:db8::1\", protocol: tcp, port: " + std::to_string(i + 1) +
            ", backends: [{address: \"2001:db8:1::1\", port: 80}]}\n";
  EXPECT_EQ(load_ok(text).services.size(), 256u);
}

// ---- errors -----------------------------------------------------------------------------------

TEST(ConfigError, FailedLoadReturnsNoConfig) {
  auto result = load_config_string(Lines::base().set(6, "    port: 0").str(), "t.yaml");
  EXPECT_EQ(std::get_if<Config>(&result), nullptr);
  ASSERT_NE(std::get_if<ConfigError>(&result), nullptr);
  EXPECT_FALSE(std::get<ConfigError>(result).message.empty());
}

TEST(ConfigError, UnreadableFile) {
  auto result = load_config_file("/nonexistent/v6lb.yaml");
  ASSERT_TRUE(std::holds_alternative<ConfigError>(result));
  EXPECT_EQ(std::get<ConfigError>(result).message,
            "/nonexistent/v6lb.yaml: cannot read: No such file or directory");
}

TEST(ConfigError, YamlSyntaxError) {
  EXPECT_TRUE(FailsWith(Lines::base().set(8, "      - {address: \"2001:db8:1::10\", port: 8080"),
                        "t.yaml:9:1: ", "YAML syntax error"));
}

TEST(ConfigError, EmptyDocument) {
  EXPECT_TRUE(FailsWith("# nothing here\n", "t.yaml:1:1: ", "configuration is empty"));
}

TEST(ConfigError, MoreThanOneDocument) {
  EXPECT_TRUE(FailsWith(Lines::base().append("---").append("card: {}"),
                        "t.yaml:9:1: ", "more than one YAML document"));
}

// yaml-cpp 0.7's LoadAll never returns on this (it allocates until killed); the loader must not
// use it.
TEST(ConfigError, StrayCommaIsASyntaxErrorNotAHang) {
  Lines l = Lines::base();
  l.insert(1, ",");
  EXPECT_TRUE(FailsWith(l, "t.yaml:1:1: ", "YAML syntax error: unexpected ','"));
}

TEST(ConfigError, TrailingDocumentMarker) {
  EXPECT_TRUE(
      FailsWith(Lines::base().append("---"), "t.yaml:9:1: ", "more than one YAML document"));
}

TEST(ConfigError, UnknownKeyInBackend) {
  EXPECT_TRUE(FailsWith(
      Lines::base().set(8, "      - {address: \"2001:db8:1::10\", port: 8080, wieght: 5}"),
      "t.yaml:8:49: ",
      "unknown key 'wieght' in backend (allowed: address, port, weight, mac); "
      "did you mean 'weight'?"));
}

TEST(ConfigError, UnknownKeyAtTopLevel) {
  EXPECT_TRUE(FailsWith(Lines::base().append("servers: []"), "t.yaml:9:1: ",
                        "unknown key 'servers' at the top level (allowed: card, services, tables, "
                        "daemon)"));
}

TEST(ConfigError, UnknownKeyInService) {
  EXPECT_TRUE(FailsWith(Lines::base().insert(7, "    persistence: 10m"), "t.yaml:7:5: ",
                        "unknown key 'persistence' in service (allowed: name, vip,"));
}

TEST(ConfigError, DuplicateKey) {
  EXPECT_TRUE(FailsWith(Lines::base().insert(7, "    port: 81"),
                        "t.yaml:7:5: ", "duplicate key 'port' in service (first at line 6)"));
}

TEST(ConfigError, ListWhereMapExpected) {
  EXPECT_TRUE(FailsWith(Lines::base().set(1, "card: [02:00:00:00:00:01]"),
                        "t.yaml:1:7: ", "'card' must be a map, got a list"));
}

TEST(ConfigError, ScalarWhereMapExpected) {
  EXPECT_TRUE(FailsWith(Lines::base().insert(7, "    health_check: tcp"),
                        "t.yaml:7:19: ", "'health_check' must be a map, got 'tcp'"));
}

TEST(ConfigError, MapWhereListExpected) {
  EXPECT_TRUE(FailsWith(Lines::base()
                            .set(7, "    backends: {address: \"2001:db8:1::10\"}")
                            .set(8, "    scheduler: maglev"),
                        "t.yaml:7:15: ", "'backends' must be a list, got a map"));
}

TEST(ConfigError, EmptyValue) {
  EXPECT_TRUE(FailsWith(Lines::base().set(6, "    port:"),
                        "t.yaml:6:5: ", "'port' must be an integer in 1..65535, got nothing"));
}

TEST(ConfigError, MissingCardKey) {
  // Points at the map that lacks the key.
  EXPECT_TRUE(FailsWith(
      Lines::base().set(1, "card: {mac: \"02:00:00:00:00:01\", address: \"2001:db8:ff::1\"}"),
      "t.yaml:1:7: ", "missing required key 'router_mac' in card"));
}

TEST(ConfigError, MissingServiceKey) {
  Lines l = Lines::base();
  l.lines.erase(l.lines.begin() + 3);  // the vip line
  EXPECT_TRUE(FailsWith(l, "t.yaml:3:5: ", "missing required key 'vip' in service 'web'"));
}

TEST(ConfigError, MissingBackendPort) {
  EXPECT_TRUE(FailsWith(Lines::base().set(8, "      - {address: \"2001:db8:1::10\"}"),
                        "t.yaml:8:9: ", "missing required key 'port' in backend"));
}

TEST(ConfigError, MissingServices) {
  Lines l;
  l.lines = {kCardLine};
  EXPECT_TRUE(FailsWith(l, "t.yaml:1:1: ", "missing required key 'services' at the top level"));
}

TEST(ConfigError, EmptyServiceList) {
  Lines l;
  l.lines = {kCardLine, "services: []"};
  EXPECT_TRUE(FailsWith(l, "t.yaml:2:11: ", "'services' must list at least one service"));
}

TEST(ConfigError, BadIpv6Address) {
  EXPECT_TRUE(FailsWith(Lines::base().set(4, "    vip: \"2001:db8::zz\""),
                        "t.yaml:4:10: ", "'vip' must be an IPv6 address, got '2001:db8::zz'"));
}

TEST(ConfigError, Ipv4AddressIsNotIpv6) {
  EXPECT_TRUE(FailsWith(Lines::base().set(8, "      - {address: 10.0.0.1, port: 8080}"),
                        "t.yaml:8:19: ", "'address' must be an IPv6 address, got '10.0.0.1'"));
}

TEST(ConfigError, MulticastVip) {
  EXPECT_TRUE(FailsWith(Lines::base().set(4, "    vip: \"ff02::1\""), "t.yaml:4:10: ",
                        "'vip' must be a unicast IPv6 address, got 'ff02::1' (multicast)"));
}

TEST(ConfigError, BadMac) {
  EXPECT_TRUE(
      FailsWith(Lines::base().set(
                    8, "      - {address: \"2001:db8:1::10\", port: 8080, mac: \"02:00:00:01\"}"),
                "t.yaml:8:54: ", "'mac' must be a MAC address (six hex pairs separated by ':')"));
}

TEST(ConfigError, MacWithDashes) {
  EXPECT_TRUE(
      FailsWith(Lines::base().set(1,
                                  "card: {mac: \"02-00-00-00-00-01\", address: \"2001:db8:ff::1\", "
                                  "router_mac: \"02:00:00:00:00:fe\"}"),
                "t.yaml:1:13: ", "'mac' must be a MAC address (six hex pairs separated by ':')"));
}

TEST(ConfigError, MulticastCardMac) {
  EXPECT_TRUE(FailsWith(
      Lines::base().set(1,
                        "card: {mac: \"01:00:5e:00:00:01\", address: \"2001:db8:ff::1\", "
                        "router_mac: \"02:00:00:00:00:fe\"}"),
      "t.yaml:1:13: ", "'mac' must be a unicast MAC address, got '01:00:5e:00:00:01' (multicast)"));
}

TEST(ConfigError, ZeroCardMac) {
  EXPECT_TRUE(
      FailsWith(Lines::base().set(1,
                                  "card: {mac: \"00:00:00:00:00:00\", address: \"2001:db8:ff::1\", "
                                  "router_mac: \"02:00:00:00:00:fe\"}"),
                "t.yaml:1:13: ", "(all zeros)"));
}

TEST(ConfigError, DuplicateServiceListener) {
  // A different spelling of the same VIP is still the same VIP.
  Lines l = Lines::base();
  l.append("  - name: web2")                                                 // 9
      .append("    vip: \"2001:0db8::0100\"")                                // 10
      .append("    protocol: tcp")                                           // 11
      .append("    port: 80")                                                // 12
      .append("    backends: [{address: \"2001:db8:1::11\", port: 8080}]");  // 13
  EXPECT_TRUE(
      FailsWith(l, "t.yaml:9:5: ",
                "duplicate service: 2001:db8::100 tcp/80 is already defined by 'web' at line 3"));
}

TEST(ConfigError, DuplicateServiceName) {
  Lines l = Lines::base();
  l.append("  - {name: web, vip: \"2001:db8::101\", protocol: tcp, port: 80,")
      .append("     backends: [{address: \"2001:db8:1::10\", port: 8080}]}");
  EXPECT_TRUE(
      FailsWith(l, "t.yaml:9:12: ", "duplicate service name 'web' (already used at line 3)"));
}

TEST(ConfigError, BadServiceName) {
  EXPECT_TRUE(FailsWith(Lines::base().set(3, "  - name: \"web site\""),
                        "t.yaml:3:11: ", "'name' must be a name of letters, digits"));
}

TEST(ConfigError, DuplicateBackend) {
  EXPECT_TRUE(FailsWith(
      Lines::base().append("      - {address: \"2001:db8:1:0::10\", port: 8080, weight: 3}"),
      "t.yaml:9:9: ",
      "duplicate backend [2001:db8:1::10]:8080 in service 'web' (already listed at line 8)"));
}

TEST(ConfigError, WeightOutOfRange) {
  EXPECT_TRUE(FailsWith(
      Lines::base().set(8, "      - {address: \"2001:db8:1::10\", port: 8080, weight: 70000}"),
      "t.yaml:8:57: ", "'weight' must be an integer in 0..65535, got '70000'"));
}

TEST(ConfigError, NegativeWeight) {
  EXPECT_TRUE(FailsWith(
      Lines::base().set(8, "      - {address: \"2001:db8:1::10\", port: 8080, weight: -1}"),
      "t.yaml:8:57: ", "'weight' must be an integer in 0..65535, got '-1'"));
}

TEST(ConfigError, FractionalWeight) {
  EXPECT_TRUE(FailsWith(
      Lines::base().set(8, "      - {address: \"2001:db8:1::10\", port: 8080, weight: 1.5}"),
      "t.yaml:8:57: ", "'weight' must be an integer in 0..65535, got '1.5'"));
}

TEST(ConfigError, ServiceWithoutBackends) {
  EXPECT_TRUE(FailsWith(Lines::base().set(7, "    backends: []").set(8, ""),
                        "t.yaml:7:15: ", "service 'web' has no backends"));
}

TEST(ConfigError, UnknownScheduler) {
  EXPECT_TRUE(FailsWith(Lines::base().insert(7, "    scheduler: round-robin"), "t.yaml:7:16: ",
                        "unknown scheduler 'round-robin' (allowed: maglev, source-ip, "
                        "source-ip-proto)"));
}

TEST(ConfigError, UnknownProtocol) {
  EXPECT_TRUE(FailsWith(Lines::base().set(5, "    protocol: sctp"),
                        "t.yaml:5:15: ", "unknown protocol 'sctp' (allowed: tcp, udp)"));
}

TEST(ConfigError, PortNotANumber) {
  EXPECT_TRUE(FailsWith(Lines::base().set(6, "    port: http"),
                        "t.yaml:6:11: ", "'port' must be an integer in 1..65535, got 'http'"));
}

TEST(ConfigError, PortOutOfRange) {
  EXPECT_TRUE(FailsWith(Lines::base().set(6, "    port: 65536"),
                        "t.yaml:6:11: ", "'port' must be an integer in 1..65535, got '65536'"));
  EXPECT_TRUE(FailsWith(Lines::base().set(6, "    port: 0"),
                        "t.yaml:6:11: ", "'port' must be an integer in 1..65535, got '0'"));
}

TEST(ConfigError, DurationWithoutUnit) {
  EXPECT_TRUE(FailsWith(Lines::base().insert(7, "    idle_timeout: 240"),
                        "t.yaml:7:19: ", "'idle_timeout': duration needs a unit"));
}

TEST(ConfigError, DurationGarbage) {
  EXPECT_TRUE(FailsWith(Lines::base().insert(7, "    idle_timeout: 4 min"), "t.yaml:7:19: ",
                        "'idle_timeout' must be a duration like 500ms, 30s, 4m or 2m30s"));
}

TEST(ConfigError, DurationOutOfRange) {
  EXPECT_TRUE(FailsWith(Lines::base().insert(7, "    idle_timeout: 500ms"), "t.yaml:7:19: ",
                        "'idle_timeout' must be between 1s and 1000000s, got '500ms'"));
  EXPECT_TRUE(FailsWith(Lines::base().insert(7, "    idle_timeout: 2000001s"),
                        "t.yaml:7:19: ", "must be between 1s and 1000000s"));
}

TEST(ConfigError, TooManyServices) {
  std::string text = std::string(kCardLine) + "\nservices:\n";
  for (int i = 0; i < 257; ++i)
    text += "  - {name: s" + std::to_string(i) +
            ", vip: \"2001:db8::1\", protocol: tcp, port: " + std::to_string(i + 1) +
            ", backends: [{address: \"2001:db8:1::1\", port: 80}]}\n";
  EXPECT_TRUE(FailsWith(text, "t.yaml:259:5: ", "too many services: 257 (at most 256)"));
}

TEST(ConfigError, VipIsCardAddress) {
  EXPECT_TRUE(FailsWith(Lines::base().set(4, "    vip: \"2001:db8:ff:0::1\""), "t.yaml:4:10: ",
                        "vip 2001:db8:ff::1 of service 'web' is the card's own address"));
}

TEST(ConfigError, HealthCheckTimeoutLongerThanInterval) {
  EXPECT_TRUE(FailsWith(
      Lines::base().insert(7, "    health_check: {interval: 1s, timeout: 2s}"),
      "t.yaml:7:43: ", "health check timeout (2s) must not be longer than its interval (1s)"));
  // With the default timeout (1s) the interval is the value at fault.
  EXPECT_TRUE(FailsWith(Lines::base().insert(7, "    health_check: {interval: 500ms}"),
                        "t.yaml:7:30: ", "timeout (1s) must not be longer than its interval"));
}

TEST(ConfigError, HealthCheckRiseOutOfRange) {
  EXPECT_TRUE(FailsWith(Lines::base().insert(7, "    health_check: {rise: 0}"),
                        "t.yaml:7:26: ", "'rise' must be an integer in 1..100, got '0'"));
}

TEST(ConfigError, HealthCheckUnknownType) {
  EXPECT_TRUE(FailsWith(Lines::base().insert(7, "    health_check: {type: icmp}"), "t.yaml:7:26: ",
                        "unknown health check type 'icmp' (allowed: tcp, http, none)"));
}

TEST(ConfigError, HttpKeysOnTcpCheck) {
  EXPECT_TRUE(FailsWith(Lines::base().insert(7, "    health_check: {path: /up}"), "t.yaml:7:20: ",
                        "'path' applies only to http health checks (type is tcp)"));
}

TEST(ConfigError, HttpPathWithoutSlash) {
  EXPECT_TRUE(FailsWith(Lines::base().insert(7, "    health_check: {type: http, path: up}"),
                        "t.yaml:7:38: ", "'path' must be a URL path starting with '/'"));
}

TEST(ConfigError, HttpExpectStatusOutOfRange) {
  EXPECT_TRUE(
      FailsWith(Lines::base().insert(7, "    health_check: {type: http, expect_status: 700}"),
                "t.yaml:7:47: ", "'expect_status' must be an integer in 100..599, got '700'"));
}

TEST(ConfigError, MaglevSizeNotPrime) {
  EXPECT_TRUE(FailsWith(Lines::base().append("tables: {maglev_size: 65536}"), "t.yaml:9:23: ",
                        "'maglev_size' must be a prime number, got '65536' (the next prime is "
                        "65537)"));
  EXPECT_TRUE(FailsWith(Lines::base().append("tables: {maglev_size: 1000033}"),
                        "t.yaml:9:23: ", "'maglev_size' must be an integer in 3..1000003"));
}

TEST(ConfigError, FlowTableSizeNotPowerOfTwo) {
  EXPECT_TRUE(FailsWith(Lines::base().append("tables: {flow_table_size: 1000}"),
                        "t.yaml:9:27: ", "'flow_table_size' must be a power of two, got '1000'"));
  EXPECT_TRUE(FailsWith(Lines::base().append("tables: {flow_table_size: 2}"),
                        "t.yaml:9:27: ", "'flow_table_size' must be an integer in 4.."));
}

TEST(ConfigError, BadMetricsAddress) {
  EXPECT_TRUE(FailsWith(Lines::base().append("daemon: {metrics: \"::1:9109\"}"),
                        "t.yaml:9:19: ", "'metrics' must be an address like [::1]:9109"));
}

// ---- durations --------------------------------------------------------------------------------

TEST(Duration, Parses) {
  struct Case {
    const char* text;
    uint64_t ms;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"240s", 240000},
           {"4m", 240000},
           {"500ms", 500},
           {"2m30s", 150000},
           {"1h", 3600000},
           {"1d", 86400000},
           {"1h30m", 5400000},
           {"1m1s1ms", 61001},
           {"1d2h3m4s5ms", 93784005},
           {"0s", 0},
           {"007s", 7000},
       }) {
    SCOPED_TRACE(c.text);
    EXPECT_EQ(parse_duration_ms(c.text), std::optional<uint64_t>(c.ms));
  }
}

TEST(Duration, Rejects) {
  for (const char* text :
       {"", "240", "s", "4 m", " 4m", "4m ", "4M", "1.5s", "-1s", "+1s", "30s2m", "1s1s", "1ms5s",
        "4min", "4sec", "1w", "2m30", "99999999999999999999s", "18446744073709551615d"}) {
    SCOPED_TRACE(text);
    EXPECT_EQ(parse_duration_ms(text), std::nullopt);
  }
}

TEST(Duration, FormatsInTheLargestExactUnit) {
  EXPECT_EQ(format_duration_ms(240000), "4m");
  EXPECT_EQ(format_duration_ms(1000), "1s");
  EXPECT_EQ(format_duration_ms(1500), "1500ms");
  EXPECT_EQ(format_duration_ms(150000), "150s");
  EXPECT_EQ(format_duration_ms(86400000), "1d");
  EXPECT_EQ(format_duration_ms(0), "0ms");
  for (uint64_t ms : {0ull, 1ull, 999ull, 61000ull, 2000000000ull})
    EXPECT_EQ(parse_duration_ms(format_duration_ms(ms)), ms);
}

// ---- names ------------------------------------------------------------------------------------

TEST(ConfigNames, ToStringUsesConfigSpellings) {
  EXPECT_STREQ(to_string(Scheduler::kMaglev), "maglev");
  EXPECT_STREQ(to_string(Scheduler::kSourceIp), "source-ip");
  EXPECT_STREQ(to_string(Scheduler::kSourceIpProto), "source-ip-proto");
  EXPECT_STREQ(to_string(L4Proto::kTcp), "tcp");
  EXPECT_STREQ(to_string(L4Proto::kUdp), "udp");
  EXPECT_STREQ(to_string(HealthCheckType::kNone), "none");
  EXPECT_STREQ(to_string(HealthCheckType::kTcp), "tcp");
  EXPECT_STREQ(to_string(HealthCheckType::kHttp), "http");
}

}  // namespace
}  // namespace v6lb
