// Flow-table layouts for the card's off-chip tables (the card-scale design, docs/HARDWARE.md
// "Flow state in HBM/DDR"): how full a table of `ways`-way buckets with `choices` hashed
// candidate buckets (and optionally cuckoo relocation of up to `moves` entries) gets before an
// insert fails, and how many inserts fail in steady state at a given load.
//
//   flow_layout_bench --log2-entries 22 --load 0.85 --churn 4
//
// For each layout: "offered", the share of failed inserts among the first --load x capacity
// distinct keys put into an empty table; the load at the first failed insert of that fill; the
// failure rate of the fill's inserts between 80 and 85 % and between 85 and 90 % full; then,
// held at --load full with one delete and one insert per step for --churn times the capacity,
// the failure rate of those inserts, and per insert the bucket reads a relocation search made
// beyond the insert's own candidates and the entries it moved. Keys are random 37-byte flow keys;
// choice i's bucket is CRC-32C (the card's hash) of a 4-byte seed i followed by the key, as the
// hardware computes it (one CRC circuit per choice). A new entry goes to the candidate bucket with
// the most free ways, the first on a tie.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "v6lb/base/cli.h"
#include "v6lb/dataplane/crc32c.h"

namespace {

struct Layout {
  uint32_t choices, ways, moves;  // moves: cuckoo relocations an insert may make (0: none)
};

uint64_t splitmix(uint64_t& s) {
  uint64_t z = (s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

enum class Hash { kCrcSeeded, kTabulation };
enum class Keys { kRandom, kStructured };

// Simple tabulation hashing (Zobrist; Patrascu and Thorup, "The power of simple tabulation
// hashing", 2011): one table of 256 random words per key byte, the byte values' words XORed.
// In hardware, 37 small ROMs and an XOR tree per choice: one key per clock, fixed latency.
struct Tabulation {
  uint32_t t[37][256];
  explicit Tabulation(uint64_t seed) {
    for (auto& row : t)
      for (uint32_t& v : row) v = uint32_t(splitmix(seed));
  }
  uint32_t hash(const uint8_t* k) const {
    uint32_t h = 0;
    for (int i = 0; i < 37; ++i) h ^= t[i][k[i]];
    return h;
  }
};

Keys g_keys = Keys::kRandom;

// Random: every byte of the 37-byte key random. Structured: what an edge sees from large NATs and
// client networks: clients numbered within 2001:db8::/96, 50,000 source ports each, one VIP,
// TCP port 443.
void make_key(uint64_t id, uint8_t* k) {
  if (g_keys == Keys::kRandom) {
    uint64_t s = id;
    for (int i = 0; i < 5; ++i) {
      const uint64_t r = splitmix(s);
      std::memcpy(k + 8 * i, &r, i < 4 ? 8 : 5);
    }
    return;
  }
  std::memset(k, 0, 37);
  k[0] = 0x20, k[1] = 0x01, k[2] = 0x0d, k[3] = 0xb8;
  const uint64_t client = id / 50000, port = 10000 + id % 50000;
  for (int i = 0; i < 4; ++i) k[15 - i] = uint8_t(client >> (8 * i));
  k[16] = 0x20, k[17] = 0x01, k[18] = 0x0d, k[19] = 0xb8, k[31] = 0x01;
  k[32] = uint8_t(port >> 8), k[33] = uint8_t(port);
  k[34] = 0x01, k[35] = 0xbb, k[36] = 6;
}

class Table {
 public:
  Table(Layout l, uint32_t log2_entries, Hash hash)
      : l_(l), hash_(hash), tab_{Tabulation(11), Tabulation(22), Tabulation(33), Tabulation(44)} {
    // Bucket counts are powers of two (ways too), as on the card: the hash's low bits pick one.
    buckets_ = (uint64_t(1) << log2_entries) / l.ways;
    slots_.assign(buckets_ * l.ways, 0);
    fill_.assign(buckets_, 0);
  }
  uint64_t capacity() const { return slots_.size(); }
  // Buckets read beyond an insert's own candidates (relocation search), entries moved.
  uint64_t extra_reads = 0, moved = 0;
  uint64_t size() const { return size_; }

  // Key ids are nonzero; the 37-byte key is derived from the id.
  uint64_t bucket(uint64_t id, uint32_t choice) const {
    uint8_t k[37];
    make_key(id, k);
    uint32_t h;
    if (hash_ == Hash::kCrcSeeded) {
      uint8_t b[4 + 37];
      std::memcpy(b, &choice, 4);
      std::memcpy(b + 4, k, 37);
      h = v6lb::crc32c(std::span<const uint8_t>(b, sizeof b));
    } else {
      h = tab_[choice].hash(k);
    }
    return h & (buckets_ - 1);
  }

  bool insert(uint64_t id) {
    uint64_t best = 0;
    int best_free = -1;
    for (uint32_t c = 0; c < l_.choices; ++c) {
      const uint64_t b = bucket(id, c);
      const int free = int(l_.ways - fill_[b]);
      if (free > best_free) best_free = free, best = b;
    }
    if (best_free > 0) return put(best, id), true;
    if (l_.moves == 0) return false;
    return relocate(id);
  }

  bool erase(uint64_t id) {
    for (uint32_t c = 0; c < l_.choices; ++c) {
      const uint64_t b = bucket(id, c);
      uint64_t* s = &slots_[b * l_.ways];
      for (uint32_t w = 0; w < l_.ways; ++w)
        if (s[w] == id) {
          s[w] = 0;
          --fill_[b];
          --size_;
          return true;
        }
    }
    return false;
  }

 private:
  void put(uint64_t b, uint64_t id) {
    uint64_t* s = &slots_[b * l_.ways];
    for (uint32_t w = 0; w < l_.ways; ++w)
      if (s[w] == 0) {
        s[w] = id;
        ++fill_[b];
        ++size_;
        return;
      }
  }

  // Breadth-first search for the shortest chain of at most `moves` relocations that frees a way
  // in one of id's candidate buckets, then the moves from the far end.
  struct Node {
    uint64_t bucket;
    int parent;    // index into nodes, -1 for a root (one of id's candidates)
    uint32_t way;  // the way of parent's bucket whose entry moves into this bucket
    uint32_t depth;
  };

  bool relocate(uint64_t id) {
    std::vector<Node>& nodes = scratch_;
    nodes.clear();
    for (uint32_t c = 0; c < l_.choices; ++c) nodes.push_back({bucket(id, c), -1, 0, 0});
    for (size_t i = 0; i < nodes.size(); ++i) {
      const Node n = nodes[i];
      if (n.depth == l_.moves) continue;
      if (n.depth > 0) ++extra_reads;
      for (uint32_t w = 0; w < l_.ways; ++w) {
        const uint64_t other = slots_[n.bucket * l_.ways + w];
        for (uint32_t c = 0; c < l_.choices; ++c) {
          const uint64_t alt = bucket(other, c);
          if (alt == n.bucket) continue;
          nodes.push_back({alt, int(i), w, n.depth + 1});
          if (fill_[alt] < l_.ways) {
            ++extra_reads;
            // Move along the chain, from the free bucket back to a root.
            int at = int(nodes.size()) - 1;
            while (nodes[size_t(at)].parent >= 0) {
              const Node& m = nodes[size_t(at)];
              const Node& p = nodes[size_t(m.parent)];
              uint64_t& from = slots_[p.bucket * l_.ways + m.way];
              const uint64_t entry = from;
              from = 0;
              --fill_[p.bucket];
              --size_;
              put(m.bucket, entry);
              ++this->moved;
              at = m.parent;
            }
            put(nodes[size_t(at)].bucket, id);
            return true;
          }
        }
      }
    }
    return false;
  }

  Layout l_;
  Hash hash_;
  Tabulation tab_[4];
  uint64_t buckets_ = 0;
  std::vector<uint64_t> slots_;
  std::vector<uint8_t> fill_;
  uint64_t size_ = 0;
  std::vector<Node> scratch_;
};

struct Result {
  double offered_fail = 0;                // failed share of the first `load` x capacity keys
  double first_fail = 0;                  // load at the first failed insert of the fill (1: none)
  double fail_80_85 = 0, fail_85_90 = 0;  // failed / attempted inserts in those load windows
  uint64_t steady_tries = 0, steady_fails = 0;
  double steady_reads = 0, steady_moves = 0;  // per steady-state insert
};

Result run(Layout l, uint32_t log2, double load, double churn, uint64_t seed, Hash hash) {
  Table t(l, log2, hash);
  Result r;
  r.first_fail = 1.0;
  const double cap = double(t.capacity());
  uint64_t next_id = seed << 40 | 1;
  uint64_t tries[2] = {}, fails[2] = {};
  std::vector<uint64_t> live;
  live.reserve(t.capacity());
  // Fill to 90 %: every attempt counts, a failed key is dropped (as the card drops the packet).
  uint64_t offered = 0, offered_failed = 0;
  while (double(t.size()) < 0.90 * cap) {
    const double lf = double(t.size()) / cap;
    if (double(offered) < load * cap) ++offered;
    const uint64_t id = next_id++;
    const bool ok = t.insert(id);
    if (ok) live.push_back(id);
    if (!ok && double(offered) < load * cap) ++offered_failed;
    if (!ok && r.first_fail == 1.0) r.first_fail = lf;
    const int w = lf >= 0.85 ? 1 : lf >= 0.80 ? 0 : -1;
    if (w >= 0) {
      ++tries[w];
      fails[w] += !ok;
    }
    if (!ok && fails[1] > 1000000) break;  // hopeless layout: stop early
  }
  r.offered_fail = double(offered_failed) / (load * cap);
  r.fail_80_85 = tries[0] ? double(fails[0]) / double(tries[0]) : 0;
  r.fail_85_90 = tries[1] ? double(fails[1]) / double(tries[1]) : 0;
  // Down to the steady load, then churn: a random live flow ends, a new one arrives.
  std::mt19937_64 rng(seed);
  while (double(t.size()) > load * cap) {
    const size_t i = rng() % live.size();
    t.erase(live[i]);
    live[i] = live.back();
    live.pop_back();
  }
  const uint64_t steps = uint64_t(churn * cap);
  const uint64_t reads0 = t.extra_reads, moves0 = t.moved;
  for (uint64_t s = 0; s < steps; ++s) {
    if (double(t.size()) >= load * cap) {
      const size_t i = rng() % live.size();
      t.erase(live[i]);
      live[i] = live.back();
      live.pop_back();
    }
    const uint64_t id = next_id++;
    ++r.steady_tries;
    if (t.insert(id))
      live.push_back(id);
    else
      ++r.steady_fails;
  }
  r.steady_reads = double(t.extra_reads - reads0) / double(std::max<uint64_t>(steps, 1));
  r.steady_moves = double(t.moved - moves0) / double(std::max<uint64_t>(steps, 1));
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Insert failures of flow-table layouts (bucket ways, choices, cuckoo moves).",
               "flow_layout_bench"};
  v6lb::cli::setup(app);
  uint32_t log2 = 22;
  double load = 0.85, churn = 4;
  uint64_t seed = 1;
  std::vector<std::string> only;
  app.add_option("--log2-entries", log2, "table size, log2 of the entries")
      ->transform(v6lb::cli::range(10, 27))
      ->capture_default_str();
  app.add_option("--load", load, "steady-state load factor")->capture_default_str();
  app.add_option("--churn", churn, "steady-state inserts, in multiples of the capacity")
      ->capture_default_str();
  app.add_option("--seed", seed, "key seed")->capture_default_str();
  std::string hash_name = "tabulation", keys_name = "random";
  app.add_option("--hash", hash_name,
                 "choice hashes: tabulation, or crc-seeded (CRC-32C of seed+key)")
      ->transform(v6lb::cli::one_of({"tabulation", "crc-seeded"}))
      ->capture_default_str();
  app.add_option("--keys", keys_name, "keys: random bytes, or structured (clients x ports)")
      ->transform(v6lb::cli::one_of({"random", "structured"}))
      ->capture_default_str();
  app.add_option("--layout", only, "only these, as CHOICESxWAYS[+MOVES], e.g. 2x8 or 2x4+2");
  if (const int rc = v6lb::cli::parse(app, argc, argv); rc >= 0) return rc;

  std::vector<Layout> layouts = {{1, 4, 0}, {2, 4, 0}, {2, 8, 0}, {3, 8, 0}, {2, 16, 0},
                                 {2, 4, 1}, {2, 4, 2}, {2, 4, 3}, {2, 8, 1}};
  if (!only.empty()) {
    layouts.clear();
    for (const std::string& s : only) {
      Layout l{0, 0, 0};
      if (std::sscanf(s.c_str(), "%ux%u+%u", &l.choices, &l.ways, &l.moves) < 2 || l.choices < 1 ||
          l.choices > 4 || l.ways < 1 || l.ways > 64 || l.moves > 8) {
        std::fprintf(stderr, "flow_layout_bench: --layout: bad layout '%s' (e.g. 2x8, 2x4+2)\n",
                     s.c_str());
        return v6lb::cli::kUsageExit;
      }
      layouts.push_back(l);
    }
  }
  const Hash hash = hash_name == "crc-seeded" ? Hash::kCrcSeeded : Hash::kTabulation;
  g_keys = keys_name == "structured" ? Keys::kStructured : Keys::kRandom;
  std::printf(
      "flow_layout_bench: %llu entries, %s hash, %s keys, steady load %.2f, churn %.1fx, seed "
      "%llu\n",
      1ull << log2, hash_name.c_str(), keys_name.c_str(), load, churn, (unsigned long long)seed);
  std::printf("%-7s %11s %10s %10s %10s %18s %9s %9s %7s\n", "layout", "offered", "first fail",
              "fill 80-85", "fill 85-90", "steady fails", "reads/ins", "moves/ins", "seconds");
  for (const Layout& l : layouts) {
    const auto t0 = std::chrono::steady_clock::now();
    const Result r = run(l, log2, load, churn, seed, hash);
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    char name[32];
    std::snprintf(name, sizeof name, l.moves ? "%ux%u+%u" : "%ux%u", l.choices, l.ways, l.moves);
    char first[16];
    if (r.first_fail >= 1.0)
      std::snprintf(first, sizeof first, "none<90%%");
    else
      std::snprintf(first, sizeof first, "%.4f", r.first_fail);
    std::printf("%-7s %11.2e %10s %10.2e %10.2e %8llu %9.2e %9.4f %9.4f %7.1f\n", name,
                r.offered_fail, first, r.fail_80_85, r.fail_85_90,
                (unsigned long long)r.steady_fails,
                r.steady_tries ? double(r.steady_fails) / double(r.steady_tries) : 0.0,
                r.steady_reads, r.steady_moves, dt);
    std::fflush(stdout);
  }
  return 0;
}
