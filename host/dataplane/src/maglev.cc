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

constexpr uint32_t kStep = 4;  // positions a walk tests per step

// What a turn reads, in half a cache line: 1,000 backends' walkers stay in L1 and L2.
struct Walker {
  uint32_t next;  // current position in the permutation
  uint32_t skip;
  uint32_t stride[kStep];  // k * skip mod M, k = 1..kStep
  uint32_t weight;
  uint16_t slot;
};
static_assert(sizeof(Walker) == 32);

// When a walker's next turn comes: round ceil((turns + 1) * w_max / weight), kept as quotient
// and remainder of (turns + 1) * w_max / weight so that advancing it needs no division.
struct Pace {
  uint64_t q = 0;
  uint64_t rem = 0;
  uint64_t qstep = 0;  // w_max / weight
  uint64_t rstep = 0;  // w_max % weight
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
  Walker w{h1 % m, h2 % (m - 1) + 1, {}, b.weight, b.slot};
  for (uint32_t k = 0; k < kStep; ++k) w.stride[k] = uint32_t(uint64_t(w.skip) * (k + 1) % m);
  return w;
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
  // around; the table itself is only written. A walk keeps its position in a register, and one
  // that finds its next position taken goes on kStep positions per step: the chain from one
  // step to the next is one add and one compare-and-subtract for kStep probes instead of for
  // each, and one branch decides them all. Late in the fill, when most probes collide, that is
  // most of the build's time (measured: a quarter less than one position per step; eight per
  // step gained no more).
  std::vector<uint64_t> taken((m + 63) / 64, 0);
  uint64_t* const bits = taken.data();
  uint16_t* const out = table.data();
  auto is_free = [bits](uint32_t p) { return uint32_t(~(bits[p >> 6] >> (p & 63)) & 1); };
  auto take_turn = [bits, out, m, is_free](Walker& x) {
    uint32_t pos = x.next;
    if (!is_free(pos)) {
      const uint32_t s1 = x.stride[0], s2 = x.stride[1], s3 = x.stride[2], s4 = x.stride[3];
      for (;;) {
        uint32_t q[kStep] = {pos + s1, pos + s2, pos + s3, pos + s4};
        for (uint32_t& v : q) v = v >= m ? v - m : v;
        const uint32_t free =
            is_free(q[0]) | is_free(q[1]) << 1 | is_free(q[2]) << 2 | is_free(q[3]) << 3;
        if (free) {
          pos = q[__builtin_ctz(free)];
          break;
        }
        pos = q[3];
      }
    }
    bits[pos >> 6] |= uint64_t(1) << (pos & 63);
    out[pos] = x.slot;
    pos += x.skip;
    x.next = pos >= m ? pos - m : pos;
  };

  // Proportional turns: in round r = 1, 2, ... backend i takes a turn when floor(r * w_i / w_max)
  // grows, so it takes w_i / w_max turns a round; within a round, in canonical order. Equal
  // weights give the paper's round robin.
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
  uint64_t wsum = 0;
  for (const auto& x : w) wsum += x.weight;
  // The table fills in about M * w_max / sum(w) rounds. When a round's scan of every backend
  // costs little against the turns it finds (w_max at most 8 times the mean weight, so at most
  // 8 M / n + 1 rounds), scan them in canonical order, round by round: no bookkeeping per turn.
  // Backend i is due in round r when floor(r * w_i / w_max) grows, that is when the running sum
  // acc_i = r * w_i mod w_max wraps: one add, compare and subtract per backend and round, and no
  // branch per backend (whether one is due is as good as random to a branch predictor). The due
  // ones are then taken in canonical order.
  if (wmax * w.size() <= 8 * wsum && wmax < (uint64_t(1) << 31)) {  // acc + w fits 32 bits
    const uint32_t n = uint32_t(w.size());
    const uint32_t top = uint32_t(wmax);
    std::vector<uint32_t> acc(n, 0), weight(n), flag(n), list(n);
    for (uint32_t i = 0; i < n; ++i) weight[i] = w[i].weight;
    for (;;) {
      for (uint32_t i = 0; i < n; ++i) {  // vectorised
        const uint32_t a = acc[i] + weight[i];
        const uint32_t d = a >= top ? ~0u : 0u;
        acc[i] = a - (top & d);
        flag[i] = d;
      }
      uint32_t due = 0;
      for (uint32_t i = 0; i < n; ++i) {
        list[due] = i;  // kept only if due: the list grows without a branch
        due -= flag[i];
      }
      for (uint32_t k = 0; k < due; ++k) {
        take_turn(w[list[k]]);
        if (++filled == m) return;
      }
    }
  }

  std::vector<Pace> pace(w.size());
  // Advances walker i to its next turn and returns that turn's round.
  auto next_round = [&pace, &w](uint32_t i) {
    Pace& x = pace[i];
    const uint32_t weight = w[i].weight;
    x.q += x.qstep;
    x.rem += x.rstep;
    const bool carry = x.rem >= weight;  // branch-free: whether it carries is as good as random
    x.rem -= carry ? weight : 0;
    x.q += carry;
    return x.q + (x.rem != 0);
  };
  std::vector<uint64_t> due(w.size());
  for (uint32_t i = 0; i < w.size(); ++i) {
    pace[i].qstep = wmax / w[i].weight;
    pace[i].rstep = wmax % w[i].weight;
    due[i] = next_round(i);
  }

  // One weight dominates: rounds are buckets of a ring indexed by round number (a backend's
  // next round is at most w_max rounds ahead), so the cost is O(M + rounds), not
  // O(rounds * backends).
  const size_t ring = size_t(wmax) + 2;
  constexpr uint32_t kNil = ~0u;
  std::vector<uint32_t> head(ring, kNil), tail(ring, kNil), next(w.size(), kNil);
  auto push = [&](uint64_t round, uint32_t i) {
    const size_t b = size_t(round % ring);
    next[i] = kNil;
    if (head[b] == kNil)
      head[b] = i;
    else
      next[tail[b]] = i;
    tail[b] = i;
  };
  for (uint32_t i = 0; i < w.size(); ++i) push(due[i], i);

  std::vector<uint32_t> ready;
  for (uint64_t round = 1;; ++round) {
    const size_t b = size_t(round % ring);
    ready.clear();
    for (uint32_t i = head[b]; i != kNil; i = next[i]) ready.push_back(i);
    head[b] = tail[b] = kNil;
    if (!std::is_sorted(ready.begin(), ready.end())) std::sort(ready.begin(), ready.end());
    for (uint32_t i : ready) {
      take_turn(w[i]);
      if (++filled == m) return;
      push(next_round(i), i);
    }
  }
}

std::vector<uint16_t> maglev_build(std::span<const MaglevBackend> backends, uint32_t m) {
  std::vector<uint16_t> t(m);
  maglev_build(backends, t);
  return t;
}

}  // namespace v6lb
