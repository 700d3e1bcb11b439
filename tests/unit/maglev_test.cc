#include "v6lb/dataplane/maglev.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>

#include "v6lb/dataplane/crc32c.h"

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

// The table by its definition, written plainly: each backend walks its permutation (offset and
// skip from CRC-32C of its address, port and 0 or 1), one position at a time; in round
// r = 1, 2, ... backend i takes a turn when floor(r * w_i / w_max) grows, in the canonical
// order (by offset, then skip). maglev_build() must give exactly this table however it gets
// there.
std::vector<uint16_t> reference_build(const std::vector<MaglevBackend>& backends, uint32_t m) {
  struct W {
    uint32_t next, skip, weight;
    uint16_t slot;
  };
  std::vector<W> w;
  for (const auto& b : backends) {
    if (!b.weight) continue;
    uint8_t id[19];
    std::copy(b.address.b.begin(), b.address.b.end(), id);
    id[16] = uint8_t(b.port >> 8);
    id[17] = uint8_t(b.port);
    id[18] = 0;
    const uint32_t h1 = crc32c({id, sizeof id});
    id[18] = 1;
    const uint32_t h2 = crc32c({id, sizeof id});
    w.push_back({h1 % m, h2 % (m - 1) + 1, b.weight, b.slot});
  }
  std::vector<uint16_t> t(m, kNoBackend);
  if (w.empty()) return t;
  std::sort(w.begin(), w.end(), [](const W& a, const W& b) {
    return a.next != b.next ? a.next < b.next : a.skip < b.skip;
  });
  uint64_t wmax = 0;
  for (const W& x : w) wmax = std::max<uint64_t>(wmax, x.weight);
  std::vector<bool> taken(m, false);
  uint32_t filled = 0;
  for (uint64_t r = 1;; ++r)
    for (W& x : w) {
      if (r * x.weight / wmax == (r - 1) * x.weight / wmax) continue;
      while (taken[x.next]) x.next = uint32_t((x.next + uint64_t(x.skip)) % m);
      taken[x.next] = true;
      t[x.next] = x.slot;
      x.next = uint32_t((x.next + uint64_t(x.skip)) % m);
      if (++filled == m) return t;
    }
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

// The fast build against the definition: equal weights, mixed weights (the per-round scan),
// one dominant weight (the ring of rounds), zero weights, one backend, small and large M.
TEST(Maglev, MatchesTheDefinition) {
  std::mt19937 rng(7);
  struct Case {
    size_t backends;
    uint32_t m;
    int weights;  // 0: all 1, 1: 1..100, 2: one of 1000 and the rest 1, 3: 0..5
  };
  const Case cases[] = {{1, 251, 0},      {1, 65537, 1},   {2, 251, 1},      {7, 251, 2},
                        {30, 4099, 0},    {30, 4099, 1},   {30, 4099, 2},    {30, 4099, 3},
                        {200, 16381, 1},  {200, 16381, 2}, {1000, 65537, 0}, {1000, 65537, 1},
                        {1000, 65537, 2}, {1000, 65537, 3}};
  for (const Case& c : cases) {
    auto b = make_backends(c.backends);
    for (size_t i = 0; i < b.size(); ++i) {
      switch (c.weights) {
        case 0:
          b[i].weight = 1;
          break;
        case 1:
          b[i].weight = 1 + rng() % 100;
          break;
        case 2:
          b[i].weight = i == 0 ? 1000 : 1;
          break;
        default:
          b[i].weight = rng() % 6;
          break;
      }
    }
    EXPECT_EQ(maglev_build(b, c.m), reference_build(b, c.m))
        << c.backends << " backends, M = " << c.m << ", weights kind " << c.weights;
  }
}

}  // namespace
}  // namespace v6lb
