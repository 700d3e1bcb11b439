// hw/rtl/v6lb_counter_bank.sv (8 words of five 64-bit counters) against plain sums:
//  - random events, half of them on the word of the event before (the forwarded read-add-write),
//    every counter read back exactly;
//  - a clear while events keep coming: afterwards no counter holds more than what was added
//    since the clear, untouched words are zero, and counting after the walk is exact again.
//
// Usage: rtl_counter_bank_tb [cycles] [seed]

#include <verilated.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "Vv6lb_counter_bank.h"

namespace {

constexpr unsigned kEntries = 8;  // -GENTRIES of the build
constexpr unsigned kFields = 5;
using Word = std::array<uint64_t, kFields>;

unsigned long g_errors = 0;

class Bench {
 public:
  Bench() {
    top_.clk = 0;
    top_.rst = 1;
    tick();
    top_.rst = 0;
    idle(kEntries + 4);  // the walk after reset
  }

  void tick() {
    top_.clk = 0;
    top_.eval();
    top_.clk = 1;
    top_.eval();
    ++cycle_;
  }

  void idle(unsigned n) {
    top_.ev_valid = 0;
    top_.clear = 0;
    top_.rd_en = 0;
    for (unsigned i = 0; i < n; ++i) tick();
  }

  // One clock with an event (or none when `valid` is false).
  void event(bool valid, unsigned idx, const std::array<uint16_t, kFields>& inc,
             bool clear = false) {
    top_.ev_valid = valid;
    top_.ev_idx = idx;
    for (unsigned i = 0; i < 3; ++i) top_.ev_inc[i] = 0;  // 80 bits
    for (unsigned f = 0; f < kFields; ++f)
      top_.ev_inc[(16 * f) / 32] |= uint32_t(inc[f]) << ((16 * f) % 32);
    top_.clear = clear;
    top_.rd_en = 0;
    tick();
    top_.ev_valid = 0;
    top_.clear = 0;
  }

  Word read(unsigned idx) {
    top_.rd_en = 1;
    top_.rd_idx = idx;
    tick();
    top_.rd_en = 0;
    Word w{};
    for (unsigned f = 0; f < kFields; ++f)
      w[f] = uint64_t(top_.rd_data[2 * f]) | uint64_t(top_.rd_data[2 * f + 1]) << 32;
    return w;
  }

 private:
  Vv6lb_counter_bank top_;
  uint64_t cycle_ = 0;
};

void expect(bool ok, const char* what, unsigned idx, unsigned f, uint64_t got, uint64_t want) {
  if (ok) return;
  if (g_errors < 20)
    std::printf("FAIL [%s] word %u field %u: rtl %llu, want %llu\n", what, idx, f,
                static_cast<unsigned long long>(got), static_cast<unsigned long long>(want));
  ++g_errors;
}

// Random events for `cycles` clocks into `sums`; `clear_at` (if < cycles) pulses clear in that
// clock and restarts `sums` there.
void traffic(Bench& b, std::mt19937_64& rng, unsigned cycles, std::array<Word, kEntries>& sums,
             unsigned clear_at = ~0u) {
  unsigned idx = 0;
  for (unsigned c = 0; c < cycles; ++c) {
    if (c == clear_at) sums = {};
    const bool valid = rng() % 10 != 0;
    if (rng() % 2) idx = rng() % kEntries;
    std::array<uint16_t, kFields> inc{};
    for (auto& v : inc) v = rng() % 4 == 0 ? 0 : uint16_t(rng());
    b.event(valid, idx, inc, c == clear_at);
    if (valid)
      for (unsigned f = 0; f < kFields; ++f) sums[idx][f] += inc[f];
  }
  b.idle(2);  // the last event's add and write
}

}  // namespace

int main(int argc, char** argv) {
  Verilated::commandArgs(argc, argv);
  const unsigned cycles = argc > 1 ? std::strtoul(argv[1], nullptr, 0) : 20000;
  const uint64_t seed = argc > 2 ? std::strtoull(argv[2], nullptr, 0) : 0x636e7462;
  std::mt19937_64 rng(seed);
  Bench b;

  // After reset every counter reads zero.
  for (unsigned i = 0; i < kEntries; ++i) {
    const Word w = b.read(i);
    for (unsigned f = 0; f < kFields; ++f) expect(w[f] == 0, "after reset", i, f, w[f], 0);
  }

  // Exact sums under back-to-back events.
  std::array<Word, kEntries> sums{};
  traffic(b, rng, cycles, sums);
  for (unsigned i = 0; i < kEntries; ++i) {
    const Word w = b.read(i);
    for (unsigned f = 0; f < kFields; ++f)
      expect(w[f] == sums[i][f], "sums", i, f, w[f], sums[i][f]);
  }

  // A clear in the middle of traffic (events on 70 % of the clocks, so the walk advances in the
  // others): at most what came after it, zero where nothing came. Word 7 gets no events after
  // the clear.
  std::array<Word, kEntries> after{};
  {
    unsigned idx = 0;
    for (unsigned c = 0; c < 200; ++c) {
      const bool clear = c == 50;
      if (clear) after = {};
      idx = rng() % (kEntries - 1);
      std::array<uint16_t, kFields> inc{};
      for (auto& v : inc) v = uint16_t(1 + rng() % 1000);
      const bool valid = c < 50 || rng() % 10 < 7;
      b.event(valid, c < 50 ? 7 : idx, inc, clear);
      if (valid && c >= 50)
        for (unsigned f = 0; f < kFields; ++f) after[idx][f] += inc[f];
    }
    b.idle(kEntries + 4);
  }
  std::array<Word, kEntries> base{};
  for (unsigned i = 0; i < kEntries; ++i) {
    base[i] = b.read(i);
    for (unsigned f = 0; f < kFields; ++f) {
      expect(base[i][f] <= after[i][f], "clear: at most what came after", i, f, base[i][f],
             after[i][f]);
      if (i == kEntries - 1) expect(base[i][f] == 0, "clear: untouched word", i, f, base[i][f], 0);
    }
  }

  // The walk is over: counting is exact again from what the clear left.
  std::array<Word, kEntries> more{};
  traffic(b, rng, cycles / 4, more);
  for (unsigned i = 0; i < kEntries; ++i) {
    const Word w = b.read(i);
    for (unsigned f = 0; f < kFields; ++f)
      expect(w[f] == base[i][f] + more[i][f], "after the clear", i, f, w[f],
             base[i][f] + more[i][f]);
  }

  if (g_errors) {
    std::printf("rtl_counter_bank_tb: %lu errors (seed %#llx)\n", g_errors,
                static_cast<unsigned long long>(seed));
    return 1;
  }
  std::printf("rtl_counter_bank_tb: %u event clocks, all counters exact (seed %#llx)\n", cycles,
              static_cast<unsigned long long>(seed));
  return 0;
}
