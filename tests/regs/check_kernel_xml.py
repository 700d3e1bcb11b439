#!/usr/bin/python3
"""Acceptance test: the generated kernel.xml lists exactly the registers of the description.

Reads the YAML and the kernel.xml independently of gen_regs.py: every 32-bit register word
(arrays expanded as NAME_0..NAME_n-1) must be one s_axi_control <arg> with the same offset, and
nothing else may be there; the kernel, its ports and the stream args must be as Vitis expects for
an ap_ctrl_none RTL kernel.

    check_kernel_xml.py --yaml hw/regs/v6lb_regs.yaml --xml build/generated/kernel.xml \
        [--krnl-sv hw/rtl/v6lb_krnl.sv]

With --krnl-sv, the kernel's ports must also exist in the RTL wrapper under the Vitis naming
convention: <port>_{tdata,tkeep,tvalid,tready,tlast} for each stream (tdata as wide as the
kernel.xml says, direction by mode), <control>_{awaddr,...,rready} with an address as wide as
the control port's range, plus ap_clk and ap_rst_n.
"""

import argparse
import sys
import xml.etree.ElementTree as ET

import yaml


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--yaml", required=True)
    ap.add_argument("--xml", required=True)
    ap.add_argument("--krnl-sv", help="the kernel's RTL wrapper (hw/rtl/v6lb_krnl.sv)")
    a = ap.parse_args()

    with open(a.yaml, encoding="utf-8") as f:
        desc = yaml.safe_load(f)
    expected = {}
    for r in desc["registers"]:
        if "count" in r:
            for i in range(r["count"]):
                expected["%s_%d" % (r["name"], i)] = r["offset"] + 4 * i
        else:
            expected[r["name"]] = r["offset"]
    kern = desc.get("kernel", {})
    ctl = kern.get("control_port", "s_axi_control")

    errors = []
    root = ET.parse(a.xml).getroot()
    if root.tag != "root" or root.get("versionMajor") != "1" or root.get("versionMinor") != "6":
        errors.append("root element must be <root versionMajor=\"1\" versionMinor=\"6\">")
    kernels = root.findall("kernel")
    if len(kernels) != 1:
        errors.append("expected one <kernel>, found %d" % len(kernels))
        return report(errors)
    k = kernels[0]
    want_attrs = {"name": "v6lb_krnl", "language": "ip_c", "vlnv": "v6lb:kernel:v6lb_krnl:1.0",
                  "hwControlProtocol": "ap_ctrl_none", "interrupt": "false", "workGroupSize": "1",
                  "preferredWorkGroupSizeMultiple": "0", "attributes": ""}
    for key, val in want_attrs.items():
        if k.get(key) != val:
            errors.append("kernel %s=%r, expected %r" % (key, k.get(key), val))

    ports = {p.get("name"): p for p in k.findall("ports/port")}
    range_ = 1 << desc["address_width"]
    cp = ports.get(ctl)
    if cp is None:
        errors.append("no port %s" % ctl)
    else:
        for key, val in {"mode": "slave", "range": "0x%X" % range_, "dataWidth": "32",
                         "portType": "addressable", "base": "0x0"}.items():
            if cp.get(key) != val:
                errors.append("port %s %s=%r, expected %r" % (ctl, key, cp.get(key), val))
    streams = {"rx_axis": "read_only", "tx_axis": "write_only", "punt_axis": "write_only"}
    for name, mode in streams.items():
        p = ports.get(name)
        if p is None:
            errors.append("no stream port %s" % name)
            continue
        for key, val in {"mode": mode, "dataWidth": "512", "portType": "stream"}.items():
            if p.get(key) != val:
                errors.append("port %s %s=%r, expected %r" % (name, key, p.get(key), val))
    extra_ports = set(ports) - set(streams) - {ctl}
    if extra_ports:
        errors.append("unexpected ports: %s" % ", ".join(sorted(extra_ports)))

    got = {}
    ids = []
    stream_args = {}
    for arg in k.findall("args/arg"):
        name = arg.get("name")
        ids.append(int(arg.get("id")))
        if arg.get("addressQualifier") == "4":
            stream_args[name] = arg
            continue
        if arg.get("addressQualifier") != "0":
            errors.append("arg %s: addressQualifier %r" % (name, arg.get("addressQualifier")))
        for key, val in {"port": ctl, "size": "0x4", "hostOffset": "0x0", "hostSize": "0x4",
                         "type": "uint"}.items():
            if arg.get(key) != val:
                errors.append("arg %s %s=%r, expected %r" % (name, key, arg.get(key), val))
        if name in got:
            errors.append("arg %s listed twice" % name)
        off = int(arg.get("offset"), 16)
        if off % 4 or off >= range_:
            errors.append("arg %s offset 0x%X misaligned or beyond the port range" % (name, off))
        got[name] = off
    if sorted(ids) != list(range(len(ids))):
        errors.append("arg ids are not 0..%d" % (len(ids) - 1))
    for name in sorted(set(expected) - set(got), key=lambda n: expected[n]):
        errors.append("register word %s (0x%X) missing from kernel.xml" % (name, expected[name]))
    for name in sorted(set(got) - set(expected), key=lambda n: got[n]):
        errors.append("kernel.xml arg %s (0x%X) is not a register of the description" % (name, got[name]))
    for name in sorted(set(got) & set(expected)):
        if got[name] != expected[name]:
            errors.append("arg %s offset 0x%X, description says 0x%X" % (name, got[name], expected[name]))
    offs = sorted(got.values())
    if len(set(offs)) != len(offs):
        errors.append("two args share an offset")
    if set(stream_args) != set(streams):
        errors.append("stream args %s, expected %s" % (sorted(stream_args), sorted(streams)))
    for name, arg in stream_args.items():
        if arg.get("port") != name:
            errors.append("stream arg %s on port %r" % (name, arg.get("port")))
    if a.krnl_sv:
        errors += check_rtl_ports(a.krnl_sv, k, ctl, range_)
    if not errors:
        print("kernel.xml: %d register args match the description (%d registers), 3 stream args" %
              (len(got), len(desc["registers"])))
    return report(errors)


def check_rtl_ports(path, k, ctl, range_):
    """The kernel.xml ports exist in the RTL wrapper with the right widths and directions."""
    import re
    errors = []
    with open(path, encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"\bmodule\s+(\w+)", text)
    if not m or m.group(1) != k.get("name"):
        errors.append("%s: module %r, kernel.xml names %r" % (path, m.group(1) if m else None, k.get("name")))
    params = {p.group(1): p.group(2) for p in re.finditer(r"parameter\s+integer\s+(\w+)\s*=\s*([^,\n)]+)", text)}
    ports = {}
    for p in re.finditer(r"\b(input|output)\s+(?:wire|logic|reg)?\s*(?:\[([^\]:]+):0\])?\s*(\w+)", text):
        width = 1
        if p.group(2):
            expr = p.group(2)
            for _ in range(2):
                for key, val in params.items():
                    expr = re.sub(r"\b%s\b" % key, "(%s)" % val, expr)
            width = int(eval(expr, {"__builtins__": {}}, {})) + 1  # noqa: S307 (numbers only)
        ports[p.group(3)] = (p.group(1), width)
    for name in ("ap_clk", "ap_rst_n"):
        if name not in ports:
            errors.append("%s: no port %s" % (path, name))
    for p in k.findall("ports/port"):
        name = p.get("name")
        if p.get("portType") == "stream":
            into = p.get("mode") == "read_only"
            want = {"tdata": ("input" if into else "output", int(p.get("dataWidth"))),
                    "tkeep": ("input" if into else "output", int(p.get("dataWidth")) // 8),
                    "tvalid": ("input" if into else "output", 1),
                    "tlast": ("input" if into else "output", 1),
                    "tready": ("output" if into else "input", 1)}
        else:
            aw = (range_ - 1).bit_length()
            want = {"awaddr": ("input", aw), "awvalid": ("input", 1), "awready": ("output", 1),
                    "wdata": ("input", 32), "wstrb": ("input", 4), "wvalid": ("input", 1),
                    "wready": ("output", 1), "bresp": ("output", 2), "bvalid": ("output", 1),
                    "bready": ("input", 1), "araddr": ("input", aw), "arvalid": ("input", 1),
                    "arready": ("output", 1), "rdata": ("output", 32), "rresp": ("output", 2),
                    "rvalid": ("output", 1), "rready": ("input", 1)}
        for sig, (d, w) in want.items():
            got = ports.get("%s_%s" % (name, sig))
            if got is None:
                errors.append("%s: kernel.xml port %s needs RTL port %s_%s" % (path, name, name, sig))
            elif got != (d, w):
                errors.append("%s: %s_%s is %s [%d], expected %s [%d]" % (path, name, sig, got[0], got[1], d, w))
    return errors


def report(errors):
    for e in errors:
        print("kernel.xml mismatch: " + e, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
