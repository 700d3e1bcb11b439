// Throughput and latency of the card's pipeline, measured in clock cycles on the Verilated RTL
// at DATA_WIDTH 512 with the sink always ready, and the simulation's own speed.
//   rtl_bench [--frames N]
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "v6lb/base/cli.h"
#include "v6lb/control/program.h"
#include "v6lb/dataplane/net_types.h"
#include "v6lb/driver/card_tables.h"
#include "v6lb/driver/sim_device.h"

using namespace v6lb;

namespace {

constexpr double kClockMHz = 322.265625;  // CMAC user clock for 100GbE

Config bench_config() {
  Config c;
  c.card = {*MacAddr::parse("02:00:00:00:00:01"), *Ipv6Addr::parse("2001:db8:ff::1"),
            *MacAddr::parse("02:00:00:00:00:fe")};
  ServiceConfig web;
  web.name = "web";
  web.vip = *Ipv6Addr::parse("2001:db8::100");
  web.port = 80;
  for (int i = 0; i < 16; ++i) {
    BackendConfig b;
    b.address = *Ipv6Addr::parse("2001:db8:1::" + std::to_string(16 + i));
    b.port = 8080;
    b.mac = *MacAddr::parse("02:00:00:00:01:10");
    web.backends.push_back(b);
  }
  c.services = {web};
  return c;
}

// A TCP frame of `len` bytes on the stream (the Ethernet frame without its FCS) from flow `i`.
std::vector<uint8_t> frame(size_t len, uint32_t i, uint8_t flags) {
  std::vector<uint8_t> f(len, 0);
  const uint8_t head[] = {0x02, 0, 0,    0,    0,    0x01, 0x02, 0, 0,
                          0,    0, 0xfe, 0x86, 0xdd, 0x60, 0,    0, 0};
  std::memcpy(f.data(), head, sizeof head);
  store_be16(&f[18], uint16_t(len - 54));
  f[20] = 6;
  f[21] = 64;
  const uint8_t src[16] = {0x20,
                           0x01,
                           0x0d,
                           0xb8,
                           0,
                           0x0c,
                           0,
                           0,
                           0,
                           0,
                           0,
                           0,
                           uint8_t(i >> 24),
                           uint8_t(i >> 16),
                           uint8_t(i >> 8),
                           uint8_t(i)};
  const uint8_t dst[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00};
  std::memcpy(&f[22], src, 16);
  std::memcpy(&f[38], dst, 16);
  store_be16(&f[54], uint16_t(1024 + i % 60000));
  store_be16(&f[56], 80);
  f[66] = 0x50;
  f[67] = flags;
  store_be16(&f[70], 0x1234);
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  uint32_t n = 20000;
  CLI::App app{
      "The card's pipeline on the Verilated RTL at DATA_WIDTH 512: cycles per frame, "
      "latency, the simulation's speed.",
      "rtl_bench"};
  v6lb::cli::setup(app);
  app.add_option("--frames", n, "frames per measurement")
      ->type_name("N")
      ->transform(v6lb::cli::range(1, UINT32_MAX))
      ->default_str(std::to_string(n));
  if (const int rc = v6lb::cli::parse(app, argc, argv); rc >= 0) return rc;

  SimOptions so;
  so.data_width = 512;
  SimDevice dev(SimCard::create(so));
  CardTables tables(dev);
  const Config cfg = bench_config();
  write_plan(make_plan(cfg, tables.geometry()), tables);
  tables.set_control(false, true);
  SimCard& card = dev.card();

  // Loading one service's Maglev table (M = 65537) through the registers, hitlessly.
  {
    const Plan plan = make_plan(cfg, tables.geometry());
    const uint64_t w0 = dev.register_writes(), c0 = card.cycles();
    const auto t0 = std::chrono::steady_clock::now();
    write_maglev_hitless(tables, plan.services[0].slot, plan.services[0].maglev);
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    std::printf(
        "Maglev table load (M=%u) through the registers: %llu register writes, %llu "
        "simulated cycles, %.0f ms wall in simulation\n",
        tables.geometry().maglev_size, (unsigned long long)(dev.register_writes() - w0),
        (unsigned long long)(card.cycles() - c0), ms);
  }

  // Latency: one frame into an idle pipeline, first beat in to first beat out.
  {
    card.send(frame(74, 0xFFFFFF, 0x02), 1);
    const uint64_t c0 = card.cycles();
    uint64_t first_out = 0;
    while (card.take_forwarded().empty() && card.cycles() - c0 < 1000) card.step(1);
    first_out = card.cycles() - c0;
    card.drain();
    std::printf(
        "latency (78-byte frame, idle pipeline): %llu cycles from the input beat to the "
        "output beat\n",
        (unsigned long long)first_out);
  }

  std::printf(
      "\nDATA_WIDTH 512, %.3f MHz, sink always ready, %u frames per size, each a new "
      "flow learned in hardware (SYN flood), then the same flows again (hits)\n",
      kClockMHz, n);
  std::printf("%6s %6s %10s %10s %10s %10s %12s %10s\n", "frame", "beats", "beats/cyc", "pkts/cyc",
              "Mpps", "line Mpps", "ratio", "learned");
  uint32_t flow_base = 0;
  uint32_t tick = 2;
  double wall_pkts = 0, wall_s = 0;
  for (size_t size : {64, 78, 128, 256, 512, 1024, 1518}) {
    const size_t len = size - 4;  // no FCS on the stream
    for (int pass = 0; pass < 2; ++pass) {
      const uint64_t learned0 =
          tables.read_counter(CounterKind::kGlobal, regs::CNT_GLOBAL_FLOWS_LEARNED);
      const uint64_t full0 =
          tables.read_counter(CounterKind::kGlobal, regs::CNT_GLOBAL_DROP_FLOW_TABLE_FULL);
      const uint64_t beats0 = card.beats_in();
      for (uint32_t i = 0; i < n; ++i)
        card.send(frame(len, flow_base + i, pass ? 0x10 : 0x02), tick);
      // Measure from the first accepted beat to the last: the input is never idle in between.
      while (card.beats_in() == beats0) card.step(1);
      const uint64_t c0 = card.cycles() - 1;
      const uint64_t beats_total = uint64_t(n) * ((len + 63) / 64);
      const auto t0 = std::chrono::steady_clock::now();
      while (card.beats_in() - beats0 < beats_total) card.step(1);
      const uint64_t cyc = card.cycles() - c0;
      wall_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      wall_pkts += n;
      card.drain();
      // IPv6 + TCP needs 74 bytes: a minimum-size (64-byte) frame is malformed and dropped, so
      // that row measures the drop path. A new flow whose 4-way set is full is dropped too
      // (drop_flow_table_full), never forwarded without state; any other missing frame is lost.
      const size_t out = card.take_forwarded().size();
      const uint64_t no_room =
          tables.read_counter(CounterKind::kGlobal, regs::CNT_GLOBAL_DROP_FLOW_TABLE_FULL) - full0;
      const size_t want = len >= 74 ? n - no_room : 0;
      const uint64_t learned =
          tables.read_counter(CounterKind::kGlobal, regs::CNT_GLOBAL_FLOWS_LEARNED) - learned0;
      const double bpc = double(beats_total) / cyc, ppc = double(n) / cyc;
      const double line = 100e3 / ((size + 20) * 8.0);  // Mpps at 100 Gb/s incl. preamble+IFG
      if (pass == 0)
        std::printf("%6zu %6zu %10.3f %10.3f %10.1f %10.1f %12.2f %10llu%s\n", size,
                    (len + 63) / 64, bpc, ppc, ppc * kClockMHz, line, ppc * kClockMHz / line,
                    (unsigned long long)learned, out == want ? "" : "  LOST FRAMES");
      else
        std::printf("%6s %6s %10.3f %10.3f %10.1f %10s %12.2f %10s%s\n", "  hits", "", bpc, ppc,
                    ppc * kClockMHz, "", ppc * kClockMHz / line, "-",
                    out == want ? "" : "  LOST FRAMES");
    }
    flow_base += n;
    tick += 300000;  // the next size finds every earlier flow expired: all its flows are new
  }
  std::printf("\nsimulation speed: %.0f packets per wall second (Verilator, one thread)\n",
              wall_pkts / wall_s);
  return 0;
}
