// Maglev consistent hashing (Eisenbud et al., NSDI 2016) with weights. Each backend walks its own
// permutation of the M slots (offset, skip from its address and port); backends take turns in
// proportion to their weights (w / w_max turns a round), so shares follow weights while the table
// stays minimally disrupted when the set changes. Packets index it with (hash * M) >> 32.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "v6lb/dataplane/net_types.h"

namespace v6lb {

inline constexpr uint32_t kDefaultMaglevSize = 65537;
inline constexpr uint16_t kNoBackend = 0xFFFF;

struct MaglevBackend {
  Ipv6Addr address;
  uint16_t port = 0;
  uint32_t weight = 0;  // 0: takes no slots (draining or down)
  uint16_t slot = 0;    // value written into the table for this backend
};

bool is_prime(uint32_t n);

// Fills `table` (size M, a prime) with backend slots; all kNoBackend when no backend has weight.
// `scratch` is reused between calls to avoid allocation on the daemon's rebuild path.
void maglev_build(std::span<const MaglevBackend> backends, std::span<uint16_t> table);
std::vector<uint16_t> maglev_build(std::span<const MaglevBackend> backends, uint32_t m);

inline uint32_t maglev_index(uint32_t hash, uint32_t m) {
  return uint32_t((uint64_t(hash) * m) >> 32);
}

}  // namespace v6lb
