// Backend health checking for v6lbd: tcp and http probes over IPv6, thousands of targets on one
// thread, every probe an Asio socket on an io_context (the daemon's own, or one the checker owns)
// and every http answer read by Beast's parser.
//
// States. A target whose check type is `none` is kUp from the moment it is set and never probed.
// Any other target starts kUnknown and stays so until its first decision: `rise` consecutive
// successes make it kUp, `fall` consecutive failures make it kDown, whichever comes first. After
// that the usual hysteresis applies: kUp -> kDown after `fall` consecutive failures, kDown -> kUp
// after `rise` consecutive successes. kUnknown is reported separately rather than folded into up or
// down so that the daemon chooses: at start it treats kUnknown as up (a restart must not
// black-hole every backend for rise x interval); it may treat a backend added by a reload as down
// until its first kUp.
//
// Probes. tcp: the connect completes. http: a GET of the check's path, then the status line and
// header of the answer (RFC 9112: up to the empty line that ends the header, at most 8 KiB) as
// Beast parses them; the status must equal the expected one, the body is never read.
//
// Scheduling. A target's first probe is at a deterministic offset within one interval derived
// from its id, and later probes keep that phase (due += interval), so thousands of backends are
// probed evenly rather than in one burst, also after the caller stalled. Probes of one target
// never overlap: one that runs late delays the next.
//
// Failures of our own (out of file descriptors, no ephemeral ports, out of memory) are not the
// backend's fault: they leave its state alone, count in HealthStats::local_errors and skip that
// probe.
//
// Probes close their connection with a reset (SO_LINGER 0), as HAProxy does, so that thousands of
// probes a second leave no TIME_WAIT sockets on the prober that would use up ephemeral ports.
// In steady state a probe allocates nothing: each target keeps its socket object, its read
// buffer and a small arena for the handlers of its asynchronous operations.
// Link-local backends are not supported (no scope id).
//
// Not thread-safe: one thread calls everything and runs the io_context. Nothing throws except
// std::bad_alloc.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "v6lb/control/config.h"
#include "v6lb/dataplane/net_types.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace v6lb {

enum class HealthState : uint8_t { kUnknown, kUp, kDown };
const char* to_string(HealthState s);  // "unknown", "up", "down"

struct HealthTarget {
  std::string id;  // unique key, e.g. "web/[2001:db8::10]:80"
  Ipv6Addr address;
  uint16_t port = 0;  // probed unless check.port is set
  HealthCheckConfig check;
};

// Changes only ever lead to kUp or kDown; kUnknown is where targets start, never a destination.
struct HealthChange {
  std::string id;
  HealthState state = HealthState::kUnknown;     // the new state
  HealthState previous = HealthState::kUnknown;  // the state it left
  // The result of the probe that decided it: "connect ok", "http status 200",
  // "connect: Connection refused", "timeout after 1000 ms", "timeout after 1000 ms waiting for
  // http status", "http status 503", "http: bad version in \"garbage...\"" (Beast's error and
  // the first 16 bytes of the answer), "http: connection closed before the end of the header",
  // "recv: ...", "send: ...", or "health check changed" when set_targets switched the check to
  // `none`.
  std::string reason;
};

struct HealthTargetStatus {
  HealthState state = HealthState::kUnknown;
  uint32_t consecutive_ok = 0;
  uint32_t consecutive_failed = 0;
  std::string last_result;  // as HealthChange::reason; empty before the first probe ends
};

struct HealthStats {
  uint64_t probes_sent = 0;     // probes started (a socket was connecting)
  uint64_t probes_ok = 0;       // ended healthy
  uint64_t probes_failed = 0;   // ended unhealthy, including timeouts
  uint64_t probes_aborted = 0;  // cancelled by set_targets while running
  uint64_t local_errors = 0;    // probes skipped for lack of our own resources
  uint32_t in_flight = 0;       // sockets open now
  uint32_t targets = 0;
  uint32_t up = 0, down = 0, unknown = 0;
};

// The time a checker schedules by: probe phases and intervals, probe timeouts. The real one is
// health_clock_now; tests pass their own to drive time (the probes themselves stay real sockets).
using HealthClock = std::function<std::chrono::steady_clock::time_point()>;
std::chrono::steady_clock::time_point health_clock_now();

class HealthChecker {
 public:
  // Called, on the io_context's thread, after a probe's completion or a timeout produced state
  // changes (take_changes() has them). May call any member, set_targets() included.
  using ChangeHandler = std::function<void()>;

  // Probes on `io`, which the caller runs (the daemon's loop). An empty `clock` is the real one.
  explicit HealthChecker(boost::asio::io_context& io, HealthClock clock = {},
                         ChangeHandler on_change = {});
  // Probes on an io_context of the checker's own, run by poll() (tests, tools).
  explicit HealthChecker(HealthClock clock = {});
  ~HealthChecker();
  HealthChecker(const HealthChecker&) = delete;
  HealthChecker& operator=(const HealthChecker&) = delete;
  // A moved-from checker may only be destroyed or assigned to.
  HealthChecker(HealthChecker&&) noexcept;
  HealthChecker& operator=(HealthChecker&&) noexcept;

  // Replaces the target set. A target whose id, address, port and check are all unchanged keeps
  // its state, counters and schedule (a running probe continues). An id whose address, port or
  // check changed keeps its state but starts counting afresh under the new check (its running
  // probe is cancelled, its first new probe jittered as for a new target); switching it to
  // `none` makes it kUp at once, reported with the reason "health check changed". New ids start
  // as described at the top. Removed targets' running probes are cancelled and their pending
  // changes dropped. Of duplicate ids the first wins.
  void set_targets(std::vector<HealthTarget> targets);

  // Only for a checker with an io_context of its own: starts the probes that are due by the
  // clock, runs their I/O for at most timeout_ms of real time (negative counts as 0) whatever the
  // clock says, applies the timeouts the clock says have passed, and returns early as soon as
  // this call produced a state change.
  void poll(int timeout_ms);

  // The state changes since the last call, oldest first; a target that flapped appears more than
  // once.
  std::vector<HealthChange> take_changes();

  // kUnknown also for an id that is not a target; contains() tells them apart.
  HealthState state(const std::string& id) const;
  bool contains(const std::string& id) const;
  std::optional<HealthTargetStatus> status(const std::string& id) const;
  HealthStats stats() const;

  // How long, by the clock, until the next probe or timeout is due (-1: nothing scheduled).
  int next_timeout_ms() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace v6lb
