// v6lb-replay's body: a capture through the data plane (the reference pipeline, or the card's
// RTL under Verilator), programmed from a config exactly as the daemon programs it; what it
// forwards and punts written as captures, its counters as a report and as JSON.
#pragma once

#include <string>

namespace v6lb {

struct ReplayOptions {
  std::string config;            // the YAML config
  std::string engine = "model";  // model | rtl
  std::string in, out;           // capture in; forwarded frames out
  std::string punt;              // punted frames (optional)
  std::string stats;             // counters as JSON (optional)
  int data_width = 64;           // rtl: 64 | 512
  std::string trace;             // rtl: FST waveform (a build with -DV6LB_SIM_TRACE=ON)
  bool quiet = false;            // no report on stdout
};

// Runs the replay. Errors are printed as "v6lb-replay: ..." on stderr (a config error as
// file:line:column: problem). Returns the exit status: 0, or 2 when anything failed.
int run_replay(const ReplayOptions& a);

}  // namespace v6lb
