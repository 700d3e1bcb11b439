#!/usr/bin/python3
"""Traffic generator for the v6lb end-to-end tests.

Writes a pcap of client traffic to the services of a v6lb config (and, on request, backend
replies and exception frames) plus a manifest (OUT.pcap + ".json") that says what every frame is,
so check_replay.py can judge what v6lb-replay did with it.

Run with /usr/bin/python3 (Debian's python3-scapy and python3-yaml).

Speed: building a packet with scapy costs ~1.7 ms here, so 10,000 flows (~90,000 frames) would take
minutes. The bulk TCP/UDP frames are therefore built as raw bytes (struct + a C-speed one's
complement sum), and the first frames of every kind are rebuilt with scapy and must come out
byte-identical, so the raw builder is checked by an independent implementation on every run.
Exception frames are few and are built with scapy only. Frames are written in timestamp order by
scapy's PcapWriter as they are produced (a heap holds only the frames of flows still open).

Every frame gets a distinct timestamp (microseconds), which is how the checker pairs an output
frame with the input frame it came from (v6lb-replay keeps timestamps).
"""

import argparse
import heapq
import ipaddress
import json
import random
import struct
import sys
from array import array

ETH_IPV6 = 0x86DD
PROTO_TCP, PROTO_UDP, PROTO_ICMPV6 = 6, 17, 58
TS_BASE_US = 1_700_000_000 * 1_000_000  # capture start (2023-11-14), microseconds


# ---------------------------------------------------------------------------------------------
# Config

def norm_ip(text):
    return ipaddress.IPv6Address(str(text)).compressed


def norm_mac(text):
    b = bytes.fromhex(str(text).replace(":", "").replace("-", ""))
    if len(b) != 6:
        raise ValueError(f"bad MAC {text!r}")
    return ":".join(f"{x:02x}" for x in b)


def load_config(path):
    """The parts of a v6lb YAML config the tests need, with the documented defaults applied."""
    try:
        import yaml
    except ImportError:
        sys.exit("gen_traffic: python3-yaml is missing (scripts/deps.sh installs it)")
    with open(path, encoding="utf-8") as f:
        raw = yaml.safe_load(f)
    card = raw["card"]
    cfg = {
        "card": {
            "mac": norm_mac(card["mac"]),
            "address": norm_ip(card["address"]),
            "router_mac": norm_mac(card["router_mac"]),
        },
        "services": [],
    }
    for s in raw["services"]:
        svc = {
            "name": str(s["name"]),
            "vip": norm_ip(s["vip"]),
            "protocol": str(s["protocol"]).lower(),
            "port": int(s["port"]),
            "scheduler": str(s.get("scheduler", "maglev")),
            "backends": [],
        }
        for b in s["backends"]:
            svc["backends"].append({
                "address": norm_ip(b["address"]),
                "port": int(b["port"]),
                "weight": int(b.get("weight", 1)),
                "mac": norm_mac(b.get("mac", card["router_mac"])),
            })
        cfg["services"].append(svc)
    return cfg


def first_service(cfg, proto):
    for s in cfg["services"]:
        if s["protocol"] == proto:
            return s
    return None


# ---------------------------------------------------------------------------------------------
# Raw frame builder

_LITTLE = sys.byteorder == "little"


def _sum16(data):
    """One's complement sum of `data` in native word order (RFC 1071: byte-order independent)."""
    if len(data) & 1:
        data += b"\0"
    return sum(array("H", data))


def l4_checksum(src, dst, proto, l4):
    s = _sum16(src + dst + struct.pack("!IxxxB", len(l4), proto)) + _sum16(l4)
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    c = ~s & 0xFFFF
    c = struct.unpack("!H", struct.pack("=H", c))[0]  # native sum -> network value
    if proto == PROTO_UDP and c == 0:
        c = 0xFFFF
    return c


NH_HOP_BY_HOP, NH_DST_OPTS = 0, 60
# Frame variants the data plane must handle like plain frames: an 802.1Q tag, a Hop-by-Hop or
# Destination Options header (8 bytes, one PadN option) before the L4 header, or an Ethernet
# trailer after the IPv6 packet (padding/FCS some captures keep).
VARIANTS = ("vlan", "hbh", "dstopts", "trailer")
TRAILER = b"\xde\xad\xbe\xef"


def ip6_packet(src, dst, proto, hlim, l4, flow_label=0, variant=None):
    ext = b""
    if variant in ("hbh", "dstopts"):
        ext = struct.pack("!BB", proto, 0) + b"\x01\x04\0\0\0\0"  # PadN, 4 bytes
        proto = NH_HOP_BY_HOP if variant == "hbh" else NH_DST_OPTS
    return (struct.pack("!IHBB", (6 << 28) | flow_label, len(ext) + len(l4), proto, hlim) + src +
            dst + ext + l4)


def eth(dst_mac, src_mac, payload, ethertype=ETH_IPV6, variant=None):
    if variant == "vlan":
        return dst_mac + src_mac + struct.pack("!HHH", 0x8100, 100, ethertype) + payload
    return (dst_mac + src_mac + struct.pack("!H", ethertype) + payload +
            (TRAILER if variant == "trailer" else b""))


TCP_FIN, TCP_SYN, TCP_RST, TCP_PSH, TCP_ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def tcp_segment(src, dst, sport, dport, seq, ack, flags, payload=b"", window=64240, mss=None):
    opts = struct.pack("!BBH", 2, 4, mss) if mss else b""
    off = (20 + len(opts)) // 4
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, off << 4, flags, window, 0, 0) + opts
    seg = hdr + payload
    c = l4_checksum(src, dst, PROTO_TCP, seg)
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def udp_datagram(src, dst, sport, dport, payload):
    d = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    c = l4_checksum(src, dst, PROTO_UDP, d)
    return d[:6] + struct.pack("!H", c) + d[8:]


def mac_b(text):
    return bytes.fromhex(text.replace(":", ""))


def ip_b(text):
    return ipaddress.IPv6Address(text).packed


# ---------------------------------------------------------------------------------------------
# Scapy cross-check of the raw builder

class ScapyCheck:
    """Rebuilds the first `limit` frames of each kind with scapy; they must be identical."""

    def __init__(self, limit=8):
        self.limit = limit
        self.done = {}
        self.total = 0

    def check(self, kind, raw, build):
        n = self.done.get(kind, 0)
        if n >= self.limit:
            return
        self.done[kind] = n + 1
        ref = bytes(build())
        self.total += 1
        if ref != raw:
            sys.exit(f"gen_traffic: raw builder disagrees with scapy for a {kind} frame:\n"
                     f"  raw   {raw.hex()}\n  scapy {ref.hex()}")


# ---------------------------------------------------------------------------------------------
# Generation

class Writer:
    """Streams frames to the pcap in timestamp order, each with a distinct timestamp."""

    def __init__(self, path):
        from scapy.utils import PcapWriter
        self.w = PcapWriter(path, linktype=1, sync=False)  # DLT_EN10MB
        self.w.write_header(None)  # write_packet() alone never writes the file header
        self.heap = []
        self.seq = 0
        self.last_us = 0
        self.frames = []  # manifest: [ts_us, kind, ref]

    def push(self, ts_us, frame, kind, ref):
        heapq.heappush(self.heap, (int(ts_us), self.seq, frame, kind, ref))
        self.seq += 1

    def flush_until(self, ts_us):
        while self.heap and self.heap[0][0] < ts_us:
            self._emit(heapq.heappop(self.heap))

    def close(self):
        self.flush_until(float("inf"))
        self.w.close()

    def _emit(self, item):
        ts, _, frame, kind, ref = item
        ts = max(ts, self.last_us + 1)
        self.last_us = ts
        self.w.write_packet(frame, sec=ts // 1_000_000, usec=ts % 1_000_000,
                            caplen=len(frame), wirelen=len(frame))
        self.frames.append([ts, kind, ref])


def rand_client(rng, prefix):
    """A random address in the /64 `prefix` (interface identifier random, never ::0)."""
    net = int(ipaddress.IPv6Address(prefix))
    return ipaddress.IPv6Address(net | rng.randrange(1, 1 << 64)).compressed


def rand_hlim(rng):
    # Mostly common initial values minus a few hops; sometimes 2, which leaves the card at 1.
    r = rng.random()
    if r < 0.02:
        return 2
    return rng.choice((64, 128, 255)) - rng.randrange(0, 20)


def gen_tcp_flows(args, cfg, rng, w, sc):
    svc = first_service(cfg, "tcp")
    if svc is None:
        sys.exit("gen_traffic: --flows needs a tcp service in the config")
    card_mac = mac_b(cfg["card"]["mac"])
    router_mac = mac_b(cfg["card"]["router_mac"])
    vip, vport = ip_b(svc["vip"]), svc["port"]
    backends = [(ip_b(b["address"]), b["port"], mac_b(b["mac"])) for b in svc["backends"]]
    n_clients = max(1, args.flows // 5)
    clients = sorted({rand_client(rng, "2001:db8:c0::") for _ in range(n_clients)})
    used = set()
    flows = []
    t = TS_BASE_US + 1000
    for fid in range(args.flows):
        t += int(rng.expovariate(1.0 / args.flow_gap_us)) + 1
        w.flush_until(t)
        while True:
            client = rng.choice(clients)
            cport = rng.randrange(1024, 65536)
            if (client, cport) not in used:
                used.add((client, cport))
                break
        flows.append([client, cport])
        c = ip_b(client)
        hlim = rand_hlim(rng)
        flabel = rng.randrange(0, 1 << 20)
        isn, sisn = rng.randrange(1 << 32), rng.randrange(1 << 32)
        seq = isn
        variant = rng.choice(VARIANTS) if rng.random() < args.variants else None

        def client_frame(flags, payload=b"", mss=None, _c=c, _hl=hlim, _fl=flabel, _v=variant):
            seg = tcp_segment(_c, vip, cport, vport, seq & 0xFFFFFFFF,
                              (sisn + 1) & 0xFFFFFFFF if flags & TCP_ACK else 0, flags, payload,
                              mss=mss)
            return eth(card_mac, router_mac, ip6_packet(_c, vip, PROTO_TCP, _hl, seg, _fl, _v),
                       variant=_v)

        syn = client_frame(TCP_SYN, mss=1440)
        sc.check(f"tcp-syn-{variant}", syn, lambda: _scapy_tcp(
            cfg["card"]["mac"], cfg["card"]["router_mac"], client, svc["vip"], hlim, flabel, cport,
            vport, isn, 0, "S", b"", 1440, variant=variant))
        w.push(t, syn, "tcp", fid)
        seq += 1
        rtt = rng.randrange(100, 5000)
        if args.replies:
            # A SYN-ACK from every backend of the service: only the one the flow went to is a
            # reply of a live flow; the others must be dropped.
            ack = (isn + 1) & 0xFFFFFFFF
            for bi, (baddr, bport, bmac) in enumerate(backends):
                seg = tcp_segment(baddr, c, bport, cport, sisn, ack, TCP_SYN | TCP_ACK, mss=1440,
                                  window=65535)
                frame = eth(card_mac, bmac, ip6_packet(baddr, c, PROTO_TCP, 64, seg))
                sc.check("tcp-synack", frame, lambda baddr=baddr, bport=bport, bmac=bmac:
                         _scapy_tcp(cfg["card"]["mac"], _mac_str(bmac), _ip_str(baddr), client, 64,
                                    0, bport, cport, sisn, ack, "SA", b"", 1440, window=65535))
                w.push(t + rtt + bi, frame, "reply", [fid, bi])
        tt = t + rtt + rng.randrange(20, 200)
        for i in range(rng.randrange(1, 5)):
            size = rng.randrange(0, 1401)
            payload = rng.randbytes(size)
            flags = TCP_ACK | (TCP_PSH if size else 0)
            frame = client_frame(flags, payload)
            if size:
                sc.check(f"tcp-data-{variant}", frame, lambda payload=payload, seq=seq: _scapy_tcp(
                    cfg["card"]["mac"], cfg["card"]["router_mac"], client, svc["vip"], hlim,
                    flabel, cport, vport, seq & 0xFFFFFFFF, (sisn + 1) & 0xFFFFFFFF, "PA", payload,
                    variant=variant))
            w.push(tt, frame, "tcp", fid)
            seq += size
            tt += rng.randrange(100, 30000)
        w.push(tt, client_frame(TCP_FIN | TCP_ACK), "tcp", fid)
    return flows, t


def gen_udp(args, cfg, rng, w, sc, t_end):
    svc = first_service(cfg, "udp")
    if svc is None:
        sys.exit("gen_traffic: --udp-clients needs a udp service in the config")
    card_mac = mac_b(cfg["card"]["mac"])
    router_mac = mac_b(cfg["card"]["router_mac"])
    vip, vport = ip_b(svc["vip"]), svc["port"]
    clients = []
    seen = set()
    while len(clients) < args.udp_clients:
        a = rand_client(rng, "2001:db8:d0::")
        if a not in seen:
            seen.add(a)
            clients.append(a)
    for cid, client in enumerate(clients):
        c = ip_b(client)
        hlim = rand_hlim(rng)
        t = TS_BASE_US + rng.randrange(0, max(1, t_end - TS_BASE_US))
        ports = rng.sample(range(1024, 65536), rng.randrange(3, 7))  # a new port per request
        for sport in ports:
            payload = rng.randbytes(rng.randrange(12, 512))
            variant = rng.choice(VARIANTS) if rng.random() < args.variants else None
            d = udp_datagram(c, vip, sport, vport, payload)
            frame = eth(card_mac, router_mac, ip6_packet(c, vip, PROTO_UDP, hlim, d, 0, variant),
                        variant=variant)
            sc.check(f"udp-{variant}", frame, lambda sport=sport, payload=payload, v=variant:
                     _scapy_udp(cfg["card"]["mac"], cfg["card"]["router_mac"], client, svc["vip"],
                                hlim, sport, vport, payload, v))
            w.push(t, frame, "udp", cid)
            t += rng.randrange(1000, 2_000_000)
    return clients


def _mac_str(b):
    return ":".join(f"{x:02x}" for x in b)


def _ip_str(b):
    return ipaddress.IPv6Address(b).compressed


def _scapy_frame(dmac, smac, ip, l4, variant):
    """scapy's version of eth(ip6_packet(...)) with the given variant, as bytes."""
    from scapy.layers.inet6 import IPv6ExtHdrDestOpt, IPv6ExtHdrHopByHop, PadN
    from scapy.layers.l2 import Dot1Q, Ether
    e = Ether(dst=dmac, src=smac)
    if variant == "vlan":
        e = e / Dot1Q(vlan=100)
    if variant == "hbh":
        ip = ip / IPv6ExtHdrHopByHop(options=[PadN(optdata=b"\0" * 4)])
    elif variant == "dstopts":
        ip = ip / IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\0" * 4)])
    return bytes(e / ip / l4) + (TRAILER if variant == "trailer" else b"")


def _scapy_tcp(dmac, smac, src, dst, hlim, fl, sport, dport, seq, ack, flags, payload, mss=None,
               window=64240, variant=None):
    from scapy.layers.inet import TCP
    from scapy.layers.inet6 import IPv6
    from scapy.packet import Raw
    tcp = TCP(sport=sport, dport=dport, seq=seq, ack=ack, flags=flags, window=window,
              options=[("MSS", mss)] if mss else [])
    return _scapy_frame(dmac, smac, IPv6(src=src, dst=dst, hlim=hlim, fl=fl),
                        tcp / Raw(payload) if payload else tcp, variant)


def _scapy_udp(dmac, smac, src, dst, hlim, sport, dport, payload, variant=None):
    from scapy.layers.inet import UDP
    from scapy.layers.inet6 import IPv6
    from scapy.packet import Raw
    return _scapy_frame(dmac, smac, IPv6(src=src, dst=dst, hlim=hlim),
                        UDP(sport=sport, dport=dport) / Raw(payload), variant)


def exception_frames(cfg):
    """(expected class, frame bytes, what[, tshark]) for frames that must be punted or dropped
    as such.

    Classes are counter names of v6lb-replay's stats; punt_* frames must appear unchanged in the
    punt pcap, drop_* frames nowhere. `tshark`, where given, is part of an expert message tshark
    reports for the input frame: an independent decoder agrees it is malformed."""
    from scapy.layers.inet import IP, TCP, UDP
    from scapy.layers.inet6 import (ICMPv6EchoRequest, ICMPv6MLDMultAddrRec, ICMPv6MLReport2,
                                    ICMPv6ND_NA, ICMPv6ND_NS, IPv6, IPv6ExtHdrFragment,
                                    IPv6ExtHdrHopByHop, ICMPv6NDOptSrcLLAddr, RouterAlert)
    from scapy.layers.l2 import ARP, Ether
    from scapy.packet import Raw

    card_mac, router_mac = cfg["card"]["mac"], cfg["card"]["router_mac"]
    card_addr = cfg["card"]["address"]
    tcp_svc = first_service(cfg, "tcp") or cfg["services"][0]
    udp_svc = first_service(cfg, "udp") or cfg["services"][0]
    vip, vport = tcp_svc["vip"], tcp_svc["port"]
    uvip, uport = udp_svc["vip"], udp_svc["port"]
    cl = "2001:db8:e0::7"
    E = lambda dst=card_mac: Ether(dst=dst, src=router_mac)  # noqa: E731
    card_sn = ipaddress.IPv6Address(card_addr).packed[-3:]
    sn_mcast = ipaddress.IPv6Address(b"\xff\x02" + b"\0" * 9 + b"\x01\xff" + card_sn).compressed
    sn_mac = "33:33:ff:" + ":".join(f"{x:02x}" for x in card_sn)

    out = []

    def add(cls, pkt, what, tshark=None):
        out.append((cls, bytes(pkt), what, tshark))

    add("punt_icmp", E() / IPv6(src=cl, dst=vip) / ICMPv6EchoRequest(id=7, seq=1, data=b"ping"),
        "ICMPv6 echo request to the VIP")
    add("punt_icmp", E(sn_mac) / IPv6(src=cl, dst=sn_mcast, hlim=255) /
        ICMPv6ND_NS(tgt=card_addr) / ICMPv6NDOptSrcLLAddr(lladdr=router_mac),
        "NDP neighbour solicitation for the card address (multicast MAC)")
    add("punt_icmp", E("33:33:00:00:00:01") / IPv6(src="fe80::fe", dst="ff02::1", hlim=255) /
        ICMPv6ND_NA(tgt="fe80::fe", R=1, O=1), "unsolicited NDP advertisement to all-nodes")
    add("punt_local", E() / IPv6(src=cl, dst=card_addr) / ICMPv6EchoRequest(id=7, seq=2),
        "ICMPv6 echo to the card's address (local wins over icmp)")
    add("punt_local", E() / IPv6(src=cl, dst=card_addr) / TCP(sport=40000, dport=22, flags="S"),
        "TCP SYN to the card's address")
    add("punt_local", E() / IPv6(src=cl, dst=card_addr) / UDP(sport=40000, dport=uport) /
        Raw(b"q"), "UDP to the card's address")
    add("punt_fragment", E() / IPv6(src=cl, dst=uvip) / IPv6ExtHdrFragment(id=0x1234, m=1) /
        UDP(sport=40001, dport=uport, len=1208, chksum=0x1111) / Raw(b"a" * 1000),
        "first fragment of a UDP datagram to the udp VIP")
    add("punt_fragment", E() / IPv6(src=cl, dst=vip) / IPv6ExtHdrFragment(id=0x1235, offset=125) /
        Raw(b"b" * 200), "later fragment to the tcp VIP")
    add("punt_hop_limit", E() / IPv6(src=cl, dst=vip, hlim=1) / TCP(sport=40002, dport=vport,
                                                                       flags="S"),
        "TCP SYN to the VIP with hop limit 1")
    add("punt_hop_limit", E() / IPv6(src=cl, dst=uvip, hlim=0) / UDP(sport=40003, dport=uport) /
        Raw(b"q"), "UDP to the VIP with hop limit 0")
    add("drop_not_ipv6", Ether(dst="ff:ff:ff:ff:ff:ff", src=router_mac) /
        ARP(op=1, hwsrc=router_mac, psrc="192.0.2.1", pdst="192.0.2.2"), "ARP request (broadcast)")
    add("drop_not_ipv6", E() / IP(src="192.0.2.1", dst="192.0.2.2") / TCP(sport=1, dport=80),
        "IPv4 TCP to the card MAC")
    add("drop_wrong_mac", E("02:00:00:00:00:99") / IPv6(src=cl, dst=vip) /
        TCP(sport=40004, dport=vport, flags="S"), "TCP SYN to the VIP for another MAC")
    add("drop_wrong_mac", E("02:00:00:00:00:99") / IPv6(src=cl, dst=vip) /
        ICMPv6EchoRequest(), "ICMPv6 echo for another MAC (MAC check before punting)")
    good = bytes(E() / IPv6(src=cl, dst=vip) / TCP(sport=40005, dport=vport, flags="S"))
    add("drop_malformed", good[:10], "10-byte frame (truncated Ethernet header)")
    add("drop_malformed", good[:14 + 20], "IPv6 header cut at 20 bytes")
    add("drop_malformed", good[:14 + 40 + 10], "TCP header cut at 10 bytes")
    badlen = bytearray(good)
    badlen[14 + 4:14 + 6] = struct.pack("!H", 400)  # payload length beyond the frame
    add("drop_malformed", bytes(badlen), "IPv6 payload length beyond the frame")
    badver = bytearray(good)
    badver[14] = (5 << 4) | (badver[14] & 0x0F)
    add("drop_malformed", bytes(badver), "IP version 5 with the IPv6 EtherType")
    add("drop_malformed", E() / IPv6(src=cl, dst=uvip) / UDP(sport=40006, dport=uport, chksum=0) /
        Raw(b"zero checksum"), "UDP to the VIP with checksum 0 (invalid over IPv6)")
    # Strict headers (docs/PIPELINE.md section 1, step 7): TCP data offset, UDP length.
    add("drop_malformed", E() / IPv6(src=cl, dst=vip) /
        TCP(sport=40020, dport=vport, flags="S", dataofs=4),
        "TCP SYN to the VIP with data offset 4 (16-byte header)", "Bogus TCP header length")
    add("drop_malformed", E() / IPv6(src=cl, dst=vip) /
        TCP(sport=40021, dport=vport, flags="S", dataofs=15),
        "TCP SYN to the VIP whose data offset (60 bytes) points beyond the 20-byte segment",
        "does not contain a full TCP header")
    add("drop_malformed", E() / IPv6(src=cl, dst=vip) /
        TCP(sport=40022, dport=vport, flags="PA", dataofs=8) / Raw(b"0123456789"),
        "TCP to the VIP whose options (data offset 8) run 2 bytes beyond the segment")
    add("drop_malformed", E() / IPv6(src=cl, dst=uvip) / UDP(sport=40023, dport=uport, len=8 + 6) /
        Raw(b"hello"), "UDP to the VIP whose length is one more than the payload",
        "Bad length value")
    add("drop_malformed", E() / IPv6(src=cl, dst=uvip) / UDP(sport=40024, dport=uport, len=8 + 4) /
        Raw(b"hello"), "UDP to the VIP whose length is one less than the payload")
    add("drop_malformed", E() / IPv6(src=cl, dst=uvip) / UDP(sport=40025, dport=uport, len=0) /
        Raw(b"hello"), "UDP to the VIP with length 0 (a jumbogram's, RFC 2675, unsupported)",
        "Length is zero")
    # Sources (steps 9-10).
    add("drop_bad_source", E() / IPv6(src="ff02::1", dst=vip) /
        TCP(sport=40026, dport=vport, flags="S"), "TCP SYN to the VIP from a multicast source")
    add("drop_bad_source", E() / IPv6(src="::1", dst=uvip) / UDP(sport=40027, dport=uport) /
        Raw(b"q"), "UDP to the VIP from the loopback address")
    add("drop_bad_source", E() / IPv6(src="::", dst=card_addr) /
        TCP(sport=40028, dport=22, flags="S"), "TCP SYN to the card from the unspecified address")
    add("drop_bad_source", E("33:33:00:00:00:01") / IPv6(src="ff05::2", dst="ff02::1") /
        ICMPv6EchoRequest(), "ICMPv6 echo from a multicast source (never valid, even for ICMPv6)")
    add("punt_icmp", E(sn_mac) / IPv6(src="::", dst=sn_mcast, hlim=255) /
        ICMPv6ND_NS(tgt=card_addr), "duplicate address detection: NS from the unspecified address")
    add("punt_icmp", E("33:33:00:00:00:16") / IPv6(src="::", dst="ff02::16", hlim=1) /
        IPv6ExtHdrHopByHop(options=[RouterAlert()]) /
        ICMPv6MLReport2(records=[ICMPv6MLDMultAddrRec(dst=sn_mcast)]),
        "MLDv2 report from the unspecified address, with its Hop-by-Hop header")
    add("drop_spoofed", E() / IPv6(src=vip, dst=vip) / TCP(sport=vport, dport=vport, flags="S"),
        "TCP SYN from the VIP to the VIP (a loop in the making)")
    add("drop_spoofed", E() / IPv6(src=card_addr, dst=uvip) / UDP(sport=40029, dport=uport) /
        Raw(b"q"), "UDP to the VIP from the card's address")
    add("drop_spoofed", E() / IPv6(src=uvip, dst=card_addr) /
        TCP(sport=40030, dport=22, flags="S"), "TCP SYN to the card from a VIP")
    add("drop_spoofed", E() / IPv6(src=vip, dst=uvip) / IPv6ExtHdrFragment(id=0x1236, m=1) /
        Raw(b"c" * 64), "fragment from a VIP")
    add("punt_icmp", E() / IPv6(src=vip, dst=uvip) / ICMPv6EchoRequest(id=7, seq=3),
        "ICMPv6 echo from a VIP (ICMPv6 is punted whatever its source)")
    add("punt_icmp", E("33:33:00:00:00:01") / IPv6(src=card_addr, dst="ff02::1", hlim=255) /
        ICMPv6ND_NA(tgt=card_addr, O=1), "NA from the card's own address (how DAD hears a duplicate)")
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", required=True)
    ap.add_argument("--out", required=True, help="pcap to write; the manifest goes to OUT.json")
    ap.add_argument("--flows", type=int, default=100, help="TCP flows to the first tcp service")
    ap.add_argument("--udp-clients", type=int, default=0,
                    help="clients sending 3-6 requests each, every one from a new source port")
    ap.add_argument("--replies", action="store_true",
                    help="a SYN-ACK from every backend after each flow's SYN")
    ap.add_argument("--exceptions", action="store_true", help="add exception frames")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--variants", type=float, default=0.03,
                    help="fraction of TCP flows and UDP requests sent with an 802.1Q tag, a "
                         "Hop-by-Hop or Destination Options header, or an Ethernet trailer "
                         "(default 0.03)")
    ap.add_argument("--flow-gap-us", type=float, default=2000.0,
                    help="mean gap between new TCP flows in microseconds (default 2000)")
    args = ap.parse_args(argv)

    cfg = load_config(args.config)
    rng = random.Random(args.seed)
    w = Writer(args.out)
    sc = ScapyCheck()

    # UDP requests and exception frames are spread over the window the TCP flows will take; they
    # go into the heap first, and the flows then stream through it in timestamp order.
    t_end = TS_BASE_US + max(10_000_000, int(args.flows * args.flow_gap_us))
    udp_clients = gen_udp(args, cfg, rng, w, sc, t_end) if args.udp_clients else []
    exceptions = []
    if args.exceptions:
        for i, (cls, frame, what, tshark) in enumerate(exception_frames(cfg)):
            exceptions.append({"class": cls, "what": what, "tshark": tshark})
            w.push(TS_BASE_US + rng.randrange(0, t_end - TS_BASE_US), frame, "exc", i)
    flows = gen_tcp_flows(args, cfg, rng, w, sc)[0] if args.flows else []
    w.close()

    manifest = {
        "config": args.config,
        "seed": args.seed,
        "flows": flows,
        "udp_clients": udp_clients,
        "replies": args.replies,
        "exceptions": exceptions,
        "frames": w.frames,
        "scapy_checked": sc.total,
    }
    with open(args.out + ".json", "w", encoding="utf-8") as f:
        json.dump(manifest, f, separators=(",", ":"))
    print(f"gen_traffic: {len(w.frames)} frames ({len(flows)} tcp flows, {len(udp_clients)} udp "
          f"clients, {len(exceptions)} exception frames; {sc.total} frames cross-checked with "
          f"scapy) -> {args.out}")


if __name__ == "__main__":
    main()
