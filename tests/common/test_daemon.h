// Daemon options for tests that run a v6lbd in process: a config file written into a temporary
// directory, a device, no metrics listener (the control API is driven directly).
#pragma once

#include <fstream>
#include <string>

#include "v6lb/daemon/daemon.h"

namespace v6lb::test {

// Writes `config_text` to `path` and returns options that run it on `device` ("model",
// "card:PATH", ...; ignored when the test hands the daemon a device of its own).
inline DaemonOptions daemon_options(const std::string& path, const std::string& config_text,
                                    const std::string& device = "model") {
  std::ofstream(path) << config_text;
  DaemonOptions o;
  o.config_path = path;
  o.device = device;
  o.metrics = "off";  // no HTTP listener
  return o;
}

}  // namespace v6lb::test
