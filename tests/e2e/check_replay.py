#!/usr/bin/python3
"""End-to-end check of v6lb-replay against generated traffic, judged by tshark.

  check_replay.py --replay BIN --config FILE --workdir DIR [--flows N] [--udp-clients N]
                  [--replies] [--exceptions] [--seed S]
  check_replay.py --replay BIN --config FILE --workdir DIR --bad-input

The first form generates traffic with gen_traffic.py (scapy), runs it through
`v6lb-replay --engine model`, decodes input and output with tshark and checks:

  * every TCP/UDP checksum in the output is good according to tshark's own validation;
  * every client packet to a service is forwarded, to a backend of that service (address, port,
    next-hop MAC), from the card MAC, with hop limit one less, client address/port untouched;
    but for a new flow whose flow-table set is full: dropped and counted drop_flow_table_full;
  * every flow (client address, client port) lands on exactly one backend; over >= 2000 TCP
    flows each backend's share of flows is within 3 percentage points of its weight share
    (weight 0: no flows at all);
  * with a source-ip scheduler, each UDP client lands on one backend whatever its source port;
  * with --replies, exactly one of the SYN-ACKs sent by every backend is forwarded per flow, the
    one of the backend the flow went to, rewritten to VIP:port toward the router MAC; the others
    are dropped (no stateless translation);
  * exception frames are punted byte for byte unchanged (punt_*) or dropped (drop_*), and the
    counters of --stats match what was sent, as do the per-service/backend packet counts;
  * independently of tshark, each output frame equals its input frame rewritten by a small
    Python reference of the documented rewrite (checksums recomputed from scratch).

The --bad-input form checks that v6lb-replay exits 2 with a message for unusable input.
Prints one summary line on success; on failure, every failed check with examples, exit 1.
"""

import argparse
import collections
import ipaddress
import json
import os
import re
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen_traffic  # noqa: E402  (config loader and checksum helpers; scapy is imported lazily)

# tshark 4.0 with tcp/udp.check_checksum:TRUE prints the checksum status as a number:
# 0 = bad, 1 = good, 2 = unverified (what you get when validation is off), 3 = not present,
# 4 = illegal (UDP checksum 0 over IPv6). Measured on this machine (tshark 4.0.17) with a
# scapy-built good and bad TCP and UDP packet; "2" would accept anything, so good is "1".
CHECKSUM_GOOD = "1"

FIELDS = ["frame.time_epoch", "eth.src", "eth.dst", "ipv6.src", "ipv6.dst", "ipv6.hlim",
          "tcp.srcport", "tcp.dstport", "tcp.checksum.status", "tcp.flags", "udp.srcport",
          "udp.dstport", "udp.checksum.status", "_ws.expert.message"]
EXAMPLES = 5  # examples shown per failed check


class Checks:
    def __init__(self):
        self.failed = collections.OrderedDict()  # check name -> [count, examples]
        self.passed = 0

    def expect(self, ok, name, example=""):
        if ok:
            self.passed += 1
            return True
        entry = self.failed.setdefault(name, [0, []])
        entry[0] += 1
        if example and len(entry[1]) < EXAMPLES:
            entry[1].append(example)
        return False

    def report_and_exit(self, summary):
        if not self.failed:
            print(summary)
            sys.exit(0)
        print("check_replay: FAILED", file=sys.stderr)
        for name, (count, examples) in self.failed.items():
            print(f"  FAIL {name} ({count}x)", file=sys.stderr)
            for e in examples:
                print(f"       {e}", file=sys.stderr)
        sys.exit(1)


def die(msg):
    print(f"check_replay: {msg}", file=sys.stderr)
    sys.exit(1)


def run(cmd, timeout, what):
    t0 = time.monotonic()
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        die(f"{what} did not finish within {timeout}s: {' '.join(cmd)}")
    except OSError as e:
        die(f"{what}: cannot run {cmd[0]}: {e}")
    return r, time.monotonic() - t0


# ---------------------------------------------------------------------------------------------
# Reading captures

def ts_key(epoch_text):
    """tshark's frame.time_epoch ("1700000000.001234000") -> integer microseconds."""
    sec, _, frac = epoch_text.partition(".")
    return int(sec) * 1_000_000 + int((frac + "000000")[:6])


def tshark_rows(path, timeout=300):
    cmd = ["tshark", "-n", "-r", path, "-o", "tcp.check_checksum:TRUE", "-o",
           "udp.check_checksum:TRUE", "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a"]
    for f in FIELDS:
        cmd += ["-e", f]
    r, _ = run(cmd, timeout, "tshark")
    if r.returncode != 0:
        die(f"tshark -r {path} failed ({r.returncode}): {r.stderr.strip()}")
    rows = {}
    for line in r.stdout.splitlines():
        vals = line.split("\t")
        vals += [""] * (len(FIELDS) - len(vals))
        row = dict(zip(FIELDS, vals))
        k = ts_key(row["frame.time_epoch"])
        if k in rows:
            die(f"{path}: two frames with timestamp {row['frame.time_epoch']}")
        rows[k] = row
    return rows


def read_pcap(path):
    """{timestamp in us: frame bytes} of a classic pcap file (both byte orders, us or ns)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        die(f"{path}: not a pcap file (too short)")
    magic = data[:4]
    formats = {b"\xd4\xc3\xb2\xa1": ("<", 1), b"\xa1\xb2\xc3\xd4": (">", 1),
               b"\x4d\x3c\xb2\xa1": ("<", 1000), b"\xa1\xb2\x3c\x4d": (">", 1000)}
    if magic not in formats:
        die(f"{path}: not a classic pcap file (magic {magic.hex()})")
    endian, div = formats[magic]
    out = {}
    off = 24
    while off + 16 <= len(data):
        sec, frac, caplen, _ = struct.unpack_from(endian + "IIII", data, off)
        off += 16
        out[sec * 1_000_000 + frac // div] = data[off:off + caplen]
        off += caplen
    if off != len(data):
        die(f"{path}: truncated record at the end")
    return out


# ---------------------------------------------------------------------------------------------
# Python reference of the rewrite (full checksum recomputation, not incremental)

def locate(frame):
    """(l3, l4, ip_end, proto) of a TCP/UDP frame as generated: optional 802.1Q tag, optional
    Hop-by-Hop/Destination Options headers."""
    l3 = 18 if frame[12:14] == b"\x81\x00" else 14
    ip_end = l3 + 40 + struct.unpack_from("!H", frame, l3 + 4)[0]
    nh, l4 = frame[l3 + 6], l3 + 40
    while nh in (0, 60, 43):
        nh, l4 = frame[l4], l4 + (frame[l4 + 1] + 1) * 8
    return l3, l4, ip_end, nh


def l4_sum_ok(frame):
    l3, l4, ip_end, proto = locate(frame)
    seg = frame[l4:ip_end]
    s = gen_traffic._sum16(frame[l3 + 8:l3 + 40] + struct.pack("!IxxxB", len(seg), proto)) + \
        gen_traffic._sum16(seg)
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s == 0xFFFF


def reference_rewrite(frame, new_src, new_dst, new_sport, new_dport, dmac, smac):
    """The documented rewrite of an IPv6 TCP/UDP frame; returns the frame with its checksum
    recomputed from scratch, and the checksum's offset."""
    f = bytearray(frame)
    l3, l4, ip_end, proto = locate(frame)
    f[0:6], f[6:12] = dmac, smac
    f[l3 + 7] -= 1
    if new_src:
        f[l3 + 8:l3 + 24] = new_src
    if new_dst:
        f[l3 + 24:l3 + 40] = new_dst
    if new_sport is not None:
        f[l4:l4 + 2] = struct.pack("!H", new_sport)
    if new_dport is not None:
        f[l4 + 2:l4 + 4] = struct.pack("!H", new_dport)
    ck = l4 + (16 if proto == 6 else 6)
    f[ck:ck + 2] = b"\0\0"
    c = gen_traffic.l4_checksum(bytes(f[l3 + 8:l3 + 24]), bytes(f[l3 + 24:l3 + 40]), proto,
                                bytes(f[l4:ip_end]))
    f[ck:ck + 2] = struct.pack("!H", c)
    return bytes(f), ck


def same_modulo_checksum(out, ref, ck, proto):
    """Equal, except that a TCP checksum may be 0x0000 or 0xFFFF (the same one's complement
    zero: an incremental update may give either). UDP never carries 0 over IPv6."""
    if out == ref:
        return True
    if len(out) != len(ref) or out[:ck] != ref[:ck] or out[ck + 2:] != ref[ck + 2:]:
        return False
    return proto == 6 and {out[ck:ck + 2], ref[ck:ck + 2]} == {b"\0\0", b"\xff\xff"}


# ---------------------------------------------------------------------------------------------
# The traffic check

def check_traffic(args):
    os.makedirs(args.workdir, exist_ok=True)
    cfg = gen_traffic.load_config(args.config)
    card = cfg["card"]
    pin = os.path.join(args.workdir, "in.pcap")
    pout = os.path.join(args.workdir, "out.pcap")
    ppunt = os.path.join(args.workdir, "punt.pcap")
    pstats = os.path.join(args.workdir, "stats.json")
    for p in (pout, ppunt, pstats):
        if os.path.exists(p):
            os.unlink(p)

    gen = [sys.executable, os.path.join(HERE, "gen_traffic.py"), "--config", args.config,
           "--out", pin, "--flows", str(args.flows), "--udp-clients", str(args.udp_clients),
           "--seed", str(args.seed)]
    if args.replies:
        gen.append("--replies")
    if args.exceptions:
        gen.append("--exceptions")
    r, t_gen = run(gen, 600, "gen_traffic.py")
    if r.returncode != 0:
        die(f"gen_traffic.py failed ({r.returncode}):\n{r.stdout}{r.stderr}")
    with open(pin + ".json", encoding="utf-8") as f:
        manifest = json.load(f)

    rep = [args.replay, "--config", args.config, "--engine", "model", "--in", pin, "--out", pout,
           "--punt", ppunt, "--stats", pstats, "--quiet"]
    r, t_rep = run(rep, 300, "v6lb-replay")
    if r.returncode != 0:
        die(f"v6lb-replay failed ({r.returncode}): {r.stderr.strip()}\n  {' '.join(rep)}")
    with open(pstats, encoding="utf-8") as f:
        stats = json.load(f)

    t0 = time.monotonic()
    in_rows = tshark_rows(pin)
    out_rows = tshark_rows(pout)
    t_tshark = time.monotonic() - t0
    in_raw, out_raw, punt_raw = read_pcap(pin), read_pcap(pout), read_pcap(ppunt)

    c = Checks()
    frames = {ts: (kind, ref) for ts, kind, ref in manifest["frames"]}
    c.expect(len(frames) == len(manifest["frames"]) == len(in_rows) == len(in_raw),
             "generator wrote one distinct timestamp per frame",
             f"{len(manifest['frames'])} manifest entries, {len(frames)} timestamps, "
             f"{len(in_rows)} frames by tshark, {len(in_raw)} in the pcap")
    c.expect(len(out_rows) == len(out_raw), "tshark and the pcap reader agree on the output")

    tcp_svc = gen_traffic.first_service(cfg, "tcp")
    udp_svc = gen_traffic.first_service(cfg, "udp")
    be_by_addr = {}  # (service name, address, port) -> backend
    for s in cfg["services"]:
        for i, b in enumerate(s["backends"]):
            be_by_addr[(s["name"], b["address"], b["port"])] = (i, b)
    card_mac_b = bytes.fromhex(card["mac"].replace(":", ""))
    router_mac_b = bytes.fromhex(card["router_mac"].replace(":", ""))

    def desc(row):
        proto = "tcp" if row["tcp.srcport"] else "udp" if row["udp.srcport"] else "?"
        sp = row["tcp.srcport"] or row["udp.srcport"]
        dp = row["tcp.dstport"] or row["udp.dstport"]
        return (f"t={row['frame.time_epoch']} {row['eth.src']}->{row['eth.dst']} "
                f"[{row['ipv6.src']}]:{sp} -> [{row['ipv6.dst']}]:{dp} {proto} "
                f"hlim {row['ipv6.hlim']} ck {row['tcp.checksum.status']}"
                f"{row['udp.checksum.status']}")

    # 0. The generator's own frames carry good checksums (so any bad one later is the tool's).
    for ts, row in in_rows.items():
        kind = frames.get(ts, ("?",))[0]
        if kind in ("tcp", "udp", "reply"):
            st = row["tcp.checksum.status"] or row["udp.checksum.status"]
            c.expect(st == CHECKSUM_GOOD, "input checksums good (generator sanity)", desc(row))

    # 1. Every output frame is a generated frame, is TCP or UDP, and has a good checksum.
    for ts, row in out_rows.items():
        if not c.expect(ts in frames, "output frame matches an input frame by timestamp",
                        desc(row)):
            continue
        is_tcp, is_udp = bool(row["tcp.srcport"]), bool(row["udp.srcport"])
        c.expect(is_tcp != is_udp and "," not in row["ipv6.src"],
                 "output frames are plain TCP or UDP", desc(row))
        st = row["tcp.checksum.status"] if is_tcp else row["udp.checksum.status"]
        c.expect(st == CHECKSUM_GOOD, f"TCP/UDP checksum good per tshark (status {CHECKSUM_GOOD})",
                 desc(row))
        c.expect(frames[ts][0] in ("tcp", "udp", "reply"),
                 "only service traffic and replies are forwarded",
                 f"{frames[ts]} {desc(row)}")

    # 2. Client -> VIP packets: all forwarded, correctly rewritten; one backend per flow. A new
    # flow whose forward set is full is dropped (drop_flow_table_full), never forwarded without
    # state: with 4-way sets a few flows of 10,000 meet a full set.
    flow_backend = collections.defaultdict(set)   # flow id -> {backend index}
    udp_backend = collections.defaultdict(set)    # udp client id -> {backend index}
    be_packets = collections.Counter()            # (service, backend index) -> packets
    svc_packets = collections.Counter()
    n_fwd = {"tcp": 0, "udp": 0}
    no_room = 0
    for ts, (kind, ref) in frames.items():
        if kind not in ("tcp", "udp"):
            continue
        svc = tcp_svc if kind == "tcp" else udp_svc
        n_fwd[kind] += 1
        src = in_rows[ts]
        if ts not in out_rows:
            no_room += 1
            continue
        o = out_rows[ts]
        oport = int(o[f"{kind}.dstport"] or -1)
        hit = be_by_addr.get((svc["name"], o["ipv6.dst"], oport))
        if not c.expect(hit is not None, "forwarded to a backend address:port of the service",
                        f"in: {desc(src)}\n       out: {desc(o)}"):
            continue
        bi, b = hit
        svc_packets[svc["name"]] += 1
        be_packets[(svc["name"], bi)] += 1
        c.expect(o["eth.dst"] == b["mac"], "Ethernet destination = the backend's MAC",
                 f"want {b['mac']}: {desc(o)}")
        c.expect(o["eth.src"] == card["mac"], "Ethernet source = the card MAC", desc(o))
        c.expect(o["ipv6.src"] == src["ipv6.src"] and
                 o[f"{kind}.srcport"] == src[f"{kind}.srcport"],
                 "client address and port unchanged", f"in: {desc(src)}\n       out: {desc(o)}")
        c.expect(int(o["ipv6.hlim"]) == int(src["ipv6.hlim"]) - 1, "hop limit decreased by one",
                 f"in: {desc(src)}\n       out: {desc(o)}")
        if kind == "tcp":
            c.expect(o["tcp.flags"] == src["tcp.flags"], "TCP flags unchanged", desc(o))
            flow_backend[ref].add(bi)
        else:
            udp_backend[ref].add(bi)

    dropped_full = stats["counters"].get("drop_flow_table_full", 0)
    c.expect(no_room == dropped_full,
             "client packets to the VIP not forwarded = drop_flow_table_full",
             f"{no_room} not forwarded, drop_flow_table_full = {dropped_full}")
    c.expect(no_room <= max(1, sum(n_fwd.values()) // 100),
             "at most 1 % of client packets meet a full set",
             f"{no_room} of {sum(n_fwd.values())}")
    for fid, bes in flow_backend.items():
        client, cport = manifest["flows"][fid]
        c.expect(len(bes) == 1, "each TCP flow on exactly one backend",
                 f"[{client}]:{cport} on backends {sorted(bes)}")

    # 3. Shares. "Shares within 3 % of weights" is read as 3 percentage points absolute:
    # |flows_b / flows - weight_b / sum(weights)| <= 0.03. (3 % relative would be 0.6 points for a
    # 20 % backend, about one standard deviation at 10,000 flows: a coin flip, not a test.)
    # Only judged from 2000 flows on (at 2000 flows 3 points is ~3 standard deviations for a 40 %
    # share). A weight-0 backend must get no flow at all, whatever the number of flows.
    share_note = ""
    if tcp_svc and flow_backend:
        per_be = collections.Counter(next(iter(v)) for v in flow_backend.values() if len(v) == 1)
        total = sum(per_be.values())
        wsum = sum(b["weight"] for b in tcp_svc["backends"])
        worst = 0.0
        for bi, b in enumerate(tcp_svc["backends"]):
            share = per_be[bi] / total if total else 0
            want = b["weight"] / wsum if wsum else 0
            if b["weight"] == 0:
                c.expect(per_be[bi] == 0, "no flows on a weight-0 backend",
                         f"{b['address']} has {per_be[bi]} flows")
            if total >= 2000:
                worst = max(worst, abs(share - want))
                c.expect(abs(share - want) <= 0.03,
                         "backend flow share within 3 percentage points of its weight share",
                         f"{b['address']}: {per_be[bi]}/{total} = {share:.2%}, weight share "
                         f"{want:.2%}")
        shares = "/".join(f"{per_be[i] / total:.1%}" for i in range(len(tcp_svc["backends"])))
        share_note = (f"; tcp shares {shares}" + (f" (max deviation {worst:.1%})"
                                                  if total >= 2000 else " (not judged: <2000)"))

    # 4. UDP clients with changing source ports: one backend per client (source-ip schedulers).
    if udp_svc and udp_backend:
        if udp_svc["scheduler"] in ("source-ip", "source-ip-proto"):
            for cid, bes in udp_backend.items():
                c.expect(len(bes) == 1, "each UDP client on one backend (source-ip scheduler)",
                         f"client {manifest['udp_clients'][cid]} on backends {sorted(bes)}")
        per_be = collections.Counter(next(iter(v)) for v in udp_backend.values())
        wsum = sum(b["weight"] for b in udp_svc["backends"])
        for bi, b in enumerate(udp_svc["backends"]):
            if b["weight"] and len(udp_backend) * b["weight"] / wsum >= 20:
                c.expect(per_be[bi] > 0, "every weighted UDP backend gets clients",
                         f"{b['address']} got none of {len(udp_backend)} clients")

    # 5. Replies. The SYN-ACK of the flow's own backend is translated by its reply entry; the
    # other backends' SYN-ACKs have no flow behind them and are dropped (drop_no_service): a
    # reply is translated only into a connection that this very backend holds
    # (docs/PIPELINE.md section 4).
    replies_sent = replies_fwd = foreign = 0
    no_reply = []
    if manifest["replies"]:
        fwd_reply = collections.defaultdict(list)
        for ts, (kind, ref) in frames.items():
            if kind != "reply":
                continue
            replies_sent += 1
            if ts in out_rows:
                replies_fwd += 1
                fwd_reply[ref[0]].append((ts, ref[1]))
        for fid, (client, cport) in enumerate(manifest["flows"]):
            got = fwd_reply.get(fid, [])
            own = flow_backend.get(fid, set())
            if not any(bi in own for _, bi in got):
                no_reply.append(fid)
            c.expect(len({bi for _, bi in got}) == len(got), "one forwarded reply per backend",
                     f"[{client}]:{cport}: {[b for _, b in got]}")
            for ts, bi in got:
                o, src = out_rows[ts], in_rows[ts]
                if bi not in own:
                    foreign += 1
                c.expect(o["ipv6.src"] == tcp_svc["vip"] and
                         o["tcp.srcport"] == str(tcp_svc["port"]),
                         "reply source rewritten to VIP:port", desc(o))
                c.expect(o["ipv6.dst"] == client and o["tcp.dstport"] == str(cport),
                         "reply destination (client) unchanged", desc(o))
                c.expect(o["eth.dst"] == card["router_mac"] and o["eth.src"] == card["mac"],
                         "reply Ethernet: router MAC <- card MAC", desc(o))
                c.expect(int(o["ipv6.hlim"]) == int(src["ipv6.hlim"]) - 1,
                         "reply hop limit decreased by one", desc(o))
                c.expect(o["tcp.flags"] == src["tcp.flags"], "reply TCP flags unchanged", desc(o))
                be_packets[("reply", bi)] += 1
        # A flow without its reply: its client packets found no room (dropped), or its reply
        # entry did not fit; both are counted in flow_table_full.
        full = stats["counters"]["flow_table_full"]
        c.expect(len(no_reply) <= full, "every flow's own backend reply is forwarded",
                 f"{len(no_reply)} flows without it, flow_table_full = {full}; first: "
                 f"{[manifest['flows'][f] for f in no_reply[:3]]}")
        c.expect(foreign == 0, "no reply from another backend than the flow's is forwarded",
                 f"{foreign} forwarded")

    # 6. Exceptions: punted unchanged, or dropped; counters exact.
    want_ctr = collections.Counter(e["class"] for e in manifest["exceptions"])
    for ts, (kind, ref) in frames.items():
        if kind != "exc":
            continue
        e = manifest["exceptions"][ref]
        c.expect(ts not in out_rows, "exception frames are never forwarded",
                 f"{e['what']} ({e['class']})")
        if e["class"].startswith("punt_"):
            c.expect(punt_raw.get(ts) == in_raw[ts],
                     "punted exception frame in the punt pcap, byte for byte unchanged",
                     f"{e['what']} ({e['class']}): in {in_raw[ts].hex()} punt "
                     f"{punt_raw.get(ts, b'<missing>').hex()}")
        else:
            c.expect(ts not in punt_raw, "dropped exception frames are not punted",
                     f"{e['what']} ({e['class']})")
        if e.get("tshark"):
            msg = in_rows.get(ts, {}).get("_ws.expert.message", "")
            c.expect(e["tshark"] in msg, "tshark finds the malformed frames malformed too",
                     f"{e['what']}: expected '{e['tshark']}' among tshark's messages '{msg}'")
    for ts in punt_raw:
        c.expect(frames.get(ts, ("?",))[0] == "exc", "only exception frames are punted",
                 f"t={ts} {frames.get(ts)} {punt_raw[ts].hex()[:120]}")
    ctr = stats["counters"]
    for name in ("punt_icmp", "punt_fragment", "punt_hop_limit", "punt_local", "drop_not_ipv6",
                 "drop_wrong_mac", "drop_malformed", "punt_ext_headers", "drop_bad_source",
                 "drop_spoofed"):
        c.expect(ctr.get(name) == want_ctr.get(name, 0), "exception counters match what was sent",
                 f"{name} = {ctr.get(name)}, sent {want_ctr.get(name, 0)}")

    # 7. The other counters against what the capture shows.
    def ctr_eq(name, want):
        c.expect(ctr.get(name) == want, "stats counters agree with the captures",
                 f"{name} = {ctr.get(name)}, expected {want}")
    ctr_eq("rx_packets", len(in_raw))
    ctr_eq("fwd_packets", len(out_raw))
    ctr_eq("punt_packets", len(punt_raw))
    ctr_eq("reply_packets", replies_fwd)
    ctr_eq("drop_no_service", replies_sent - replies_fwd)
    ctr_eq("drop_no_backend", 0)
    ctr_eq("rx_bytes", sum(map(len, in_raw.values())))
    ctr_eq("fwd_bytes", sum(map(len, out_raw.values())))
    full = ctr["flow_table_full"]
    for s in stats["services"]:
        cs = next((x for x in cfg["services"] if x["name"] == s["name"]), None)
        if not c.expect(cs is not None, "stats services are the config's", s["name"]):
            continue
        c.expect(s["packets"] == svc_packets[s["name"]], "per-service packets agree",
                 f"{s['name']}: {s['packets']}, output shows {svc_packets[s['name']]}")
        nf = (len(flow_backend) if cs is tcp_svc else
              n_fwd["udp"] if cs is udp_svc else 0)  # each UDP request has a new source port
        c.expect(s["new_flows"] == nf or (full and s["new_flows"] <= nf),
                 "per-service new_flows = flows sent", f"{s['name']}: {s['new_flows']}, sent {nf}")
        for bi, b in enumerate(s["backends"]):
            c.expect(b["packets"] == be_packets[(s["name"], bi)], "per-backend packets agree",
                     f"{s['name']} {b['address']}: {b['packets']}, output shows "
                     f"{be_packets[(s['name'], bi)]}")
            if cs is tcp_svc and manifest["replies"]:
                c.expect(b["reply_packets"] == be_packets[("reply", bi)],
                         "per-backend reply_packets agree",
                         f"{b['address']}: {b['reply_packets']}, output shows "
                         f"{be_packets[('reply', bi)]}")
    ctr_eq("flows_learned", sum(s["new_flows"] for s in stats["services"]))
    # Occupancy counts entries still written (replay never runs the aging engine); an expired
    # entry may have been overwritten by a later flow, and a flow whose forward set was full may
    # still have got its reply entry: forward <= flows learned, reply <= flows sent.
    n_flows = len(flow_backend) + n_fwd["udp"]
    c.expect(0 < stats["flow_table"]["forward"] <= ctr["flows_learned"] and
             0 < stats["flow_table"]["reply"] <= n_flows,
             "flow table occupancy within the flows learned", json.dumps(stats["flow_table"]))

    # 8. Byte-level: each output frame = its input frame rewritten by the Python reference.
    svc_by_vip = {(s["vip"], s["port"]): s for s in cfg["services"]}
    for ts, out in out_raw.items():
        if ts not in frames or ts not in in_rows:
            continue
        kind, ref = frames[ts]
        src, o = in_raw[ts], out_rows[ts]
        proto = locate(src)[3]
        if kind in ("tcp", "udp"):
            svc = tcp_svc if kind == "tcp" else udp_svc
            hit = be_by_addr.get((svc["name"], o["ipv6.dst"], int(o[f"{kind}.dstport"] or -1)))
            if not hit:
                continue  # reported above
            b = hit[1]
            want, ck = reference_rewrite(src, None, ipaddress.IPv6Address(b["address"]).packed,
                                         None, b["port"], bytes.fromhex(b["mac"].replace(":", "")),
                                         card_mac_b)
        elif kind == "reply":
            svc = svc_by_vip.get((tcp_svc["vip"], tcp_svc["port"]))
            want, ck = reference_rewrite(src, ipaddress.IPv6Address(svc["vip"]).packed, None,
                                         svc["port"], None, router_mac_b, card_mac_b)
        else:
            continue
        c.expect(same_modulo_checksum(out, want, ck, proto),
                 "output frame = input frame rewritten by the Python reference",
                 f"{kind} t={ts}\n       in   {src.hex()[:160]}\n       out  {out.hex()[:160]}\n"
                 f"       want {want.hex()[:160]}")
        c.expect(l4_sum_ok(out), "output checksum verifies (Python)",
                 f"{kind} t={ts}")

    summary = (f"check_replay: OK: {len(in_raw)} frames in, {len(out_raw)} forwarded, "
               f"{len(punt_raw)} punted; {len(flow_backend)} tcp flows, {len(udp_backend)} udp "
               f"clients, {replies_fwd}/{replies_sent} replies forwarded"
               f"{f' ({len(no_reply)} lost to a full flow table set)' if no_reply else ''}, "
               f"{len(manifest['exceptions'])} exception frames{share_note}; {c.passed} checks "
               f"(generate {t_gen:.1f}s, replay {t_rep:.1f}s, tshark {t_tshark:.1f}s)")
    c.report_and_exit(summary)


# ---------------------------------------------------------------------------------------------
# Bad input

BAD_CONFIGS = {
    "syntax": ("card:\n  mac: \"02:00:00:00:00:01\"\n  address: [unclosed\n", None),
    "port": (None, ("port: 80", "port: 70000")),
    "vip": (None, ("vip: \"2001:db8::100\"", "vip: \"2001:db8::zz\"")),
}


def check_bad_input(args):
    os.makedirs(args.workdir, exist_ok=True)
    w = args.workdir
    c = Checks()
    good_pcap = os.path.join(w, "good.pcap")
    r, _ = run([sys.executable, os.path.join(HERE, "gen_traffic.py"), "--config", args.config,
                "--out", good_pcap, "--flows", "3"], 120, "gen_traffic.py")
    if r.returncode != 0:
        die(f"gen_traffic.py failed: {r.stderr}")
    with open(good_pcap, "rb") as f:
        good = f.read()
    with open(args.config, encoding="utf-8") as f:
        cfg_text = f.read()

    def write(name, data):
        p = os.path.join(w, name)
        with open(p, "wb" if isinstance(data, bytes) else "w") as f:
            f.write(data)
        return p

    text_file = write("not_a_pcap.pcap", "this is not a capture\n" * 10)
    truncated = write("truncated.pcap", good[:len(good) - 7])
    raw_ip = bytearray(good)
    struct.pack_into("<I", raw_ip, 20, 101)  # LINKTYPE_RAW instead of Ethernet
    raw_ip = write("linktype_raw.pcap", bytes(raw_ip))
    cases = [
        ("missing input file", args.config, os.path.join(w, "does-not-exist.pcap"),
         ["does-not-exist.pcap"]),
        ("input is a text file", args.config, text_file, ["not_a_pcap.pcap"]),
        ("input pcap truncated in a record", args.config, truncated, ["truncated.pcap"]),
        ("input pcap not Ethernet", args.config, raw_ip, ["linktype_raw.pcap"]),
        ("missing config file", os.path.join(w, "no-such.yaml"), good_pcap, ["no-such.yaml"]),
        ("output in a missing directory", args.config, good_pcap, ["no-such-dir"],
         os.path.join(w, "no-such-dir", "out.pcap")),
    ]
    for name, (text, subst) in BAD_CONFIGS.items():
        if subst:
            if subst[0] not in cfg_text:
                die(f"{args.config} has no '{subst[0]}' to break")
            text = cfg_text.replace(subst[0], subst[1], 1)
        p = write(f"bad_{name}.yaml", text)
        cases.append((f"config with an error ({name})", p, good_pcap, [f"bad_{name}.yaml"]))

    for name, config, pin, must_mention, *out in cases:
        out = out[0] if out else os.path.join(w, "out.pcap")
        cmd = [args.replay, "--config", config, "--engine", "model", "--in", pin, "--out", out,
               "--quiet"]
        r, _ = run(cmd, 60, "v6lb-replay")
        msg = r.stderr.strip()
        c.expect(r.returncode == 2, "v6lb-replay exits 2 on bad input",
                 f"{name}: exit {r.returncode}, stderr {msg!r}")
        c.expect(msg.startswith("v6lb-replay:") and all(m in msg for m in must_mention),
                 "the message names the tool and the offending file",
                 f"{name}: stderr {msg!r}")
        if name.startswith("config with an error"):
            # docs: config errors are reported as file:line[:column]: problem
            c.expect(re.search(r"\.yaml:\d+", msg) is not None, "config errors give file:line",
                     f"{name}: {msg!r}")
    # And the good input passes, so the failures above are about the input.
    r, _ = run([args.replay, "--config", args.config, "--engine", "model", "--in", good_pcap,
                "--out", os.path.join(w, "out.pcap"), "--quiet"], 60, "v6lb-replay")
    c.expect(r.returncode == 0, "v6lb-replay accepts the good input", r.stderr.strip())
    c.report_and_exit(f"check_replay --bad-input: OK: {len(cases)} bad inputs refused with exit 2 "
                      f"and a message")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--replay", required=True, help="the v6lb-replay binary")
    ap.add_argument("--config", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--flows", type=int, default=1000)
    ap.add_argument("--udp-clients", type=int, default=50)
    ap.add_argument("--replies", action="store_true")
    ap.add_argument("--exceptions", action="store_true")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--bad-input", action="store_true")
    args = ap.parse_args()
    if not os.access(args.replay, os.X_OK):
        die(f"--replay {args.replay}: not an executable")
    if args.bad_input:
        check_bad_input(args)
    else:
        check_traffic(args)


if __name__ == "__main__":
    main()
