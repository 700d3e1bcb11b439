// The host's side of a TAP port (its link state, IPv6 addresses and routes), kept across the
// data plane's own stop. DPDK's net_tap sets the interface down when its port stops, and the
// kernel then flushes every IPv6 route through it (and its addresses, unless keep_addr_on_down):
// a data plane restarted on a persistent TAP would find the host side gone, and every backend
// behind the host's routes unreachable. capture() takes the interface's addresses and main-table
// routes (as netlink messages) while it is up; restore() brings it up again and puts back what
// the stop removed, so the next data plane finds the host side as it was.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace v6lb::dpdk {

class HostSide {
 public:
  // Of interface `ifindex`; empty (restore() does nothing) if it has none or netlink fails.
  static HostSide capture(uint32_t ifindex);
  // Link up, then every captured address and route added back (what is still there stays).
  // False with `err` set when the interface is gone (a TAP that was not persistent) or netlink
  // refused; what could be restored is.
  bool restore(std::string& err) const;
  size_t routes() const { return routes_.size(); }
  size_t addresses() const { return addrs_.size(); }

 private:
  uint32_t ifindex_ = 0;
  std::string ifname_;
  bool was_up_ = false;
  std::vector<std::vector<uint8_t>> addrs_, routes_;  // RTM_NEWADDR / RTM_NEWROUTE messages
};

}  // namespace v6lb::dpdk
