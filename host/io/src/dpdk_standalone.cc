// v6lb-dpdk's body (v6lb/dpdk_standalone.h).
#include "v6lb/io/dpdk_standalone.h"

#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include "v6lb/control/config.h"
#include "v6lb/control/program.h"
#include "v6lb/control/stats_json.h"
#include "v6lb/dpdk/dpdk_device.h"
#include "v6lb/driver/card_tables.h"

namespace v6lb {
namespace {

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

int run_dpdk_standalone(const DpdkStandaloneOptions& o) {
  auto loaded = load_config_file(o.config);
  if (auto* e = std::get_if<ConfigError>(&loaded)) return fail(e->message);
  const Config& cfg = std::get<Config>(loaded);
  Geometry geo;
  geo.maglev_size = cfg.tables.maglev_size;
  geo.flow_sets = cfg.tables.flow_table_size / geo.flow_ways;
  if (auto e = check_fits(cfg, geo)) return fail(o.config + ": " + *e);

  // Signals are taken synchronously here; blocked before the EAL starts its threads so none of
  // them (workers included) is ever interrupted by one.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);

  std::string err;
  auto dev = DpdkDevice::open(o.eal_args, geo, err);
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
  if (!o.quiet) std::fprintf(stderr, "v6lb-dpdk: forwarding on %s\n", dev->name().c_str());

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
    } else if (o.idle_exit_ms >= 0 &&
               Clock::now() - last_change >= std::chrono::milliseconds(o.idle_exit_ms)) {
      break;
    }
  }
  dev->stop();

  nlohmann::json stats;
  try {
    CardTables tables(*dev);
    stats = stats_to_json(cfg, read_stats(tables, plan));
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
  if (o.stats_path == "-") {
    std::cout << stats.dump(2) << "\n";
  } else if (!o.stats_path.empty()) {
    std::ofstream f(o.stats_path);
    f << stats.dump(2) << "\n";
    if (!f) return fail(o.stats_path + ": cannot write");
  }
  if (!o.quiet && o.stats_path != "-") {
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

}  // namespace v6lb
