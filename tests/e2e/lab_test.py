#!/usr/bin/python3
"""Real TCP and UDP through the load balancer: the lab of scripts/lab.sh (client, router, three
backends with python http.server and a UDP echo, all in network namespaces), the card's port a
TAP, unmodified clients (curl and Python's socket stack) talking to the VIP.

  lab_test.py --bin DIR --engine sim|model|dpdk [--mode card|inproc] [--requests N]
              [--only NAME[,NAME]] [--report FILE]

--mode card: the data plane runs in v6lb-card, v6lbd attaches with --device card:PATH (so the
             data plane outlives a daemon restart, as a card does);
--mode inproc: v6lbd --device sim|model --tap v6lb0 --exception-tap v6lb-host, one process.

Checks (each named, --only picks some):
  spread    N HTTP requests (a new connection each) all succeed; the backends' access logs show
            the client's real address; the spread matches the weights within 5 points.
  udp       datagrams from one client with changing source ports land on one backend (source-ip).
  longlived a rate-limited download survives a Maglev change (another backend goes down), a
            `v6lbctl weight` change and (card mode) a daemon restart, byte-exact.
  failover  a backend killed mid-load: after fall x interval new connections go to the others,
            no request to a healthy backend fails.
  loadhealth wrk at 50 connections against the VIP for 20 s while the health checks run through
            the same data plane: no backend is marked down (probes must not flap because the
            data plane is busy); wrk's requests/s is reported.
  latency   requests/s and p50/p99 latency of sequential requests (a report, not a gate).
Needs root; prints SKIP and exits 77 otherwise.
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LAB_SH = os.path.join(ROOT, "scripts", "lab.sh")
CONFIG = os.path.join(ROOT, "examples", "lab.yaml")
LAB = os.environ.get("V6LB_LAB_DIR", "/run/v6lb-lab")
VIP, DNS_VIP = "2001:db8::100", "2001:db8::53"
CLIENT = "2001:db8:c::2"
BACKENDS = {"b1": "2001:db8:1::10", "b2": "2001:db8:1::11", "b3": "2001:db8:1::12"}
WEIGHTS = {"b1": 100, "b2": 100, "b3": 50}
FALL, INTERVAL = 2, 1.0  # examples/lab.yaml


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    raise SystemExit(1)


def ns(host):
    return {"client": "v6lb-client", "lan": "v6lb-lan"}.get(host, "v6lb-" + host)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw)


def in_ns(host, args, **kw):
    return subprocess.run(["ip", "netns", "exec", ns(host)] + args, text=True,
                          capture_output=True, **kw)


# A small client run inside the client namespace: N requests (or, with a fourth argument, as
# many as fit in that many seconds), a new TCP connection each, printing one JSON line per
# request (backend, ok, seconds, when it ended on the monotonic clock, which every namespace
# shares). Python's socket stack, not a mock.
# One access-log entry of http.server: 'ADDR - - [date] "GET /whoami HTTP/1.1" 200 -'.
ACCESS_RE = re.compile(r'(\S+) - - \[[^\]]*\] "GET /whoami')

CLIENT_PY = r"""
import json, socket, sys, time
vip, n, timeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
until = time.monotonic() + float(sys.argv[4]) if len(sys.argv) > 4 else float("inf")
for i in range(n):
    if time.monotonic() >= until: break
    t0 = time.monotonic()
    rec = {"i": i, "ok": False}
    try:
        s = socket.create_connection((vip, 80), timeout=timeout)
        rec["sport"] = s.getsockname()[1]
        s.sendall(b"GET /whoami HTTP/1.1\r\nHost: lab\r\nConnection: close\r\n\r\n")
        data = b""
        while True:
            c = s.recv(4096)
            if not c: break
            data += c
        s.close()
        head, _, body = data.partition(b"\r\n\r\n")
        rec["status"] = int(head.split()[1]) if head else 0
        rec["backend"] = body.decode().strip()
        rec["ok"] = rec["status"] == 200
    except Exception as e:
        rec["error"] = repr(e)
    rec["t"] = time.monotonic() - t0
    rec["at"] = time.monotonic()
    print(json.dumps(rec), flush=True)
"""

UDP_PY = r"""
import socket, sys
vip, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.sendto(b"q", (vip, 53))
    try:
        print(s.recvfrom(200)[0].decode(), flush=True)
    except socket.timeout:
        print("timeout", flush=True)
    s.close()
"""


class Lab:
    def __init__(self, a):
        self.a = a
        self.bin = a.bin
        self.card = None
        self.daemon = None
        self.sock = os.path.join(LAB, "card.sock")
        self.ctl = os.path.join(LAB, "v6lbd.sock")
        self.report = {}

    # -- processes
    def start_card(self):
        if self.a.mode != "card":
            return
        cmd = ["ip", "netns", "exec", ns("lan"), os.path.join(self.bin, "v6lb-card"),
               "--device", self.a.engine, "--socket", self.sock, "--config", CONFIG]
        if self.a.engine == "dpdk":
            cmd += ["--"] + dpdk_eal_args()
        else:
            cmd += ["--tap", "v6lb0", "--exception-tap", "v6lb-host"]
        self.card = subprocess.Popen(cmd, stdout=open(os.path.join(LAB, "card.log"), "a"),
                                     stderr=subprocess.STDOUT)
        for _ in range(300):
            if os.path.exists(self.sock):
                return
            if self.card.poll() is not None:
                fail("v6lb-card exited: " + open(os.path.join(LAB, "card.log")).read()[-2000:])
            time.sleep(0.1)
        fail("v6lb-card did not open its socket")

    def start_daemon(self):
        cmd = ["ip", "netns", "exec", ns("lan"), os.path.join(self.bin, "v6lbd"),
               "--config", CONFIG, "--metrics", "off"]
        if self.a.mode == "card":
            cmd += ["--device", "card:" + self.sock]
        elif self.a.engine == "dpdk":
            cmd += ["--device", "dpdk", "--"] + dpdk_eal_args()
        else:
            cmd += ["--device", self.a.engine, "--tap", "v6lb0", "--exception-tap", "v6lb-host"]
        self.daemon = subprocess.Popen(cmd, stdout=open(os.path.join(LAB, "v6lbd.log"), "a"),
                                       stderr=subprocess.STDOUT)
        t0 = time.monotonic()
        while time.monotonic() - t0 < 120:
            if self.daemon.poll() is not None:
                fail("v6lbd exited: " + open(os.path.join(LAB, "v6lbd.log")).read()[-2000:])
            r = self.ctl_json("status", quiet=True)
            if r and r.get("ok"):
                self.report.setdefault("daemon_start_s", []).append(round(time.monotonic() - t0, 2))
                return
            time.sleep(0.2)
        fail("v6lbd did not answer within 120 s")

    def stop_daemon(self):
        if self.daemon and self.daemon.poll() is not None:
            # Died on its own (lost its card, say): a restart must not hide that.
            fail(f"v6lbd exited {self.daemon.returncode} before it was stopped: " +
                 open(os.path.join(LAB, "v6lbd.log")).read()[-2000:])
        if self.daemon and self.daemon.poll() is None:
            self.daemon.send_signal(signal.SIGTERM)
            try:
                rc = self.daemon.wait(20)
            except subprocess.TimeoutExpired:
                self.daemon.kill()
                fail("v6lbd did not exit on SIGTERM")
            if rc != 0:
                fail(f"v6lbd exited {rc} on SIGTERM")

    def stop_all(self):
        for p in (self.daemon, self.card):
            if p and p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(20)
                except subprocess.TimeoutExpired:
                    p.kill()

    def ctl_json(self, *args, quiet=False):
        # v6lbctl's reply, or None when there is none (not JSON). A failed call says why on
        # stderr (v6lbctl's message, its exit status, how long it took) unless `quiet` (the
        # polls for a daemon that is still starting).
        cmd = " ".join(args)
        t0 = time.monotonic()
        try:
            r = in_ns("lan", [os.path.join(self.bin, "v6lbctl"), "--socket", self.ctl, "--json",
                              "--timeout", "30"] + list(args), timeout=40)
        except subprocess.TimeoutExpired:
            fail(f"v6lbctl {cmd}: no exit within 40 s")
        took = time.monotonic() - t0
        try:
            j = json.loads(r.stdout)
        except ValueError:
            j = None
        if not quiet and (r.returncode != 0 or j is None):
            print(f"  v6lbctl {cmd}: exit {r.returncode} after {took:.1f} s: "
                  f"{r.stderr.strip()[:1000]}", file=sys.stderr, flush=True)
        return j

    def wait_health(self, addr, state, limit):
        t0 = time.monotonic()
        while time.monotonic() - t0 < limit:
            r = self.ctl_json("backends") or {}
            for b in r.get("backends", []):
                if b.get("service") == "web" and b.get("address") == addr and b.get("state") == state:
                    return time.monotonic() - t0
            time.sleep(0.1)
        fail(f"{addr} not {state} within {limit} s: {self.ctl_json('backends')}")

    # -- clients
    def requests(self, n, timeout=5):
        r = in_ns("client", ["/usr/bin/python3", "-c", CLIENT_PY, VIP, str(n), str(timeout)],
                  timeout=60 + n * 2)
        return [json.loads(l) for l in r.stdout.splitlines() if l.startswith("{")]

    def access_log_clients(self, b):
        # http.server's threads share stderr: a traceback (a TCP health probe's reset makes one)
        # can be printed in pieces around an access line, so match the entries, not the lines.
        with open(os.path.join(LAB, f"{b}-http.log")) as f:
            return ACCESS_RE.findall(f.read())

    # -- checks
    def check_spread(self):
        before = {b: len(self.access_log_clients(b)) for b in BACKENDS}
        n = self.a.requests
        t0 = time.monotonic()
        res = self.requests(n)
        took = time.monotonic() - t0
        bad = [r for r in res if not r["ok"]]
        if len(res) != n or bad:
            fail(f"spread: {len(bad)} of {n} requests failed, e.g. {bad[:3]}")
        counts = {b: sum(1 for r in res if r["backend"] == b) for b in BACKENDS}
        total_w = sum(WEIGHTS.values())
        for b in BACKENDS:
            share, want = counts[b] / n, WEIGHTS[b] / total_w
            if abs(share - want) > 0.05:
                fail(f"spread: {b} got {share:.3f} of the requests, weight says {want:.3f}")
        # The servers saw the client's own address, once per request they answered.
        for b in BACKENDS:
            seen = self.access_log_clients(b)[before[b]:]
            if len(seen) != counts[b] or any(c != CLIENT for c in seen):
                fail(f"spread: {b}'s access log has {len(seen)} new entries "
                     f"(want {counts[b]}), sources {set(seen)}")
        print(f"spread: {n} requests in {took:.1f} s, all 200, by backend {counts}; access logs "
              f"show {CLIENT} as the source")
        self.report["spread"] = {"requests": n, "by_backend": counts}

    def check_udp(self):
        r = in_ns("client", ["/usr/bin/python3", "-c", UDP_PY, DNS_VIP, "40"], timeout=120)
        lines = r.stdout.split("\n")[:-1]
        if len(lines) != 40 or any(l == "timeout" for l in lines):
            fail(f"udp: answers {lines}")
        names = {l.split()[0] for l in lines}
        ports = {l.split()[2] for l in lines}
        if len(names) != 1 or any(l.split()[1] != CLIENT for l in lines) or len(ports) < 30:
            fail(f"udp: source-ip should pin one client to one backend: {names}, {len(ports)} ports")
        print(f"udp: 40 datagrams from {len(ports)} source ports all answered by {names.pop()}, "
              f"which saw {CLIENT}")

    def check_longlived(self):
        size = 8_000_000
        rate = "100k"  # 75 s: the events below take 20-40 s (a flow-table walk through registers)
        out = os.path.join(LAB, "download.bin")
        dl = subprocess.Popen(["ip", "netns", "exec", ns("client"), "curl", "-6", "-s", "-S",
                               "--limit-rate", rate, "-o", out, "-w", "%{size_download}",
                               f"http://[{VIP}]/big"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
        # Which backend serves it: the one with an established connection from the client.
        server = None
        for _ in range(100):
            for b, addr in BACKENDS.items():
                r = in_ns(b, ["ss", "-tnH", "state", "established", "( sport = :8080 )"])
                if CLIENT in r.stdout:
                    server = b
            if server or dl.poll() is not None:
                break
            time.sleep(0.1)
        if not server:
            fail("longlived: no backend holds the download's connection")
        others = [b for b in BACKENDS if b != server]
        victim = others[0]
        events = []
        t_start = time.monotonic()
        # 1. Another backend goes down: its service's Maglev table moves.
        run([LAB_SH, "server-stop", victim[1:]])
        took = self.wait_health(BACKENDS[victim], "down", FALL * INTERVAL + 5)
        events.append(f"{victim} down after {took:.1f} s (Maglev moved)")
        print(f"  [{time.monotonic() - t_start:.1f} s] {events[-1]}", flush=True)
        # 2. A weight change on the remaining other backend.
        r = self.ctl_json("weight", "web", BACKENDS[others[1]], "8080", "10")
        if not r or not r.get("ok"):
            fail(f"longlived: v6lbctl weight failed: {r}")
        events.append(f"weight of {others[1]} set to 10")
        print(f"  [{time.monotonic() - t_start:.1f} s] {events[-1]}", flush=True)
        # 3. A daemon restart (the card keeps forwarding meanwhile).
        if self.a.mode == "card":
            # The flow table, before and after: a restarted daemon must not touch it.
            def flows():
                t0 = time.monotonic()
                r = self.ctl_json("flows", "--limit", "1000000")
                # No answer or an error is not an empty table: say what it was.
                if not r or not r.get("ok") or not isinstance(r.get("flows"), list):
                    fail(f"longlived: v6lbctl flows failed after {time.monotonic() - t0:.1f} s: {r}")
                print(f"  flows: {len(r['flows'])} entries in {time.monotonic() - t0:.1f} s",
                      flush=True)
                # The down backend's entries are being removed meanwhile: leave them out.
                return sorted((f["client"], f["client_port"], f["vip_port"], f["backend"])
                              for f in r.get("flows", []) if f["backend"] != BACKENDS[victim])
            # (Not on the simulated card: a walk of the table through registers takes minutes.)
            before = flows() if self.a.engine in ("model", "dpdk") else None
            self.stop_daemon()
            time.sleep(1)
            self.start_daemon()
            events.append("v6lbd restarted")
            if before is not None:
                after = flows()
                live = [f for f in before if f in after]
                # Entries may only have aged out in between (none do: 240 s idle timeout).
                if len(before) < 10 or live != before:
                    fail(f"longlived: the flow table changed across the restart: {len(before)} "
                         f"entries before, {len(after)} after, {len(live)} kept")
                events.append(f"all {len(before)} flow entries of the live backends kept across it")
            print(f"  [{time.monotonic() - t_start:.1f} s] {events[-1]}", flush=True)
        if dl.poll() is not None:
            out_, err_ = dl.communicate()
            fail(f"longlived: the download ended before the events were done (curl {dl.returncode}:"
                 f" {err_.strip()}, {out_.strip()} bytes)")
        stdout, stderr = dl.communicate(timeout=120)
        if dl.returncode != 0 or stdout.strip() != str(size) or os.path.getsize(out) != size:
            fail(f"longlived: download broke (curl {dl.returncode}: {stderr.strip()}, "
                 f"{stdout.strip()} bytes)")
        # Put things back for the next checks.
        run([LAB_SH, "server-start", victim[1:]])
        self.ctl_json("undrain", "web", BACKENDS[others[1]], "8080")
        self.wait_health(BACKENDS[victim], "up", 15)
        print(f"longlived: {size} bytes from {server} intact through: " + "; ".join(events))

    def check_failover(self):
        victim = "b3"
        results = []
        stop = threading.Event()

        def load():
            while not stop.is_set():
                results.extend(self.requests(20, timeout=3))

        t = threading.Thread(target=load)
        t.start()
        time.sleep(3)
        pid = int(open(os.path.join(LAB, f"{victim}-http.pid")).read())
        killed = time.monotonic()
        os.kill(pid, signal.SIGKILL)
        self.wait_health(BACKENDS[victim], "down", FALL * INTERVAL + 5)
        detected = time.monotonic()
        time.sleep(4)
        stop.set()
        t.join()
        # Its flows are removed from the card's tables by the daemon's sweep (slow on the
        # simulated card: four AXI-Lite transactions per entry, 131,072 entries).
        t0 = time.monotonic()
        while True:
            st = self.ctl_json("status") or {}
            purge = st.get("flow_purge", {})
            if purge and not purge.get("pending"):
                break
            if time.monotonic() - t0 > 300:
                fail(f"failover: the flow purge did not finish: {purge}")
            time.sleep(1)
        if purge.get("removed", 0) < 1:
            fail(f"failover: {victim} had flows, none were removed: {purge}")
        purge_s = time.monotonic() - t0
        run([LAB_SH, "server-start", victim[1:]])
        # By when each request started (its connect), so a request in flight across the
        # detection is judged by the state it started in.
        for r in results:
            r["start"] = r["at"] - r["t"]
        before = [r for r in results if r["at"] < killed]
        window = [r for r in results if r["at"] >= killed and r["start"] < detected + 0.5]
        after = [r for r in results if r["start"] >= detected + 0.5]
        if any(not r["ok"] for r in before):
            fail("failover: requests failed before the kill")
        # During the window only connections that Maglev gave to the dead backend may fail: they
        # are refused at once (RST); every answered request came from a live backend.
        if any(r["ok"] and r["backend"] == victim for r in window if r["at"] > killed + 0.2):
            fail("failover: a killed backend answered")
        if not after or any(not r["ok"] for r in after) or any(r["backend"] == victim for r in after):
            bad = [r for r in after if not r["ok"] or r.get("backend") == victim]
            fail(f"failover: after detection {len(bad)} of {len(after)} requests failed or went "
                 f"to the dead backend: {bad[:3]} (detected at {detected:.2f})")
        wfail = sum(not r["ok"] for r in window)
        if wfail > 0.5 * len(window) + 2:
            fail(f"failover: {wfail} of {len(window)} failed in the window: more than "
                 f"{victim}'s share")
        print(f"failover: {victim} killed, marked down after {detected - killed:.1f} s; in that "
              f"window {wfail}/{len(window)} requests (those Maglev gave it) were refused; "
              f"then {len(after)}/{len(after)} succeeded on the others; {purge['removed']} flow "
              f"entries of {victim} removed {purge_s:.0f} s later")
        self.wait_health(BACKENDS[victim], "up", 15)

    def check_loadhealth(self, seconds=20, conns=50):
        log = os.path.join(LAB, "v6lbd.log")
        before = open(log).read().count(" is down")
        states = []
        stop = threading.Event()

        def watch():
            while not stop.is_set():
                r = self.ctl_json("backends") or {}
                states.extend(b.get("state") for b in r.get("backends", [])
                              if b.get("service") == "web")
                time.sleep(0.25)

        t = threading.Thread(target=watch)
        t.start()
        try:
            w = in_ns("client", ["wrk", "-t", "2", "-c", str(conns), "-d", f"{seconds}s",
                                 "--timeout", "5s", f"http://[{VIP}]:80/whoami"],
                      timeout=seconds + 60)
        finally:
            stop.set()
            t.join()
        if w.returncode != 0:
            fail(f"loadhealth: wrk exited {w.returncode}: {w.stderr.strip()[:500]}")
        m = re.search(r"Requests/sec:\s+([\d.]+)", w.stdout)
        rps = float(m.group(1)) if m else 0.0
        errs = re.search(r"Socket errors:.*", w.stdout)
        downs = open(log).read().count(" is down") - before
        print(f"loadhealth: wrk {conns} connections {seconds} s: {rps:.0f} req/s"
              f"{'; ' + errs.group(0) if errs else ''}; backends marked down meanwhile: {downs}; "
              f"states seen: {sorted(set(states))}")
        self.report["loadhealth"] = {"rps": round(rps), "false_downs": downs}
        if rps <= 0:
            fail(f"loadhealth: wrk got no answers: {w.stdout[-1000:]}")
        if downs or any(st != "up" for st in states):
            fail(f"loadhealth: {downs} backend(s) marked down under load (states "
                 f"{sorted(set(states))}); v6lbd.log: "
                 + "".join(l for l in open(log) if " is down" in l)[-2000:])

    def check_latency(self):
        res = self.requests(300)
        ts = sorted(r["t"] for r in res if r["ok"])
        if len(ts) != 300:
            fail("latency: requests failed")
        p50 = ts[len(ts) // 2] * 1000
        p99 = ts[int(len(ts) * 0.99) - 1] * 1000
        rps = len(ts) / sum(ts)
        print(f"latency: {len(ts)} sequential requests (new connection each): {rps:.0f} req/s, "
              f"p50 {p50:.2f} ms, p99 {p99:.2f} ms")
        self.report["latency"] = {"rps": round(rps), "p50_ms": round(p50, 2), "p99_ms": round(p99, 2)}


def dpdk_eal_args():
    # The lab's two TAPs (made multi_queue by lab.sh) through DPDK's net_tap: v6lb0 is the data
    # port, v6lb-host the exception port (docs/DPDK.md). No hugepages; a file prefix of our own.
    return ["--no-huge", "--no-pci", "-m", "512", "--file-prefix", f"v6lblab{os.getpid()}",
            "-l", "0-1", "--vdev", "net_tap0,iface=v6lb0",
            "--vdev", "net_tap1,iface=v6lb-host,mac=02:00:00:00:00:01",
            "--", "--data-port", "net_tap0", "--exception-port", "net_tap1"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True, help="directory with v6lbd, v6lbctl, v6lb-card")
    ap.add_argument("--engine", choices=["sim", "model", "dpdk"], default="sim")
    ap.add_argument("--mode", choices=["card", "inproc"], default="card")
    ap.add_argument("--requests", type=int, default=1000)
    ap.add_argument("--only", default="spread,udp,longlived,failover,loadhealth,latency")
    ap.add_argument("--report")
    a = ap.parse_args()
    if os.geteuid() != 0:
        print("SKIP: needs root (network namespaces, TAP devices)")
        return 77
    for t in ("ip", "curl", "ss"):
        if not shutil.which(t):
            print(f"SKIP: {t} is not installed")
            return 77
    lab = Lab(a)
    run([LAB_SH, "down"])
    run([LAB_SH, "up"])
    try:
        lab.start_card()
        lab.start_daemon()
        for b in BACKENDS.values():
            lab.wait_health(b, "up", 15)
        for name in a.only.split(","):
            getattr(lab, "check_" + name)()
        if a.report:
            with open(a.report, "w") as f:
                json.dump(lab.report, f, indent=1)
        print("PASS")
        return 0
    finally:
        lab.stop_all()
        if os.environ.get("V6LB_LAB_KEEP") != "1":
            subprocess.run([LAB_SH, "down"], capture_output=True)


if __name__ == "__main__":
    sys.exit(main())
