// v6lb-replay: runs a capture through the data plane, programmed from a config exactly as the
// daemon programs it, and writes what it forwards and punts (v6lb/replay.h).
#include <CLI/CLI.hpp>
#include <string>

#include "v6lb/base/cli.h"
#include "v6lb/io/replay.h"
#include "v6lb/sim/sim_card.h"

int main(int argc, char** argv) {
  namespace cli = v6lb::cli;
  v6lb::ReplayOptions o;

  CLI::App app{
      "Runs a capture through the data plane, programmed from the config as the daemon "
      "programs a card, and writes what it forwards and punts.",
      "v6lb-replay"};
  cli::setup(app);
  app.footer(
      "Exit status: 0 ok, 2 a usage error, a bad config (file:line:column: problem) or an "
      "unreadable or unwritable capture.");
  app.add_option("--config", o.config, "the YAML config (docs/CONFIG.md)")
      ->type_name("FILE")
      ->required();
  app.add_option("--engine", o.engine,
                 "model: the reference pipeline; rtl: the card's RTL under Verilator")
      ->type_name("ENGINE")
      ->check(cli::one_of({"model", "rtl"}))
      ->default_str(o.engine);
  app.add_option("--in", o.in, "the capture to replay (pcap or pcapng, Ethernet)")
      ->type_name("IN.pcap")
      ->required();
  app.add_option("--out", o.out, "the frames the data plane forwards")
      ->type_name("OUT.pcap")
      ->required();
  app.add_option("--punt", o.punt, "the frames it punts to the host")
      ->type_name("PUNT.pcap")
      ->default_str("not written");
  app.add_option("--stats", o.stats, "the counters and flow spread as JSON")
      ->type_name("STATS.json")
      ->default_str("not written");
  app.add_option("--data-width", o.data_width, "--engine rtl: the card's datapath in bits")
      ->type_name("BITS")
      ->check(cli::one_of({"64", "512"}))
      ->default_str("64");
  app.add_option("--trace", o.trace,
                 "--engine rtl: an FST waveform (a build configured with -DV6LB_SIM_TRACE=ON)")
      ->type_name("WAVES.fst")
      ->default_str("none");
  app.add_flag("--quiet", o.quiet, "no report on stdout");
  if (const int rc = cli::parse(app, argc, argv); rc >= 0) return rc;
  if (!o.trace.empty() && (o.engine != "rtl" || !v6lb::SimCard::can_trace()))
    return cli::usage_error(
        app, "--trace needs --engine rtl and a build configured with -DV6LB_SIM_TRACE=ON");
  return v6lb::run_replay(o);
}
