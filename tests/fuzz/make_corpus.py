#!/usr/bin/python3
"""Regenerates the seed corpora of the fuzz harnesses (tests/fuzz/corpus/<harness>/).

    /usr/bin/python3 tests/fuzz/make_corpus.py [--out tests/fuzz/corpus]

The frames come from the end-to-end tests' traffic generator (tests/e2e/gen_traffic.py, scapy)
run on tests/fuzz/fuzz.yaml, the config the packet harnesses program: client flows to every
service, the backends' replies and the exception frames. The configs are the repository's
examples and fuzz.yaml plus a few broken variants; the control requests are v6lbctl's commands.
Deterministic: the same tree gives the same files. The old files of each harness are replaced,
except the reproducers of fixed findings (regress-*), which are kept.
"""

import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FUZZ_YAML = os.path.join(HERE, "fuzz.yaml")


def read_pcap(path):
    """[(timestamp_us, frame bytes)] of a little-endian microsecond pcap (what scapy writes)."""
    with open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack_from("<I", data, 0)
    if magic != 0xA1B2C3D4:
        sys.exit(f"make_corpus: {path}: not a little-endian microsecond pcap")
    out, pos = [], 24
    while pos + 16 <= len(data):
        sec, usec, incl, _ = struct.unpack_from("<IIII", data, pos)
        pos += 16
        out.append((sec * 1_000_000 + usec, data[pos:pos + incl]))
        pos += incl
    return out


def step_code(delta_us):
    """fuzz_common.h's 4-bit time step closest to (and not below) a gap."""
    ms = delta_us // 1000
    if ms <= 0:
        return 0
    for code in range(1, 15):
        if (1 << (code - 1)) >= ms:
            return code
    return 15


def records(options, frames):
    """fuzz_common.h's input: the options byte, then (step:4 len:12, frame) per frame."""
    out = bytearray([options])
    prev = None
    for ts, f in frames:
        step = 0 if prev is None else step_code(ts - prev)
        prev = ts
        f = f[:0xFFF]
        out += struct.pack(">H", step << 12 | len(f)) + f
    return bytes(out)


def pcap_file(frames, nsec=False, big_endian=False, linktype=1, snaplen=65535, cut=None):
    e = ">" if big_endian else "<"
    magic = 0xA1B23C4D if nsec else 0xA1B2C3D4
    out = bytearray(struct.pack(e + "IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype))
    for ts, f in frames:
        frac = (ts % 1_000_000) * (1000 if nsec else 1)
        body = f if cut is None else f[:cut]
        out += struct.pack(e + "IIII", ts // 1_000_000, frac, len(body), len(f)) + body
    return bytes(out)


def pcapng_file(frames):
    def block(btype, body):
        body += b"\0" * (-len(body) % 4)
        n = 12 + len(body)
        return struct.pack("<II", btype, n) + body + struct.pack("<I", n)

    out = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    out += block(0x00000001, struct.pack("<HHI", 1, 0, 65535))
    for ts, f in frames:
        out += block(0x00000006, struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(f),
                                             len(f)) + f)
    return out


def write_all(out_dir, name, files):
    """Replaces the generated seeds of one harness; the reproducers of fixed findings
    (regress-*, added by hand) stay."""
    d = os.path.join(out_dir, name)
    os.makedirs(d, exist_ok=True)
    for old in os.listdir(d):
        if not old.startswith("regress-"):
            os.remove(os.path.join(d, old))
    for fname, data in files:
        with open(os.path.join(d, fname), "wb") as f:
            f.write(data)
    print(f"make_corpus: {len(files):3d} seeds -> {d}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=os.path.join(HERE, "corpus"))
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="v6lb-corpus-") as tmp:
        cap = os.path.join(tmp, "in.pcap")
        subprocess.run([sys.executable, os.path.join(ROOT, "tests/e2e/gen_traffic.py"),
                        "--config", FUZZ_YAML, "--out", cap, "--flows", "10",
                        "--udp-clients", "4", "--replies", "--exceptions", "--seed", "3",
                        "--variants", "0.3"], check=True, stdout=subprocess.DEVNULL)
        frames = read_pcap(cap)
        with open(cap + ".json", encoding="utf-8") as f:
            manifest = json.load(f)
    kinds = [fr[1] for fr in manifest["frames"]]
    if len(kinds) != len(frames):
        sys.exit("make_corpus: manifest and capture disagree")

    # parser: one frame of each kind (the first of each, and every exception frame), and a few
    # client frames of other sizes.
    parser, seen = [], set()
    for i, ((_, f), kind) in enumerate(zip(frames, kinds)):
        ref = manifest["frames"][i][2]
        key = kind if kind != "exc" else f"exception-{ref}"
        if key in seen:
            continue
        seen.add(key)
        parser.append((f"{key}", f))
    by_len = sorted({len(f): (i, f) for i, (_, f) in enumerate(frames)}.items())
    for n, (i, f) in by_len[:: max(1, len(by_len) // 6)]:
        parser.append((f"len-{n}", f))
    write_all(args.out, "parser", parser)

    # pipeline: windows of the capture in order (flows, their replies, exceptions among them),
    # and the exception frames together.
    pipeline = []
    for start in range(0, len(frames), 16):
        pipeline.append((f"window16-{start:03d}", records(0, frames[start:start + 16])))
    for start in range(3, len(frames), 13):
        pipeline.append((f"window4-{start:03d}", records(0, frames[start:start + 4])))
    exc = [fr for fr, k in zip(frames, kinds) if k == "exc"]
    pipeline.append(("exceptions", records(0, exc)))
    pipeline.append(("wrapping-tick", records(0x80, frames[:12])))
    write_all(args.out, "pipeline", pipeline)

    # rtl_diff: short windows (the Verilated card is slow), both widths and all four timing
    # profiles (options bits 0-2).
    rtl = []
    for n, start in enumerate(range(0, len(frames), 6)):
        rtl.append((f"window6-{start:03d}-opt{n % 8}", records(n % 8, frames[start:start + 6])))
    write_all(args.out, "rtl_diff", rtl)

    # config: the examples, fuzz.yaml, and variants with one thing wrong each.
    with open(FUZZ_YAML, encoding="utf-8") as f:
        fuzz_yaml = f.read()
    configs = []
    for p in ("examples/lb.yaml", "examples/lab.yaml", "tests/fuzz/fuzz.yaml"):
        with open(os.path.join(ROOT, p), "rb") as f:
            configs.append((os.path.basename(os.path.dirname(p)) + "-" + os.path.basename(p),
                            f.read()))
    variants = {
        "bad-duration": ("idle_timeout: 5s", "idle_timeout: 5x"),
        "not-prime": ("maglev_size: 251", "maglev_size: 250"),
        "dup-backend": ("port: 5353,", "port: 53,"),
        "bad-vip": ('vip: "2001:db8::53"', 'vip: "2001:db8::5g"'),
        "bad-mac": ('mac: "02:00:00:00:00:01"', 'mac: "02:00:00:00:00"'),
        "unknown-key": ("scheduler: source-ip\n", "scheduler: source-ip\n    colour: red\n"),
        "flow-size": ("flow_table_size: 256", "flow_table_size: 6"),
        "no-backends": ("    backends:\n      - { address: \"2001:db8:1::10\", port: 22",
                        "    backends: []\n    x:\n      - { address: \"2001:db8:1::10\", port: 22"),
    }
    for name, (old, new) in variants.items():
        if old not in fuzz_yaml:
            sys.exit(f"make_corpus: variant {name}: {old!r} not in fuzz.yaml")
        configs.append((name + ".yaml", fuzz_yaml.replace(old, new, 1).encode()))
    configs.append(("flow-style.yaml", json.dumps({
        "card": {"mac": "02:00:00:00:00:01", "address": "2001:db8:ff::1",
                 "router_mac": "02:00:00:00:00:fe"},
        "services": [{"name": "a", "vip": "2001:db8::1", "protocol": "udp", "port": 1,
                      "backends": [{"address": "2001:db8::2", "port": 2}]}]}).encode()))
    write_all(args.out, "config", configs)

    # control: v6lbctl's requests, pipelined, and the envelope's errors.
    be = {"service": "web", "address": "2001:db8:1::11", "port": 8080}
    reqs = {
        "status": [{"cmd": "status"}],
        "services": [{"cmd": "services"}],
        "backends": [{"cmd": "backends"}, {"cmd": "backends", "service": "dns"}],
        "flows": [{"cmd": "flows", "limit": 5}, {"cmd": "flows", "service": "web"}],
        "stats": [{"cmd": "stats"}],
        "drain": [dict(be, cmd="drain"), dict(be, cmd="undrain")],
        "weight": [dict(be, cmd="weight", weight=7), dict(be, cmd="weight", weight=70000)],
        "reload": [{"cmd": "reload"}],
        "unknown": [{"cmd": "frobnicate"}],
        "bad-port": [dict(be, cmd="drain", port=-1), dict(be, cmd="drain", port="80")],
    }
    control = [(k, b"".join(json.dumps(r).encode() + b"\n" for r in v)) for k, v in reqs.items()]
    control += [
        ("crlf", b'{"cmd":"status"}\r\n\r\n{"cmd":"services"}\r\n'),
        ("bad-json", b'{"cmd":\n'),
        ("no-cmd", b'{"command":"status"}\n[1,2]\n"status"\n{"cmd":5}\n'),
        ("no-newline", b'{"cmd":"backends","service":"ssh"}'),
        ("blank", b" \t\n\n{\"cmd\":\"status\"}\n"),
        ("utf8", '{"cmd":"backends","service":"w\u00e9b\\ud800"}\n'.encode()),
    ]
    write_all(args.out, "control", control)

    # pcap: the capture's first frames in the formats libpcap reads, and broken ones.
    head = frames[:3]
    pcaps = [
        ("usec-le", pcap_file(head)),
        ("nsec-le", pcap_file(head, nsec=True)),
        ("usec-be", pcap_file(head, big_endian=True)),
        ("pcapng", pcapng_file(head)),
        ("snaplen-cut", pcap_file(head, snaplen=64, cut=64)),
        ("not-ethernet", pcap_file(head, linktype=101)),
        ("truncated-record", pcap_file(head)[:-7]),
        ("header-only", pcap_file([])),
    ]
    write_all(args.out, "pcap", pcaps)


if __name__ == "__main__":
    main()
