// DpdkDevice: opening, naming, statistics and stopping; the register interface is in
// registers.cc, the set-up in device_setup.cc.
#include "v6lb/dpdk/dpdk_device.h"

#include <rte_ethdev.h>

#include "device_impl.h"
#include "ports.h"

namespace v6lb {

using dpdk::kNoPort;
using dpdk::Worker;

DpdkDevice::DpdkDevice(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DpdkDevice::~DpdkDevice() = default;

std::unique_ptr<DpdkDevice> DpdkDevice::open(const std::vector<std::string>& eal_args,
                                             const Geometry& g, std::string& err) {
  auto impl = std::make_unique<Impl>();
  impl->geo = g;
  try {
    if (!impl->open(eal_args, err)) return nullptr;
  } catch (const std::exception& e) {  // a Pipeline refusing the geometry, or out of memory
    err = std::string("dpdk: ") + e.what();
    return nullptr;
  }
  return std::unique_ptr<DpdkDevice>(new DpdkDevice(std::move(impl)));
}

std::string DpdkDevice::name() const {
  const Impl& d = *impl_;
  std::string s = "dpdk (" + std::to_string(d.workers.size()) + " worker" +
                  (d.workers.size() == 1 ? "" : "s") + " on " + dpdk::port_name(d.sh.data_port);
  if (d.sh.exc_port != kNoPort) s += ", exception port " + dpdk::port_name(d.sh.exc_port);
  return s + ")";
}

uint32_t DpdkDevice::workers() const { return uint32_t(impl_->workers.size()); }
uint16_t DpdkDevice::data_port_id() const { return impl_->sh.data_port; }
uint16_t DpdkDevice::data_rx_queues() const { return impl_->data_rxq; }
void DpdkDevice::stop() { impl_->stop(); }

uint64_t DpdkDevice::received() const {
  uint64_t n = 0;
  for (auto& w : impl_->workers)
    n += w->counters().rx_packets.get() + w->counters().host_packets.get();
  return n;
}

DpdkStats DpdkDevice::stats() const {
  DpdkStats s;
  DpdkWorkerStats& t = s.total;
  for (auto& w : impl_->workers) {
    const DpdkWorkerStats x = w->stats();
    s.workers.push_back(x);
    t.rx_packets += x.rx_packets;
    t.handoff_out += x.handoff_out;
    t.handoff_in += x.handoff_in;
    t.handoff_full += x.handoff_full;
    t.handoff_dropped += x.handoff_dropped;
    t.processed += x.processed;
    t.tx_packets += x.tx_packets;
    t.tx_dropped += x.tx_dropped;
    t.punt_packets += x.punt_packets;
    t.punt_dropped += x.punt_dropped;
    t.host_packets += x.host_packets;
    t.host_dropped += x.host_dropped;
    t.dropped += x.dropped;
    t.oversize += x.oversize;
    t.control_msgs += x.control_msgs;
  }
  for (uint16_t p : impl_->started) {
    DpdkPortStats ps;
    ps.role = p == impl_->sh.data_port ? "data" : "exception";
    ps.name = dpdk::port_name(p);
    rte_eth_stats es{};
    if (rte_eth_stats_get(p, &es) == 0) {
      ps.ipackets = es.ipackets;
      ps.opackets = es.opackets;
      ps.imissed = es.imissed;
      ps.ierrors = es.ierrors;
      ps.oerrors = es.oerrors;
      ps.rx_nombuf = es.rx_nombuf;
    }
    s.ports.push_back(ps);
  }
  return s;
}

std::vector<Device::ExtraCounter> DpdkDevice::extra_counters() const {
  // One family per counter (Prometheus naming: a sum over a family's labels means something),
  // labelled by worker lcore or by port.
  const DpdkStats s = stats();
  std::vector<ExtraCounter> out;
  struct Field {
    const char* family;
    const char* help;
    uint64_t DpdkWorkerStats::*value;
  };
  static constexpr Field kWorker[] = {
      {"rx_packets", "Frames received from the data port's queues the worker polls.",
       &DpdkWorkerStats::rx_packets},
      {"handoff_out_packets", "Frames handed to the worker that owns the packet's client.",
       &DpdkWorkerStats::handoff_out},
      {"handoff_in_packets", "Frames taken from other workers.", &DpdkWorkerStats::handoff_in},
      {"handoff_dropped_packets", "Frames a full handoff ring did not take (--handoff-full drop).",
       &DpdkWorkerStats::handoff_dropped},
      {"handoff_full", "Loop iterations that found an owner's handoff ring full.",
       &DpdkWorkerStats::handoff_full},
      {"processed_packets", "Frames run through the pipeline.", &DpdkWorkerStats::processed},
      {"tx_packets", "Frames forwarded out of the data port.", &DpdkWorkerStats::tx_packets},
      {"tx_dropped_packets", "Forwarded frames the full TX queue did not take.",
       &DpdkWorkerStats::tx_dropped},
      {"punt_packets", "Frames sent to the exception port.", &DpdkWorkerStats::punt_packets},
      {"punt_dropped_packets", "Punted frames with no exception port or a full TX queue.",
       &DpdkWorkerStats::punt_dropped},
      {"host_packets", "Frames from the host (exception port) sent out of the data port.",
       &DpdkWorkerStats::host_packets},
      {"host_dropped_packets", "Frames from the host the data port's full TX queue did not take.",
       &DpdkWorkerStats::host_dropped},
      {"dropped_packets", "Frames the pipeline dropped (its counters say why).",
       &DpdkWorkerStats::dropped},
      {"oversize_packets", "Frames longer than the data plane takes: dropped.",
       &DpdkWorkerStats::oversize},
      {"control_messages", "Register writes and requests the worker applied.",
       &DpdkWorkerStats::control_msgs},
  };
  for (const DpdkWorkerStats& w : s.workers)
    for (const Field& f : kWorker)
      out.push_back({std::string("v6lb_dpdk_worker_") + f.family + "_total",
                     f.help,
                     {{"lcore", std::to_string(w.lcore)}},
                     w.*f.value});
  struct PortField {
    const char* family;
    const char* help;
    uint64_t DpdkPortStats::*value;
  };
  static constexpr PortField kPort[] = {
      {"rx_packets", "Frames the port received (rte_eth_stats ipackets).",
       &DpdkPortStats::ipackets},
      {"tx_packets", "Frames the port sent (opackets).", &DpdkPortStats::opackets},
      {"rx_missed_packets", "Frames the port dropped for want of room (imissed).",
       &DpdkPortStats::imissed},
      {"rx_error_packets", "Erroneous frames received (ierrors).", &DpdkPortStats::ierrors},
      {"tx_error_packets", "Frames the port failed to send (oerrors).", &DpdkPortStats::oerrors},
      {"rx_nombuf", "Receive buffer allocation failures (rx_nombuf).", &DpdkPortStats::rx_nombuf},
  };
  for (const DpdkPortStats& p : s.ports)
    for (const PortField& f : kPort)
      out.push_back({std::string("v6lb_dpdk_port_") + f.family + "_total",
                     f.help,
                     {{"role", p.role}, {"port", p.name}},
                     p.*f.value});
  return out;
}

}  // namespace v6lb
