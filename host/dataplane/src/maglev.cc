#include "v6lb/dataplane/maglev.h"

#include <algorithm>
#include <stdexcept>

#include "v6lb/dataplane/crc32c.h"

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
  // The round of the next turn, ceil((turns + 1) * w_max / weight), kept as quotient and
  // remainder of (turns + 1) * w_max / weight so that advancing it needs no division.
  uint64_t q;
  uint64_t rem;
  uint64_t qstep;  // w_max / weight
  uint64_t rstep;  // w_max % weight
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
  return Walker{h1 % m, h2 % (m - 1) + 1, b.weight, b.slot, 0, 0, 0, 0, 0};
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

  // Which slots are taken, as a bitmap: 8 KiB for M = 65537 stays in L1 while the probes jump
  // around; the table itself is only written.
  std::vector<uint64_t> taken((m + 63) / 64, 0);
  auto take_turn = [&](Walker& x) {
    while (taken[x.next >> 6] >> (x.next & 63) & 1) {
      x.next += x.skip;
      if (x.next >= m) x.next -= m;
    }
    taken[x.next >> 6] |= uint64_t(1) << (x.next & 63);
    table[x.next] = x.slot;
    x.next += x.skip;
    if (x.next >= m) x.next -= m;
    ++x.turns;
  };

  // Proportional turns: in round r = 1, 2, ... backend i takes a turn when floor(r * w_i / w_max)
  // grows, so it takes w_i / w_max turns a round; within a round, in canonical order. Equal
  // weights give the paper's round robin. Rounds are buckets of a ring indexed by round number
  // (a backend's next round is at most w_max rounds ahead), so the cost is O(M + rounds), not
  // O(rounds * backends) when one weight dominates.
  uint64_t wmax = 0;
  for (const auto& x : w) wmax = std::max<uint64_t>(wmax, x.weight);
  uint32_t filled = 0;
  if (std::all_of(w.begin(), w.end(), [&](const Walker& x) { return x.weight == wmax; })) {
    for (;;)  // equal weights: every backend every round, the paper's round robin
      for (auto& x : w) {
        take_turn(x);
        if (++filled == m) return;
      }
  }
  const size_t ring = size_t(wmax) + 2;
  constexpr uint32_t kNil = ~0u;
  std::vector<uint32_t> head(ring, kNil), tail(ring, kNil), next(w.size(), kNil);
  auto next_round = [&](Walker& x) {  // advances to turn x.turns + 1 and returns its round
    x.q += x.qstep;
    x.rem += x.rstep;
    if (x.rem >= x.weight) {
      x.rem -= x.weight;
      ++x.q;
    }
    return x.q + (x.rem != 0);
  };
  auto push = [&](uint64_t round, uint32_t i) {
    const size_t b = size_t(round % ring);
    next[i] = kNil;
    if (head[b] == kNil)
      head[b] = i;
    else
      next[tail[b]] = i;
    tail[b] = i;
  };
  for (uint32_t i = 0; i < w.size(); ++i) {
    w[i].qstep = wmax / w[i].weight;
    w[i].rstep = wmax % w[i].weight;
    push(next_round(w[i]), i);
  }

  std::vector<uint32_t> due;
  for (uint64_t round = 1;; ++round) {
    const size_t b = size_t(round % ring);
    due.clear();
    for (uint32_t i = head[b]; i != kNil; i = next[i]) due.push_back(i);
    head[b] = tail[b] = kNil;
    if (!std::is_sorted(due.begin(), due.end())) std::sort(due.begin(), due.end());
    for (uint32_t i : due) {
      take_turn(w[i]);
      if (++filled == m) return;
      push(next_round(w[i]), i);
    }
  }
}

std::vector<uint16_t> maglev_build(std::span<const MaglevBackend> backends, uint32_t m) {
  std::vector<uint16_t> t(m);
  maglev_build(backends, t);
  return t;
}

}  // namespace v6lb
