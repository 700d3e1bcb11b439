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

}  // namespace v6lb
