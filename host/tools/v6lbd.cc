// v6lbd: the host daemon of a v6lb data plane (docs/OPERATIONS.md).
//   v6lbd --config FILE --device SPEC [--xclbin FILE] [--tap IF [--exception-tap IF]]
//         [--metrics ADDR|off] [--control-socket PATH] [--log-level LEVEL] [-- EAL ARGS]
#include <spdlog/spdlog.h>

#include <cstdio>
#include <string>
#include <string_view>

#include "v6lb/daemon/daemon.h"

namespace {

constexpr const char* kUsage =
    "usage: v6lbd --config FILE [--device SPEC] [--xclbin FILE]\n"
    "             [--tap IFNAME [--exception-tap IFNAME]]\n"
    "             [--metrics [ADDR]:PORT|off] [--control-socket PATH]\n"
    "             [--log-level trace|debug|info|warn|error] [-- DPDK EAL ARGUMENTS]\n"
    "  SPEC: model | sim | sim512 | xrt[:BDF] | dpdk | card:PATH (a v6lb-card process)\n"
    "  --tap: the port of an in-process model or sim card is this TAP interface;\n"
    "  --exception-tap: frames the card punts (NDP, ping, its own address) go to this TAP.\n";

}  // namespace

int main(int argc, char** argv) {
  v6lb::DaemonOptions o;
  std::string level = "info";
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto value = [&](std::string& dst) {
      if (i + 1 >= argc) return false;
      dst = argv[++i];
      return true;
    };
    bool ok = true;
    if (a == "--") {
      for (++i; i < argc; ++i) o.eal_args.emplace_back(argv[i]);
      break;
    }
    if (a == "--config")
      ok = value(o.config_path);
    else if (a == "--device")
      ok = value(o.device);
    else if (a == "--tap")
      ok = value(o.tap);
    else if (a == "--exception-tap")
      ok = value(o.exception_tap);
    else if (a == "--xclbin")
      ok = value(o.xclbin);
    else if (a == "--metrics")
      ok = value(o.metrics);
    else if (a == "--control-socket")
      ok = value(o.control_socket);
    else if (a == "--log-level")
      ok = value(level);
    else if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    } else {
      std::fprintf(stderr, "v6lbd: unknown option '%s'\n%s", argv[i], kUsage);
      return 2;
    }
    if (!ok) {
      std::fprintf(stderr, "v6lbd: option %s needs a value\n%s", argv[i], kUsage);
      return 2;
    }
  }
  if (o.config_path.empty()) {
    std::fprintf(stderr, "v6lbd: --config is required\n%s", kUsage);
    return 2;
  }
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
