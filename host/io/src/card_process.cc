// v6lb-card's body (v6lb/card_process.h).
#include "v6lb/io/card_process.h"

#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cstdio>
#include <exception>
#include <string>
#include <variant>
#include <vector>

#include "v6lb/control/config.h"
#include "v6lb/driver/card_server.h"
#include "v6lb/driver/unique_fd.h"

namespace v6lb {

int run_card_process(CardProcessOptions opts) {
  DeviceOptions& o = opts.device;
  const std::string& socket_path = opts.socket_path;
  const std::string& config = opts.config;
  if (o.spec.rfind("card:", 0) == 0 || o.spec.rfind("xrt", 0) == 0) {
    std::fprintf(stderr, "v6lb-card: --device %s is not something this process can play\n",
                 o.spec.c_str());
    return 2;
  }
  if (!config.empty()) {
    auto loaded = load_config_file(config);
    if (auto* e = std::get_if<ConfigError>(&loaded)) {
      std::fprintf(stderr, "v6lb-card: %s\n", e->message.c_str());
      return 2;
    }
    const auto& c = std::get<Config>(loaded);
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
  OpenedDevice dev;
  if (!open_device(o, dev, err)) {
    std::fprintf(stderr, "v6lb-card: %s\n", err.c_str());
    return 2;
  }
  auto server = CardServer::open(socket_path, *dev.device, err);
  if (!server) {
    std::fprintf(stderr, "v6lb-card: %s\n", err.c_str());
    return 2;
  }
  UniqueFd sigfd(signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));
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
    spdlog::info("v6lb-card: rx {} tx {} punted {} host-tx {} dropped {} tx-errors {}", s.rx_frames,
                 s.tx_frames, s.punted_frames, s.host_tx_frames, s.dropped_frames, s.tx_errors);
  }
  return 0;
}

}  // namespace v6lb
