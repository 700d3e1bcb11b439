// Benchmark of the reference pipeline on one core: hit path and new-flow path with 1 M live flows
// and 78-byte TCP frames, and the Maglev build. Prints medians over repeated runs.
//   pipeline_bench [--flows N] [--reps R]
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "v6lb/base/cli.h"
#include "v6lb/dataplane/maglev.h"
#include "v6lb/dataplane/pipeline.h"

using namespace v6lb;
using Clock = std::chrono::steady_clock;

namespace {

constexpr size_t kFrameLen = 78;  // Ethernet 14 + IPv6 40 + TCP 20 + 4 bytes of payload
constexpr size_t kBurst = 32;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// A client frame to the VIP; flow i gets its own source address and port.
void make_frame(uint8_t* f, uint32_t i, uint32_t salt, uint8_t flags) {
  static const uint8_t head[] = {
      0x02, 0, 0, 0, 0, 0x01, 0x02, 0,  0, 0, 0, 0xfe, 0x86, 0xdd,  // Ethernet
      0x60, 0, 0, 0, 0, 24,   6,    64,                             // IPv6: plen 24, TCP, hop 64
  };
  std::memset(f, 0, kFrameLen);
  std::memcpy(f, head, sizeof head);
  uint8_t* src = f + 22;
  src[0] = 0x20;
  src[1] = 0x01;
  src[2] = 0x0d;
  src[3] = 0xb8;
  src[4] = 0xc0;
  std::memcpy(src + 8, &salt, 4);
  std::memcpy(src + 12, &i, 4);
  const uint8_t vip[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00};
  std::memcpy(f + 38, vip, 16);
  uint8_t* tcp = f + 54;
  store_be16(tcp, uint16_t(1024 + (i & 0x7fff)));
  store_be16(tcp + 2, 80);
  tcp[12] = 0x50;
  tcp[13] = flags;
  store_be16(tcp + 16, 0x1234);  // any checksum: the update is incremental
}

struct Bench {
  Geometry geo;
  Pipeline dp;
  std::vector<uint8_t> frames;  // templates, kFrameLen each
  std::vector<uint32_t> order;

  explicit Bench(uint32_t flows)
      : geo(make_geo(flows)), dp(geo), frames(size_t(flows) * kFrameLen) {
    dp.set_card({*MacAddr::parse("02:00:00:00:00:01"), *Ipv6Addr::parse("2001:db8:ff::1"),
                 *MacAddr::parse("02:00:00:00:00:fe")});
    dp.set_service(0, {true, *Ipv6Addr::parse("2001:db8::100"), 6, 80, Scheduler::kMaglev, 240000});
    std::vector<MaglevBackend> mb;
    for (uint16_t b = 0; b < 16; ++b) {
      BackendEntry be{true, *Ipv6Addr::parse("2001:db8:1::" + std::to_string(b + 16)), 8080,
                      *MacAddr::parse("02:00:00:00:01:10"), 0};
      dp.set_backend(b, be);
      mb.push_back({be.address, be.port, 1, b});
    }
    dp.write_maglev(0, 0, 0, maglev_build(mb, geo.maglev_size));
    order.resize(flows);
    for (uint32_t i = 0; i < flows; ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), std::mt19937(1));
  }
  static Geometry make_geo(uint32_t flows) {
    Geometry g;
    g.services = 4;
    g.backends = 64;
    uint32_t sets = 1;
    while (sets * 4 < flows * 2) sets <<= 1;  // load factor <= 50 %
    g.flow_sets = sets;
    return g;
  }
  // Templates are laid out in the (shuffled) order they are sent, as a NIC's receive ring would
  // present them: the flow-table accesses are random, the packet memory is not.
  void fill_templates(uint32_t salt, uint8_t flags) {
    for (uint32_t k = 0; k < order.size(); ++k)
      make_frame(&frames[size_t(k) * kFrameLen], order[k], salt, flags);
  }
  // Runs every flow once in shuffled order; returns packets per second.
  double pass(uint32_t now) {
    alignas(64) uint8_t buf[kBurst][128];
    Packet pk[kBurst];
    const auto t0 = Clock::now();
    for (size_t base = 0; base < order.size(); base += kBurst) {
      const size_t n = std::min(kBurst, order.size() - base);
      for (size_t j = 0; j < n; ++j) {  // the NIC's DMA: a fresh copy of the frame
        std::memcpy(buf[j], &frames[(base + j) * kFrameLen], kFrameLen);
        pk[j] = Packet{buf[j], uint16_t(kFrameLen)};
      }
      dp.process({pk, n}, now);
    }
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    return order.size() / s;
  }
};

}  // namespace

int main(int argc, char** argv) {
  uint32_t flows = 1u << 20, reps = 5;
  CLI::App app{"The reference pipeline on one core: hit path, new flows, Maglev build.",
               "pipeline_bench"};
  v6lb::cli::setup(app);
  app.add_option("--flows", flows, "live flows")
      ->type_name("N")
      ->transform(v6lb::cli::range(1, UINT32_MAX))
      ->default_str(std::to_string(flows));
  app.add_option("--reps", reps, "runs; the medians are printed")
      ->type_name("R")
      ->transform(v6lb::cli::range(1, 1000000))
      ->default_str(std::to_string(reps));
  if (const int rc = v6lb::cli::parse(app, argc, argv); rc >= 0) return rc;
  Bench b(flows);
  std::printf(
      "reference pipeline, one core, %u flows, %zu-byte TCP frames, bursts of %zu, "
      "flow table %u sets x %u ways per direction\n",
      flows, kFrameLen, kBurst, b.geo.flow_sets, b.geo.flow_ways);

  // New flows: every pass uses fresh keys at a time when all earlier entries have expired, so
  // every packet misses, picks by Maglev and learns both entries.
  // New flows open with a SYN (the reply set is prefetched for those); "new, no SYN" is the
  // same with ACKs, as when an aged-out connection is picked up again.
  std::vector<double> learn, learn_ack, hit;
  uint32_t now = 1000;
  for (uint32_t r = 0; r < reps; ++r) {
    for (int ack = 0; ack < 2; ++ack) {
      now += 300000;
      b.fill_templates(2 * r + ack + 1, ack ? 0x10 : 0x02);
      const uint64_t before = b.dp.counter(Counter::kFlowsLearned);
      (ack ? learn_ack : learn).push_back(b.pass(now));
      if (b.dp.counter(Counter::kFlowsLearned) - before != flows)
        std::fprintf(stderr, "warning: %llu of %u flows learned\n",
                     (unsigned long long)(b.dp.counter(Counter::kFlowsLearned) - before), flows);
    }
    // Hit path: the same flows again (ACKs), all live.
    b.fill_templates(2 * r + 2, 0x10);
    const uint64_t learned = b.dp.counter(Counter::kFlowsLearned);
    hit.push_back(b.pass(now + 10));
    if (b.dp.counter(Counter::kFlowsLearned) != learned) std::fprintf(stderr, "warning: misses\n");
  }
  auto report = [](const char* what, const std::vector<double>& v) {
    std::printf("%-22s median %.2f M/s  (runs:", what, median(v) / 1e6);
    for (double x : v) std::printf(" %.2f", x / 1e6);
    std::printf(")\n");
  };
  report("new flows (SYN):", learn);
  report("new flows (no SYN):", learn_ack);
  report("hit path:", hit);

  // Maglev build, M = 65537, 1000 backends.
  for (bool weighted : {false, true}) {
    std::vector<MaglevBackend> mb;
    for (uint32_t i = 0; i < 1000; ++i) {
      Ipv6Addr a = *Ipv6Addr::parse("2001:db8:1::");
      store_be16(&a.b[12], uint16_t(i >> 8));
      store_be16(&a.b[14], uint16_t(i));
      mb.push_back({a, 8080, weighted ? 1 + i % 100 : 1, uint16_t(i)});
    }
    std::vector<uint16_t> t(65537);
    std::vector<double> ms;
    for (int r = 0; r < 21; ++r) {
      const auto t0 = Clock::now();
      maglev_build(mb, t);
      ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    }
    std::printf("maglev build M=65537, 1000 backends, %s: median %.3f ms\n",
                weighted ? "weights 1..100" : "equal weights", median(ms));
  }
  return 0;
}
