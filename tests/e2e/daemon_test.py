#!/usr/bin/python3
"""v6lbd with real backends: http listeners on [::1], the daemon on the simulated card (or the
model), checked through v6lbctl and /metrics. Health checks move backends down and up within
fall x interval and rise x interval; a broken reload is refused with file:line and the running
config stays; SIGHUP applies a changed weight and a new backend, and refuses a broken config
keeping the running one; garbage on the control socket gets an error and the daemon stays up;
SIGTERM exits.

  daemon_test.py --v6lbd BIN --v6lbctl BIN --device sim|model --workdir DIR
"""
import argparse
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

INTERVAL, TIMEOUT, RISE, FALL = 0.2, 0.15, 2, 3


def free_port():
    with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
        s.bind(("::1", 0))
        return s.getsockname()[1]


class Quiet(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *a):
        pass


class Listener:
    def __init__(self, port):
        self.port = port
        self.server = None

    def start(self):
        class V6(http.server.ThreadingHTTPServer):
            address_family = socket.AF_INET6
            allow_reuse_address = True
        self.server = V6(("::1", self.port), Quiet)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--v6lbd", required=True)
    ap.add_argument("--v6lbctl", required=True)
    ap.add_argument("--device", default="sim")
    ap.add_argument("--workdir", required=True)
    a = ap.parse_args()
    shutil.rmtree(a.workdir, ignore_errors=True)
    os.makedirs(a.workdir)
    sock = os.path.join(a.workdir, "v6lbd.sock")
    mport = free_port()
    ports = [free_port() for _ in range(3)]
    listeners = [Listener(p) for p in ports]
    for l in listeners:
        l.start()

    def config(extra_backend=False, broken=False, hup=False):
        lines = [
            'card: { mac: "02:00:00:00:00:01", address: "2001:db8:ff::1", router_mac: "02:00:00:00:00:fe" }',
            f'daemon: {{ control_socket: "{sock}", metrics: "[::1]:{mport}" }}',
            "services:",
            "  - name: web",
            '    vip: "2001:db8::100"',
            "    protocol: tcp",
            "    port: 80",
            f"    health_check: {{ type: http, path: /, interval: {int(INTERVAL*1000)}ms, "
            f"timeout: {int(TIMEOUT*1000)}ms, rise: {RISE}, fall: {FALL} }}",
            "    backends:",
        ]
        for i, p in enumerate(ports):
            weight = 30 if hup and i == 0 else 100  # hup: a weight changed
            lines.append(f'      - {{ address: "::1", port: {p}, weight: {weight} }}')
        if broken:
            lines.append('      - { address: "::1", port: 9, wieght: 1 }')
        if extra_backend:
            lines += ["  - name: dns", '    vip: "2001:db8::53"', "    protocol: udp", "    port: 53",
                      "    health_check: { type: none }", "    backends:",
                      '      - { address: "2001:db8:2::20", port: 53 }']
            if hup:  # and a backend added
                lines.append('      - { address: "2001:db8:2::21", port: 5353, weight: 7 }')
        return "\n".join(lines) + "\n"

    cfg = os.path.join(a.workdir, "lb.yaml")
    with open(cfg, "w") as f:
        f.write(config())
    log = open(os.path.join(a.workdir, "v6lbd.log"), "w")
    d = subprocess.Popen([a.v6lbd, "--config", cfg, "--device", a.device], stdout=log,
                         stderr=subprocess.STDOUT)
    failures = []

    def ctl(*args, check=True):
        r = subprocess.run([a.v6lbctl, "--socket", sock, "--json", *args], capture_output=True,
                           text=True, timeout=60)
        if check and r.returncode != 0:
            raise SystemExit(f"v6lbctl {' '.join(args)}: exit {r.returncode}: {r.stderr}")
        return r

    def states():
        rep = json.loads(ctl("backends").stdout)
        return {b["port"]: b["state"] for b in rep["backends"]}

    def wait_for(what, pred, limit):
        t0 = time.monotonic()
        while time.monotonic() - t0 < limit:
            if pred():
                return time.monotonic() - t0
            time.sleep(0.05)
        failures.append(f"{what}: not within {limit:.1f} s (states {states()})")
        return None

    def expect(cond, what):
        if not cond:
            failures.append(what)

    try:
        t0 = time.monotonic()
        while True:
            if d.poll() is not None:
                raise SystemExit(f"v6lbd exited with {d.returncode}; log: "
                                 + open(log.name).read())
            if os.path.exists(sock) and ctl("status", check=False).returncode == 0:
                break
            if time.monotonic() - t0 > 120:
                raise SystemExit("v6lbd did not come up in 120 s")
            time.sleep(0.2)
        status = json.loads(ctl("status").stdout)
        expect(status["services"] == 1 and status["backends"] == 3, f"status {status}")
        # Every global counter of the register map, the strict-check drops among them.
        counters = json.loads(ctl("stats").stdout).get("counters", {})
        for name in ("drop_malformed", "drop_bad_source", "drop_spoofed"):
            expect(name in counters, f"v6lbctl stats has {name}: {sorted(counters)}")
        # No data plane here has a MAC of its own: the link is reported as not applicable, and
        # why (a card reports the CMAC kernel's state: sim/unit/cmac_regs_tb.cc).
        expect(status.get("link", {}).get("state", "").startswith("n/a: "), f"link in {status}")
        human = subprocess.run([a.v6lbctl, "--socket", sock, "status"], capture_output=True,
                               text=True, timeout=30).stdout
        expect(any(l.startswith("link       n/a: ") for l in human.splitlines()),
               f"v6lbctl status shows the link: {human}")

        wait_for("all backends up", lambda: all(s == "up" for s in states().values()),
                 RISE * INTERVAL + 2)
        # Stop one backend's server: down after `fall` failed probes.
        listeners[1].stop()
        took = wait_for("stopped backend marked down", lambda: states()[ports[1]] == "down",
                        FALL * INTERVAL + TIMEOUT + 1.5)
        if took is not None:
            print(f"backend down after {took:.2f} s (fall x interval = {FALL * INTERVAL:.2f} s)")
        s = states()
        expect(s[ports[0]] == "up" and s[ports[2]] == "up", f"the others stay up: {s}")
        metrics = urllib.request.urlopen(f"http://[::1]:{mport}/metrics", timeout=5).read().decode()
        expect(f'v6lb_backend_up{{service="web",backend="[::1]:{ports[1]}"}} 0' in metrics,
               "/metrics shows the backend down")
        expect(f'v6lb_backend_up{{service="web",backend="[::1]:{ports[0]}"}} 1' in metrics,
               "/metrics shows the others up")
        expect("v6lb_link_up" not in metrics, "no link gauge without a MAC")
        # The exposition is valid and follows Prometheus' naming rules (promtool's linter:
        # counters end in _total, units spelled out, HELP on every family).
        lint = subprocess.run(["promtool", "check", "metrics"], input=metrics, text=True,
                              capture_output=True)
        expect(lint.returncode == 0 and not lint.stdout.strip() and not lint.stderr.strip(),
               f"promtool check metrics: exit {lint.returncode}: {lint.stdout}{lint.stderr}")
        for family in ("v6lb_received_packets_total", "v6lb_received_bytes_total",
                       'v6lb_dropped_packets_total{reason="no_service"}',
                       'v6lb_dropped_packets_total{reason="bad_source"}',
                       'v6lb_dropped_packets_total{reason="spoofed"}',
                       "v6lb_service_reply_bytes_total", "v6lb_backend_reply_packets_total"):
            expect(family in metrics, f"/metrics has {family}")
        # Back up after `rise` good probes; held out of the data plane ("held", metrics 0) until
        # the sweep of its old flows is done, which on the simulated card takes a minute
        # (register accesses are simulated AXI-Lite transactions; docs/OPERATIONS.md).
        listeners[1].start()
        took = wait_for("restarted backend seen up", lambda: states()[ports[1]] in ("up", "held"),
                        RISE * INTERVAL + 1.5)
        if took is not None:
            print(f"backend seen up after {took:.2f} s (rise x interval = {RISE * INTERVAL:.2f} s)")
        if states()[ports[1]] == "held":
            st = json.loads(ctl("status").stdout)
            expect(st["flow_purge"]["pending"], f"held only while a sweep runs: {st['flow_purge']}")
            metrics = urllib.request.urlopen(f"http://[::1]:{mport}/metrics",
                                             timeout=5).read().decode()
            expect(f'v6lb_backend_up{{service="web",backend="[::1]:{ports[1]}"}} 0' in metrics,
                   "/metrics shows a held backend as not serving")
        took = wait_for("restarted backend back in service", lambda: states()[ports[1]] == "up",
                        180)
        if took is not None:
            print(f"backend serving again after {took:.2f} s more")

        # Drain and weight from the CLI.
        ctl("drain", "web", "::1", str(ports[2]))
        expect(states()[ports[2]] == "draining", "drain shows draining")
        ctl("weight", "web", "::1", str(ports[2]), "42")
        w = {b["port"]: b["weight"] for b in json.loads(ctl("backends").stdout)["backends"]}
        expect(w[ports[2]] == 42, f"weight set: {w}")

        # A broken reload is refused with file:line, and the old config keeps serving.
        with open(cfg, "w") as f:
            f.write(config(broken=True))
        r = ctl("reload", check=False)
        expect(r.returncode == 1, f"broken reload exits 1 (got {r.returncode})")
        expect(f"{cfg}:13:" in r.stdout + r.stderr, f"error names the line: {r.stdout} {r.stderr}")
        expect(json.loads(ctl("status").stdout)["backends"] == 3, "old config still serving")
        # A good reload applies only the difference.
        with open(cfg, "w") as f:
            f.write(config(extra_backend=True))
        ctl("reload")
        expect(json.loads(ctl("status").stdout)["services"] == 2, "reload added a service")
        expect(states()[ports[0]] == "up", "existing backends keep their state across reload")
        # SIGHUP does the same: a changed weight and a new backend take effect.
        def backend_view():
            return {(b["service"], b["address"], b["port"]): b
                    for b in json.loads(ctl("backends").stdout)["backends"]}

        with open(cfg, "w") as f:
            f.write(config(extra_backend=True, hup=True))
        d.send_signal(signal.SIGHUP)
        new_key = ("dns", "2001:db8:2::21", 5353)
        wait_for("SIGHUP applies the new config", lambda: new_key in backend_view(), 10)
        view = backend_view()
        expect(d.poll() is None, "SIGHUP does not kill the daemon")
        expect(view.get(new_key, {}).get("weight") == 7, f"SIGHUP added the backend: {view}")
        expect(view.get(("web", "::1", ports[0]), {}).get("weight") == 30,
               f"SIGHUP changed the weight: {view}")
        expect(view.get(("web", "::1", ports[2]), {}).get("weight") == 42,
               f"the weight set with v6lbctl survives SIGHUP: {view}")
        expect(json.loads(ctl("status").stdout)["backends"] == 5, "SIGHUP: 5 backends")
        # A broken config on SIGHUP is refused (logged with file:line) and the running one stays.
        def refusals():
            return open(log.name).read().count("reload refused")

        before = refusals()  # the broken `v6lbctl reload` above was one
        with open(cfg, "w") as f:
            f.write(config(broken=True))
        d.send_signal(signal.SIGHUP)
        wait_for("SIGHUP with a broken config is refused in the log",
                 lambda: refusals() == before + 1, 10)
        last = open(log.name).read().split("reload refused")[-1].split("\n")[0]
        expect(f"{cfg}:13:" in last, f"the refusal names file:line: {last}")
        expect(d.poll() is None, "a broken config on SIGHUP does not kill the daemon")
        weights = lambda v: {k: b["weight"] for k, b in v.items()}  # noqa: E731
        expect(weights(backend_view()) == weights(view),
               f"the running config stays: {backend_view()} vs {view}")
        st = json.loads(ctl("status").stdout)
        expect(st["services"] == 2 and st["backends"] == 5, f"still 2 services, 5 backends: {st}")

        # Garbage on the control socket: an error reply, and the daemon stays up.
        c = socket.socket(socket.AF_UNIX)
        c.connect(sock)
        c.sendall(b"this is not json\n" + b"{" * 70000 + b"\n")
        c.settimeout(5)
        reply = c.recv(4096).decode()
        expect('"ok":false' in reply, f"garbage gets an error reply: {reply[:200]}")
        c.close()
        r = subprocess.run([a.v6lbctl, "--socket", sock, "frobnicate"], capture_output=True,
                           text=True, timeout=30)
        expect(r.returncode == 2, "unknown CLI command is a usage error")
        r = subprocess.run([a.v6lbctl, "--socket", sock, "--json", "status"], capture_output=True,
                           text=True, timeout=30)
        expect(r.returncode == 0, "daemon alive after garbage")

        d.send_signal(signal.SIGTERM)
        try:
            rc = d.wait(timeout=15)
            expect(rc == 0, f"SIGTERM: exit 0 (got {rc})")
        except subprocess.TimeoutExpired:
            failures.append("SIGTERM: still running after 15 s")
        expect(not os.path.exists(sock), "control socket removed on exit")
    finally:
        if d.poll() is None:
            d.kill()
        for l in listeners:
            try:
                l.stop()
            except Exception:
                pass
    if failures:
        print("daemon_test: FAILED\n  " + "\n  ".join(failures))
        print("--- v6lbd log ---\n" + open(log.name).read()[-3000:])
        return 1
    print(f"daemon_test ({a.device}): health down/up, metrics, drain/weight, reload (bad and "
          "good), SIGHUP (a weight and a backend applied, a bad config refused), garbage input, "
          "SIGTERM: all good")
    return 0


if __name__ == "__main__":
    sys.exit(main())
