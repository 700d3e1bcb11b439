// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78, init and final xor 0xFFFFFFFF): the flow
// hash of the design. The SSE4.2 CRC32 instruction and the portable table give identical values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "v6lb/dataplane/net_types.h"

namespace v6lb {

uint32_t crc32c_portable(std::span<const uint8_t> data);
uint32_t crc32c_hw(std::span<const uint8_t> data);  // requires SSE4.2; see crc32c_has_hw()
bool crc32c_has_hw();
uint32_t crc32c(std::span<const uint8_t> data);  // dispatches once at start-up

// Hash of the canonical 37-byte key. The fixed length lets it run as five CRC32 instructions.
uint32_t flow_hash(const uint8_t key[FlowKey::kSize]);
inline uint32_t flow_hash(const FlowKey& k) {
  uint8_t b[FlowKey::kSize];
  k.to_bytes(b);
  return flow_hash(b);
}

}  // namespace v6lb
