#include "v6lb/dataplane/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#define V6LB_X86 1
#endif

namespace v6lb {
namespace {

constexpr std::array<uint32_t, 256> make_table() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    t[i] = c;
  }
  return t;
}
constexpr auto kTable = make_table();

bool detect_hw() {
#if V6LB_X86
  return __builtin_cpu_supports("sse4.2");
#else
  return false;
#endif
}
const bool kHasHw = detect_hw();

}  // namespace

uint32_t crc32c_portable(std::span<const uint8_t> data) {
  uint32_t c = 0xFFFFFFFFu;
  for (uint8_t x : data) c = kTable[(c ^ x) & 0xFF] ^ (c >> 8);
  return ~c;
}

bool crc32c_has_hw() { return kHasHw; }

#if V6LB_X86
__attribute__((target("sse4.2"))) uint32_t crc32c_hw(std::span<const uint8_t> data) {
  uint64_t c = 0xFFFFFFFFu;
  const uint8_t* p = data.data();
  size_t n = data.size();
  for (; n >= 8; n -= 8, p += 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    c = _mm_crc32_u64(c, w);
  }
  uint32_t c32 = uint32_t(c);
  for (; n; --n, ++p) c32 = _mm_crc32_u8(c32, *p);
  return ~c32;
}

__attribute__((target("sse4.2"))) static uint32_t flow_hash_hw(const uint8_t* k) {
  uint64_t w[4];
  uint32_t t;
  std::memcpy(w, k, 32);
  std::memcpy(&t, k + 32, 4);
  uint64_t c = 0xFFFFFFFFu;
  c = _mm_crc32_u64(c, w[0]);
  c = _mm_crc32_u64(c, w[1]);
  c = _mm_crc32_u64(c, w[2]);
  c = _mm_crc32_u64(c, w[3]);
  uint32_t c32 = _mm_crc32_u32(uint32_t(c), t);
  c32 = _mm_crc32_u8(c32, k[36]);
  return ~c32;
}
#else
uint32_t crc32c_hw(std::span<const uint8_t> data) { return crc32c_portable(data); }
#endif

uint32_t crc32c(std::span<const uint8_t> data) {
  return kHasHw ? crc32c_hw(data) : crc32c_portable(data);
}

uint32_t flow_hash(const uint8_t key[FlowKey::kSize]) {
#if V6LB_X86
  if (kHasHw) return flow_hash_hw(key);
#endif
  return crc32c_portable({key, FlowKey::kSize});
}

}  // namespace v6lb
