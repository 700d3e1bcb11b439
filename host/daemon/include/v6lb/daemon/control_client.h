// The client side of the daemon's control socket (control_server.h), as v6lbctl uses it: one
// JSON request line, one JSON reply line, and the reply printed for a person (tables) or as JSON.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>

namespace v6lb {

inline constexpr const char* kDefaultControlSocket = "/run/v6lb/v6lbd.sock";
inline constexpr uint64_t kDefaultFlowLimit = 100;  // `flows` without --limit

// No usable answer: cannot connect, no reply in time, a reply that is not JSON or has no "ok".
struct ControlTransportError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// A request that cannot be sent as given (a socket path that is empty or too long).
struct ControlUsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Connects to `socket`, sends `request` and waits up to `timeout_s` seconds for the reply line.
// Returns the reply, an object with a boolean "ok". Throws ControlUsageError or
// ControlTransportError.
nlohmann::json control_call(const std::string& socket, const nlohmann::json& request,
                            int timeout_s);

// The reply to `request` (a {"cmd":...} object as sent) for a person: tables for status,
// services, backends, flows, stats; a confirmation for drain, undrain, weight, reload. Every field
// is optional (a daemon may be older or newer): a missing one is "-". A reply shape this version
// does not know comes back as indented JSON. Never throws.
std::string control_reply_text(const nlohmann::json& request, const nlohmann::json& reply);

// The canonical text of an IPv6 address ("[2001:DB8:0::1]" -> "2001:db8::1"), or nothing.
std::optional<std::string> canonical_ipv6(std::string s);

struct ControlClientOptions {
  std::string socket = kDefaultControlSocket;
  bool json = false;       // print the reply as JSON, as the daemon sent it
  int timeout_s = 30;      // for the reply
  nlohmann::json request;  // {"cmd":..., ...}
};

// v6lbctl after its command line: sends the request, prints the reply on stdout (JSON or
// text) and a refusal or transport error on stderr ("v6lbctl: ..."). Returns the exit status:
// 0 ok, 1 the daemon refused the request, 2 no usable answer from the daemon.
int run_control_client(const ControlClientOptions& o);

}  // namespace v6lb
