// v6lb-dpdk's body: the software data plane on DPDK ports, programmed from a config exactly as
// v6lb-replay and the daemon program theirs, run until a signal (or until the ports have been
// quiet for idle_exit_ms), then its counters: the JSON of v6lb-replay --stats plus a "dpdk"
// section for the layer around the pipeline.
#pragma once

#include <string>
#include <vector>

namespace v6lb {

struct DpdkStandaloneOptions {
  std::string config;                 // the YAML config
  std::string stats_path;             // counters as JSON to this file, "-": stdout, "": none
  long idle_exit_ms = -1;             // stop after this long without a frame; -1: never
  bool quiet = false;                 // no "forwarding on" line, no report
  std::vector<std::string> eal_args;  // EAL arguments [-- data-plane options] (docs/DPDK.md)
};

// Errors are printed as "v6lb-dpdk: ..." on stderr. Returns the exit status: 0 after a signal or
// the idle time, 2 when anything failed (EAL arguments, ports, config).
int run_dpdk_standalone(const DpdkStandaloneOptions& o);

}  // namespace v6lb
