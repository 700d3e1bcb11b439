// v6lb-card: a process that plays the card (v6lb/card_process.h): a data plane whose registers
// are served on a Unix socket to `v6lbd --device card:PATH`, forwarding while daemons come and go.
//   v6lb-card --device model|sim|sim512|dpdk --socket PATH [--tap IF [--exception-tap IF]]
//             [--config FILE] [--log-level LEVEL] [-- EAL ARGS]
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <string>

#include "v6lb/base/cli.h"
#include "v6lb/io/card_process.h"

int main(int argc, char** argv) {
  namespace cli = v6lb::cli;
  v6lb::CardProcessOptions o;
  std::string level = "info";
  const int own = cli::split_passthrough(argc, argv, o.device.eal_args);

  CLI::App app{
      "Plays the card: holds a data plane and serves its registers on PATH to "
      "`v6lbd --device card:PATH`.",
      "v6lb-card"};
  cli::setup(app, "[-- DPDK EAL ARGS]");
  app.footer(
      "--device dpdk: everything after \"--\" is DPDK's EAL arguments (docs/DPDK.md).\n"
      "Exit status: 0 after SIGTERM/SIGINT, 2 a usage error or the card could not open.");
  app.add_option("--device", o.device.spec, "the data plane: model|sim|sim512|dpdk")
      ->type_name("SPEC")
      ->required();
  app.add_option("--socket", o.socket_path, "serve the card's registers on this Unix socket")
      ->type_name("PATH")
      ->required();
  app.add_option("--tap", o.device.tap, "model/sim: the card's port is this TAP interface")
      ->type_name("IFNAME")
      ->default_str("no port");
  app.add_option("--exception-tap", o.device.exception_tap,
                 "with --tap: frames the card punts (NDP, ping, its own address) go to this TAP")
      ->type_name("IFNAME")
      ->default_str("none");
  app.add_option("--config", o.config, "only its `tables:` sizes are used (the model's geometry)")
      ->type_name("FILE")
      ->default_str("the default sizes");
  app.add_option("--log-level", level, "messages on stderr from this level up")
      ->type_name("LEVEL")
      ->check(cli::log_level())
      ->default_str(level);
  if (const int rc = cli::parse(app, own, argv); rc >= 0) return rc;

  spdlog::set_pattern("%l: %v");
  spdlog::set_level(spdlog::level::from_str(level));
  return v6lb::run_card_process(std::move(o));
}
