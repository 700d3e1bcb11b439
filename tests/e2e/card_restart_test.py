#!/usr/bin/env python3
"""v6lbd attached to a real v6lb-card process (--device card:PATH) while that process is killed
(SIGKILL) and started again, empty: the daemon must keep running and answering, report the
failure in `v6lbctl status` and /metrics, reconnect by itself, reprogram the new card process
from its running config (a reload made during the outage included), and report the recovery.
Proof that the new card holds the tables: a second daemon started on it afterwards finds every
service already programmed ("keeping their slots") and the same Maglev tables' backends.

Exit 0 when all holds; 1 with every failed check listed.
"""
import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def config(workdir, ctl, metrics, backends):
    lines = [
        'card: { mac: "02:00:00:00:00:01", address: "2001:db8:ff::1", router_mac: "02:00:00:00:00:fe" }',
        f'daemon: {{ control_socket: "{ctl}", metrics: "127.0.0.1:{metrics}" }}',
        "tables: { flow_table_size: 4096, maglev_size: 4099 }",
        "services:",
    ]
    for s in range(2):
        lines += [f"  - name: svc{s}", f'    vip: "2001:db8::{100 + s}"', "    protocol: tcp",
                  f"    port: {80 + s}", "    health_check: { type: none }", "    backends:"]
        for b in range(backends):
            lines.append(f'      - {{ address: "2001:db8:1::{10 * s + b + 1}", port: 8080 }}')
    path = os.path.join(workdir, "lb.yaml")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True, help="directory with v6lbd, v6lbctl, v6lb-card")
    ap.add_argument("--workdir", required=True)
    a = ap.parse_args()
    shutil.rmtree(a.workdir, ignore_errors=True)
    os.makedirs(a.workdir)
    card_sock = os.path.join(a.workdir, "card.sock")
    ctl = os.path.join(a.workdir, "v6lbd.sock")
    mport = free_port()
    cfg = config(a.workdir, ctl, mport, 3)
    failures = []
    procs = []

    def expect(cond, what):
        if not cond:
            failures.append(what)
        return cond

    def start_card():
        log = open(os.path.join(a.workdir, "card.log"), "a")
        p = subprocess.Popen([os.path.join(a.bin, "v6lb-card"), "--device", "model",
                              "--socket", card_sock, "--config", cfg],
                             stdout=log, stderr=subprocess.STDOUT)
        procs.append(p)
        t0 = time.monotonic()
        while not os.path.exists(card_sock):
            if p.poll() is not None or time.monotonic() - t0 > 20:
                raise SystemExit("v6lb-card did not open its socket: "
                                 + open(log.name).read()[-2000:])
            time.sleep(0.05)
        return p

    def start_daemon(name, control):
        log = open(os.path.join(a.workdir, name + ".log"), "w")
        p = subprocess.Popen([os.path.join(a.bin, "v6lbd"), "--config", cfg, "--device",
                              "card:" + card_sock, "--control-socket", control,
                              "--metrics", "off" if name != "v6lbd" else f"127.0.0.1:{mport}"],
                             stdout=log, stderr=subprocess.STDOUT)
        procs.append(p)
        return p, log.name

    def ctl_json(*args, sock=ctl):
        r = subprocess.run([os.path.join(a.bin, "v6lbctl"), "--socket", sock, "--json", *args],
                           capture_output=True, text=True, timeout=30)
        return r.returncode, (json.loads(r.stdout) if r.stdout.strip().startswith("{") else {})

    def metrics():
        with urllib.request.urlopen(f"http://127.0.0.1:{mport}/metrics", timeout=10) as r:
            return r.read().decode()

    def metric(text, name):
        for line in text.splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
        return None

    def wait(what, pred, limit):
        t0 = time.monotonic()
        while time.monotonic() - t0 < limit:
            if pred():
                return True
            time.sleep(0.1)
        failures.append(f"{what}: not within {limit} s")
        return False

    try:
        card = start_card()
        d, dlog = start_daemon("v6lbd", ctl)
        wait("v6lbd up", lambda: os.path.exists(ctl) and ctl_json("status")[0] == 0, 60)
        rc, st = ctl_json("status")
        expect(st.get("device_state", {}).get("ok") is True, f"device ok at start: {st}")
        expect(metric(metrics(), "v6lb_device_up") == 1, "v6lb_device_up 1 at start")

        # The card process dies.
        card.send_signal(signal.SIGKILL)
        card.wait(timeout=10)
        os.unlink(card_sock)
        wait("failure noticed", lambda: ctl_json("status")[1].get("device_state", {}).get("ok")
             is False, 5)
        expect(d.poll() is None, "v6lbd keeps running when the card process dies")
        rc, st = ctl_json("status")
        expect(rc == 0 and st["device_state"]["failures"] == 1, f"status during the outage: {st}")
        human = subprocess.run([os.path.join(a.bin, "v6lbctl"), "--socket", ctl, "status"],
                               capture_output=True, text=True, timeout=30).stdout
        expect("FAILED" in human and "reconnecting" in human, f"v6lbctl status says so: {human}")
        rc, _ = ctl_json("stats")
        expect(rc == 1, f"stats refused while the device is failed (exit {rc})")
        m = metrics()
        expect(metric(m, "v6lb_device_up") == 0, "v6lb_device_up 0 during the outage")
        expect(metric(m, "v6lb_device_failures_total") == 1, "v6lb_device_failures_total 1")
        # A reload during the outage: two backends per service from now on.
        config(a.workdir, ctl, mport, 2)
        rc, r = ctl_json("reload")
        expect(rc == 0, f"reload during the outage taken: {r}")

        # A new, empty card process on the same socket.
        card = start_card()
        wait("recovered", lambda: ctl_json("status")[1].get("device_state", {}).get("ok")
             is True, 15)
        rc, st = ctl_json("status")
        expect(st.get("device_state", {}).get("recoveries") == 1, f"one recovery: {st}")
        m = metrics()
        expect(metric(m, "v6lb_device_up") == 1, "v6lb_device_up 1 after the recovery")
        expect(metric(m, "v6lb_device_recoveries_total") == 1, "v6lb_device_recoveries_total 1")
        rc, svc = ctl_json("services")
        expect(rc == 0 and [s["backends_total"] for s in svc.get("services", [])] == [2, 2],
               f"services after the recovery: {svc}")
        log = open(dlog).read()
        expect("device back after" in log and "reprogrammed" in log, "recovery logged")

        # The new card holds what the daemon wrote: a second daemon finds it programmed.
        d.send_signal(signal.SIGTERM)
        expect(d.wait(timeout=15) == 0, "v6lbd exits 0 on SIGTERM after a recovery")
        ctl2 = os.path.join(a.workdir, "second.sock")
        d2, d2log = start_daemon("second", ctl2)
        wait("second daemon up", lambda: os.path.exists(ctl2) and
             ctl_json("status", sock=ctl2)[0] == 0, 60)
        expect("already serves 2 of the 2 services" in open(d2log).read(),
               "the recovered card is programmed: " + open(d2log).read()[-1500:])
        d2.send_signal(signal.SIGTERM)
        d2.wait(timeout=15)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    if failures:
        print("card_restart_test: FAILED\n  " + "\n  ".join(failures))
        for name in ("v6lbd.log", "card.log"):
            path = os.path.join(a.workdir, name)
            if os.path.exists(path):
                print(f"--- {name} ---\n" + open(path).read()[-3000:])
        return 1
    print("card_restart_test: the card process killed and restarted: outage reported (status, "
          "v6lbctl, /metrics), reload kept, reconnected and reprogrammed, verified by a second "
          "daemon")
    return 0


if __name__ == "__main__":
    sys.exit(main())
