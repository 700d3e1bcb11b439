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
  const DpdkStats s = stats();
  std::vector<ExtraCounter> out;
  const char* help =
      "DPDK data plane, per worker: frames received, handed off, processed, sent, "
      "punted, dropped (docs/DPDK.md).";
  for (const DpdkWorkerStats& w : s.workers) {
    const std::string lcore = std::to_string(w.lcore);
    const std::pair<const char*, uint64_t> v[] = {
        {"rx_packets", w.rx_packets},     {"handoff_out", w.handoff_out},
        {"handoff_in", w.handoff_in},     {"handoff_dropped", w.handoff_dropped},
        {"handoff_full", w.handoff_full}, {"processed", w.processed},
        {"tx_packets", w.tx_packets},     {"tx_dropped", w.tx_dropped},
        {"punt_packets", w.punt_packets}, {"punt_dropped", w.punt_dropped},
        {"host_packets", w.host_packets}, {"host_dropped", w.host_dropped},
        {"dropped", w.dropped},           {"oversize", w.oversize},
        {"control_msgs", w.control_msgs}};
    for (const auto& [name, value] : v)
      out.push_back({"v6lb_dpdk_worker_total", help, {{"lcore", lcore}, {"counter", name}}, value});
  }
  for (const DpdkPortStats& p : s.ports) {
    const std::pair<const char*, uint64_t> v[] = {
        {"ipackets", p.ipackets}, {"opackets", p.opackets}, {"imissed", p.imissed},
        {"ierrors", p.ierrors},   {"oerrors", p.oerrors},   {"rx_nombuf", p.rx_nombuf}};
    for (const auto& [name, value] : v)
      out.push_back({"v6lb_dpdk_port_total", "DPDK port statistics (rte_eth_stats).",
                     {{"role", p.role}, {"port", p.name}, {"counter", name}}, value});
  }
  return out;
}

}  // namespace v6lb
