#include "host_side.h"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "v6lb/driver/unique_fd.h"

namespace v6lb::dpdk {
namespace {

UniqueFd netlink() {
  UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
  if (!fd) return fd;
  sockaddr_nl sa{};
  sa.nl_family = AF_NETLINK;
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) return UniqueFd();
  return fd;
}

// Sends a dump request and hands every answer message to `each`.
template <class F>
bool dump(int fd, uint16_t type, F&& each) {
  struct {
    nlmsghdr h;
    rtgenmsg g;
  } req{};
  req.h.nlmsg_len = sizeof req;
  req.h.nlmsg_type = type;
  req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  req.h.nlmsg_seq = 1;
  req.g.rtgen_family = AF_INET6;
  if (::send(fd, &req, sizeof req, 0) < 0) return false;
  std::vector<uint8_t> buf(1 << 16);
  for (;;) {
    const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    // NLMSG_OK/NLMSG_NEXT written out: the macros compare signed with unsigned.
    for (size_t off = 0; off + sizeof(nlmsghdr) <= size_t(n);) {
      auto* h = reinterpret_cast<nlmsghdr*>(buf.data() + off);
      if (h->nlmsg_len < sizeof(nlmsghdr) || off + h->nlmsg_len > size_t(n)) return false;
      if (h->nlmsg_type == NLMSG_DONE) return true;
      if (h->nlmsg_type == NLMSG_ERROR) return false;
      each(h);
      off += NLMSG_ALIGN(h->nlmsg_len);
    }
  }
}

// The value of attribute `type` in a route message, or nullptr.
const rtattr* attr(const nlmsghdr* h, size_t header, uint16_t type) {
  int len = int(h->nlmsg_len) - int(NLMSG_LENGTH(header));
  for (auto* a = reinterpret_cast<const rtattr*>(reinterpret_cast<const uint8_t*>(NLMSG_DATA(h)) +
                                                 NLMSG_ALIGN(header));
       RTA_OK(a, len); a = RTA_NEXT(a, len))
    if (a->rta_type == type) return a;
  return nullptr;
}

std::vector<uint8_t> copy(const nlmsghdr* h) {
  const auto* p = reinterpret_cast<const uint8_t*>(h);
  return {p, p + h->nlmsg_len};
}

bool set_up(const std::string& ifname, bool& was_up, bool set, std::string& err) {
  UniqueFd s(::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, ifname.c_str(), IFNAMSIZ - 1);
  if (!s || ::ioctl(s.get(), SIOCGIFFLAGS, &ifr) != 0) {
    err = ifname + ": " + std::strerror(errno);
    return false;
  }
  was_up = ifr.ifr_flags & IFF_UP;
  if (!set || was_up) return true;
  ifr.ifr_flags |= IFF_UP;
  if (::ioctl(s.get(), SIOCSIFFLAGS, &ifr) != 0) {
    err = ifname + ": setting the link up: " + std::strerror(errno);
    return false;
  }
  return true;
}

}  // namespace

HostSide HostSide::capture(uint32_t ifindex) {
  HostSide hs;
  char name[IF_NAMESIZE] = {};
  if (ifindex == 0 || !::if_indextoname(ifindex, name)) return hs;
  hs.ifindex_ = ifindex;
  hs.ifname_ = name;
  std::string ignored;
  set_up(hs.ifname_, hs.was_up_, false, ignored);
  UniqueFd fd = netlink();
  if (!fd) return hs;
  dump(fd.get(), RTM_GETADDR, [&](const nlmsghdr* h) {
    const auto* a = static_cast<const ifaddrmsg*>(NLMSG_DATA(h));
    // The link-local address comes back by itself with the link.
    if (h->nlmsg_type == RTM_NEWADDR && a->ifa_index == ifindex &&
        a->ifa_scope == RT_SCOPE_UNIVERSE)
      hs.addrs_.push_back(copy(h));
  });
  dump(fd.get(), RTM_GETROUTE, [&](const nlmsghdr* h) {
    const auto* r = static_cast<const rtmsg*>(NLMSG_DATA(h));
    if (h->nlmsg_type != RTM_NEWROUTE || r->rtm_table != RT_TABLE_MAIN ||
        r->rtm_type != RTN_UNICAST || r->rtm_protocol == RTPROT_KERNEL)
      return;  // the kernel's own routes (prefix, link-local) come back with the address
    const rtattr* oif = attr(h, sizeof(rtmsg), RTA_OIF);
    if (oif && *static_cast<const uint32_t*>(RTA_DATA(oif)) == ifindex)
      hs.routes_.push_back(copy(h));
  });
  return hs;
}

bool HostSide::restore(std::string& err) const {
  if (ifindex_ == 0 || !was_up_) return true;  // nothing captured, or it was down anyway
  bool up = false;
  if (!set_up(ifname_, up, true, err)) return false;
  UniqueFd fd = netlink();
  if (!fd) {
    err = std::string("netlink: ") + std::strerror(errno);
    return false;
  }
  bool ok = true;
  auto add = [&](const std::vector<uint8_t>& m, uint16_t type) {
    std::vector<uint8_t> msg = m;
    auto* h = reinterpret_cast<nlmsghdr*>(msg.data());
    h->nlmsg_type = type;
    h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE;
    h->nlmsg_seq = 2;
    h->nlmsg_pid = 0;
    if (::send(fd.get(), msg.data(), msg.size(), 0) < 0) {
      err = std::string("netlink: ") + std::strerror(errno);
      ok = false;
      return;
    }
    uint8_t buf[4096];
    const ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    const auto* r = reinterpret_cast<const nlmsghdr*>(buf);
    if (n >= ssize_t(NLMSG_LENGTH(sizeof(nlmsgerr))) && r->nlmsg_type == NLMSG_ERROR) {
      const int e = -static_cast<const nlmsgerr*>(NLMSG_DATA(r))->error;
      if (e != 0 && e != EEXIST) {
        err = ifname_ + ": restoring " + (type == RTM_NEWADDR ? "an address" : "a route") + ": " +
              std::strerror(e);
        ok = false;
      }
    }
  };
  for (const auto& m : addrs_) add(m, RTM_NEWADDR);
  for (const auto& m : routes_) add(m, RTM_NEWROUTE);
  return ok;
}

}  // namespace v6lb::dpdk
