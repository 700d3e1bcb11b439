#!/usr/bin/python3
"""Tests of the DPDK data plane (v6lb-dpdk, v6lbd --device dpdk), without hugepages or NICs.

  dpdk_test.py compare  --dpdk BIN --replay BIN --config FILE --workdir DIR --workers N [--seed S]
  dpdk_test.py jumbo    --dpdk BIN --replay BIN --config FILE --workdir DIR --workers N
  dpdk_test.py startstop --dpdk BIN --config FILE --workdir DIR
  dpdk_test.py bad-eal  --dpdk BIN --config FILE --workdir DIR
  dpdk_test.py tap-ping --dpdk BIN --config FILE --workdir DIR
  dpdk_test.py daemon   --v6lbd BIN --v6lbctl BIN --config FILE --workdir DIR

compare (--rx-queues 2: the capture split by connection over two RX queues, as RSS would, so
both workers receive and hand packets to each other): generated traffic (gen_traffic.py: TCP flows with a SYN-ACK from every backend, UDP
clients, exception frames) goes through `v6lb-replay --engine model` and through v6lb-dpdk on
net_pcap ports (the data port reads the capture and writes one file per worker, the exception
port writes the punted frames). Both must give the same frames with the same bytes, in the same
order within every flow (keyed by the output's addresses, protocol and ports; across flows the
order may differ), the same punted frames, and the same counters. Time: the model takes ticks
from the capture's timestamps, the DPDK path from the clock. The capture spans about 10 s and the
DPDK run a second or two, while every idle timeout in the config is at least 30 s, so no flow
expires in either run; the refresh cadence (T/8) may differ, which changes nothing visible while
no flow-table set is full (a few thousand flows in 65,536 entries).

jumbo: frames of up to 10,240 bytes (the card's maximum) pass as through the model, byte for
byte; longer ones are dropped as the model drops them (cmd_jumbo).

startstop: v6lb-dpdk starts and stops cleanly on net_null (endless traffic: stopped by SIGTERM)
and on net_ring (no traffic: --idle-exit), 1 and 2 workers.

bad-eal: unusable EAL arguments and data-plane options exit 2 with a message, never a crash.

tap-ping: the data port is a TAP moved into a network namespace (a client on the wire), the
exception port a TAP in the host holding the card's address: the client's NDP and ping reach
the host's stack through the data plane and the answers come back (needs root; 77 = skip).

daemon: v6lbd --device dpdk starts on net_ring, answers `v6lbctl status --json`, and exits 0 on
SIGTERM.

Each v6lb-dpdk run gets its own --file-prefix, so tests can run in parallel (--in-memory cannot be
combined with --no-huge in DPDK 22.11).
"""

import argparse
import collections
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.request
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
GEN = os.path.join(HERE, "..", "e2e", "gen_traffic.py")
PY = "/usr/bin/python3"


def lcores(workers):
    """EAL lcores for `workers` workers plus the main (control) lcore, on this 2-CPU machine."""
    if workers == 1:
        return ["-l", "0-1"]
    # More lcores than CPUs: the main lcore mostly sleeps, so let it float.
    ncpu = os.cpu_count() or 1
    spec = ["0@(0-%d)" % (ncpu - 1)] + ["%d@%d" % (i + 1, i % ncpu) for i in range(workers)]
    return ["--lcores", ",".join(spec)]


class Eal:
    """Common EAL arguments with a file prefix of its own, removed afterwards."""

    count = 0

    def __init__(self, tag):
        Eal.count += 1
        self.prefix = "v6lbt_%s_%d_%d" % (tag, os.getpid(), Eal.count)

    def args(self, workers, *vdevs):
        a = ["--no-huge", "--no-pci", "-m", "256", "--file-prefix", self.prefix,
             "--log-level", "lib.eal:warning"] + lcores(workers)
        for v in vdevs:
            a += ["--vdev", v]
        return a

    def cleanup(self):
        shutil.rmtree("/var/run/dpdk/" + self.prefix, ignore_errors=True)


def run(cmd, timeout=120, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    return p


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


# ---------------------------------------------------------------------------------------------
# pcap reading and flow keys

def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        fail(f"{path}: not a pcap")
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        end = "<"
    elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
        end = ">"
    else:
        fail(f"{path}: bad pcap magic {magic:#x}")
    frames = []
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(end + "IIII", data[off:off + 16])
        frames.append(data[off + 16:off + 16 + incl])
        off += 16 + incl
    return frames


def read_records(path):
    """(16-byte record header, frame) pairs of a little-endian microsecond pcap, and its header."""
    with open(path, "rb") as f:
        data = f.read()
    recs, off = [], 24
    while off + 16 <= len(data):
        incl = struct.unpack("<I", data[off + 8:off + 12])[0]
        recs.append((data[off:off + 16], data[off + 16:off + 16 + incl]))
        off += 16 + incl
    return data[:24], recs


def split_by_connection(src, dsts, vips):
    """Splits a capture over len(dsts) files by connection (client address and port: the source
    of a packet to a VIP, the destination of anything else), as RSS would spread connections
    over RX queues, keeping each connection's frames in one file and in order."""
    head, recs = read_records(src)
    outs = [open(d, "wb") for d in dsts]
    for o in outs:
        o.write(head)
    for hdr, f in recs:
        k = flow_key(f)
        if len(k) == 5:
            src_a, dst_a, _, sp, dp = k
            client = (src_a, sp) if (dst_a, dp) in vips else (dst_a, dp)
            i = zlib.crc32(client[0] + struct.pack("!H", client[1])) % len(outs)
        else:
            i = 0
        outs[i].write(hdr + f)
    for o in outs:
        o.close()


def flow_key(f):
    """Addresses, protocol and ports of a frame (after one VLAN tag and the usual extension
    headers); coarser keys for anything else, which only makes the order check stricter."""
    if len(f) < 14:
        return ("short",)
    et, l3 = struct.unpack("!H", f[12:14])[0], 14
    if et == 0x8100 and len(f) >= 18:
        et, l3 = struct.unpack("!H", f[16:18])[0], 18
    if et != 0x86DD or len(f) < l3 + 40:
        return ("other", et)
    src, dst, nh = f[l3 + 8:l3 + 24], f[l3 + 24:l3 + 40], f[l3 + 6]
    cur, n = l3 + 40, 0
    while nh in (0, 60, 43) and n < 4 and cur + 8 <= len(f):
        nh, cur, n = f[cur], cur + (f[cur + 1] + 1) * 8, n + 1
    if nh in (6, 17) and cur + 4 <= len(f):
        return (src, dst, nh) + struct.unpack("!HH", f[cur:cur + 4])
    return (src, dst, nh)


def by_flow(frames):
    d = collections.OrderedDict()
    for f in frames:
        d.setdefault(flow_key(f), []).append(f)
    return d


def compare_frames(what, model, dpdk, problems):
    m, d = by_flow(model), by_flow(dpdk)
    if len(model) != len(dpdk):
        problems.append(f"{what}: model wrote {len(model)} frames, dpdk {len(dpdk)}")
    bad = [k for k in set(m) | set(d) if m.get(k) != d.get(k)]
    for k in bad[:5]:
        mk, dk = m.get(k, []), d.get(k, [])
        same_set = sorted(mk) == sorted(dk)
        problems.append(f"{what}: flow {k!r}: model {len(mk)} frames, dpdk {len(dk)}" +
                        (" (same frames, other order)" if same_set else ""))
    if len(bad) > 5:
        problems.append(f"{what}: ... {len(bad)} flows differ in all")
    return len(m)


# ---------------------------------------------------------------------------------------------

def cmd_compare(a):
    os.makedirs(a.workdir, exist_ok=True)
    w = lambda name: os.path.join(a.workdir, name)  # noqa: E731
    gen = run([PY, GEN, "--config", a.config, "--out", w("in.pcap"), "--flows", str(a.flows),
               "--udp-clients", "100", "--replies", "--exceptions", "--seed", str(a.seed)])
    if gen.returncode != 0:
        fail("gen_traffic: " + gen.stdout + gen.stderr)
    rep = run([a.replay, "--config", a.config, "--engine", "model", "--in", w("in.pcap"),
               "--out", w("model.pcap"), "--punt", w("model_punt.pcap"), "--stats",
               w("model.json"), "--quiet"])
    if rep.returncode != 0:
        fail("v6lb-replay: " + rep.stderr)

    n = a.workers
    outs = [w(f"dpdk_{i}.pcap") for i in range(n)]
    punts = [w(f"dpdk_punt_{i}.pcap") for i in range(n)]
    for p in outs + punts:
        if os.path.exists(p):
            os.remove(p)
    if a.rx_queues > 1:
        sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
        import gen_traffic  # noqa: E402  (the config loader)
        import ipaddress
        cfg = gen_traffic.load_config(a.config)
        vips = {(ipaddress.IPv6Address(s["vip"]).packed, s["port"]) for s in cfg["services"]}
        ins = [w(f"in_q{q}.pcap") for q in range(a.rx_queues)]
        split_by_connection(w("in.pcap"), ins, vips)
    else:
        ins = [w("in.pcap")]
    data = ("net_pcap0" + "".join(",rx_pcap=" + p for p in ins) +
            "".join(",tx_pcap=" + p for p in outs))
    exc = "net_pcap1," + ",".join("tx_pcap=" + p for p in punts)
    eal = Eal("cmp")
    try:
        t0 = time.monotonic()
        d = run([a.dpdk, "--config", a.config, "--stats", w("dpdk.json"), "--idle-exit", "700",
                 "--quiet", "--"] + eal.args(n, data, exc) + ["--", "--exception-port", "net_pcap1"])
        took = time.monotonic() - t0
    finally:
        eal.cleanup()
    if d.returncode != 0:
        fail(f"v6lb-dpdk exited {d.returncode}: {d.stderr}")

    problems = []
    model_frames = read_pcap(w("model.pcap"))
    dpdk_frames = [f for p in outs for f in read_pcap(p)]
    flows = compare_frames("forwarded", model_frames, dpdk_frames, problems)
    compare_frames("punted", read_pcap(w("model_punt.pcap")),
                   [f for p in punts for f in read_pcap(p)], problems)
    if n > 1:
        # A flow lives in one worker: its frames all leave through that worker's file.
        seen = {}
        for i, p in enumerate(outs):
            for k in by_flow(read_pcap(p)):
                if seen.setdefault(k, i) != i:
                    problems.append(f"flow {k!r} left through two workers")
        used = sum(1 for p in outs if read_pcap(p))
        if used < n:
            problems.append(f"only {used} of {n} workers forwarded anything")
        rx = [wk["rx_packets"] for wk in json.load(open(w("dpdk.json")))["dpdk"]["workers"]]
        if a.rx_queues > 1 and min(rx) == 0:
            problems.append(f"a worker received nothing from its RX queue: {rx}")

    ms, ds = json.load(open(w("model.json"))), json.load(open(w("dpdk.json")))
    if ms["counters"] != ds["counters"]:
        diff = {k: (v, ds["counters"].get(k)) for k, v in ms["counters"].items()
                if ds["counters"].get(k) != v}
        problems.append(f"counters differ (model, dpdk): {diff}")
    if ms["services"] != ds["services"]:
        problems.append("per-service/backend counters differ")
    for k in ("forward", "reply"):
        if ms["flow_table"][k] != ds["flow_table"][k]:
            problems.append(f"flow_table {k}: model {ms['flow_table'][k]}, dpdk "
                            f"{ds['flow_table'][k]}")
    if ds["flow_table"]["capacity"] != n * ms["flow_table"]["capacity"]:
        problems.append("flow_table capacity is not workers x the model's")
    # The strict header and source checks (docs/PIPELINE.md section 1): each generated kind in
    # its counter on the DPDK data plane too, whichever worker had the frame.
    manifest = json.load(open(w("in.pcap") + ".json"))
    sent = collections.Counter(e["class"] for e in manifest["exceptions"])
    for k in ("drop_malformed", "drop_bad_source", "drop_spoofed"):
        if not sent[k] or ds["counters"].get(k) != sent[k]:
            problems.append(f"dpdk {k} = {ds['counters'].get(k)}, the capture has {sent[k]}")
    t = ds["dpdk"]["total"]
    c = ds["counters"]
    for k in ("tx_dropped", "punt_dropped", "oversize", "host_dropped"):
        if t[k]:
            problems.append(f"dpdk layer lost frames: {k} = {t[k]}")
    if t["tx_packets"] != c["fwd_packets"] or t["punt_packets"] != c["punt_packets"]:
        problems.append("dpdk layer tx/punt do not match the pipeline's fwd/punt counters")
    if problems:
        print("\n".join("FAIL: " + p for p in problems))
        sys.exit(1)
    print(f"ok: {len(model_frames)} frames in {flows} flows and {c['punt_packets']} punted "
          f"identical to the model, counters equal; {n} worker(s), "
          f"{a.rx_queues} RX queue(s), {t['handoff_out']} handed over; v6lb-dpdk ran {took:.1f} s")


def cmd_startstop(a):
    os.makedirs(a.workdir, exist_ok=True)
    for workers, opts in ((1, []), (2, []), (2, ["--", "--handoff-full", "drop"])):
        # net_null: endless frames (64 zero bytes: not IPv6), stopped by SIGTERM.
        eal = Eal("null")
        stats = os.path.join(a.workdir, f"null_{workers}{'_drop' if opts else ''}.json")
        try:
            p = subprocess.Popen([a.dpdk, "--config", a.config, "--stats", stats, "--"]
                                 + eal.args(workers, "net_null0") + opts,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            # Programming the tables takes a moment on a busy machine: wait for the tool to say
            # it forwards, then let it run.
            early = []
            for line in p.stderr:
                early.append(line)
                if "forwarding on" in line:
                    break
            if p.poll() is not None:
                fail(f"net_null, {workers} worker(s): exited early ({p.returncode}): "
                     f"{''.join(early)}{p.stderr.read()}")
            time.sleep(1.0)
            p.send_signal(signal.SIGTERM)
            _, err = p.communicate(timeout=20)
        finally:
            eal.cleanup()
        if p.returncode != 0:
            fail(f"net_null, {workers} worker(s): SIGTERM gave exit {p.returncode}: {err}")
        s = json.load(open(stats))
        rx = s["counters"]["rx_packets"]
        if rx == 0 or s["counters"]["drop_not_ipv6"] + s["counters"]["drop_malformed"] != rx:
            fail(f"net_null, {workers} worker(s): counters {s['counters']}")
        print(f"ok: net_null, {workers} worker(s) {' '.join(opts[1:])}: {rx} frames, stopped by "
              "SIGTERM")
        if opts:
            continue

        # net_ring: nothing arrives; --idle-exit ends it.
        eal = Eal("ring")
        try:
            t0 = time.monotonic()
            r = run([a.dpdk, "--config", a.config, "--idle-exit", "300", "--quiet", "--stats",
                     "-", "--"] + eal.args(workers, "net_ring0"), timeout=60)
            took = time.monotonic() - t0
        finally:
            eal.cleanup()
        if r.returncode != 0:
            fail(f"net_ring, {workers} worker(s): exit {r.returncode}: {r.stderr}")
        s = json.loads(r.stdout)
        if s["counters"]["rx_packets"] != 0 or s["engine"] != "dpdk":
            fail(f"net_ring: unexpected stats {s['counters']}")
        print(f"ok: net_ring, {workers} worker(s): idle exit after {took:.1f} s")


def cmd_bad_eal(a):
    os.makedirs(a.workdir, exist_ok=True)
    empty = os.path.join(a.workdir, "empty.pcap")
    with open(empty, "wb") as f:  # a capture with no frames
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    cases = [
        ("unknown EAL option", ["--no-such-eal-option"], "EAL"),
        ("--in-memory with --no-huge", ["--no-huge", "--no-pci", "--in-memory", "-l", "0-1",
                                        "--vdev", "net_null0"], "EAL"),
        ("no such lcore", ["--no-huge", "--no-pci", "-l", "0,250", "--vdev", "net_null0"], "EAL"),
        ("unknown vdev driver", ["--no-huge", "--no-pci", "-l", "0-1", "--vdev",
                                 "net_nosuchdriver0"], "EAL"),
        ("no worker lcore", ["--no-huge", "--no-pci", "-l", "0", "--vdev", "net_null0"],
         "no worker lcore"),
        ("no port", ["--no-huge", "--no-pci", "-l", "0-1"], "no DPDK ports"),
        ("unknown data port", ["--no-huge", "--no-pci", "-l", "0-1", "--vdev", "net_null0", "--",
                               "--data-port", "net_null7"], "no DPDK port 'net_null7'"),
        ("bad data-plane option", ["--no-huge", "--no-pci", "-l", "0-1", "--vdev", "net_null0",
                                   "--", "--burst", "500"], "--burst"),
        ("too few TX queues", ["--no-huge", "--no-pci", "--lcores", "0@0,1@0,2@1", "--vdev",
                               "net_pcap0,rx_pcap=" + empty + ",tx_pcap=" +
                               os.path.join(a.workdir, "x.pcap")], "TX queue"),
    ]
    for name, args, expect in cases:
        eal = Eal("bad")
        full = list(args)
        # A file prefix of its own, before any "--" of the data-plane options.
        cut = full.index("--") if "--" in full else len(full)
        full[cut:cut] = ["--file-prefix", eal.prefix, "-m", "256"]
        try:
            r = run([a.dpdk, "--config", a.config, "--idle-exit", "100", "--quiet", "--"] + full,
                    timeout=60)
        finally:
            eal.cleanup()
        out = r.stdout + r.stderr
        if r.returncode != 2:
            fail(f"{name}: exit {r.returncode} (want 2; negative = killed by a signal)\n{out}")
        msg = [ln for ln in r.stderr.splitlines() if ln.startswith("v6lb-dpdk:")]
        if not msg or expect not in out:
            fail(f"{name}: no clear message (want '{expect}'):\n{out}")
        print(f"ok: {name}: exit 2, {msg[0]}")


def cmd_tap_ping(a):
    if os.geteuid() != 0 or shutil.which("ip") is None:
        print("SKIP: needs root and iproute2")
        sys.exit(77)
    os.makedirs(a.workdir, exist_ok=True)
    tag = "%d" % (os.getpid() % 100000)
    ns, wire, host = "v6lbns" + tag, "v6w" + tag, "v6x" + tag
    card_addr = "2001:db8:ff::1"  # examples/lb.yaml card.address
    eal = Eal("tap")
    stats = os.path.join(a.workdir, "tap.json")
    subprocess.run(["ip", "netns", "add", ns], check=True)
    p = subprocess.Popen([a.dpdk, "--config", a.config, "--stats", stats, "--"] +
                         eal.args(a.workers, "net_tap0,iface=" + wire,
                                  "net_tap1,iface=" + host) +
                         ["--", "--data-port", "net_tap0", "--exception-port", "net_tap1"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    r = None
    try:
        early = []
        for line in p.stderr:  # the ports are up and the tables programmed
            early.append(line)
            if "forwarding on" in line:
                break
        if p.poll() is not None:
            fail(f"v6lb-dpdk exited early ({p.returncode}): {''.join(early)}")
        sh = lambda *c: subprocess.run(list(c), check=True)  # noqa: E731
        sh("ip", "link", "set", wire, "netns", ns)
        sh("ip", "-n", ns, "link", "set", wire, "up")
        sh("ip", "-n", ns, "addr", "add", "2001:db8:ff::2/64", "dev", wire, "nodad")
        sh("ip", "link", "set", host, "up")
        sh("ip", "addr", "add", card_addr + "/64", "dev", host, "nodad")
        r = run(["ip", "netns", "exec", ns, PY, os.path.join(HERE, "ping6.py"), card_addr],
                timeout=30)
        mac = open("/sys/class/net/%s/address" % host).read().strip()
    finally:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=20)
        subprocess.run(["ip", "netns", "del", ns])
        eal.cleanup()
    if r is None or r.returncode != 0:
        fail("ping through the data plane failed:\n" + (r.stdout + r.stderr if r else "") + err)
    if p.returncode != 0:
        fail(f"v6lb-dpdk exit {p.returncode}: {err}")
    s = json.load(open(stats))
    c, t = s["counters"], s["dpdk"]["total"]
    if c["punt_local"] < 3 or c["punt_icmp"] < 1 or t["host_packets"] < 4:
        fail(f"unexpected counters: {c} {t}")
    if mac != "02:00:00:00:00:01":
        fail(f"the exception TAP has MAC {mac}, not the card's")
    print(f"ok: {a.workers} worker(s): NDP and 3 pings through the data plane: punt_icmp {c['punt_icmp']}, punt_local "
          f"{c['punt_local']}, {t['host_packets']} frames from the host out of the data port")


def cmd_daemon(a):
    os.makedirs(a.workdir, exist_ok=True)
    sock = os.path.join(a.workdir, "v6lbd.sock")
    if os.path.exists(sock):
        os.remove(sock)
    eal = Eal("daemon")
    log = open(os.path.join(a.workdir, "v6lbd.log"), "w")
    with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s_:
        s_.bind(("::1", 0))
        mport = s_.getsockname()[1]
    p = subprocess.Popen([a.v6lbd, "--config", a.config, "--device", "dpdk", "--control-socket",
                          sock, "--metrics", f"[::1]:{mport}", "--"] + eal.args(1, "net_ring0"),
                         stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        status = None
        while time.monotonic() < deadline:
            if p.poll() is not None:
                break
            if os.path.exists(sock):
                r = run([a.v6lbctl, "--socket", sock, "status", "--json"], timeout=10)
                if r.returncode == 0:
                    status = json.loads(r.stdout)
                    break
            time.sleep(0.2)
        if status is None:
            log.flush()
            text = open(os.path.join(a.workdir, "v6lbd.log")).read()
            if "has no DPDK" in text:
                print("SKIP: this v6lbd was built without the dpdk back end")
                sys.exit(77)
            fail("v6lbd --device dpdk did not answer status:\n" + text)
        text = json.dumps(status)
        if "dpdk" not in text:
            fail(f"status does not name the dpdk device: {text}")
        metrics = urllib.request.urlopen(f"http://[::1]:{mport}/metrics", timeout=5).read().decode()
        for want in (r'v6lb_dpdk_worker_rx_packets_total\{lcore="\d+"\} \d+',
                     r'v6lb_dpdk_worker_processed_packets_total\{lcore="\d+"\} \d+',
                     r'v6lb_dpdk_port_rx_packets_total\{role="data",port="[^"]+"\} \d+',
                     r'v6lb_received_packets_total \d+'):
            if not re.search(want, metrics):
                fail(f"/metrics has no {want}:\n{metrics[:3000]}")
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=20)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        eal.cleanup()
        log.close()
    if p.returncode != 0:
        fail(f"v6lbd exited {p.returncode} on SIGTERM:\n" +
             open(os.path.join(a.workdir, "v6lbd.log")).read())
    print(f"ok: v6lbd --device dpdk answered status ({status.get('device', '?')}), served the DPDK "
          "layer's counters on /metrics and exited 0 on SIGTERM")


def cmd_jumbo(a):
    """Jumbo frames: TCP to the first TCP service and UDP to the first UDP service in frames of
    1,514, 2,049, 9,000 and 10,240 bytes (the card's CAP_MAX_FRAME), an ICMPv6 echo of 9,000 to the
    card's address (punted), and frames of 10,241 and 16,000 bytes (over the card's maximum:
    dropped as malformed). v6lb-dpdk on net_pcap must forward and punt exactly what the model
    does, byte for byte, with the same counters."""
    os.makedirs(a.workdir, exist_ok=True)
    w = lambda name: os.path.join(a.workdir, name)  # noqa: E731
    sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
    import gen_traffic as g  # noqa: E402
    cfg = g.load_config(a.config)
    card, tcp, udp = cfg["card"], g.first_service(cfg, "tcp"), g.first_service(cfg, "udp")
    cmac, rmac = g.mac_b(card["mac"]), g.mac_b(card["router_mac"])
    frames = []
    for i, size in enumerate((1514, 2049, 9000, 10240, 10241, 16000)):
        client = g.ip_b("2001:db8:c0::%x" % (i + 1))
        vip = g.ip_b(tcp["vip"])
        syn = g.tcp_segment(client, vip, 40000 + i, tcp["port"], 1, 0, g.TCP_SYN)
        frames.append(g.eth(cmac, rmac, g.ip6_packet(client, vip, 6, 64, syn)))
        data = g.tcp_segment(client, vip, 40000 + i, tcp["port"], 2, 1, g.TCP_ACK | g.TCP_PSH,
                             bytes((i * 7 + k) & 0xFF for k in range(size - 74)))
        frames.append(g.eth(cmac, rmac, g.ip6_packet(client, vip, 6, 64, data)))
        if udp:
            uvip = g.ip_b(udp["vip"])
            d = g.udp_datagram(client, uvip, 50000 + i, udp["port"],
                               bytes((i + k) & 0xFF for k in range(size - 62)))
            frames.append(g.eth(cmac, rmac, g.ip6_packet(client, uvip, 17, 64, d)))
    client = g.ip_b("2001:db8:c0::99")
    icmp = struct.pack("!BBHHH", 128, 0, 0, 1, 1) + bytes(k & 0xFF for k in range(9000 - 62))
    c = g.l4_checksum(client, g.ip_b(card["address"]), 58, icmp)
    icmp = icmp[:2] + struct.pack("!H", c) + icmp[4:]
    frames.append(g.eth(cmac, rmac, g.ip6_packet(client, g.ip_b(card["address"]), 58, 64, icmp)))
    with open(w("in.pcap"), "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", 1_700_000_000, 1000 * i, len(fr), len(fr)) + fr)

    rep = run([a.replay, "--config", a.config, "--engine", "model", "--in", w("in.pcap"),
               "--out", w("model.pcap"), "--punt", w("model_punt.pcap"), "--stats",
               w("model.json"), "--quiet"])
    if rep.returncode != 0:
        fail("v6lb-replay: " + rep.stderr)
    n = a.workers
    outs = [w(f"dpdk_{i}.pcap") for i in range(n)]
    punts = [w(f"dpdk_punt_{i}.pcap") for i in range(n)]
    for p in outs + punts:
        if os.path.exists(p):
            os.remove(p)
    data = "net_pcap0,rx_pcap=" + w("in.pcap") + "".join(",tx_pcap=" + p for p in outs)
    exc = "net_pcap1," + ",".join("tx_pcap=" + p for p in punts)
    eal = Eal("jumbo")
    try:
        d = run([a.dpdk, "--config", a.config, "--stats", w("dpdk.json"), "--idle-exit", "700",
                 "--quiet", "--"] + eal.args(n, data, exc) + ["--", "--exception-port", "net_pcap1"])
    finally:
        eal.cleanup()
    if d.returncode != 0:
        fail(f"v6lb-dpdk exited {d.returncode}: {d.stderr}")

    problems = []
    model_fwd, model_punt = read_pcap(w("model.pcap")), read_pcap(w("model_punt.pcap"))
    dpdk_fwd = [f for p in outs for f in read_pcap(p)]
    dpdk_punt = [f for p in punts for f in read_pcap(p)]
    if sorted(model_fwd) != sorted(dpdk_fwd):
        problems.append("forwarded frames differ: model lengths %s, dpdk lengths %s" %
                        (sorted(map(len, model_fwd)), sorted(map(len, dpdk_fwd))))
    if sorted(model_punt) != sorted(dpdk_punt):
        problems.append("punted frames differ: model lengths %s, dpdk lengths %s" %
                        (sorted(map(len, model_punt)), sorted(map(len, dpdk_punt))))
    # Not vacuous: the model forwards the 9,000- and 10,240-byte frames (TCP and UDP), punts the
    # 9,000-byte echo, and drops what is over the card's maximum.
    lens = sorted(map(len, model_fwd))
    want = 2 if udp else 1
    for size in (9000, 10240):
        if lens.count(size) != want:
            problems.append(f"the model forwarded {lens.count(size)} frames of {size} bytes, "
                            f"want {want}: {lens}")
    if [len(f) for f in model_punt] != [9000]:
        problems.append(f"the model punted {[len(f) for f in model_punt]}, want [9000]")
    ms, ds = json.load(open(w("model.json"))), json.load(open(w("dpdk.json")))
    if ms["counters"] != ds["counters"]:
        diff = {k: (v, ds["counters"].get(k)) for k, v in ms["counters"].items()
                if ds["counters"].get(k) != v}
        problems.append(f"counters differ (model, dpdk): {diff}")
    if ms["services"] != ds["services"]:
        problems.append("per-service/backend counters differ")
    over = 2 * (2 if udp else 1)
    if ms["counters"].get("drop_malformed") != over:
        problems.append(f"model drop_malformed {ms['counters'].get('drop_malformed')}, want {over}")
    t = ds["dpdk"]["total"]
    if t["oversize"] != over:
        problems.append(f"dpdk oversize {t['oversize']}, want {over} (the frames over 10,240)")
    for k in ("tx_dropped", "punt_dropped", "host_dropped"):
        if t[k]:
            problems.append(f"dpdk layer lost frames: {k} = {t[k]}")
    if problems:
        print("\n".join("FAIL: " + p for p in problems))
        sys.exit(1)
    print(f"ok: {len(frames)} frames up to 16,000 bytes, {len(model_fwd)} forwarded (up to "
          f"{max(lens)} bytes) and {len(model_punt)} punted identical to the model, counters "
          f"equal; {n} worker(s)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["compare", "jumbo", "startstop", "bad-eal", "tap-ping",
                                     "daemon"])
    ap.add_argument("--dpdk")
    ap.add_argument("--replay")
    ap.add_argument("--v6lbd")
    ap.add_argument("--v6lbctl")
    ap.add_argument("--config", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--rx-queues", type=int, default=1,
                    help="compare: split the capture by connection over this many RX queues")
    ap.add_argument("--flows", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    {"compare": cmd_compare, "jumbo": cmd_jumbo, "startstop": cmd_startstop, "bad-eal": cmd_bad_eal,
     "tap-ping": cmd_tap_ping, "daemon": cmd_daemon}[a.mode](a)


if __name__ == "__main__":
    main()
