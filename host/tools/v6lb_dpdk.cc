// v6lb-dpdk: the software data plane on DPDK ports (v6lb/dpdk_standalone.h), run until a signal
// or until the ports have been quiet for --idle-exit ms, then its counters.
//   v6lb-dpdk --config FILE [--stats FILE|-] [--idle-exit MS] [--quiet]
//             -- EAL ARGS [-- DATA-PLANE OPTIONS]
#include <CLI/CLI.hpp>
#include <climits>
#include <string>

#include "v6lb/base/cli.h"
#include "v6lb/dpdk/dpdk_device.h"
#include "v6lb/io/dpdk_standalone.h"

int main(int argc, char** argv) {
  namespace cli = v6lb::cli;
  v6lb::DpdkStandaloneOptions o;
  const int own = cli::split_passthrough(argc, argv, o.eal_args);

  CLI::App app{
      "The software data plane on DPDK ports: programs the tables from the config, "
      "forwards until SIGINT/SIGTERM or --idle-exit, then prints the counters.",
      "v6lb-dpdk"};
  cli::setup(app, "-- EAL ARGS [-- DATA-PLANE OPTIONS]");
  app.footer(
      "Everything after \"--\" is DPDK's EAL arguments (argv[0] is supplied); a second \"--\" "
      "among them starts the data plane's options (docs/DPDK.md).\n"
      "example: v6lb-dpdk --config lb.yaml --idle-exit 500 -- --no-huge --no-pci -l 0-1 \\\n"
      "           --file-prefix v6lb --vdev net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap\n"
      "Exit status: 0 after a signal or --idle-exit, 2 a usage error or the data plane could not "
      "start.\n\n" +
      v6lb::dpdk_options_usage());
  app.add_option("--config", o.config, "the YAML config (docs/CONFIG.md)")
      ->type_name("FILE")
      ->required();
  app.add_option("--stats", o.stats_path,
                 "write the counters as JSON (the format of v6lb-replay --stats) here; - for "
                 "stdout, instead of the report")
      ->type_name("FILE|-")
      ->default_str("not written");
  app.add_option("--idle-exit", o.idle_exit_ms,
                 "stop once no frame has arrived for MS milliseconds")
      ->type_name("MS")
      ->transform(cli::range(0, LONG_MAX).description("0 or more"))
      ->default_str("never");
  app.add_flag("--quiet", o.quiet, "no \"forwarding on\" line and no report");
  if (const int rc = cli::parse(app, own, argv); rc >= 0) return rc;
  return v6lb::run_dpdk_standalone(o);
}
