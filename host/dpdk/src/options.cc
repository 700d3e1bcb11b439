// The data plane's own options (after the second "--"): ports, burst, queue and pool sizes.
#include <charconv>
#include <string_view>

#include "v6lb/dpdk/dpdk_device.h"

namespace v6lb {
namespace {

template <class T>
bool to_uint(std::string_view s, T lo, T hi, T& out) {
  unsigned long long v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < lo || v > hi) return false;
  out = T(v);
  return true;
}

}  // namespace

std::string dpdk_options_usage() {
  return "data-plane options (after a second \"--\"):\n"
         "  --data-port NAME|ID       port clients and backends reach (default: the first port\n"
         "                            that is not the exception port)\n"
         "  --exception-port NAME|ID  punted frames go here, its RX goes out of the data port\n"
         "                            (default: the only net_tap port, if exactly one)\n"
         "  --no-exception-port       drop punted frames even if a net_tap port exists\n"
         "  --burst N                 RX burst, 1..64 (32)\n"
         "  --rx-desc N, --tx-desc N  descriptors per queue (512)\n"
         "  --mbufs N                 mbuf pool size (default: sized from queues and workers)\n"
         "  --handoff-ring N          worker-to-worker ring entries, power of two (1024)\n"
         "  --handoff-full wait|drop  an owner's ring is full: stop receiving until it takes the\n"
         "                            frames (lossless; default), or drop them (counted)\n"
         "  --idle-sleep-us N         sleep after ~1000 empty polls, doubling up to 8N while\n"
         "                            quiet; 0 = busy poll (100)\n";
}

bool parse_dpdk_options(const std::vector<std::string>& args, DpdkOptions& o, std::string& err) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string_view a = args[i];
    const bool has_value = i + 1 < args.size();
    auto bad = [&](const char* what) {
      err = "data-plane option " + std::string(a) + ": " + what;
      return false;
    };
    if (a == "--no-exception-port") {
      o.no_exception_port = true;
      continue;
    }
    if (!has_value) return bad("needs a value");
    const std::string_view v = args[++i];
    if (a == "--data-port") {
      o.data_port = v;
    } else if (a == "--exception-port") {
      o.exception_port = v;
    } else if (a == "--burst") {
      if (!to_uint<uint16_t>(v, 1, 64, o.burst)) return bad("must be 1..64");
    } else if (a == "--rx-desc") {
      if (!to_uint<uint16_t>(v, 16, 32768, o.rx_desc)) return bad("must be 16..32768");
    } else if (a == "--tx-desc") {
      if (!to_uint<uint16_t>(v, 16, 32768, o.tx_desc)) return bad("must be 16..32768");
    } else if (a == "--mbufs") {
      if (!to_uint<uint32_t>(v, 1024, 1u << 26, o.mbufs)) return bad("must be 1024..67108864");
    } else if (a == "--handoff-ring") {
      if (!to_uint<uint32_t>(v, 64, 1u << 20, o.handoff_ring) ||
          (o.handoff_ring & (o.handoff_ring - 1)))
        return bad("must be a power of two, 64..1048576");
    } else if (a == "--handoff-full") {
      if (v != "wait" && v != "drop") return bad("must be wait or drop");
      o.handoff_drop = v == "drop";
    } else if (a == "--idle-sleep-us") {
      if (!to_uint<uint32_t>(v, 0, 100000, o.idle_sleep_us)) return bad("must be 0..100000");
    } else {
      err = "unknown data-plane option '" + std::string(a) + "'\n" + dpdk_options_usage();
      return false;
    }
  }
  return true;
}

}  // namespace v6lb
