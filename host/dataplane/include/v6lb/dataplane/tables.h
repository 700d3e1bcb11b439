// The tables the host programs into a data plane, in the form both the reference pipeline and
// the card hold them. `TableWriter` is the one programming interface: the reference pipeline
// implements it directly, the driver implements it with register writes to a card.
#pragma once

#include <cstdint>
#include <span>

#include "v6lb/dataplane/net_types.h"

namespace v6lb {

enum class Scheduler : uint8_t { kMaglev = 0, kSourceIp = 1, kSourceIpProto = 2 };

// Sizes of a data plane's tables; a card reports its own through capability registers.
struct Geometry {
  uint32_t services = 64;
  uint32_t backends = 1024;
  uint32_t maglev_size = 65537;   // M, prime
  uint32_t flow_sets = 1u << 14;  // power of two
  uint32_t flow_ways = 4;

  bool operator==(const Geometry&) const = default;
};

struct CardEntry {
  MacAddr mac;
  Ipv6Addr address;
  MacAddr router_mac;

  bool operator==(const CardEntry&) const = default;
};

struct ServiceEntry {
  bool valid = false;
  Ipv6Addr vip;
  uint8_t proto = 0;
  uint16_t port = 0;
  Scheduler scheduler = Scheduler::kMaglev;
  uint32_t timeout_ticks = 0;  // idle timeout

  bool operator==(const ServiceEntry&) const = default;
};

struct BackendEntry {
  bool valid = false;  // false: down or unused; flows pointing here are treated as absent
  Ipv6Addr address;
  uint16_t port = 0;
  MacAddr mac;  // next hop
  uint8_t service = 0;

  bool operator==(const BackendEntry&) const = default;
};

// Time: one tick is one millisecond. Ticks are derived from capture timestamps as
// (seconds * 1000 + microseconds / 1000) mod 2^32, by the model and the card harness alike.
inline uint32_t ticks_from_timestamp(uint64_t sec, uint32_t usec) {
  return uint32_t(sec * 1000 + usec / 1000);
}
inline constexpr uint32_t kTicksPerSecond = 1000;

class TableWriter {
 public:
  virtual ~TableWriter() = default;
  virtual Geometry geometry() const = 0;
  virtual void set_card(const CardEntry& card) = 0;
  virtual void set_service(uint32_t slot, const ServiceEntry& s) = 0;
  virtual void set_backend(uint32_t slot, const BackendEntry& b) = 0;
  // Writes part of the Maglev table of `service` in `bank`; packets read only the active bank.
  virtual void write_maglev(uint32_t service, uint32_t bank, uint32_t offset,
                            std::span<const uint16_t> entries) = 0;
  virtual void set_active_bank(uint32_t service, uint32_t bank) = 0;
  virtual uint32_t active_bank(uint32_t service) const = 0;
};

}  // namespace v6lb
