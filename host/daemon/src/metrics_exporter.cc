#include "v6lb/daemon/metrics_exporter.h"

#include <iterator>

#include "v6lb/control/stats_json.h"
#include "v6lb/daemon/daemon.h"
#include "v6lb/daemon/metrics_server.h"
#include "v6lb/driver/cmac_link.h"

namespace v6lb {
namespace {

// The data plane's global counters as Prometheus families, one unit per family (packets and
// bytes apart) and a `reason` label only where the reasons add up to the family's whole.
struct GlobalFamily {
  Counter counter;
  const char* name;
  const char* help;
  const char* reason;  // nullptr: no label
};
constexpr GlobalFamily kGlobalFamilies[] = {
    {Counter::kRxPackets, "v6lb_received_packets_total", "Frames the data plane received.",
     nullptr},
    {Counter::kRxBytes, "v6lb_received_bytes_total", "Bytes of the frames received.", nullptr},
    {Counter::kFwdPackets, "v6lb_forwarded_packets_total", "Frames forwarded (rewritten).",
     nullptr},
    {Counter::kFwdBytes, "v6lb_forwarded_bytes_total", "Bytes of the frames forwarded.", nullptr},
    {Counter::kPuntLocal, "v6lb_punted_packets_total", "Frames punted to the host, by reason.",
     "local"},
    {Counter::kPuntFragment, "v6lb_punted_packets_total", "", "fragment"},
    {Counter::kPuntExtHeaders, "v6lb_punted_packets_total", "", "ext_headers"},
    {Counter::kPuntIcmp, "v6lb_punted_packets_total", "", "icmp"},
    {Counter::kPuntHopLimit, "v6lb_punted_packets_total", "", "hop_limit"},
    {Counter::kPuntBytes, "v6lb_punted_bytes_total", "Bytes of the frames punted.", nullptr},
    {Counter::kDropMalformed, "v6lb_dropped_packets_total", "Frames dropped, by reason.",
     "malformed"},
    {Counter::kDropNotIpv6, "v6lb_dropped_packets_total", "", "not_ipv6"},
    {Counter::kDropWrongMac, "v6lb_dropped_packets_total", "", "wrong_mac"},
    {Counter::kDropBadSource, "v6lb_dropped_packets_total", "", "bad_source"},
    {Counter::kDropSpoofed, "v6lb_dropped_packets_total", "", "spoofed"},
    {Counter::kDropNoService, "v6lb_dropped_packets_total", "", "no_service"},
    {Counter::kDropNoBackend, "v6lb_dropped_packets_total", "", "no_backend"},
    {Counter::kDropFlowTableFull, "v6lb_dropped_packets_total", "", "flow_table_full"},
    {Counter::kFlowsLearned, "v6lb_flows_learned_total", "Flows the data plane learned.", nullptr},
    {Counter::kFlowTableFull, "v6lb_flow_table_full_total",
     "Packets whose flow-table insert found no free way (a new flow's: dropped).", nullptr},
    {Counter::kReplyPackets, "v6lb_reply_packets_total",
     "Backend replies rewritten back to the VIP.", nullptr},
};
// Every counter but the punt total (the sum of the punt reasons) is published.
static_assert(std::size(kGlobalFamilies) == kNumCounters - 1);

}  // namespace

std::string MetricsExporter::render() {
  const DeviceHealth& dh = d_.device_health();
  bool up = dh.ok;
  DataPlaneStats st;
  if (up) {
    try {
      st = read_stats(d_.tables(), d_.plan());
    } catch (const std::exception& e) {
      d_.device_failed(e.what());
      up = false;
    }
  }
  PromText t;
  t.gauge("v6lb_device_up", "1 while the device answers, 0 while the daemon reconnects to it.",
          up ? 1 : 0);
  t.counter("v6lb_device_failures_total", "Times the device stopped answering.", dh.failures);
  t.counter("v6lb_device_recoveries_total",
            "Times the device answered again and was reprogrammed from the running config.",
            dh.recoveries);
  if (!up) return t.str();  // the rest is the device's to say
  const Config& cfg = d_.config();
  for (const GlobalFamily& f : kGlobalFamilies) {
    PromText::Labels l;
    if (f.reason) l = {{"reason", f.reason}};
    t.counter(f.name, f.help, l, st.global[size_t(f.counter)]);
  }
  for (size_t si = 0; si < cfg.services.size() && si < st.services.size(); ++si) {
    const ServiceConfig& s = cfg.services[si];
    const ServiceCounters& c = st.services[si];
    const PromText::Labels l = {{"service", s.name}};
    t.counter("v6lb_service_packets_total", "Client packets to the service.", l,
              uint64_t(c.packets));
    t.counter("v6lb_service_bytes_total", "Client bytes to the service.", l, uint64_t(c.bytes));
    t.counter("v6lb_service_new_flows_total", "Flows learned.", l, uint64_t(c.new_flows));
    t.counter("v6lb_service_reply_packets_total", "Backend replies rewritten to the VIP.", l,
              c.reply_packets);
    t.counter("v6lb_service_reply_bytes_total",
              "Bytes of the backend replies rewritten to the VIP.", l, c.reply_bytes);
    for (size_t bi = 0; bi < s.backends.size(); ++bi) {
      const BackendConfig& b = s.backends[bi];
      const BackendCounters& bc = st.backends[si][bi];
      const BackendState& bs = d_.backend(s.name, b);
      // Appended, not "[" + ...: GCC 12 warns falsely on that here (-Wrestrict, GCC bug 105329).
      std::string backend = "[";
      backend += b.address.str();
      backend += "]:";
      backend += std::to_string(b.port);
      const PromText::Labels bl = {{"service", s.name}, {"backend", backend}};
      t.counter("v6lb_backend_packets_total", "Packets forwarded to the backend.", bl, bc.packets);
      t.counter("v6lb_backend_bytes_total", "Bytes forwarded to the backend.", bl,
                uint64_t(bc.bytes));
      t.counter("v6lb_backend_new_flows_total", "Flows learned onto the backend.", bl,
                bc.new_flows);
      t.counter("v6lb_backend_reply_packets_total", "Replies of the backend rewritten to the VIP.",
                bl, bc.reply_packets);
      t.counter("v6lb_backend_reply_bytes_total",
                "Bytes of the backend's replies rewritten to the VIP.", bl, bc.reply_bytes);
      t.gauge("v6lb_backend_up",
              "1 when health checks pass (or are unknown yet), 0 when down or held.", bl,
              bs.serving() ? 1 : 0);
      t.gauge("v6lb_backend_weight", "Effective weight (0: draining).", bl,
              double(bs.weight_override.value_or(b.weight)));
    }
  }
  t.gauge("v6lb_flow_table_entries", "Flow-table entries in use.", {{"direction", "forward"}},
          double(st.flows_forward));
  t.gauge("v6lb_flow_table_entries", "Flow-table entries in use.", {{"direction", "reply"}},
          double(st.flows_reply));
  t.gauge("v6lb_flow_table_capacity", "Flow-table entries per direction.", {},
          double(st.flow_capacity));
  std::string why;
  CmacLink link;
  if (Device* mac = d_.device().mac(why); mac && read_cmac_link(*mac, link, why)) {
    t.gauge("v6lb_link_up", "1 when the card's Ethernet link is up (CMAC aligned, rx status).", {},
            link.up() ? 1 : 0);
    const char* help = "Frames at the card's MAC (32-bit counters: they wrap).";
    t.counter("v6lb_mac_frames_total", help, {{"counter", "rx"}}, uint64_t(link.rx_frames));
    t.counter("v6lb_mac_frames_total", help, {{"counter", "rx_dropped"}}, uint64_t(link.rx_drops));
    t.counter("v6lb_mac_frames_total", help, {{"counter", "tx"}}, uint64_t(link.tx_frames));
  }
  for (const Device::ExtraCounter& c : d_.device().extra_counters())
    t.counter(c.family, c.help, c.labels, c.value);
  return t.str();
}

}  // namespace v6lb
