// Benchmark of the DPDK data plane on one worker core: hit path and new-flow path with 1 M live
// flows and 78-byte TCP frames, on net_null or net_ring (no NIC, no hugepages). Prints medians
// over repeated runs; bench/dpdk_bench.sh runs it next to dpdk-testpmd --forward-mode=io on the
// same vdev, the I/O ceiling.
//   dpdk_bench [--vdev null|ring] [--flows N] [--reps R] [--burst B] [--aging 0|1] [--sets S]
//              [--workers 1|2] [--handoff-full wait|drop] [--hit-only 0|1]
//
// Frames come from an RX callback on the data port's queue: it writes the next flow's frame into
// each received mbuf, as a NIC's DMA would present it (net_null hands out empty mbufs, net_ring
// returns the ones the worker transmitted, topped up from the pool). The worker does everything
// else exactly as in service: RX burst, pipeline, TX burst.
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "v6lb/base/cli.h"
#include "v6lb/dataplane/maglev.h"
#include "v6lb/dataplane/packet_class.h"
#include "v6lb/dpdk/dpdk_device.h"
#include "v6lb/driver/card_tables.h"

using namespace v6lb;
using Clock = std::chrono::steady_clock;

namespace {

constexpr uint16_t kFrameLen = 78;  // Ethernet 14 + IPv6 40 + TCP 20 + 4 bytes of payload

// CPU seconds of the whole process: the busy-polling worker plus a control thread that mostly
// sleeps. Packets per CPU second stay meaningful when other work shares the cores; packets per
// wall second do not.
double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// A client frame to VIP 2001:db8::<vip14>00; flow i of pass `salt` gets its own source address.
void make_frame(uint8_t* f, uint32_t i, uint32_t salt, uint8_t flags, uint8_t vip14) {
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
  // Random-looking interface identifiers: CRC-32C is linear, so sequential ones would put the
  // flows of two passes into the same few sets (real clients' addresses are not sequential).
  uint64_t x = (uint64_t(salt) << 32 | i) + 0x9E3779B97F4A7C15ull;  // splitmix64
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  x ^= x >> 31;
  std::memcpy(src + 8, &x, 8);
  const uint8_t vip[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, vip14, 0x00};
  std::memcpy(f + 38, vip, 16);
  uint8_t* tcp = f + 54;
  store_be16(tcp, uint16_t(1024 + (i & 0x7fff)));
  store_be16(tcp + 2, 80);
  tcp[12] = 0x50;
  tcp[13] = flags;
  store_be16(tcp + 16, 0x1234);  // any checksum: the update is incremental
}

// The traffic source, run by the worker inside rte_eth_rx_burst. The control thread arms a pass
// (`remaining` last, with release); the callback emits exactly that many frames, then none.
struct Source {
  std::vector<uint8_t> frames;  // the pass's frames in the order they are sent, kFrameLen each
  size_t count = 0;
  rte_mempool* pool = nullptr;  // net_ring: top the loopback ring up from here
  bool top_up = false;
  uint16_t burst = 32;
  size_t cursor = 0;
  std::atomic<uint64_t> remaining{0};
};

// Copies the next frames into the received mbufs: the DMA of a NIC, as pipeline_bench does it.
uint16_t source_cb(uint16_t, uint16_t, rte_mbuf** pkts, uint16_t nb, uint16_t max, void* arg) {
  Source& s = *static_cast<Source*>(arg);
  const uint64_t left = s.remaining.load(std::memory_order_acquire);
  if (left == 0) {  // between passes: the port goes quiet
    if (nb) rte_pktmbuf_free_bulk(pkts, nb);
    return 0;
  }
  const uint16_t want = uint16_t(std::min<uint64_t>(std::min<uint16_t>(max, s.burst), left));
  if (nb > want) {
    rte_pktmbuf_free_bulk(pkts + want, nb - want);
    nb = want;
  } else if (nb < want && s.top_up && rte_pktmbuf_alloc_bulk(s.pool, pkts + nb, want - nb) == 0) {
    nb = want;
  }
  for (uint16_t i = 0; i < nb; ++i) {
    rte_mbuf* m = pkts[i];
    m->data_len = kFrameLen;
    m->pkt_len = kFrameLen;
    std::memcpy(rte_pktmbuf_mtod(m, uint8_t*), &s.frames[s.cursor * kFrameLen], kFrameLen);
    if (++s.cursor == s.count) s.cursor = 0;
  }
  s.remaining.store(left - nb, std::memory_order_relaxed);
  return nb;
}

}  // namespace

int main(int argc, char** argv) {
  uint32_t flows = 1u << 20, reps = 5, burst = 32;
  std::string vdev = "null";
  bool aging = true;
  uint32_t sets_opt = 0;
  bool hit_only = false;
  uint32_t workers = 1;
  std::string handoff_full = "wait";
  std::string aging_opt = "1", hit_only_opt = "0";
  CLI::App app{
      "The DPDK data plane on one worker core (net_null or net_ring): hit path and new "
      "flows with 1 M live flows.",
      "dpdk_bench"};
  v6lb::cli::setup(app);
  namespace cli = v6lb::cli;
  app.add_option("--vdev", vdev, "where frames come from")
      ->type_name("VDEV")
      ->check(cli::one_of({"null", "ring"}))
      ->default_str(vdev);
  app.add_option("--flows", flows, "live flows")
      ->type_name("N")
      ->transform(cli::range(1, UINT32_MAX))
      ->default_str(std::to_string(flows));
  app.add_option("--reps", reps, "runs; the medians are printed")
      ->type_name("R")
      ->transform(cli::range(1, 1000000))
      ->default_str(std::to_string(reps));
  app.add_option("--burst", burst, "RX burst")
      ->type_name("B")
      ->transform(cli::range(1, 64))
      ->default_str(std::to_string(burst));
  app.add_option("--aging", aging_opt, "age flows on the worker")
      ->type_name("0|1")
      ->check(cli::one_of({"0", "1"}))
      ->default_str(aging_opt);
  app.add_option("--sets", sets_opt, "flow-table sets per direction")
      ->type_name("S")
      ->transform(cli::range(0, UINT32_MAX))
      ->default_str("0: four times what the flows need");
  app.add_option("--workers", workers, "worker lcores")
      ->type_name("W")
      ->transform(cli::range(1, 2))
      ->default_str(std::to_string(workers));
  app.add_option("--handoff-full", handoff_full, "a full hand-off ring: wait or drop")
      ->type_name("MODE")
      ->check(cli::one_of({"wait", "drop"}))
      ->default_str(handoff_full);
  app.add_option("--hit-only", hit_only_opt, "for profiling: no new-flow passes and their pauses")
      ->type_name("0|1")
      ->check(cli::one_of({"0", "1"}))
      ->default_str(hit_only_opt);
  if (const int rc = cli::parse(app, argc, argv); rc >= 0) return rc;
  aging = aging_opt != "0";
  hit_only = hit_only_opt != "0";

  // Two services: A (long timeout) holds the 1 M flows of the hit path; B (1 s timeout) takes the
  // new-flow passes, whose entries are gone again before B's next pass. Four times the sets the
  // flows need: A's 1 M plus a pass of B's stay at or below 50 % load.
  Geometry geo;
  geo.services = 4;
  geo.backends = 64;
  uint32_t sets = 1;
  while (sets * 4 < flows * 4) sets <<= 1;
  geo.flow_sets = sets_opt ? sets_opt : sets;

  const std::string prefix = "v6lb_bench_" + std::to_string(getpid());
  // The main lcore (control) and one worker lcore per CPU; with two workers on two CPUs the
  // mostly sleeping main lcore shares CPU 0 with the first.
  std::vector<std::string> eal = {"--no-huge",     "--no-pci", "-m",          "1024",
                                  "--file-prefix", prefix,     "--log-level", "lib.eal:warning"};
  if (workers == 1)
    eal.insert(eal.end(), {"-l", "0-1"});
  else
    eal.insert(eal.end(), {"--lcores", "0@(0-1),1@0,2@1"});
  eal.insert(eal.end(), {"--vdev", vdev == "null" ? "net_null0,size=78" : "net_ring0", "--",
                         "--idle-sleep-us", "0", "--burst", std::to_string(burst),
                         "--no-exception-port", "--handoff-full", handoff_full});
  std::string err;
  auto dev = DpdkDevice::open(eal, geo, err);
  if (!dev) {
    std::fprintf(stderr, "dpdk_bench: %s\n", err.c_str());
    return 2;
  }
  CardTables t(*dev);
  t.set_card({*MacAddr::parse("02:00:00:00:00:01"), *Ipv6Addr::parse("2001:db8:ff::1"),
              *MacAddr::parse("02:00:00:00:00:fe")});
  for (uint32_t svc = 0; svc < 2; ++svc) {
    std::vector<MaglevBackend> mb;
    for (uint16_t b = 0; b < 16; ++b) {
      const uint16_t slot = uint16_t(svc * 16 + b);
      BackendEntry be{true, *Ipv6Addr::parse("2001:db8:1::" + std::to_string(slot + 16)), 8080,
                      *MacAddr::parse("02:00:00:00:01:10"), uint8_t(svc)};
      t.set_backend(slot, be);
      mb.push_back({be.address, be.port, 1, slot});
    }
    t.write_maglev(svc, 0, 0, maglev_build(mb, geo.maglev_size));
    t.set_service(svc, {true, *Ipv6Addr::parse(svc ? "2001:db8::200" : "2001:db8::100"), 6, 80,
                        Scheduler::kMaglev, svc ? 1000u : 600000u});
  }

  std::vector<uint32_t> order(flows);  // flows in shuffled order
  for (uint32_t i = 0; i < flows; ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), std::mt19937(1));
  // One source per RX queue (RSS would spread the flows so); each sends its share of the flows.
  const uint16_t nq = dev->data_rx_queues();
  std::vector<std::unique_ptr<Source>> srcs;
  for (uint16_t q = 0; q < nq; ++q) {
    auto s = std::make_unique<Source>();
    s->count = (flows - q + nq - 1) / nq;
    s->frames.resize(s->count * kFrameLen);
    s->pool = rte_mempool_lookup("v6lb_mbufs");
    s->top_up = vdev == "ring";
    s->burst = uint16_t(burst);
    if (!rte_eth_add_rx_callback(dev->data_port_id(), q, source_cb, s.get())) {
      std::fprintf(stderr, "dpdk_bench: cannot add an RX callback (DPDK built without them?)\n");
      return 2;
    }
    srcs.push_back(std::move(s));
  }
  t.set_control(aging, false);  // the worker starts receiving

  // One pass: every flow once, in shuffled order. Returns packets per second on the worker and
  // records packets per CPU second in `per_cpu`.
  std::vector<double>* per_cpu = nullptr;
  auto pass = [&](uint32_t salt, uint8_t flags, uint8_t vip14) {
    // Done when every frame went through a pipeline or, with --handoff-full drop, was dropped
    // at a full hand-off ring.
    auto done = [&] {
      const DpdkWorkerStats t = dev->stats().total;
      return t.processed + t.handoff_dropped;
    };
    const uint64_t before = done();
    for (uint32_t k = 0; k < flows; ++k)  // laid out in sending order, as a NIC's RX ring would
      make_frame(&srcs[k % nq]->frames[size_t(k / nq) * kFrameLen], order[k], salt, flags, vip14);
    const auto t0 = Clock::now();
    const double c0 = cpu_seconds();
    for (auto& s : srcs) {
      s->cursor = 0;
      s->remaining.store(s->count, std::memory_order_release);
    }
    while (done() < before + flows) std::this_thread::sleep_for(std::chrono::microseconds(500));
    const double pps = flows / std::chrono::duration<double>(Clock::now() - t0).count();
    if (per_cpu) per_cpu->push_back(flows / (cpu_seconds() - c0));
    if (getenv("V6LB_BENCH_DEBUG"))
      std::fprintf(stderr, "pass salt %u flags %#x vip %#x: %.2f Mpps, tick %u\n", salt, flags,
                   vip14, pps / 1e6, dev->read32(0x48));
    return pps;
  };
  auto learned = [&] {
    return t.read_counter(CounterKind::kGlobal, uint32_t(Counter::kFlowsLearned));
  };
  auto full = [&] {
    return t.read_counter(CounterKind::kGlobal, uint32_t(Counter::kFlowTableFull));
  };

  std::printf(
      "dpdk data plane, %u worker(s), %u RX queue(s), net_%s, %u flows, %u-byte TCP frames, "
      "bursts of %u, flow table %u sets x %u ways per direction, aging %s\n",
      workers, nq, vdev.c_str(), flows, kFrameLen, burst, geo.flow_sets, geo.flow_ways,
      aging ? "on" : "off");
  {  // the workers' clock must run at 1 tick per ms, or the 1 s timeout of B means something else
    const uint32_t k0 = dev->read32(0x48);  // TICK_NOW
    const auto w0 = Clock::now();
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - w0).count();
    std::printf("clock: %u ticks in %.1f ms\n", dev->read32(0x48) - k0, ms);
  }
  constexpr uint8_t kA = 0x01, kB = 0x02;  // 2001:db8::100 and 2001:db8::200
  pass(1, 0x02, kA);                       // warm-up: A learns its flows
  const uint64_t warm = learned();
  std::vector<double> learn, learn_ack, hit, learn_cpu, learn_ack_cpu, hit_cpu;
  uint64_t new_learned = 0, new_sent = 0;
  for (uint32_t r = 0; r < reps; ++r) {
    for (int ack = 0; ack < 2 && !hit_only; ++ack) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1300));  // B's last pass expired
      const uint64_t l0 = learned();
      per_cpu = ack ? &learn_ack_cpu : &learn_cpu;
      (ack ? learn_ack : learn).push_back(pass(100 + 2 * r + ack, ack ? 0x10 : 0x02, kB));
      new_learned += learned() - l0;
      new_sent += flows;
    }
    const uint64_t l0 = learned();
    per_cpu = &hit_cpu;
    hit.push_back(pass(1, 0x10, kA));
    if (learned() != l0) std::fprintf(stderr, "warning: misses on the hit path\n");
  }
  auto report = [](const char* what, const std::vector<double>& v) {
    std::printf("%-22s median %.2f Mpps  (runs:", what, median(v) / 1e6);
    for (double x : v) std::printf(" %.2f", x / 1e6);
    std::printf(")\n");
  };
  report("new flows (SYN):", learn);
  report("new flows (no SYN):", learn_ack);
  report("hit path:", hit);
  std::printf("per CPU second (process CPU time, worker + control):\n");
  report("  new flows (SYN):", learn_cpu);
  report("  new flows (no SYN):", learn_ack_cpu);
  report("  hit path:", hit_cpu);
  const DpdkStats ds = dev->stats();
  // 4-way sets at random: a few sets are full, and those packets are dropped (the same work but
  // the rewrite: lookup, Maglev pick, failed insert).
  std::printf(
      "learned: %.2f %% of the hit-path flows, %.2f %% on the new-flow passes "
      "(flow_table_full %llu); tx_dropped %llu\n",
      100.0 * double(warm) / flows, 100.0 * double(new_learned) / double(new_sent),
      (unsigned long long)full(), (unsigned long long)ds.total.tx_dropped);
  std::printf(
      "dpdk layer: handed over %llu, hand-off ring full %llu times, %llu dropped there, per "
      "worker processed",
      (unsigned long long)ds.total.handoff_out, (unsigned long long)ds.total.handoff_full,
      (unsigned long long)ds.total.handoff_dropped);
  for (const DpdkWorkerStats& w : ds.workers) std::printf(" %llu", (unsigned long long)w.processed);
  std::printf("\n");
  std::printf("RESULT workers=%u vdev=%s hit=%.3f new_syn=%.3f new_ack=%.3f hit_cpu=%.3f\n",
              workers, vdev.c_str(), median(hit) / 1e6, median(learn) / 1e6,
              median(learn_ack) / 1e6, median(hit_cpu) / 1e6);
  dev->stop();
  return 0;
}
