// v6lb-card's body: a process that plays the card. It holds a data plane (the reference model,
// the Verilated RTL, or DPDK), moves its packets (a TAP port for model/sim; DPDK moves its own),
// and serves its registers on a Unix socket (card_server.h) to `v6lbd --device card:PATH`. Like a
// real card, it keeps forwarding while the daemon is stopped or restarting (docs/OPERATIONS.md).
#pragma once

#include <string>

#include "v6lb/io/device_open.h"

namespace v6lb {

struct CardProcessOptions {
  DeviceOptions device;     // spec: model | sim | sim512 | dpdk (not card:PATH, not xrt)
  std::string socket_path;  // where the registers are served
  std::string config;       // optional: only its `tables:` sizes are used (the model's geometry)
};

// Opens the device and the socket, then serves and forwards until SIGTERM or SIGINT (SIGHUP is
// ignored). Errors are printed as "v6lb-card: ..." on stderr. Returns the exit status: 0 after a
// signal, 2 when something could not be opened, 1 on an error while running.
int run_card_process(CardProcessOptions o);

}  // namespace v6lb
