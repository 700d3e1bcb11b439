// Set-associative flow table with the card's geometry: `sets` (a power of two) times `ways`
// entries, set = hash & (sets - 1), replacement = the way holding the same key, else the lowest
// free or expired way. Expiry is decided at lookup; reclaiming (age()) changes nothing visible.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <span>

#include "v6lb/dataplane/net_types.h"

namespace v6lb {

// 48 bytes: four ways fill three cache lines. The key is kept in canonical byte order so a
// packet's key compares with no conversion.
struct FlowEntry {
  uint8_t key[FlowKey::kSize];
  uint8_t valid;
  uint16_t backend;   // backend slot
  uint32_t deadline;  // tick after which the entry is absent
  uint8_t service;    // service slot
  uint8_t pad[3];

  bool live(uint32_t now) const { return valid && int32_t(now - deadline) <= 0; }
  bool same_key(const uint8_t* k) const {
    uint64_t a[4], b[4];
    std::memcpy(a, key, 32);
    std::memcpy(b, k, 32);
    uint32_t c, d;
    std::memcpy(&c, key + 32, 4);
    std::memcpy(&d, k + 32, 4);
    return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]) | (c ^ d)) == 0 &&
           key[36] == k[36];
  }
  FlowKey flow_key() const;
  // Every byte, the padding included (the tables keep it zero: entries start zeroed, and neither
  // writes nor decode_flow() set it).
  bool operator==(const FlowEntry&) const = default;
};
static_assert(sizeof(FlowEntry) == 48);

// Lifetime of an entry: learned or refreshed at `now`, it lives until now + T + T/8. A hit
// refreshes it only once its remaining life has dropped to T or less, so a connection idle for
// up to T is never forgotten, one idle for more than T + T/8 always is, and a busy flow costs one
// table write per T/8 instead of one per packet (in the card and in software alike).
inline uint32_t entry_deadline(uint32_t now, uint32_t timeout) {
  return now + timeout + (timeout >> 3);
}
inline bool needs_refresh(const FlowEntry& e, uint32_t now, uint32_t timeout) {
  return int32_t(e.deadline - now) <= int32_t(timeout);
}

class FlowTable {
 public:
  static constexpr int kNone = -1;

  FlowTable(uint32_t sets, uint32_t ways);

  uint32_t sets() const { return sets_; }
  uint32_t ways() const { return ways_; }
  uint32_t set_of(uint32_t hash) const { return hash & (sets_ - 1); }
  FlowEntry* set(uint32_t s) { return &entries_[size_t(s) * ways_]; }
  const FlowEntry* set(uint32_t s) const { return &entries_[size_t(s) * ways_]; }
  void prefetch(uint32_t s) const {
    const char* p = reinterpret_cast<const char*>(set(s));
    for (uint32_t off = 0; off < ways_ * sizeof(FlowEntry); off += 64)
      __builtin_prefetch(p + off, 1);
  }

  // Way holding a live entry for `key`, or kNone.
  int find_live(uint32_t s, const uint8_t* key, uint32_t now) const {
    const FlowEntry* e = set(s);
    for (uint32_t w = 0; w < ways_; ++w)
      if (e[w].live(now) && e[w].same_key(key)) return int(w);
    return kNone;
  }
  // Where an entry for `key` goes: the way that holds this key (live or not), else the lowest way
  // that is free or expired; kNone when every way holds another live flow.
  int insert_way(uint32_t s, const uint8_t* key, uint32_t now) const {
    const FlowEntry* e = set(s);
    int free_way = kNone;
    for (uint32_t w = 0; w < ways_; ++w) {
      if (e[w].valid && e[w].same_key(key)) return int(w);
      if (free_way == kNone && !e[w].live(now)) free_way = int(w);
    }
    return free_way;
  }
  void write(uint32_t s, int way, const uint8_t* key, uint16_t backend, uint8_t service,
             uint32_t deadline) {
    FlowEntry& e = set(s)[way];
    std::memcpy(e.key, key, FlowKey::kSize);
    e.valid = 1;
    e.backend = backend;
    e.service = service;
    e.deadline = deadline;
  }

  // Reclaims expired entries (the aging engine); returns how many.
  uint64_t age(uint32_t now);
  // Removes every entry for which pred(entry) is true; returns how many.
  template <class Pred>
  uint64_t erase_if(Pred pred) {
    uint64_t n = 0;
    for (size_t i = 0; i < size_t(sets_) * ways_; ++i)
      if (entries_[i].valid && pred(entries_[i])) {
        entries_[i].valid = 0;
        ++n;
      }
    return n;
  }
  uint64_t occupancy() const;
  std::span<const FlowEntry> entries() const { return {entries_.get(), size_t(sets_) * ways_}; }
  std::span<FlowEntry> entries() { return {entries_.get(), size_t(sets_) * ways_}; }

 private:
  struct FreeDeleter {
    void operator()(FlowEntry* p) const;
  };
  uint32_t sets_, ways_;
  std::unique_ptr<FlowEntry[], FreeDeleter> entries_;
};

}  // namespace v6lb
