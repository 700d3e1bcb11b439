#!/usr/bin/python3
"""Acceptance test: the generated kernel.xml lists exactly the registers of the description.

Reads the YAML and the kernel.xml independently of gen_regs.py: every 32-bit register word
(arrays expanded as NAME_0..NAME_n-1) must be one s_axi_control <arg> with the same offset, and
nothing else may be there; the kernel, its ports and the stream args must be as Vitis expects for
an ap_ctrl_none RTL kernel.

    check_kernel_xml.py --yaml hw/regs/v6lb_regs.yaml --xml build/generated/kernel.xml
"""

import argparse
import sys
import xml.etree.ElementTree as ET

import yaml


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--yaml", required=True)
    ap.add_argument("--xml", required=True)
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
    if not errors:
        print("kernel.xml: %d register args match the description (%d registers), 3 stream args" %
              (len(got), len(desc["registers"])))
    return report(errors)


def report(errors):
    for e in errors:
        print("kernel.xml mismatch: " + e, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
