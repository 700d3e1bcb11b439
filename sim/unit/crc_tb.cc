// hw/rtl/v6lb_crc32c_key.sv against crc32c_portable() (host/dataplane/src/crc32c.cc): known
// vectors, single-bit keys (each key bit reaches the CRC through its own XOR tree) and random keys.
//
// Usage: rtl_crc_tb [random_keys] [seed]

#include <verilated.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>

#include "Vv6lb_crc32c_key.h"
#include "v6lb/dataplane/crc32c.h"
#include "v6lb/dataplane/net_types.h"

using namespace v6lb;

namespace {

constexpr unsigned kKey = FlowKey::kSize;  // 37

unsigned long g_errors = 0;

uint32_t rtl_crc(Vv6lb_crc32c_key& top, const uint8_t key[kKey]) {
  for (unsigned w = 0; w < 10; ++w) top.key[w] = 0;
  for (unsigned i = 0; i < kKey; ++i) top.key[i / 4] |= uint32_t(key[i]) << (8 * (i % 4));
  top.eval();
  return top.crc;
}

void check(Vv6lb_crc32c_key& top, const uint8_t key[kKey], const char* what, uint32_t want) {
  const uint32_t got = rtl_crc(top, key);
  if (got != want) {
    if (g_errors < 20) {
      std::printf("FAIL [%s]: rtl %08x, want %08x, key ", what, got, want);
      for (unsigned i = 0; i < kKey; ++i) std::printf("%02x", key[i]);
      std::printf("\n");
    }
    ++g_errors;
  }
}

void check_model(Vv6lb_crc32c_key& top, const uint8_t key[kKey], const char* what) {
  check(top, key, what, crc32c_portable({key, kKey}));
}

}  // namespace

int main(int argc, char** argv) {
  Verilated::commandArgs(argc, argv);
  const unsigned long n_random = argc > 1 ? std::strtoul(argv[1], nullptr, 0) : 100000;
  const uint64_t seed = argc > 2 ? std::strtoull(argv[2], nullptr, 0) : 0x63726333;
  Vv6lb_crc32c_key top;

  // The model itself on the standard check value, so a wrong model cannot pass silently.
  {
    const char* s = "123456789";
    const uint32_t c = crc32c_portable({reinterpret_cast<const uint8_t*>(s), 9});
    if (c != 0xE3069283u) {
      std::printf("FAIL: crc32c_portable(\"123456789\") = %08x, want e3069283\n", c);
      ++g_errors;
    }
  }

  // Known 37-byte vectors, independent of the model: from a bit-serial script whose outputs
  // on the RFC 3720 B.4 vectors (32 x 00 -> 8a9136aa, 32 x ff -> 62a8ab43, 00..1f -> 46dd794e)
  // are right.
  uint8_t key[kKey];
  std::memset(key, 0, kKey);
  check(top, key, "zeros", 0x606FE42Bu);
  std::memset(key, 0xFF, kKey);
  check(top, key, "ones", 0xC9E8E6E5u);
  for (unsigned i = 0; i < kKey; ++i) key[i] = uint8_t(i);
  check(top, key, "0..36", 0x239BA04Du);
  {
    FlowKey k;
    k.src = *Ipv6Addr::parse("2001:db8:c::1");
    k.dst = *Ipv6Addr::parse("2001:db8::100");
    k.sport = 40000;
    k.dport = 80;
    k.proto = 6;
    k.to_bytes(key);
    check_model(top, key, "flow key");
    if (flow_hash(k) != crc32c_portable({key, kKey})) {
      std::printf("FAIL: flow_hash() != crc32c_portable() on the flow key\n");
      ++g_errors;
    }
  }

  // Every single-bit key.
  for (unsigned bit = 0; bit < 8 * kKey; ++bit) {
    std::memset(key, 0, kKey);
    key[bit / 8] = uint8_t(1u << (bit % 8));
    check_model(top, key, "single bit");
  }

  std::mt19937_64 rng(seed);
  for (unsigned long n = 0; n < n_random; ++n) {
    for (unsigned i = 0; i < kKey; ++i) key[i] = uint8_t(rng());
    check_model(top, key, "random");
  }

  std::printf("checked %lu random keys (seed %#llx) + vectors, errors %lu\n%s\n", n_random,
              (unsigned long long)seed, g_errors, g_errors ? "FAIL" : "PASS");
  return g_errors ? 1 : 0;
}
