// v6lb-dpdk: the software data plane on DPDK ports, programmed from a config exactly as
// v6lb-replay and the daemon program theirs, run until a signal (or until the ports have been
// quiet for --idle-exit ms), then its counters: the JSON of v6lb-replay --stats plus a "dpdk"
// section for the layer around the pipeline.
#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>

#include "v6lb/card_tables.h"
#include "v6lb/config.h"
#include "v6lb/dpdk_device.h"
#include "v6lb/program.h"
#include "v6lb/stats_json.h"

namespace {

constexpr const char* kUsage =
    "usage: v6lb-dpdk --config FILE [--stats FILE|-] [--idle-exit MS] [--quiet]\n"
    "                 -- EAL ARGS [-- DATA-PLANE OPTIONS]\n"
    "  runs until SIGINT/SIGTERM, or until no frame has arrived for MS milliseconds;\n"
    "  then prints the counters (--stats: as JSON, the format of v6lb-replay --stats).\n"
    "  example: v6lb-dpdk --config lb.yaml --idle-exit 500 -- --no-huge --no-pci -l 0-1 \\\n"
    "             --file-prefix v6lb --vdev net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap\n";

int fail(const std::string& msg) {
  std::fprintf(stderr, "v6lb-dpdk: %s\n", msg.c_str());
  return 2;
}

nlohmann::json to_json(const v6lb::DpdkWorkerStats& s) {
  return {{"rx_packets", s.rx_packets},
          {"handoff_out", s.handoff_out},
          {"handoff_in", s.handoff_in},
          {"handoff_full", s.handoff_full},
          {"handoff_dropped", s.handoff_dropped},
          {"processed", s.processed},
          {"tx_packets", s.tx_packets},
          {"tx_dropped", s.tx_dropped},
          {"punt_packets", s.punt_packets},
          {"punt_dropped", s.punt_dropped},
          {"host_packets", s.host_packets},
          {"host_dropped", s.host_dropped},
          {"dropped", s.dropped},
          {"oversize", s.oversize},
          {"control_msgs", s.control_msgs}};
}

}  // namespace

int main(int argc, char** argv) {
  using namespace v6lb;
  std::string config, stats_path;
  long idle_exit_ms = -1;
  bool quiet = false;
  std::vector<std::string> eal;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--") {
      for (++i; i < argc; ++i) eal.emplace_back(argv[i]);
      break;
    }
    const bool has = i + 1 < argc;
    if (a == "--config" && has) {
      config = argv[++i];
    } else if (a == "--stats" && has) {
      stats_path = argv[++i];
    } else if (a == "--idle-exit" && has) {
      try {
        idle_exit_ms = std::stol(argv[++i]);
      } catch (const std::exception&) {
        idle_exit_ms = -2;
      }
      if (idle_exit_ms < 0) return fail("--idle-exit needs a number of milliseconds");
    } else if (a == "--quiet") {
      quiet = true;
    } else if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      std::fputs(dpdk_options_usage().c_str(), stdout);
      return 0;
    } else {
      return fail("unknown option or missing value: '" + std::string(a) + "'\n" + kUsage);
    }
  }
  if (config.empty()) return fail(std::string("--config is required\n") + kUsage);

  auto loaded = load_config_file(config);
  if (auto* e = std::get_if<ConfigError>(&loaded)) return fail(e->message);
  const Config& cfg = std::get<Config>(loaded);
  Geometry geo;
  geo.maglev_size = cfg.tables.maglev_size;
  geo.flow_sets = cfg.tables.flow_table_size / geo.flow_ways;
  if (auto e = check_fits(cfg, geo)) return fail(config + ": " + *e);

  // Signals are taken synchronously here; blocked before the EAL starts its threads so none of
  // them (workers included) is ever interrupted by one.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);

  std::string err;
  auto dev = DpdkDevice::open(eal, geo, err);
  if (!dev) return fail(err);

  Plan plan;
  try {
    CardTables tables(*dev);
    plan = make_plan(cfg, tables.geometry());
    write_plan(plan, tables);
    tables.set_control(/*aging=*/true, /*external_tick=*/false);  // workers start receiving
  } catch (const std::exception& e) {
    return fail(dev->name() + ": " + e.what());
  }
  if (!quiet) std::fprintf(stderr, "v6lb-dpdk: forwarding on %s\n", dev->name().c_str());

  using Clock = std::chrono::steady_clock;
  uint64_t seen = dev->received();
  auto last_change = Clock::now();
  const timespec poll{0, 10'000'000};
  for (;;) {
    const int sig = sigtimedwait(&sigs, nullptr, &poll);
    if (sig == SIGINT || sig == SIGTERM) break;
    const uint64_t now_seen = dev->received();
    if (now_seen != seen) {
      seen = now_seen;
      last_change = Clock::now();
    } else if (idle_exit_ms >= 0 &&
               Clock::now() - last_change >= std::chrono::milliseconds(idle_exit_ms)) {
      break;
    }
  }
  dev->stop();

  nlohmann::json stats;
  try {
    CardTables tables(*dev);
    stats = stats_to_json(cfg, tables.read_stats(plan));
  } catch (const std::exception& e) {
    return fail(dev->name() + ": reading counters: " + e.what());
  }
  const DpdkStats ds = dev->stats();
  nlohmann::json workers = nlohmann::json::array();
  for (const DpdkWorkerStats& w : ds.workers) {
    nlohmann::json j = to_json(w);
    j["lcore"] = w.lcore;
    workers.push_back(j);
  }
  nlohmann::json ports = nlohmann::json::array();
  for (const DpdkPortStats& p : ds.ports)
    ports.push_back({{"role", p.role},
                     {"name", p.name},
                     {"ipackets", p.ipackets},
                     {"opackets", p.opackets},
                     {"imissed", p.imissed},
                     {"ierrors", p.ierrors},
                     {"oerrors", p.oerrors},
                     {"rx_nombuf", p.rx_nombuf}});
  stats["engine"] = "dpdk";
  stats["frames"] = ds.total.rx_packets;
  stats["dpdk"] = {{"device", dev->name()},
                   {"workers", workers},
                   {"total", to_json(ds.total)},
                   {"ports", ports}};
  if (stats_path == "-") {
    std::cout << stats.dump(2) << "\n";
  } else if (!stats_path.empty()) {
    std::ofstream f(stats_path);
    f << stats.dump(2) << "\n";
    if (!f) return fail(stats_path + ": cannot write");
  }
  if (!quiet && stats_path != "-") {
    std::fputs(stats_report(stats).c_str(), stdout);
    const uint64_t lost = ds.total.tx_dropped + ds.total.punt_dropped + ds.total.host_dropped +
                          ds.total.handoff_dropped + ds.total.oversize;
    std::printf(
        "dpdk: %llu received, %llu forwarded, %llu punted, %llu dropped by the pipeline, "
        "%llu lost in the DPDK layer\n",
        (unsigned long long)ds.total.rx_packets, (unsigned long long)ds.total.tx_packets,
        (unsigned long long)ds.total.punt_packets, (unsigned long long)ds.total.dropped,
        (unsigned long long)lost);
  }
  return 0;
}
