// The user's configuration (YAML, docs/CONFIG.md). Loading either yields a complete, validated
// Config or an error naming file:line:column; nothing is ever half-loaded.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "v6lb/dataplane/net_types.h"
#include "v6lb/dataplane/tables.h"

namespace v6lb {

enum class HealthCheckType : uint8_t { kNone, kTcp, kHttp };

struct HealthCheckConfig {
  HealthCheckType type = HealthCheckType::kTcp;
  uint32_t interval_ms = 2000;
  uint32_t timeout_ms = 1000;
  uint32_t rise = 2;
  uint32_t fall = 3;
  std::optional<uint16_t> port;  // probe port; default: the backend's port
  std::string http_path = "/";   // http only
  uint16_t http_expect_status = 200;
};

struct BackendConfig {
  Ipv6Addr address;
  uint16_t port = 0;
  uint32_t weight = 1;  // 0..65535; 0 drains
  MacAddr mac;          // next hop; defaults to card.router_mac
  int line = 0;         // where it was written, for messages
};

struct ServiceConfig {
  std::string name;
  Ipv6Addr vip;
  L4Proto protocol = L4Proto::kTcp;
  uint16_t port = 0;
  Scheduler scheduler = Scheduler::kMaglev;
  uint32_t idle_timeout_ms = 240000;
  HealthCheckConfig health_check;
  std::vector<BackendConfig> backends;
  int line = 0;
};

struct CardConfig {
  MacAddr mac;
  Ipv6Addr address;
  MacAddr router_mac;
};

struct TablesConfig {
  uint32_t maglev_size = 65537;      // prime
  uint32_t flow_table_size = 65536;  // entries per direction; power of two, multiple of ways
};

struct DaemonConfig {
  std::string control_socket = "/run/v6lb/v6lbd.sock";
  std::string metrics = "[::1]:9109";
};

struct Config {
  CardConfig card;
  std::vector<ServiceConfig> services;
  TablesConfig tables;
  DaemonConfig daemon;
  std::string source;  // file name it came from
};

struct ConfigError {
  std::string message;  // "file:line:column: problem"
};

// Loads and validates. Never throws.
std::variant<Config, ConfigError> load_config_file(const std::string& path);
std::variant<Config, ConfigError> load_config_string(const std::string& yaml,
                                                     const std::string& name = "<string>");

// "240s", "4m", "1h", "500ms", "2m30s" -> milliseconds; nullopt if not a duration.
std::optional<uint64_t> parse_duration_ms(const std::string& text);
// The inverse, in the largest unit that divides exactly: 240000 -> "4m", 1500 -> "1500ms".
std::string format_duration_ms(uint64_t ms);

const char* to_string(Scheduler s);
const char* to_string(L4Proto p);
const char* to_string(HealthCheckType t);

}  // namespace v6lb
