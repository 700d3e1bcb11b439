#!/usr/bin/env python3
"""The command lines of v6lbd, v6lbctl, v6lb-replay, v6lb-card and v6lb-dpdk (host/include/v6lb/cli.h).

For each tool: --help exits 0, starts with "usage: TOOL" and lists every flag, each option with
its default (or "(required)"); an unknown flag, a missing value and a bad value exit 2 with
"TOOL: " and the flag's name on stderr; v6lbctl's commands each take --json, --socket and
--timeout; and for the DPDK tools, what follows "--" reaches DPDK's EAL (a bad EAL argument fails
with EAL's own message, a good set starts the data plane, a second "--" reaches its options).

  cli_test.py --bin-dir DIR [--dpdk PATH] --config lb.yaml --workdir DIR
"""
import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

FAILURES = []


def check(ok, what, detail=""):
    if ok:
        print(f"ok: {what}")
    else:
        FAILURES.append(what)
        print(f"FAIL: {what}\n{detail}")


def run(cmd, timeout=30):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


# Every flag of each tool: their names are interfaces (docs/OPERATIONS.md, docs/DPDK.md, README).
FLAGS = {
    "v6lbd": ["--config", "--device", "--xclbin", "--tap", "--exception-tap", "--metrics",
              "--control-socket", "--log-level", "--help"],
    "v6lbctl": ["--socket", "--json", "--timeout", "--help"],
    "v6lb-replay": ["--config", "--engine", "--in", "--out", "--punt", "--stats", "--data-width",
                    "--trace", "--quiet", "--help"],
    "v6lb-card": ["--device", "--socket", "--tap", "--exception-tap", "--config", "--log-level",
                  "--help"],
    "v6lb-dpdk": ["--config", "--stats", "--idle-exit", "--quiet", "--help"],
}
CTL_COMMANDS = {
    "status": [], "services": [], "backends": ["SERVICE"], "flows": ["--limit", "--service"],
    "stats": [], "drain": ["SERVICE", "ADDRESS", "PORT"], "undrain": ["SERVICE", "ADDRESS", "PORT"],
    "weight": ["SERVICE", "ADDRESS", "PORT", "WEIGHT"], "reload": [],
}
SWITCHES = {"--help", "-h,--help", "--json", "--quiet"}  # flags without a value


def help_entries(text):
    """{name: entry text} for each option and positional listed in a --help."""
    entries, cur, section = {}, None, None
    for line in text.splitlines():
        if re.match(r"^\S.*:$", line):
            section = line[:-1]
            continue
        if not line:
            section = None
        m = re.match(r"^  (\S+)(.*)$", line)
        if section not in ("Options", "Positionals", "Commands"):
            cur = None
        elif m:
            cur = m.group(1)
            entries[cur] = line
        elif cur and line.startswith("      "):
            entries[cur] += " " + line.strip()
        else:
            cur = None
    return entries


def check_help(tool, path, args=(), flags=()):
    name = " ".join([tool, *args])
    r = run([path, *args, "--help"])
    check(r.returncode == 0, f"{name} --help exits 0", f"exit {r.returncode}: {r.stderr}")
    check(r.stdout.startswith("usage: " + name), f"{name} --help starts with 'usage: {name}'",
          r.stdout[:200])
    entries = help_entries(r.stdout)
    for f in flags:
        key = "-h,--help" if f == "--help" else f
        check(key in entries, f"{name} --help lists {f}", r.stdout)
    for key, entry in entries.items():
        if key in SWITCHES or not (key.startswith("-") or key.isupper()):
            continue  # a switch, or a command
        check("(required)" in entry or "default: " in entry,
              f"{name} --help gives {key}'s default (or says it is required)", entry)
    return r.stdout


def check_usage_error(tool, path, args, flag, want=None):
    r = run([path, *args])
    desc = f"{tool} {' '.join(args)}"
    check(r.returncode == 2, f"{desc}: exit 2", f"exit {r.returncode}: {r.stderr}")
    check(r.stderr.startswith(tool + ": ") and flag in r.stderr,
          f"{desc}: the message names {flag}", r.stderr)
    if want:
        check(want in r.stderr, f"{desc}: says '{want}'", r.stderr)


def check_ctl_requests(path, workdir):
    """Each command with --json after it reaches a daemon (a stand-in on a Unix socket) as the
    request v6lbd expects, numbers in decimal (a leading zero is not octal)."""
    sock_path = os.path.join(workdir, "ctl.sock")
    if os.path.exists(sock_path):
        os.unlink(sock_path)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(sock_path)
    srv.listen(8)
    seen = []

    def serve():
        while True:
            try:
                c, _ = srv.accept()
            except OSError:
                return
            with c, c.makefile("rwb") as f:
                line = f.readline()
                if line:
                    seen.append(json.loads(line))
                    f.write(b'{"ok":true}\n')
                    f.flush()

    threading.Thread(target=serve, daemon=True).start()
    cases = [
        (["status"], {"cmd": "status"}),
        (["services"], {"cmd": "services"}),
        (["backends"], {"cmd": "backends"}),
        (["backends", "web"], {"cmd": "backends", "service": "web"}),
        (["flows"], {"cmd": "flows", "limit": 100}),
        (["flows", "--limit", "010", "--service", "dns"],
         {"cmd": "flows", "limit": 10, "service": "dns"}),
        (["stats"], {"cmd": "stats"}),
        (["drain", "web", "[2001:DB8:0::1]", "080"],
         {"cmd": "drain", "service": "web", "address": "2001:db8::1", "port": 80}),
        (["undrain", "web", "::1", "80"],
         {"cmd": "undrain", "service": "web", "address": "::1", "port": 80}),
        (["weight", "web", "::1", "80", "0x10"], None),  # not a decimal number
        (["weight", "web", "::1", "80", "010"],
         {"cmd": "weight", "service": "web", "address": "::1", "port": 80, "weight": 10}),
        (["reload"], {"cmd": "reload"}),
    ]
    try:
        for args, want in cases:
            del seen[:]
            r = run([path, *args, "--socket", sock_path, "--json", "--timeout", "5"])
            name = "v6lbctl " + " ".join(args) + " --socket S --json"
            if want is None:
                check(r.returncode == 2 and not seen, f"{name}: usage error, nothing sent",
                      f"exit {r.returncode}, sent {seen}: {r.stderr}")
                continue
            check(r.returncode == 0 and seen == [want], f"{name}: sends {json.dumps(want)}",
                  f"exit {r.returncode}, sent {seen}: {r.stderr}")
            try:
                reply = json.loads(r.stdout)
            except ValueError:
                reply = None
            check(reply == {"ok": True}, f"{name}: prints the reply as JSON", r.stdout)
    finally:
        srv.close()
        os.unlink(sock_path)


def eal_base(prefix):
    return ["--no-huge", "--no-pci", "-m", "256", "--file-prefix", prefix,
            "--log-level", "lib.eal:warning", "-l", "0-1"]


def check_dpdk(a):
    tool, path, cfg = "v6lb-dpdk", a.dpdk, a.config
    prefix = f"v6lbcli{os.getpid()}"
    # An invalid EAL argument after "--" is refused by the EAL itself.
    r = run([path, "--config", cfg, "--quiet", "--", *eal_base(prefix), "--no-such-eal-option"],
            timeout=60)
    out = r.stdout + r.stderr
    check(r.returncode == 2 and "EAL" in out and "no-such-eal-option" in out,
          "v6lb-dpdk -- --no-such-eal-option: EAL refuses it, exit 2",
          f"exit {r.returncode}:\n{out}")
    # A second "--" among the EAL arguments reaches the data plane's options.
    r = run([path, "--config", cfg, "--quiet", "--", *eal_base(prefix), "--vdev", "net_null0",
             "--", "--burst", "500"], timeout=60)
    check(r.returncode == 2 and "--burst" in r.stderr,
          "v6lb-dpdk -- EAL -- --burst 500: the data plane's option is checked, exit 2",
          f"exit {r.returncode}:\n{r.stderr}")
    for opts, want in ((["--handoff-ring", "100"], "--handoff-ring: value 100 is not a power of two"),
                       (["--no-such-dp-option"], "--no-such-dp-option")):
        r = run([path, "--config", cfg, "--quiet", "--", *eal_base(prefix), "--vdev", "net_null0",
                 "--", *opts], timeout=60)
        check(r.returncode == 2 and want in r.stderr,
              f"v6lb-dpdk -- EAL -- {' '.join(opts)}: exit 2, '{want}'",
              f"exit {r.returncode}:\n{r.stderr}")
    # A valid set starts: net_null forwards until SIGTERM.
    p = subprocess.Popen([path, "--config", cfg, "--stats", os.path.join(a.workdir, "null.json"),
                          "--", *eal_base(prefix), "--vdev", "net_null0"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    started, seen = False, []
    deadline = time.time() + 60
    for line in p.stderr:
        seen.append(line)
        if "forwarding on" in line:
            started = True
            break
        if time.time() > deadline:
            break
    if started:
        p.send_signal(signal.SIGTERM)
    try:
        _, err = p.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        _, err = p.communicate()
    check(started and p.returncode == 0,
          "v6lb-dpdk -- --no-huge --no-pci --vdev net_null0: starts, exits 0 on SIGTERM",
          f"exit {p.returncode}:\n{''.join(seen)}{err}")


def check_dpdk_daemons(a):
    """v6lbd and v6lb-card --device dpdk hand what follows "--" to the EAL."""
    prefix = f"v6lbcli{os.getpid()}d"
    sock = os.path.join(a.workdir, "d.sock")
    for tool, args in (
            ("v6lbd", ["--config", a.config, "--device", "dpdk", "--control-socket", sock,
                       "--metrics", "off"]),
            ("v6lb-card", ["--device", "dpdk", "--socket", sock])):
        path = os.path.join(a.bin_dir, tool)
        r = run([path, *args, "--", *eal_base(prefix), "--no-such-eal-option"], timeout=60)
        out = r.stdout + r.stderr
        check(r.returncode == 2 and "EAL" in out and "no-such-eal-option" in out,
              f"{tool} --device dpdk -- --no-such-eal-option: EAL refuses it, exit 2",
              f"exit {r.returncode}:\n{out}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin-dir", required=True, help="directory with v6lbd, v6lbctl, ...")
    ap.add_argument("--dpdk", help="the v6lb-dpdk binary (DPDK builds)")
    ap.add_argument("--config", required=True)
    ap.add_argument("--workdir", required=True)
    a = ap.parse_args()
    os.makedirs(a.workdir, exist_ok=True)
    tools = {t: os.path.join(a.bin_dir, t) for t in ("v6lbd", "v6lbctl", "v6lb-replay",
                                                       "v6lb-card")}
    if a.dpdk:
        tools["v6lb-dpdk"] = a.dpdk
    for tool, path in tools.items():
        check_help(tool, path, flags=FLAGS[tool])
    for cmd, args in CTL_COMMANDS.items():
        check_help("v6lbctl", tools["v6lbctl"], [cmd], ["--json", "--socket", "--timeout", *args])
    ctl_help = run([tools["v6lbctl"], "--help"]).stdout
    for cmd in CTL_COMMANDS:
        check(re.search(rf"^  {cmd} ", ctl_help, re.M), f"v6lbctl --help lists {cmd}", ctl_help)

    check_ctl_requests(tools["v6lbctl"], a.workdir)

    cfg = ["--config", a.config]
    # Unknown flags, missing values, bad values, missing required options.
    for tool, path in tools.items():
        check_usage_error(tool, path, ["--no-such-flag"], "--no-such-flag")
    check_usage_error("v6lbd", tools["v6lbd"], ["--config"], "--config")
    check_usage_error("v6lbd", tools["v6lbd"], ["--device", "model"], "--config")
    check_usage_error("v6lbd", tools["v6lbd"], cfg + ["--log-level", "loud"], "--log-level")
    check_usage_error("v6lbctl", tools["v6lbctl"], ["--timeout", "0", "status"], "--timeout",
                      "--timeout: value 0 not in range [1 - 86400]")
    check_usage_error("v6lbctl", tools["v6lbctl"], ["status", "--timeout=x"], "--timeout")
    check_usage_error("v6lbctl", tools["v6lbctl"], ["flows", "--limit", "0"], "--limit")
    check_usage_error("v6lbctl", tools["v6lbctl"], ["status", "--limit", "3"], "--limit")
    check_usage_error("v6lbctl", tools["v6lbctl"], ["weight", "web", "::1", "80", "70000"],
                      "WEIGHT", "value 70000 not in range [0 - 65535]")
    check_usage_error("v6lbctl", tools["v6lbctl"], ["drain", "web", "10.0.0.1", "80"], "ADDRESS")
    check_usage_error("v6lbctl", tools["v6lbctl"], ["frobnicate"], "frobnicate")
    check_usage_error("v6lbctl", tools["v6lbctl"], ["--socket"], "--socket")
    replay = cfg + ["--in", "in.pcap", "--out", "out.pcap"]
    check_usage_error("v6lb-replay", tools["v6lb-replay"], replay + ["--engine", "fpga"],
                      "--engine")
    check_usage_error("v6lb-replay", tools["v6lb-replay"], replay + ["--data-width", "128"],
                      "--data-width")
    check_usage_error("v6lb-replay", tools["v6lb-replay"], ["--in", "a", "--out", "b"], "--config")
    check_usage_error("v6lb-replay", tools["v6lb-replay"], replay + ["--out"], "--out")
    check_usage_error("v6lb-card", tools["v6lb-card"], ["--device", "model"], "--socket")
    check_usage_error("v6lb-card", tools["v6lb-card"],
                      ["--device", "model", "--socket", "s", "--log-level", "loud"], "--log-level")
    if a.dpdk:
        check_usage_error("v6lb-dpdk", a.dpdk, cfg + ["--idle-exit", "soon"], "--idle-exit")
        check_usage_error("v6lb-dpdk", a.dpdk, ["--stats", "-"], "--config")
        check_dpdk(a)
        if "dpdk" in run([tools["v6lbd"], "--help"]).stdout:
            check_dpdk_daemons(a)

    if FAILURES:
        print(f"{len(FAILURES)} failed:\n  " + "\n  ".join(FAILURES))
        sys.exit(1)
    print("cli_test: all checks passed")


if __name__ == "__main__":
    main()
