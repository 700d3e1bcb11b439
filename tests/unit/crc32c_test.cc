#include "v6lb/dataplane/crc32c.h"

#include <gtest/gtest.h>

#include <random>
#include <string_view>
#include <vector>

namespace v6lb {
namespace {

std::span<const uint8_t> bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// Known vectors: RFC 3720 B.4 (iSCSI) and the common "123456789" check value.
TEST(Crc32c, KnownVectors) {
  EXPECT_EQ(crc32c_portable(bytes("123456789")), 0xE3069283u);
  EXPECT_EQ(crc32c_portable(bytes("")), 0x00000000u);
  std::vector<uint8_t> zeros(32, 0), ones(32, 0xFF), inc(32), dec(32);
  for (int i = 0; i < 32; ++i) {
    inc[i] = uint8_t(i);
    dec[i] = uint8_t(31 - i);
  }
  EXPECT_EQ(crc32c_portable(zeros), 0x8A9136AAu);
  EXPECT_EQ(crc32c_portable(ones), 0x62A8AB43u);
  EXPECT_EQ(crc32c_portable(inc), 0x46DD794Eu);
  EXPECT_EQ(crc32c_portable(dec), 0x113FDB5Cu);
}

TEST(Crc32c, HardwareMatchesPortable) {
  if (!crc32c_has_hw()) GTEST_SKIP() << "no SSE4.2 on this CPU";
  std::mt19937 rng(7);
  for (size_t len = 0; len < 200; ++len) {
    std::vector<uint8_t> d(len);
    for (auto& x : d) x = uint8_t(rng());
    ASSERT_EQ(crc32c_hw(d), crc32c_portable(d)) << "len " << len;
  }
}

TEST(Crc32c, FlowHashIsCrcOfCanonicalKey) {
  std::mt19937 rng(11);
  for (int i = 0; i < 1000; ++i) {
    uint8_t k[FlowKey::kSize];
    for (auto& x : k) x = uint8_t(rng());
    ASSERT_EQ(flow_hash(k), crc32c_portable({k, FlowKey::kSize}));
  }
  FlowKey key;
  key.src = *Ipv6Addr::parse("2001:db8::1");
  key.dst = *Ipv6Addr::parse("2001:db8::100");
  key.sport = 0x1234;
  key.dport = 80;
  key.proto = 6;
  uint8_t b[FlowKey::kSize];
  key.to_bytes(b);
  EXPECT_EQ(b[32], 0x12);
  EXPECT_EQ(b[33], 0x34);
  EXPECT_EQ(b[35], 80);
  EXPECT_EQ(b[36], 6);
  EXPECT_EQ(flow_hash(key), crc32c_portable({b, FlowKey::kSize}));
}

}  // namespace
}  // namespace v6lb
