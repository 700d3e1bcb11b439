#include "ports.h"

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <algorithm>
#include <charconv>

namespace v6lb::dpdk {

static_assert(kMbufHeadroom == RTE_PKTMBUF_HEADROOM, "kMbufDataRoom assumes DPDK's headroom");

std::string port_name(uint16_t port) {
  char name[RTE_ETH_NAME_MAX_LEN] = {};
  if (rte_eth_dev_get_name_by_port(port, name) != 0) return "port " + std::to_string(port);
  return name;
}

uint32_t port_ifindex(uint16_t port) {
  rte_eth_dev_info info{};
  if (rte_eth_dev_info_get(port, &info) != 0) return 0;
  return info.if_index;
}

std::string port_driver(uint16_t port) {
  rte_eth_dev_info info{};
  if (rte_eth_dev_info_get(port, &info) != 0 || !info.driver_name) return "";
  return info.driver_name;
}

bool find_port(const std::string& spec, uint16_t& port, std::string& err) {
  unsigned v = 0;
  auto [p, ec] = std::from_chars(spec.data(), spec.data() + spec.size(), v);
  if (ec == std::errc() && p == spec.data() + spec.size() && v < RTE_MAX_ETHPORTS &&
      rte_eth_dev_is_valid_port(uint16_t(v))) {
    port = uint16_t(v);
    return true;
  }
  if (rte_eth_dev_get_port_by_name(spec.c_str(), &port) == 0) return true;
  std::string known;
  uint16_t id;
  RTE_ETH_FOREACH_DEV(id) { known += (known.empty() ? "" : ", ") + port_name(id); }
  err = "no DPDK port '" + spec + "' (ports: " + (known.empty() ? "none" : known) + ")";
  return false;
}

uint16_t usable_rx_queues(uint16_t port, uint16_t want) {
  rte_eth_dev_info info{};
  if (rte_eth_dev_info_get(port, &info) != 0) return 0;
  return std::min<uint16_t>(want, info.max_rx_queues);
}

uint16_t max_tx_queues(uint16_t port) {
  rte_eth_dev_info info{};
  if (rte_eth_dev_info_get(port, &info) != 0) return 0;
  return info.max_tx_queues;
}

bool start_port(uint16_t port, const QueuePlan& q, rte_mempool* pool, std::string& err) {
  const std::string name = port_name(port);
  auto fail = [&](const char* what, int rc) {
    err = name + ": " + what + ": " + rte_strerror(rc < 0 ? -rc : rc);
    return false;
  };
  rte_eth_dev_info info{};
  if (int rc = rte_eth_dev_info_get(port, &info); rc != 0) return fail("device info", rc);
  rte_eth_conf conf{};
  if (q.rx_queues > 1 && info.flow_type_rss_offloads) {
    // Any spread will do: the workers re-steer by client, RSS only shares the receiving.
    conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
    conf.rx_adv_conf.rss_conf.rss_hf = (RTE_ETH_RSS_IPV6 | RTE_ETH_RSS_NONFRAG_IPV6_TCP |
                                        RTE_ETH_RSS_NONFRAG_IPV6_UDP | RTE_ETH_RSS_IP) &
                                       info.flow_type_rss_offloads;
  }
  // The MTU for frames of kMaxFrameLen bytes without the FCS (the card's limit, jumbo frames
  // included), within what the port takes: its max_mtu, and max_rx_pktlen less its overhead
  // (as ethdev reckons it). A port that takes no more than the default keeps its default.
  {
    const uint32_t overhead = info.max_mtu != UINT16_MAX && info.max_rx_pktlen > info.max_mtu
                                  ? info.max_rx_pktlen - info.max_mtu
                                  : RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN;
    uint32_t mtu = std::min<uint32_t>(kMaxFrameLen - RTE_ETHER_HDR_LEN, info.max_mtu);
    if (info.max_rx_pktlen > overhead) mtu = std::min(mtu, info.max_rx_pktlen - overhead);
    if (mtu > RTE_ETHER_MTU) conf.rxmode.mtu = mtu;
  }
  if (int rc = rte_eth_dev_configure(port, q.rx_queues, q.tx_queues, &conf); rc != 0)
    return fail("configure", rc);
  uint16_t nrx = q.rx_desc, ntx = q.tx_desc;
  if (int rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nrx, &ntx); rc != 0)
    return fail("queue sizes", rc);
  const int socket = rte_eth_dev_socket_id(port);
  const unsigned sock = socket < 0 ? SOCKET_ID_ANY : unsigned(socket);
  for (uint16_t i = 0; i < q.rx_queues; ++i)
    if (int rc = rte_eth_rx_queue_setup(port, i, nrx, sock, nullptr, pool); rc != 0)
      return fail("RX queue setup", rc);
  for (uint16_t i = 0; i < q.tx_queues; ++i)
    if (int rc = rte_eth_tx_queue_setup(port, i, ntx, sock, nullptr); rc != 0)
      return fail("TX queue setup", rc);
  if (int rc = rte_eth_dev_start(port); rc != 0) return fail("start", rc);
  rte_eth_promiscuous_enable(port);  // not every vdev can; the pipeline checks the MAC anyway
  return true;
}

void stop_port(uint16_t port) {
  rte_eth_dev_stop(port);
  rte_eth_dev_close(port);
}

}  // namespace v6lb::dpdk
