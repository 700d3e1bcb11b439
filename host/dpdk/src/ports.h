// Finding and starting the DPDK ports the data plane uses.
#pragma once

#include <cstdint>
#include <string>

#include "v6lb/dataplane/packet_parser.h"

struct rte_mempool;

namespace v6lb::dpdk {

// An mbuf's data room: the headroom (RTE_PKTMBUF_HEADROOM, 128 unless DPDK was built otherwise)
// and the longest frame the card takes, so every frame arrives in one segment.
inline constexpr uint16_t kMbufHeadroom = 128;
inline constexpr uint16_t kMbufDataRoom = uint16_t(kMbufHeadroom + kMaxFrameLen);

// A port by name ("net_pcap0", "0000:3b:00.0") or number; false with `err` if there is none.
bool find_port(const std::string& spec, uint16_t& port, std::string& err);
std::string port_name(uint16_t port);
std::string port_driver(uint16_t port);
// The kernel's interface index behind the port (net_tap, af_packet, af_xdp), or 0.
uint32_t port_ifindex(uint16_t port);

struct QueuePlan {
  uint16_t rx_queues = 1;  // 0: none
  uint16_t tx_queues = 1;
  uint16_t rx_desc = 512, tx_desc = 512;
};

// The most RX queues the port offers, up to `want` (at least 1 when it has any).
uint16_t usable_rx_queues(uint16_t port, uint16_t want);
uint16_t max_tx_queues(uint16_t port);

// Configures and starts `port` (RSS over several RX queues where the port supports it,
// promiscuous where it can: the pipeline filters by the configured card MAC itself), with an MTU
// that lets frames of up to kMaxFrameLen bytes in (jumbo frames), or the port's largest.
bool start_port(uint16_t port, const QueuePlan& q, rte_mempool* pool, std::string& err);
void stop_port(uint16_t port);

}  // namespace v6lb::dpdk
