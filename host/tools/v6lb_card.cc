// v6lb-card: a process that plays the card. It holds a data plane (the reference model, the
// Verilated RTL, or DPDK), moves its packets (a TAP port for model/sim; DPDK moves its own), and
// serves its registers on a Unix socket to `v6lbd --device card:PATH`. Like a real card, it
// keeps forwarding while the daemon is stopped or restarting (docs/OPERATIONS.md).
//   v6lb-card --device model|sim|sim512|dpdk --socket PATH [--tap IF [--exception-tap IF]]
//             [--config FILE] [--log-level LEVEL] [-- EAL ARGS]
#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/signalfd.h>

#include <cstdio>
#include <string>
#include <string_view>
#include <variant>

#include "v6lb/card_server.h"
#include "v6lb/config.h"
#include "v6lb/device_open.h"

namespace {

constexpr const char* kUsage =
    "usage: v6lb-card --device model|sim|sim512|dpdk --socket PATH\n"
    "                 [--tap IFNAME [--exception-tap IFNAME]] [--config FILE]\n"
    "                 [--log-level trace|debug|info|warn|error] [-- DPDK EAL ARGUMENTS]\n"
    "  The card's registers are served on PATH to `v6lbd --device card:PATH`.\n"
    "  --config: only its `tables:` sizes are used (the model's geometry).\n";

}  // namespace

int main(int argc, char** argv) {
  v6lb::DeviceOptions o;
  o.spec.clear();
  std::string socket_path, level = "info", config;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--") {
      for (++i; i < argc; ++i) o.eal_args.emplace_back(argv[i]);
      break;
    }
    if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    std::string* dst = a == "--device"          ? &o.spec
                       : a == "--socket"        ? &socket_path
                       : a == "--tap"           ? &o.tap
                       : a == "--exception-tap" ? &o.exception_tap
                       : a == "--config"        ? &config
                       : a == "--log-level"     ? &level
                                                : nullptr;
    if (!dst) {
      std::fprintf(stderr, "v6lb-card: unknown option '%s'\n%s", argv[i], kUsage);
      return 2;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "v6lb-card: option %s needs a value\n%s", argv[i], kUsage);
      return 2;
    }
    *dst = argv[++i];
  }
  if (o.spec.empty() || socket_path.empty()) {
    std::fprintf(stderr, "v6lb-card: --device and --socket are required\n%s", kUsage);
    return 2;
  }
  if (o.spec.rfind("card:", 0) == 0 || o.spec.rfind("xrt", 0) == 0) {
    std::fprintf(stderr, "v6lb-card: --device %s is not something this process can play\n",
                 o.spec.c_str());
    return 2;
  }
  spdlog::set_pattern("%l: %v");
  spdlog::set_level(spdlog::level::from_str(level));
  if (!config.empty()) {
    auto loaded = v6lb::load_config_file(config);
    if (auto* e = std::get_if<v6lb::ConfigError>(&loaded)) {
      std::fprintf(stderr, "v6lb-card: %s\n", e->message.c_str());
      return 2;
    }
    const auto& c = std::get<v6lb::Config>(loaded);
    o.model_geometry.maglev_size = c.tables.maglev_size;
    o.model_geometry.flow_sets = c.tables.flow_table_size / o.model_geometry.flow_ways;
  }

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // before any thread (DPDK's, Verilator's) starts

  std::string err;
  v6lb::OpenedDevice dev;
  if (!v6lb::open_device(o, dev, err)) {
    std::fprintf(stderr, "v6lb-card: %s\n", err.c_str());
    return 2;
  }
  auto server = v6lb::CardServer::open(socket_path, *dev.device, err);
  if (!server) {
    std::fprintf(stderr, "v6lb-card: %s\n", err.c_str());
    return 2;
  }
  v6lb::UniqueFd sigfd(signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));
  spdlog::info("v6lb-card: {} on {}{}", dev.device->name(), socket_path,
               o.tap.empty() ? "" : ", port TAP " + o.tap);

  try {
    for (;;) {
      std::vector<pollfd> pfds{{sigfd.get(), POLLIN, 0}};
      for (int fd : server->fds()) pfds.push_back({fd, POLLIN, 0});
      if (const int fd = server->write_fd(); fd >= 0) pfds.push_back({fd, POLLOUT, 0});
      if (dev.pump)
        for (int fd : dev.pump->fds()) pfds.push_back({fd, POLLIN, 0});
      int timeout = dev.pump ? dev.pump->next_timeout_ms() : -1;
      if (timeout < 0) timeout = 1000;
      if (server->busy()) timeout = 0;
      ::poll(pfds.data(), pfds.size(), timeout);
      signalfd_siginfo si;
      if (::read(sigfd.get(), &si, sizeof si) == sizeof si && si.ssi_signo != SIGHUP) {
        spdlog::info("v6lb-card: signal {}, exiting", si.ssi_signo);
        break;
      }
      server->run();
      if (dev.pump) dev.pump->run();
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "v6lb-card: %s\n", e.what());
    return 1;
  }
  if (dev.pump) {
    const auto s = dev.pump->stats();
    spdlog::info("v6lb-card: rx {} tx {} punted {} host-tx {} dropped {} tx-errors {}",
                 s.rx_frames, s.tx_frames, s.punted_frames, s.host_tx_frames, s.dropped_frames,
                 s.tx_errors);
  }
  return 0;
}
