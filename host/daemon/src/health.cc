#include "v6lb/daemon/health.h"

#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <new>
#include <unordered_map>

namespace v6lb {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using boost::system::error_code;
using tcp = asio::ip::tcp;

constexpr int64_t kNsPerMs = 1'000'000;
// What of an answer a verdict reads: the status line and the header, never the body.
constexpr uint32_t kHeaderLimit = 8192;
constexpr size_t kReadChunk = 1024;
// How much of a malformed answer the reason quotes.
constexpr size_t kQuoted = 16;

int64_t ns_of(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

enum class Phase : uint8_t { kIdle, kConnecting, kSending, kReading };

enum class Outcome : uint8_t {
  kNone,
  kConnectOk,
  kHttpOk,
  kConnectError,
  kTimeoutConnect,
  kTimeoutHttp,
  kHttpBadStatus,
  kHttpMalformed,
  kHttpClosed,
  kSendError,
  kRecvError,
};

// Memory for the handlers of one target's asynchronous operations. A probe has one operation
// pending at a time; one that was cancelled may still wait to be destroyed while the next probe
// starts, hence two slots. Anything larger or a third at once comes from the heap.
class HandlerArena {
 public:
  HandlerArena() = default;
  HandlerArena(const HandlerArena&) = delete;
  HandlerArena& operator=(const HandlerArena&) = delete;

  void* allocate(size_t n) {
    for (Slot& s : slots_)
      if (!s.used && n <= sizeof s.bytes) {
        s.used = true;
        return s.bytes;
      }
    return ::operator new(n);
  }
  void deallocate(void* p) {
    for (Slot& s : slots_)
      if (p == s.bytes) {
        s.used = false;
        return;
      }
    ::operator delete(p);
  }

 private:
  struct Slot {
    alignas(std::max_align_t) unsigned char bytes[512];
    bool used = false;
  };
  Slot slots_[2];
};

// The allocator Asio finds on a handler (associated_allocator) and allocates its operation with.
template <class T>
struct ArenaAllocator {
  using value_type = T;
  HandlerArena* arena;
  explicit ArenaAllocator(HandlerArena* a) noexcept : arena(a) {}
  template <class U>
  ArenaAllocator(const ArenaAllocator<U>& o) noexcept : arena(o.arena) {}  // NOLINT: rebinding
  T* allocate(size_t n) { return static_cast<T*>(arena->allocate(n * sizeof(T))); }
  void deallocate(T* p, size_t) noexcept { arena->deallocate(p); }
  template <class U>
  bool operator==(const ArenaAllocator<U>& o) const noexcept {
    return arena == o.arena;
  }
};

template <class F>
struct InArena {
  using allocator_type = ArenaAllocator<char>;
  HandlerArena* arena;
  F f;
  allocator_type get_allocator() const noexcept { return allocator_type(arena); }
  template <class... A>
  void operator()(A&&... a) {
    f(std::forward<A>(a)...);
  }
};

template <class F>
InArena<F> in_arena(HandlerArena& a, F f) {
  return InArena<F>{&a, std::move(f)};
}

// Beast's HTTP/1 parser reduced to what a verdict needs: the status of a response. Fields are
// seen and dropped (nothing is stored, so parsing allocates nothing); the body is never asked for.
class StatusParser final : public http::basic_parser<false> {
 public:
  StatusParser() {
    header_limit(kHeaderLimit);
    eager(false);
  }
  int status() const { return status_; }

 private:
  void on_request_impl(http::verb, boost::string_view, boost::string_view, int,
                       error_code&) override {}
  void on_response_impl(int code, boost::string_view, int, error_code&) override { status_ = code; }
  void on_field_impl(http::field, boost::string_view, boost::string_view, error_code&) override {}
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<uint64_t>&, error_code&) override {}
  size_t on_body_impl(boost::string_view body, error_code&) override { return body.size(); }
  void on_chunk_header_impl(uint64_t, boost::string_view, error_code&) override {}
  size_t on_chunk_body_impl(uint64_t, boost::string_view body, error_code&) override {
    return body.size();
  }
  void on_finish_impl(error_code&) override {}

  int status_ = 0;
};

struct Checker;

struct Target {
  explicit Target(asio::io_context& io) : sock(io) {}

  HealthTarget cfg;
  tcp::endpoint ep;
  std::string request;  // built once so that a probe allocates nothing
  int64_t interval_ns = 0;
  int64_t timeout_ns = 0;
  HealthState state = HealthState::kUnknown;
  uint32_t ok_run = 0;
  uint32_t fail_run = 0;

  // Null once the checker let go of the target (removed, or the checker destroyed): a handler
  // still pending for it then does nothing.
  Checker* owner = nullptr;

  // The running probe.
  tcp::socket sock;
  Phase phase = Phase::kIdle;
  uint32_t seq = 0;  // handlers of an earlier probe carry an older number
  boost::beast::flat_buffer buf;
  std::optional<StatusParser> parser;
  char head[kQuoted];  // the first bytes of the answer
  uint8_t head_got = 0;
  HandlerArena arena;

  // The heap holds exactly one entry per probed target; wake_at is when it matters (the next due
  // time while idle, the deadline while probing). Entries that pop early are pushed again.
  int64_t next_due = 0;
  int64_t wake_at = 0;

  // The last result, kept as codes so that only state changes format strings.
  Outcome last = Outcome::kNone;
  int last_errno = 0;
  uint16_t last_status = 0;
  error_code last_http;
  uint8_t last_got = 0;
  char last_bytes[kQuoted];
};

using TargetPtr = std::shared_ptr<Target>;

struct TimerEntry {
  int64_t at;
  uint32_t idx;
};
// std::*_heap build max-heaps; this order makes the earliest entry the top.
bool later(const TimerEntry& a, const TimerEntry& b) { return a.at > b.at; }

uint64_t mix_id(const std::string& id) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : id) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 31;
  return h;
}

bool same_check(const HealthCheckConfig& a, const HealthCheckConfig& b) {
  return a.type == b.type && a.interval_ms == b.interval_ms && a.timeout_ms == b.timeout_ms &&
         a.rise == b.rise && a.fall == b.fall && a.port == b.port && a.http_path == b.http_path &&
         a.http_expect_status == b.http_expect_status;
}

bool same_target(const HealthTarget& a, const HealthTarget& b) {
  return a.address == b.address && a.port == b.port && same_check(a.check, b.check);
}

HealthState initial_state(const HealthCheckConfig& c) {
  return c.type == HealthCheckType::kNone ? HealthState::kUp : HealthState::kUnknown;
}

// Errors that say we are short of something, not that the backend is.
bool is_local_error(int e) {
  return e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM || e == EADDRNOTAVAIL ||
         e == EAGAIN || e == ENOSPC;
}

std::string escape(const char* p, size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    const unsigned char c = p[i];
    if (c == '\r') {
      s += "\\r";
    } else if (c == '\n') {
      s += "\\n";
    } else if (c == '"' || c == '\\') {
      s += '\\';
      s += char(c);
    } else if (c >= 0x20 && c < 0x7f) {
      s += char(c);
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      s += "\\x";
      s += kHex[c >> 4];
      s += kHex[c & 15];
    }
  }
  return s;
}

std::string describe(const Target& t) {
  const std::string ms = std::to_string(t.cfg.check.timeout_ms);
  switch (t.last) {
    case Outcome::kNone:
      return {};
    case Outcome::kConnectOk:
      return "connect ok";
    case Outcome::kHttpOk:
    case Outcome::kHttpBadStatus:
      return "http status " + std::to_string(t.last_status);
    case Outcome::kConnectError:
      return std::string("connect: ") + std::strerror(t.last_errno);
    case Outcome::kTimeoutConnect:
      return "timeout after " + ms + " ms";
    case Outcome::kTimeoutHttp:
      return "timeout after " + ms + " ms waiting for http status";
    case Outcome::kHttpMalformed:
      return "http: " + t.last_http.message() + " in \"" + escape(t.last_bytes, t.last_got) + "\"";
    case Outcome::kHttpClosed:
      return "http: connection closed before the end of the header";
    case Outcome::kSendError:
      return std::string("send: ") + std::strerror(t.last_errno);
    case Outcome::kRecvError:
      return std::string("recv: ") + std::strerror(t.last_errno);
  }
  return {};
}

// The checker. Targets are shared with the handlers of their pending operations, so that a
// target removed (or a checker destroyed) while an operation is pending stays valid until Asio
// has delivered or destroyed that handler.
struct Checker {
  std::unique_ptr<asio::io_context> own_io;  // only for a checker that runs its own loop
  asio::io_context& io;
  HealthClock clock;  // schedules, probe timeouts, the local-error log's rate
  HealthChecker::ChangeHandler on_change;

  std::vector<TargetPtr> targets;
  std::unordered_map<std::string, uint32_t> index;
  std::vector<TimerEntry> heap;
  std::vector<HealthChange> changes;
  HealthStats counters;  // only the probe counters and in_flight are kept here
  int64_t last_local_log = 0;
  uint64_t local_errors_logged = 0;

  // One real-time timer wakes the checker for the earliest entry of the heap. Shared with its
  // pending handler, as targets are.
  struct Timer {
    explicit Timer(asio::io_context& io) : t(io) {}
    asio::steady_timer t;
    HandlerArena arena;
    Checker* owner = nullptr;
  };
  std::shared_ptr<Timer> timer;
  int64_t timer_at = INT64_MAX;  // the clock time it is armed for; INT64_MAX: not armed
  uint32_t timer_seq = 0;
  bool in_handler = false;

  Checker(std::unique_ptr<asio::io_context> own, asio::io_context& ctx, HealthClock c,
          HealthChecker::ChangeHandler ch)
      : own_io(std::move(own)),
        io(ctx),
        clock(c ? std::move(c) : HealthClock(&health_clock_now)),
        on_change(std::move(ch)),
        timer(std::make_shared<Timer>(ctx)) {
    timer->owner = this;
  }
  Checker(const Checker&) = delete;
  Checker& operator=(const Checker&) = delete;

  ~Checker() {
    for (TargetPtr& t : targets) release(*t);
    timer->owner = nullptr;
    timer->t.cancel();
    // An own io_context goes with its pending handlers (and the targets they hold) right after.
  }

  int64_t now_ns() const { return ns_of(clock()); }

  void release(Target& t) {
    t.owner = nullptr;
    if (t.sock.is_open()) close_probe(t, t.phase != Phase::kConnecting);
  }

  TargetPtr make_target(HealthTarget&& h, int64_t now) {
    auto t = std::make_shared<Target>(io);
    t->owner = this;
    t->cfg = std::move(h);
    const HealthCheckConfig& c = t->cfg.check;
    const uint16_t port = c.port.value_or(t->cfg.port);
    asio::ip::address_v6::bytes_type bytes;
    std::memcpy(bytes.data(), t->cfg.address.b.data(), 16);
    t->ep = tcp::endpoint(asio::ip::address_v6(bytes), port);
    if (c.type == HealthCheckType::kHttp) {
      t->request = "GET " + c.http_path + " HTTP/1.1\r\nHost: [" + t->cfg.address.str() +
                   "]:" + std::to_string(port) +
                   "\r\nConnection: close\r\nUser-Agent: v6lbd\r\n\r\n";
    }
    // Zero would spin; the config loader never produces it, other callers might.
    t->interval_ns = int64_t(std::max<uint32_t>(c.interval_ms, 1)) * kNsPerMs;
    t->timeout_ns = int64_t(std::max<uint32_t>(c.timeout_ms, 1)) * kNsPerMs;
    t->state = initial_state(c);
    t->next_due = now + int64_t(mix_id(t->cfg.id) % uint64_t(t->interval_ns));
    t->wake_at = t->next_due;
    return t;
  }

  void close_probe(Target& t, bool connected) {
    if (!t.sock.is_open()) return;
    error_code ignored;
    if (connected) {
      // A reset instead of FIN: no TIME_WAIT left behind on our side per probe.
      t.sock.set_option(asio::socket_base::linger(true, 0), ignored);
    }
    t.sock.close(ignored);  // a pending operation completes with operation_aborted
    t.parser.reset();
    --counters.in_flight;
  }

  void local_error(const Target& t, const char* what, int e, int64_t now) {
    ++counters.local_errors;
    // Out of descriptors tends to hit every probe at once; one line per 10 s is enough.
    if (now - last_local_log >= 10'000 * kNsPerMs || local_errors_logged == 0) {
      spdlog::warn("health: probe of {} skipped: {}: {} ({} local errors so far)", t.cfg.id, what,
                   std::strerror(e), counters.local_errors);
      last_local_log = now;
      ++local_errors_logged;
    }
  }

  void transition(Target& t, HealthState to) {
    changes.push_back(HealthChange{t.cfg.id, to, t.state, describe(t)});
    t.state = to;
  }

  // Ends the running probe (if any) with a verdict and applies rise/fall.
  void finish(Target& t, Outcome o, int err = 0, uint16_t status = 0) {
    close_probe(t, t.phase != Phase::kConnecting || o == Outcome::kConnectOk);
    t.phase = Phase::kIdle;
    t.wake_at = t.next_due;
    t.last = o;
    t.last_errno = err;
    t.last_status = status;
    const uint32_t rise = std::max<uint32_t>(t.cfg.check.rise, 1);
    const uint32_t fall = std::max<uint32_t>(t.cfg.check.fall, 1);
    if (o == Outcome::kConnectOk || o == Outcome::kHttpOk) {
      ++counters.probes_ok;
      t.fail_run = 0;
      if (t.ok_run < UINT32_MAX) ++t.ok_run;
      if (t.state != HealthState::kUp && t.ok_run >= rise) transition(t, HealthState::kUp);
    } else {
      ++counters.probes_failed;
      t.ok_run = 0;
      if (t.fail_run < UINT32_MAX) ++t.fail_run;
      if (t.state != HealthState::kDown && t.fail_run >= fall) transition(t, HealthState::kDown);
    }
  }

  void start_probe(const TargetPtr& tp, int64_t now) {
    Target& t = *tp;
    // Keep the phase: the next probe is due one interval after this one was due, or, if the
    // caller stalled for longer, at the first such time still ahead.
    t.next_due += t.interval_ns;
    if (t.next_due <= now) t.next_due += ((now - t.next_due) / t.interval_ns + 1) * t.interval_ns;
    t.wake_at = t.next_due;

    // Our own socket(2): close-on-exec and non-blocking from the start, as Asio does not.
    const int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return local_error(t, "socket", errno, now);
    error_code ec;
    t.sock.assign(tcp::v6(), fd, ec);
    if (ec) {
      ::close(fd);
      return local_error(t, "assign", ec.value(), now);
    }
    ++counters.probes_sent;
    ++counters.in_flight;
    t.phase = Phase::kConnecting;
    t.wake_at = now + t.timeout_ns;
    const uint32_t seq = ++t.seq;
    t.sock.async_connect(t.ep, in_arena(t.arena, [tp, seq](const error_code& e) {
                           if (Checker* self = tp->owner; self && tp->seq == seq)
                             self->handler([&] { self->on_connect(tp, e); });
                         }));
  }

  // Runs one completion, then what it made due: the change callback and the timer.
  template <class F>
  void handler(F&& f) {
    const size_t before = changes.size();
    const bool nested = in_handler;
    in_handler = true;
    f();
    in_handler = nested;
    if (nested) return;
    arm_timer();
    if (changes.size() > before && on_change) on_change();
  }

  void on_connect(const TargetPtr& tp, const error_code& e) {
    Target& t = *tp;
    if (e) {
      if (e == asio::error::operation_aborted) return;
      const int err = e.value();
      if (is_local_error(err)) {
        close_probe(t, false);
        t.phase = Phase::kIdle;
        t.wake_at = t.next_due;
        --counters.probes_sent;
        return local_error(t, "connect", err, now_ns());
      }
      return finish(t, Outcome::kConnectError, err);
    }
    if (t.cfg.check.type != HealthCheckType::kHttp) return finish(t, Outcome::kConnectOk);
    t.phase = Phase::kSending;
    const uint32_t seq = t.seq;
    asio::async_write(t.sock, asio::buffer(t.request),
                      in_arena(t.arena, [tp, seq](const error_code& e2, size_t) {
                        if (Checker* self = tp->owner; self && tp->seq == seq)
                          self->handler([&] { self->on_sent(tp, e2); });
                      }));
  }

  void on_sent(const TargetPtr& tp, const error_code& e) {
    Target& t = *tp;
    if (e) {
      if (e == asio::error::operation_aborted) return;
      return finish(t, Outcome::kSendError, e.value());
    }
    t.phase = Phase::kReading;
    t.buf.consume(t.buf.size());
    t.parser.emplace();
    t.head_got = 0;
    read_more(tp);
  }

  void read_more(const TargetPtr& tp) {
    Target& t = *tp;
    const uint32_t seq = t.seq;
    t.sock.async_read_some(t.buf.prepare(kReadChunk),
                           in_arena(t.arena, [tp, seq](const error_code& e, size_t n) {
                             if (Checker* self = tp->owner; self && tp->seq == seq)
                               self->handler([&] { self->on_read(tp, e, n); });
                           }));
  }

  void on_read(const TargetPtr& tp, const error_code& e, size_t n) {
    Target& t = *tp;
    const bool eof = e == asio::error::eof;
    if (e && !eof) {
      if (e == asio::error::operation_aborted) return;
      return finish(t, Outcome::kRecvError, e.value());
    }
    t.buf.commit(n);
    // The start of the answer, for the reason of a malformed one (the parser consumes lines as
    // it goes, so the buffer may no longer hold it).
    const auto fresh = t.buf.cdata();
    const size_t keep = std::min(kQuoted - t.head_got, n);
    std::memcpy(t.head + t.head_got, static_cast<const char*>(fresh.data()) + fresh.size() - n,
                keep);
    t.head_got = uint8_t(t.head_got + keep);
    error_code pe;
    if (t.buf.size() > 0) {
      const size_t used = t.parser->put(t.buf.data(), pe);
      t.buf.consume(used);
    }
    if (pe && pe != http::error::need_more) return malformed(t, pe);
    if (t.parser->is_header_done()) {
      const int status = t.parser->status();
      const bool good = status == int(t.cfg.check.http_expect_status);
      return finish(t, good ? Outcome::kHttpOk : Outcome::kHttpBadStatus, 0, uint16_t(status));
    }
    if (eof) return finish(t, Outcome::kHttpClosed);
    read_more(tp);
  }

  void malformed(Target& t, const error_code& pe) {
    std::memcpy(t.last_bytes, t.head, t.head_got);
    t.last_got = t.head_got;
    t.last_http = pe;
    finish(t, Outcome::kHttpMalformed);
  }

  void run_timers(int64_t now) {
    while (!heap.empty() && heap.front().at <= now) {
      std::pop_heap(heap.begin(), heap.end(), later);
      const uint32_t idx = heap.back().idx;
      const TargetPtr& tp = targets[idx];
      Target& t = *tp;
      if (now >= t.wake_at) {
        if (t.sock.is_open()) {
          finish(t,
                 t.phase == Phase::kConnecting ? Outcome::kTimeoutConnect : Outcome::kTimeoutHttp);
        } else {
          start_probe(tp, now);
        }
      }
      // Reuses the slot just popped: the heap never grows after set_targets.
      heap.back() = TimerEntry{t.wake_at, idx};
      std::push_heap(heap.begin(), heap.end(), later);
    }
  }

  // Arms the real-time timer for the heap's earliest entry, as far ahead as the clock says.
  void arm_timer() {
    const int64_t at = heap.empty() ? INT64_MAX : heap.front().at;
    if (at == timer_at) return;
    timer_at = at;
    const uint32_t seq = ++timer_seq;
    if (at == INT64_MAX) {
      timer->t.cancel();
      return;
    }
    timer->t.expires_after(std::chrono::nanoseconds(std::max<int64_t>(at - now_ns(), 0)));
    timer->t.async_wait(in_arena(timer->arena, [tm = timer, seq](const error_code& e) {
      Checker* self = tm->owner;
      // Re-armed, cancelled, or the checker went away.
      if (e || !self || seq != self->timer_seq) return;
      self->timer_at = INT64_MAX;
      self->handler([&] { self->run_timers(self->now_ns()); });
    }));
  }

  void set_targets(std::vector<HealthTarget>&& in) {
    const int64_t now = now_ns();
    std::vector<TargetPtr> next;
    next.reserve(in.size());
    std::unordered_map<std::string, uint32_t> next_index;
    next_index.reserve(in.size());
    std::vector<bool> kept(targets.size(), false);

    for (HealthTarget& h : in) {
      if (next_index.count(h.id)) {
        spdlog::warn("health: duplicate target id '{}' ignored", h.id);
        continue;
      }
      const uint32_t at = uint32_t(next.size());
      const auto old = index.find(h.id);
      if (old != index.end() && same_target(targets[old->second]->cfg, h)) {
        kept[old->second] = true;
        next.push_back(targets[old->second]);
      } else {
        next.push_back(make_target(std::move(h), now));
        Target& t = *next.back();
        if (old != index.end()) {
          // A new check (or address) restarts counting but keeps the verdict: an up backend
          // should not flap and a down one should not get traffic just because its interval
          // was edited. Only `none` decides at once.
          const HealthState prev = targets[old->second]->state;
          if (t.cfg.check.type != HealthCheckType::kNone) {
            t.state = prev;
          } else if (prev != HealthState::kUp) {
            changes.push_back(
                HealthChange{t.cfg.id, HealthState::kUp, prev, "health check changed"});
          }
        }
      }
      next_index.emplace(next.back()->cfg.id, at);
    }

    for (size_t i = 0; i < targets.size(); ++i) {
      if (kept[i]) continue;
      if (targets[i]->sock.is_open()) ++counters.probes_aborted;
      release(*targets[i]);
    }
    std::erase_if(changes, [&](const HealthChange& c) { return !next_index.count(c.id); });

    targets = std::move(next);
    index = std::move(next_index);
    heap.clear();
    heap.reserve(targets.size());
    for (uint32_t i = 0; i < targets.size(); ++i)
      if (targets[i]->cfg.check.type != HealthCheckType::kNone)
        heap.push_back(TimerEntry{targets[i]->wake_at, i});
    std::make_heap(heap.begin(), heap.end(), later);
    timer_at = INT64_MIN;  // the heap was rebuilt: arm afresh
    arm_timer();
  }

  void poll(int timeout_ms) {
    if (!own_io) {
      spdlog::error("health: poll() on a checker that runs on the caller's io_context");
      return;
    }
    const auto real_end =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max(timeout_ms, 0));
    const size_t changes_before = changes.size();
    // What the clock says is due now (a test's clock moves by itself), then the I/O.
    handler([&] { run_timers(now_ns()); });
    auto guard = asio::make_work_guard(io);  // no work must not mean no waiting
    io.restart();
    io.poll();
    while (changes.size() == changes_before && std::chrono::steady_clock::now() < real_end) {
      io.run_one_until(real_end);
    }
    // After the I/O: an answer that arrived by the deadline counts, even if we were late.
    handler([&] { run_timers(now_ns()); });
  }

  int next_timeout_ms() const {
    if (heap.empty()) return -1;
    const int64_t d = heap.front().at - now_ns();
    return d <= 0 ? 0 : int((d + kNsPerMs - 1) / kNsPerMs);
  }

  const Target* find(const std::string& id) const {
    const auto it = index.find(id);
    return it == index.end() ? nullptr : targets[it->second].get();
  }
};

}  // namespace

const char* to_string(HealthState s) {
  switch (s) {
    case HealthState::kUnknown:
      return "unknown";
    case HealthState::kUp:
      return "up";
    case HealthState::kDown:
      return "down";
  }
  return "?";
}

std::chrono::steady_clock::time_point health_clock_now() {
  return std::chrono::steady_clock::now();
}

struct HealthChecker::Impl : Checker {
  using Checker::Checker;
};

HealthChecker::HealthChecker(boost::asio::io_context& io, HealthClock clock,
                             ChangeHandler on_change)
    : impl_(std::make_unique<Impl>(nullptr, io, std::move(clock), std::move(on_change))) {}

HealthChecker::HealthChecker(HealthClock clock) {
  auto own = std::make_unique<asio::io_context>(1);
  asio::io_context& io = *own;
  impl_ = std::make_unique<Impl>(std::move(own), io, std::move(clock), ChangeHandler{});
}

HealthChecker::~HealthChecker() = default;
HealthChecker::HealthChecker(HealthChecker&&) noexcept = default;
HealthChecker& HealthChecker::operator=(HealthChecker&&) noexcept = default;

void HealthChecker::set_targets(std::vector<HealthTarget> targets) {
  impl_->set_targets(std::move(targets));
}

void HealthChecker::poll(int timeout_ms) { impl_->poll(timeout_ms); }

std::vector<HealthChange> HealthChecker::take_changes() {
  std::vector<HealthChange> out;
  out.swap(impl_->changes);
  return out;
}

HealthState HealthChecker::state(const std::string& id) const {
  const Target* t = impl_->find(id);
  return t ? t->state : HealthState::kUnknown;
}

bool HealthChecker::contains(const std::string& id) const { return impl_->find(id) != nullptr; }

std::optional<HealthTargetStatus> HealthChecker::status(const std::string& id) const {
  const Target* t = impl_->find(id);
  if (!t) return std::nullopt;
  return HealthTargetStatus{t->state, t->ok_run, t->fail_run, describe(*t)};
}

HealthStats HealthChecker::stats() const {
  HealthStats s = impl_->counters;
  s.targets = uint32_t(impl_->targets.size());
  for (const TargetPtr& t : impl_->targets) {
    switch (t->state) {
      case HealthState::kUp:
        ++s.up;
        break;
      case HealthState::kDown:
        ++s.down;
        break;
      case HealthState::kUnknown:
        ++s.unknown;
        break;
    }
  }
  return s;
}

int HealthChecker::next_timeout_ms() const { return impl_->next_timeout_ms(); }

}  // namespace v6lb
