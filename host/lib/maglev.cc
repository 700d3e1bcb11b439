#include "v6lb/maglev.h"

#include <algorithm>
#include <queue>
#include <stdexcept>

#include "v6lb/crc32c.h"

namespace v6lb {

bool is_prime(uint32_t n) {
  if (n < 2) return false;
  for (uint32_t d = 2; uint64_t(d) * d <= n; ++d)
    if (n % d == 0) return false;
  return true;
}

namespace {

struct Walker {
  uint32_t next;  // current position in the permutation
  uint32_t skip;
  uint32_t weight;
  uint16_t slot;
  uint64_t turns;  // turns taken so far
};

// Offset and skip come from the backend's address and port, not its position in the config, so
// reordering the config changes nothing.
Walker make_walker(const MaglevBackend& b, uint32_t m) {
  uint8_t id[19];
  std::copy(b.address.b.begin(), b.address.b.end(), id);
  id[16] = uint8_t(b.port >> 8);
  id[17] = uint8_t(b.port);
  id[18] = 0;
  const uint32_t h1 = crc32c({id, sizeof id});
  id[18] = 1;
  const uint32_t h2 = crc32c({id, sizeof id});
  return Walker{h1 % m, h2 % (m - 1) + 1, b.weight, b.slot, 0};
}

}  // namespace

void maglev_build(std::span<const MaglevBackend> backends, std::span<uint16_t> table) {
  const uint32_t m = uint32_t(table.size());
  if (m < 2) throw std::invalid_argument("maglev: table size must be a prime >= 2");
  std::fill(table.begin(), table.end(), kNoBackend);

  std::vector<Walker> w;
  w.reserve(backends.size());
  for (const auto& b : backends)
    if (b.weight) w.push_back(make_walker(b, m));
  if (w.empty()) return;
  // Canonical order: the table depends only on the set of backends.
  std::sort(w.begin(), w.end(), [](const Walker& a, const Walker& b) {
    return a.next != b.next ? a.next < b.next : a.skip < b.skip;
  });

  auto take_turn = [&](Walker& x) {
    while (table[x.next] != kNoBackend) {
      x.next += x.skip;
      if (x.next >= m) x.next -= m;
    }
    table[x.next] = x.slot;
    x.next += x.skip;
    if (x.next >= m) x.next -= m;
    ++x.turns;
  };

  uint32_t filled = 0;
  const bool equal = std::all_of(w.begin(), w.end(), [&](const Walker& x) { return x.weight == w[0].weight; });
  if (equal) {
    // The paper's round robin.
    for (;;)
      for (auto& x : w) {
        take_turn(x);
        if (++filled == m) return;
      }
  }
  // Stride scheduling: backend i's k-th turn falls at time k / weight_i; earliest goes first,
  // ties to the lower position. Compared exactly as (k_a+1) * w_b < (k_b+1) * w_a.
  auto later = [&](uint32_t a, uint32_t b) {
    const unsigned __int128 ta = (unsigned __int128)(w[a].turns + 1) * w[b].weight;
    const unsigned __int128 tb = (unsigned __int128)(w[b].turns + 1) * w[a].weight;
    return ta != tb ? ta > tb : a > b;
  };
  std::priority_queue<uint32_t, std::vector<uint32_t>, decltype(later)> q(later);
  for (uint32_t i = 0; i < w.size(); ++i) q.push(i);
  for (;;) {
    const uint32_t i = q.top();
    q.pop();
    take_turn(w[i]);
    if (++filled == m) return;
    q.push(i);
  }
}

std::vector<uint16_t> maglev_build(std::span<const MaglevBackend> backends, uint32_t m) {
  std::vector<uint16_t> t(m);
  maglev_build(backends, t);
  return t;
}

}  // namespace v6lb
