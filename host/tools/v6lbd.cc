// v6lbd: the host daemon of a v6lb data plane (docs/OPERATIONS.md).
//   v6lbd --config FILE --device SPEC [--xclbin FILE] [--tap IF [--exception-tap IF]]
//         [--metrics ADDR|off] [--control-socket PATH] [--log-level LEVEL] [-- EAL ARGS]
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "v6lb/base/cli.h"
#include "v6lb/daemon/daemon.h"
#include "v6lb/io/device_open.h"

int main(int argc, char** argv) {
  namespace cli = v6lb::cli;
  v6lb::DaemonOptions o;
  std::string level = "info";
  const int own = cli::split_passthrough(argc, argv, o.eal_args);

  CLI::App app{
      "The v6lb daemon: programs the data plane from the config, checks the backends' "
      "health, answers v6lbctl and Prometheus.",
      "v6lbd"};
  cli::setup(app, "[-- DPDK EAL ARGS]");
  app.footer(
      "--device dpdk: everything after \"--\" is DPDK's EAL arguments, and a second \"--\" "
      "among them starts the data plane's options (docs/DPDK.md).\n"
      "Exit status: 0 after SIGTERM/SIGINT, 2 a usage error or the daemon could not start.");
  app.add_option("--config", o.config_path, "the YAML config (docs/CONFIG.md)")
      ->type_name("FILE")
      ->required();
  app.add_option("--device", o.device,
                 "the data plane, one of " + v6lb::device_specs() +
                     " (card:PATH: a v6lb-card process; sim512: the RTL at 512 bits; xrt[:BDF]: "
                     "a card, in builds with XRT)")
      ->type_name("SPEC")
      ->default_str(o.device);
  app.add_option("--xclbin", o.xclbin, "xrt: the bitstream to load")
      ->type_name("FILE")
      ->default_str("the one on the card");
  app.add_option("--tap", o.tap, "model/sim: the card's port is this TAP interface")
      ->type_name("IFNAME")
      ->default_str("no port");
  app.add_option("--exception-tap", o.exception_tap,
                 "with --tap: frames the card punts (NDP, ping, its own address) go to this TAP")
      ->type_name("IFNAME")
      ->default_str("none");
  app.add_option("--metrics", o.metrics, "Prometheus listen address [ADDR]:PORT, or off")
      ->type_name("ADDR")
      ->default_str("the config's daemon.metrics");
  app.add_option("--control-socket", o.control_socket, "v6lbctl's Unix socket")
      ->type_name("PATH")
      ->default_str("the config's daemon.control_socket");
  app.add_option("--log-level", level, "messages on stderr from this level up")
      ->type_name("LEVEL")
      ->check(cli::log_level())
      ->default_str(level);
  if (const int rc = cli::parse(app, own, argv); rc >= 0) return rc;

  // One line per event on stderr, no colours: journald adds its own timestamps and levels.
  spdlog::set_pattern("%l: %v");
  spdlog::set_level(spdlog::level::from_str(level));

  v6lb::Daemon d(o);
  std::string err;
  if (!d.start(err)) {
    std::fprintf(stderr, "v6lbd: %s\n", err.c_str());
    return 2;
  }
  return d.run();
}
