#include "v6lb/dataplane/maglev.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace v6lb {
namespace {

std::vector<MaglevBackend> make_backends(size_t n, uint32_t weight = 1) {
  std::vector<MaglevBackend> v;
  for (size_t i = 0; i < n; ++i) {
    MaglevBackend b;
    b.address = *Ipv6Addr::parse("2001:db8:1::" + std::to_string(i + 1));
    b.port = 8080;
    b.weight = weight;
    b.slot = uint16_t(i);
    v.push_back(b);
  }
  return v;
}

std::map<uint16_t, size_t> shares(const std::vector<uint16_t>& t) {
  std::map<uint16_t, size_t> m;
  for (uint16_t x : t) ++m[x];
  return m;
}

TEST(Maglev, Prime) {
  EXPECT_TRUE(is_prime(65537));
  EXPECT_TRUE(is_prime(251));
  EXPECT_FALSE(is_prime(65536));
  EXPECT_FALSE(is_prime(1));
}

TEST(Maglev, EveryEntryFilledAndEqualWeightsBalanced) {
  auto b = make_backends(7);
  auto t = maglev_build(b, 65537);
  auto s = shares(t);
  EXPECT_EQ(s.count(kNoBackend), 0u);
  for (auto& [slot, n] : s) EXPECT_NEAR(double(n) / 65537, 1.0 / 7, 0.01 / 7) << slot;
}

// Each backend's share of entries is within 1 % (relative) of its weight share.
TEST(Maglev, SharesFollowWeights) {
  auto b = make_backends(3);
  b[0].weight = 100;
  b[1].weight = 100;
  b[2].weight = 50;
  auto s = shares(maglev_build(b, 65537));
  EXPECT_NEAR(s[0] / 65537.0, 0.4, 0.004);
  EXPECT_NEAR(s[1] / 65537.0, 0.4, 0.004);
  EXPECT_NEAR(s[2] / 65537.0, 0.2, 0.002);

  auto many = make_backends(20);
  uint64_t total_w = 0;
  for (size_t i = 0; i < many.size(); ++i) total_w += (many[i].weight = uint32_t(1 + i * 37));
  auto sm = shares(maglev_build(many, 65537));
  for (size_t i = 0; i < many.size(); ++i) {
    const double want = double(many[i].weight) / total_w;
    EXPECT_NEAR(sm[uint16_t(i)] / 65537.0, want, 0.01 * want + 1.0 / 65537) << i;
  }
}

TEST(Maglev, ZeroWeightTakesNothing) {
  auto b = make_backends(3);
  b[1].weight = 0;
  auto s = shares(maglev_build(b, 251));
  EXPECT_EQ(s.count(1), 0u);
  EXPECT_EQ(s[0] + s[2], 251u);
  std::vector<MaglevBackend> none = make_backends(2, 0);
  auto t = maglev_build(none, 251);
  EXPECT_EQ(shares(t)[kNoBackend], 251u);
}

TEST(Maglev, OrderOfBackendsDoesNotMatter) {
  auto b = make_backends(10);
  auto t1 = maglev_build(b, 4099);
  std::reverse(b.begin(), b.end());
  EXPECT_EQ(t1, maglev_build(b, 4099));
}

// Removing one of 100 backends moves at most 2 % of the entries that did not belong to it.
TEST(Maglev, MinimalDisruptionOnRemoval) {
  auto b = make_backends(100);
  auto before = maglev_build(b, 65537);
  for (uint16_t removed : {0, 17, 99}) {
    auto b2 = b;
    b2.erase(b2.begin() + removed);
    auto after = maglev_build(b2, 65537);
    size_t others = 0, moved = 0;
    for (size_t i = 0; i < before.size(); ++i) {
      if (before[i] == removed) continue;
      ++others;
      moved += before[i] != after[i];
    }
    EXPECT_LE(double(moved) / others, 0.02) << "removed " << removed;
  }
}

TEST(Maglev, IndexIsMultiplyShift) {
  EXPECT_EQ(maglev_index(0, 65537), 0u);
  EXPECT_EQ(maglev_index(0xFFFFFFFFu, 65537), 65536u);
  EXPECT_EQ(maglev_index(0x80000000u, 65537), 32768u);
}

}  // namespace
}  // namespace v6lb
