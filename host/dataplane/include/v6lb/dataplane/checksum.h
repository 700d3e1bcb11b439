// Internet checksum arithmetic (RFC 1071) and the incremental update of RFC 1624, eqn. 3.
#pragma once

#include <cstdint>
#include <span>

#include "v6lb/dataplane/net_types.h"

namespace v6lb {

// Folds a 32-bit accumulator of 16-bit words into one's-complement 16 bits.
inline uint16_t csum_fold(uint64_t acc) {
  while (acc >> 16) acc = (acc & 0xFFFF) + (acc >> 16);
  return uint16_t(acc);
}

// Sum of big-endian 16-bit words; an odd trailing byte is padded with zero.
uint64_t csum_add_bytes(uint64_t acc, std::span<const uint8_t> data);

// RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), for a field of 16-bit words replaced in place.
// `old_words` and `new_words` have equal even length.
inline uint64_t csum_delta(uint64_t acc, const uint8_t* old_words, const uint8_t* new_words,
                           size_t len) {
  for (size_t i = 0; i < len; i += 2) {
    acc += uint16_t(~load_be16(old_words + i));
    acc += load_be16(new_words + i);
  }
  return acc;
}
inline uint16_t csum_apply(uint16_t hc, uint64_t delta_acc) {
  return uint16_t(~csum_fold(uint64_t(uint16_t(~hc)) + delta_acc));
}

// Full TCP/UDP checksum over the IPv6 pseudo-header and the L4 segment (checksum field included
// as it stands: pass a segment whose checksum field is zero to compute a fresh checksum).
uint16_t l4_checksum_ipv6(const Ipv6Addr& src, const Ipv6Addr& dst, uint8_t next_header,
                          std::span<const uint8_t> segment);

}  // namespace v6lb
