#include "v6lb/daemon/metrics_exporter.h"

#include "v6lb/control/stats_json.h"
#include "v6lb/daemon/daemon.h"
#include "v6lb/daemon/metrics_server.h"
#include "v6lb/driver/cmac_link.h"

namespace v6lb {

std::string MetricsExporter::render() {
  PromText t;
  const Config& cfg = d_.config();
  const DataPlaneStats st = read_stats(d_.tables(), d_.plan());
  for (size_t i = 0; i < kNumCounters; ++i)
    t.counter("v6lb_dataplane_total", "Data-plane counters by name (packets, bytes, reasons).",
              {{"counter", std::string(kCounterNames[i])}}, uint64_t(st.global[i]));
  for (size_t si = 0; si < cfg.services.size() && si < st.services.size(); ++si) {
    const ServiceConfig& s = cfg.services[si];
    const ServiceCounters& c = st.services[si];
    const PromText::Labels l = {{"service", s.name}};
    t.counter("v6lb_service_packets_total", "Client packets to the service.", l,
              uint64_t(c.packets));
    t.counter("v6lb_service_bytes_total", "Client bytes to the service.", l, uint64_t(c.bytes));
    t.counter("v6lb_service_new_flows_total", "Flows learned.", l, uint64_t(c.new_flows));
    t.counter("v6lb_service_reply_packets_total", "Backend replies rewritten to the VIP.", l,
              double(c.reply_packets));
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
      t.counter("v6lb_backend_packets_total", "Packets forwarded to the backend.", bl,
                double(bc.packets));
      t.counter("v6lb_backend_bytes_total", "Bytes forwarded to the backend.", bl,
                uint64_t(bc.bytes));
      t.counter("v6lb_backend_new_flows_total", "Flows learned onto the backend.", bl,
                double(bc.new_flows));
      t.gauge("v6lb_backend_up", "1 when health checks pass (or are unknown yet), 0 when down.", bl,
              bs.down() ? 0 : 1);
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
