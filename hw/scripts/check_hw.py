#!/usr/bin/python3
"""Consistency checks of the card build that need no vendor tools (ctest hw_check_card_build).

What Vivado/v++ would only find hours into a build, checked in a second:
  * every board file (hw/boards/<b>.mk) has its keys; table sizes are legal (M prime, powers of
    two, within the register description's limits);
  * the platform, SLR, GT port names and memory of each board agree between its board file, its
    v++ link config (hw/vitis/link/<b>.cfg), its constraints (constraints/v6lb_<b>.xdc) and
    docs/HARDWARE.md; no file names a platform that is not a board's;
  * files the TCL scripts and the Makefile reference exist;
  * every nk= kernel has a kernel description (the generated kernel.xml, hw/vitis/cmac/kernel.xml,
    the HLS source), every stream_connect= joins an existing output stream to an existing input
    stream of the same width, every connect=/sp= names an existing kernel interface/argument;
  * the kernel.xml ports exist in the RTL of the kernel (v6lb_krnl.sv, v6lb_cmac_krnl.sv) with
    the right widths, the CMAC kernel's register offsets match v6lb_cmac_regs.sv, and the
    compute-unit name is the one the XRT back end opens;
  * with --platforminfo JSON (from `platforminfo -j -p PLATFORM`, make preflight): the platform
    really has the GT interfaces and clocks the link config connects.

    check_hw.py --root REPO [--kernel-xml build/generated/kernel.xml]
    check_hw.py --root REPO --platforminfo platforminfo.json --board u55c
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

BOARD_KEYS = ["BOARD_NAME", "PLATFORM", "PART", "SLR", "KERNEL_FREQ_MHZ", "CMAC_CORE", "GT_GROUP",
              "GT_REFCLK_MHZ", "GT_DRP_MHZ", "PFM_GT_PORT", "PFM_GT_REFCLK", "PFM_FREERUN_CLK",
              "PUNT_MEM", "DATA_WIDTH", "N_SERVICES", "N_BACKENDS", "MAGLEV_M", "FLOW_SETS_LOG2",
              "CAP_LUT", "CAP_FF", "CAP_BRAM36", "CAP_URAM", "CAP_DSP", "SLR_COUNT"]
PLATFORM_RE = re.compile(r"xilinx_u\w+?_gen\d+x\d+_\w+?_\d{6}_\d+")


class Checker:
    def __init__(self, root):
        self.root = root
        self.errors = []
        self.checked = 0

    def err(self, where, msg):
        self.errors.append("%s: %s" % (os.path.relpath(where, self.root) if os.path.isabs(where) else where, msg))

    def path(self, *p):
        return os.path.join(self.root, *p)

    def read(self, *p):
        with open(self.path(*p), encoding="utf-8") as f:
            return f.read()


def parse_mk(text):
    d = {}
    for line in text.splitlines():
        m = re.match(r"^([A-Z_0-9]+)\s*:=\s*(.*?)\s*$", line)
        if m:
            d[m.group(1)] = m.group(2)
    return d


def parse_cfg(text):
    """v++ config: top-level and [section] key=value lines; repeated keys kept in order."""
    out = {}
    sec = ""
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        m = re.match(r"^\[(\w+)\]$", line)
        if m:
            sec = m.group(1)
            continue
        k, _, v = line.partition("=")
        out.setdefault((sec, k.strip()), []).append(v.strip())
    return out


def is_prime(n):
    return n > 1 and all(n % i for i in range(2, int(n ** 0.5) + 1))


def sv_ports(text):
    """Ports of the first module in an SV file: name -> (direction, width expression)."""
    ports = {}
    for m in re.finditer(r"\b(input|output)\s+(?:wire|logic|reg)?\s*(\[[^\]]+\])?\s*(\w+)", text):
        ports[m.group(3)] = (m.group(1), (m.group(2) or "[0:0]"))
    return ports


def sv_param_defaults(text):
    return {m.group(1): m.group(2) for m in re.finditer(r"parameter\s+integer\s+(\w+)\s*=\s*([^,\n)]+)", text)}


def width_of(expr, params):
    m = re.match(r"\[(.+):0\]$", expr.replace(" ", ""))
    if not m:
        return None
    e = m.group(1)
    for k, v in sorted(params.items(), key=lambda kv: -len(kv[0])):
        e = re.sub(r"\b%s\b" % k, "(%s)" % v, e)
    try:
        # params may refer to each other (KEEP_WIDTH = DATA_WIDTH / 8): substitute twice
        for k, v in sorted(params.items(), key=lambda kv: -len(kv[0])):
            e = re.sub(r"\b%s\b" % k, "(%s)" % v, e)
        return int(eval(e, {"__builtins__": {}}, {})) + 1  # noqa: S307 (digits and operators only)
    except Exception:  # noqa: BLE001
        return None


class Kernel:
    def __init__(self, name, source):
        self.name = name
        self.source = source
        self.streams = {}   # port -> (mode, width)
        self.control = None
        self.args = {}      # register/argument name -> offset
        self.interfaces = set()  # other connectable interfaces (GT, clocks)


def load_kernel_xml(ck, path, rtl_path):
    k = None
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        ck.err(path, "cannot read kernel.xml: %s" % e)
        return None
    kel = root.find("kernel")
    if kel is None:
        ck.err(path, "no <kernel>")
        return None
    k = Kernel(kel.get("name"), path)
    if kel.get("hwControlProtocol") != "ap_ctrl_none":
        ck.err(path, "kernel %s must be ap_ctrl_none (free running)" % k.name)
    for p in kel.findall("ports/port"):
        if p.get("portType") == "stream":
            k.streams[p.get("name")] = (p.get("mode"), int(p.get("dataWidth")))
        elif p.get("portType") == "addressable":
            k.control = (p.get("name"), int(p.get("range"), 16))
    for a in kel.findall("args/arg"):
        if a.get("addressQualifier") == "0":
            k.args[a.get("name")] = int(a.get("offset"), 16)
    # the ports exist in the RTL, with matching widths and directions
    with open(rtl_path, encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"\bmodule\s+(\w+)", text)
    if not m or m.group(1) != k.name:
        ck.err(rtl_path, "module is %r, kernel.xml names %r" % (m.group(1) if m else None, k.name))
    ports = sv_ports(text)
    params = sv_param_defaults(text)
    for s, (mode, width) in k.streams.items():
        want_dir = "input" if mode == "read_only" else "output"
        for sig in ("tdata", "tkeep", "tvalid", "tready", "tlast"):
            n = "%s_%s" % (s, sig)
            if n not in ports:
                ck.err(rtl_path, "kernel.xml stream %s: no port %s" % (s, n))
        if "%s_tdata" % s in ports:
            d, w = ports["%s_tdata" % s]
            if d != want_dir:
                ck.err(rtl_path, "%s_tdata is an %s, kernel.xml says %s" % (s, d, mode))
            ww = width_of(w, params)
            if ww != width:
                ck.err(rtl_path, "%s_tdata is %s bits, kernel.xml says %d" % (s, ww, width))
            if "%s_tready" % s in ports and ports["%s_tready" % s][0] == want_dir:
                ck.err(rtl_path, "%s_tready has the wrong direction" % s)
    if k.control:
        name, rng = k.control
        for sig in ("awaddr", "awvalid", "awready", "wdata", "wstrb", "wvalid", "wready", "bresp",
                    "bvalid", "bready", "araddr", "arvalid", "arready", "rdata", "rresp", "rvalid", "rready"):
            if "%s_%s" % (name, sig) not in ports:
                ck.err(rtl_path, "kernel.xml control port %s: no port %s_%s" % (name, name, sig))
        aw = ports.get("%s_awaddr" % name)
        if aw and width_of(aw[1], params) != (rng - 1).bit_length():
            ck.err(rtl_path, "%s_awaddr is %s bits, range 0x%X needs %d" %
                   (name, width_of(aw[1], params), rng, (rng - 1).bit_length()))
    for clk in ("ap_clk", "ap_rst_n"):
        if clk not in ports:
            ck.err(rtl_path, "no %s port (Vitis RTL kernels need ap_clk and ap_rst_n)" % clk)
    ck.checked += 1
    return k


def load_hls_kernel(ck, path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    m = re.search(r'extern\s+"C"\s+void\s+(\w+)\s*\(([^)]*)\)', text, re.S)
    if not m:
        ck.err(path, "no extern \"C\" kernel function")
        return None
    k = Kernel(m.group(1), path)
    typedefs = {t.group(2): t.group(1) for t in re.finditer(r"typedef\s+(ap_axiu<[^;]*>)\s+(\w+)\s*;", text)}
    for arg in m.group(2).split(","):
        arg = arg.strip()
        for alias, real in typedefs.items():
            arg = re.sub(r"\b%s\b" % alias, real, arg)
        name = re.findall(r"(\w+)\s*$", arg)[0]
        sm = re.search(r"hls::stream<\s*ap_axiu<\s*(\d+)", arg)
        if sm:
            k.streams[name] = ("read_only", int(sm.group(1)))  # input streams (only kind used)
        else:
            k.args[name] = None
    for name in k.streams:
        if not re.search(r"#pragma HLS INTERFACE mode=axis port=%s\b" % name, text):
            ck.err(path, "stream %s has no axis INTERFACE pragma" % name)
    ck.checked += 1
    return k


def tcl_interfaces(text):
    return set(re.findall(r"ipx::add_bus_interface\s+(\w+)", text))


def check_board(ck, board, mk, kernels, platforms):
    b = mk
    where = "hw/boards/%s.mk" % board
    for key in BOARD_KEYS:
        if key not in b:
            ck.err(where, "missing %s" % key)
    if any(k not in b for k in BOARD_KEYS):
        return
    if b["BOARD_NAME"] != board:
        ck.err(where, "BOARD_NAME %s, file is %s" % (b["BOARD_NAME"], board))
    if not PLATFORM_RE.fullmatch(b["PLATFORM"]) or ("_%s_" % board) not in b["PLATFORM"]:
        ck.err(where, "PLATFORM %s is not an Alveo %s platform name" % (b["PLATFORM"], board))
    if not b["PART"].startswith("xc" + board):
        ck.err(where, "PART %s does not match the board" % b["PART"])
    if not re.fullmatch(r"SLR[0-3]", b["SLR"]) or int(b["SLR"][3]) >= int(b["SLR_COUNT"]):
        ck.err(where, "SLR %s is not an SLR of this part" % b["SLR"])
    m = int(b["MAGLEV_M"])
    if not is_prime(m):
        ck.err(where, "MAGLEV_M %d is not prime" % m)
    if not 1 <= int(b["N_SERVICES"]) <= 256:
        ck.err(where, "N_SERVICES out of 1..256")
    if not 1 <= int(b["N_BACKENDS"]) <= 65535:
        ck.err(where, "N_BACKENDS out of 1..65535")
    if int(b["DATA_WIDTH"]) != 512:
        ck.err(where, "the card build streams 512-bit beats (the CMAC's width)")
    if not 300 <= int(b["KERNEL_FREQ_MHZ"]) <= 350:
        ck.err(where, "KERNEL_FREQ_MHZ %s: 65-byte frames at line rate need >= 281 MHz" % b["KERNEL_FREQ_MHZ"])
    if b["GT_REFCLK_MHZ"] not in ("156.25", "161.1328125", "322.265625"):
        ck.err(where, "GT_REFCLK_MHZ %s is not a cmac_usplus reference frequency" % b["GT_REFCLK_MHZ"])
    if not re.fullmatch(r"CMACE4_X\d+Y\d+", b["CMAC_CORE"]) or not re.fullmatch(r"X\d+Y\d+~X\d+Y\d+", b["GT_GROUP"]):
        ck.err(where, "CMAC_CORE/GT_GROUP malformed")
    else:
        lo, hi = b["GT_GROUP"].split("~")
        ly, hy = int(lo.split("Y")[1]), int(hi.split("Y")[1])
        if lo.split("Y")[0] != hi.split("Y")[0] or hy - ly != 3 or ly % 4:
            ck.err(where, "GT_GROUP %s is not one GT quad (4 lanes)" % b["GT_GROUP"])

    # link config
    cfg_path = ck.path("hw", "vitis", "link", "%s.cfg" % board)
    if not os.path.exists(cfg_path):
        ck.err(cfg_path, "missing")
        return
    cfg = parse_cfg(ck.read("hw", "vitis", "link", "%s.cfg" % board))
    if cfg.get(("", "platform")) != [b["PLATFORM"]]:
        ck.err(cfg_path, "platform=%s, board file says %s" % (cfg.get(("", "platform")), b["PLATFORM"]))
    if cfg.get(("", "kernel_frequency")) != [b["KERNEL_FREQ_MHZ"]]:
        ck.err(cfg_path, "kernel_frequency=%s, board file says %s" % (cfg.get(("", "kernel_frequency")), b["KERNEL_FREQ_MHZ"]))
    insts = {}
    for v in cfg.get(("connectivity", "nk"), []):
        parts = v.split(":")
        if len(parts) != 3 or parts[1] != str(len(parts[2].split("."))):
            ck.err(cfg_path, "nk=%s: expected kernel:1:instance" % v)
            continue
        kern, _, inst = parts
        if kern not in kernels:
            ck.err(cfg_path, "nk=%s: no kernel %s (known: %s)" % (v, kern, ", ".join(sorted(kernels))))
        insts[inst] = kern
    if insts.get("v6lb_krnl_1") != "v6lb_krnl":
        ck.err(cfg_path, "the pipeline's compute unit must be v6lb_krnl_1 (XRT back end opens v6lb_krnl:{v6lb_krnl_1})")
    slrs = {}
    for v in cfg.get(("connectivity", "slr"), []):
        inst, _, slr = v.partition(":")
        slrs[inst] = slr
        if inst not in insts:
            ck.err(cfg_path, "slr=%s: unknown instance %s" % (v, inst))
        if slr != b["SLR"]:
            ck.err(cfg_path, "slr=%s: the board's QSFP SLR is %s" % (v, b["SLR"]))
    for inst in insts:
        if inst not in slrs:
            ck.err(cfg_path, "instance %s has no slr= (keep it in %s)" % (inst, b["SLR"]))
    used_streams = set()
    for v in cfg.get(("connectivity", "stream_connect"), []):
        parts = v.split(":")
        if len(parts) not in (2, 3):
            ck.err(cfg_path, "stream_connect=%s: expected src.port:dst.port[:depth]" % v)
            continue
        ends = []
        for end in parts[:2]:
            inst, _, port = end.partition(".")
            kern = kernels.get(insts.get(inst))
            if kern is None:
                ck.err(cfg_path, "stream_connect=%s: unknown instance %s" % (v, inst))
                ends.append(None)
                continue
            if port not in kern.streams:
                ck.err(cfg_path, "stream_connect=%s: kernel %s has no stream %s (has %s)" %
                       (v, kern.name, port, ", ".join(sorted(kern.streams))))
                ends.append(None)
                continue
            used_streams.add((inst, port))
            ends.append(kern.streams[port])
        if ends[0] and ends[0][0] != "write_only":
            ck.err(cfg_path, "stream_connect=%s: source %s is not an output stream" % (v, parts[0]))
        if len(ends) > 1 and ends[1] and ends[1][0] != "read_only":
            ck.err(cfg_path, "stream_connect=%s: sink %s is not an input stream" % (v, parts[1]))
        if len(ends) > 1 and ends[0] and ends[1] and ends[0][1] != ends[1][1]:
            ck.err(cfg_path, "stream_connect=%s: widths %d and %d differ" % (v, ends[0][1], ends[1][1]))
    for inst, kname in insts.items():
        for s in kernels.get(kname, Kernel("", "")).streams:
            if (inst, s) not in used_streams:
                ck.err(cfg_path, "stream %s.%s is not connected" % (inst, s))
    for v in cfg.get(("connectivity", "sp"), []):
        lhs, _, mem = v.partition(":")
        inst, _, arg = lhs.partition(".")
        kern = kernels.get(insts.get(inst))
        if kern is None or arg not in kern.args:
            ck.err(cfg_path, "sp=%s: no argument %s on %s" % (v, arg, inst))
        if mem != b["PUNT_MEM"]:
            ck.err(cfg_path, "sp=%s: board file says PUNT_MEM %s" % (v, b["PUNT_MEM"]))
    connects = cfg.get(("connectivity", "connect"), [])
    want = {"%s:cmac_0/gt_refclk" % b["PFM_GT_REFCLK"], "cmac_0/gt_serial_port:%s" % b["PFM_GT_PORT"],
            "cmac_0/clk_gt_freerun:%s" % b["PFM_FREERUN_CLK"]}
    for w in sorted(want - set(connects)):
        ck.err(cfg_path, "missing connect=%s (from the board file)" % w)
    for v in connects:
        for end in v.split(":"):
            if "/" in end and end.split("/")[0] in insts:
                inst, pin = end.split("/", 1)
                kern = kernels.get(insts[inst])
                if kern is not None and pin not in kern.interfaces:
                    ck.err(cfg_path, "connect=%s: %s has no interface %s" % (v, kern.name, pin))
    # constraints
    xdc = ck.path("constraints", "v6lb_%s.xdc" % board)
    if not os.path.exists(xdc):
        ck.err(xdc, "missing (the Makefile applies it)")
    else:
        t = ck.read("constraints", "v6lb_%s.xdc" % board)
        m_ = re.search(r"^set v6lb_slr (\S+)", t, re.M)
        if not m_ or m_.group(1) != b["SLR"]:
            ck.err(xdc, "v6lb_slr %s, board SLR is %s" % (m_.group(1) if m_ else None, b["SLR"]))
        for inst in insts:
            if "*/%s" % inst not in t:
                ck.err(xdc, "does not place instance %s" % inst)
    platforms.add(b["PLATFORM"])
    ck.checked += 1


def check_refs(ck):
    """Files named by the TCL scripts and the Makefile exist."""
    vit = ck.path("hw", "vitis")
    for tcl in ("package_krnl.tcl", "package_cmac.tcl"):
        p = os.path.join(vit, tcl)
        if not os.path.exists(p):
            ck.err(p, "missing")
            continue
        t = ck.read("hw", "vitis", tcl)
        for m in re.finditer(r"\$rtl_dir/([\w./]+)", t):
            f = ck.path("hw", "rtl", m.group(1))
            if not os.path.exists(f):
                ck.err(p, "references missing file hw/rtl/%s" % m.group(1))
        for m in re.finditer(r"\$here/([\w./]+)", t):
            f = os.path.normpath(os.path.join(vit, m.group(1)))
            if not os.path.exists(f):
                ck.err(p, "references missing file %s" % os.path.relpath(f, ck.root))
        ck.checked += 1
    mk = ck.read("hw", "Makefile")
    for m in re.finditer(r"\$\(HW\)/([\w./$()-]+)", mk):
        rel = m.group(1)
        if "$" in rel or rel.endswith("/") or rel.startswith(".."):
            continue
        if not os.path.exists(ck.path("hw", rel)):
            ck.err("hw/Makefile", "references missing file hw/%s" % rel)
    for m in re.finditer(r"\$\(ROOT\)/([\w./$()-]+)", mk):
        rel = m.group(1)
        if "$" in rel or rel.startswith("build"):
            continue
        if not os.path.exists(ck.path(rel)):
            ck.err("hw/Makefile", "references missing file %s" % rel)
    # every RTL file the packaging reads is one of the files the estimate reads and vice versa
    est = ck.read("scripts", "board_estimate.sh")
    pk = ck.read("hw", "vitis", "package_krnl.tcl")
    est_files = set(re.findall(r"hw/rtl/(v6lb_\w+\.sv)", est))
    pk_files = set(re.findall(r"\$rtl_dir/(v6lb_\w+\.sv)", pk))
    if est_files != pk_files:
        ck.err("scripts/board_estimate.sh", "synthesises %s but package_krnl.tcl packages %s" %
               (sorted(est_files), sorted(pk_files)))
    ck.checked += 1


def check_cmac_regs(ck, kern):
    p = ck.path("hw", "vitis", "cmac", "v6lb_cmac_regs.sv")
    t = ck.read("hw", "vitis", "cmac", "v6lb_cmac_regs.sv")
    rtl = {m.group(1): int(m.group(2), 16) for m in re.finditer(r"ADDR_(\w+)\s*=\s*'h([0-9A-Fa-f]+)", t)}
    if rtl != kern.args:
        ck.err(p, "registers %s differ from hw/vitis/cmac/kernel.xml %s" % (sorted(rtl.items()), sorted(kern.args.items())))
    # The host's copy (v6lbd reads the link state through it): kRxFrames = 0x010 is RX_FRAMES.
    hp = ck.path("driver", "include", "v6lb", "driver", "cmac_link.h")
    if os.path.exists(hp):
        h = ck.read("driver", "include", "v6lb", "driver", "cmac_link.h")
        host = {re.sub(r"(?<!^)(?=[A-Z])", "_", m.group(1)).upper(): int(m.group(2), 16)
                for m in re.finditer(r"\bk(\w+) = 0x([0-9A-Fa-f]+);", h) if m.group(1) != "IdValue"}
        if host != rtl:
            ck.err(hp, "registers %s differ from %s %s" % (sorted(host.items()), p, sorted(rtl.items())))
        idv = re.search(r"ID_VALUE = 32'h([0-9A-Fa-f]+)", t)
        hid = re.search(r"kIdValue = 0x([0-9A-Fa-f]+)", h)
        if not idv or not hid or int(idv.group(1), 16) != int(hid.group(1), 16):
            ck.err(hp, "kIdValue differs from ID_VALUE in %s" % p)
    else:
        ck.err(hp, "missing")
    ck.checked += 1


def check_platform_names(ck, platforms):
    """No file names a platform that is not one of the boards'; the runbook names every board's."""
    files = ["hw/Makefile", "docs/HARDWARE.md"] + ["hw/vitis/link/" + f for f in sorted(os.listdir(ck.path("hw", "vitis", "link")))]
    for f in files:
        if not os.path.exists(ck.path(f)):
            ck.err(f, "missing")
            continue
        for m in PLATFORM_RE.finditer(ck.read(f)):
            if m.group(0) not in platforms:
                ck.err(f, "names platform %s, which no hw/boards/*.mk builds" % m.group(0))
    if os.path.exists(ck.path("docs", "HARDWARE.md")):
        doc = ck.read("docs", "HARDWARE.md")
        for pf in sorted(platforms):
            if pf not in doc:
                ck.err("docs/HARDWARE.md", "does not mention platform %s" % pf)
    ck.checked += 1


def check_driver_name(ck):
    h = ck.path("driver", "include", "v6lb", "driver", "xrt_device.h")
    if os.path.exists(h):
        t = ck.read("driver", "include", "v6lb", "driver", "xrt_device.h")
        m = re.search(r'kIpName\s*=\s*"([^"]+)"', t)
        if m and m.group(1) != "v6lb_krnl:{v6lb_krnl_1}":
            ck.err(h, "XRT back end opens %s; the link configs create v6lb_krnl:{v6lb_krnl_1}" % m.group(1))


def check_platforminfo(ck, board, mk, path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    b = mk
    if b["PLATFORM"] not in text:
        ck.err(path, "platforminfo is not for %s" % b["PLATFORM"])
    for key in ("PFM_GT_PORT", "PFM_GT_REFCLK", "PFM_FREERUN_CLK"):
        name = b[key].split("/")[-1]
        if name not in text:
            ck.err(path, "platform %s has no %s (%s in hw/boards/%s.mk and hw/vitis/link/%s.cfg): "
                   "look up the right name with `platforminfo -v -p %s`" %
                   (b["PLATFORM"], b[key], key, board, board, b["PLATFORM"]))
    mem = b["PUNT_MEM"].split("[")[0]
    if mem not in text:
        ck.err(path, "platform has no %s memory" % mem)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--kernel-xml", help="generated kernel.xml of v6lb_krnl (default: generate it)")
    ap.add_argument("--platforminfo", help="platforminfo -j output to check the GT names against")
    ap.add_argument("--board")
    a = ap.parse_args()
    root = os.path.abspath(a.root)
    ck = Checker(root)

    boards = sorted(f[:-3] for f in os.listdir(ck.path("hw", "boards")) if f.endswith(".mk"))
    mks = {b: parse_mk(ck.read("hw", "boards", b + ".mk")) for b in boards}
    if a.platforminfo:
        if a.board not in mks:
            print("check_hw.py: --board must be one of %s" % boards, file=sys.stderr)
            return 2
        check_platforminfo(ck, a.board, mks[a.board], a.platforminfo)
        return report(ck)

    xml = a.kernel_xml
    tmp = None
    if not xml:
        tmp = tempfile.TemporaryDirectory()
        xml = os.path.join(tmp.name, "kernel.xml")
        subprocess.run(["/usr/bin/python3", ck.path("hw", "regs", "gen_regs.py"), "--in",
                        ck.path("hw", "regs", "v6lb_regs.yaml"), "--kernel-xml", xml], check=True)
    kernels = {}
    k = load_kernel_xml(ck, xml, ck.path("hw", "rtl", "v6lb_krnl.sv"))
    if k:
        kernels[k.name] = k
    k = load_kernel_xml(ck, ck.path("hw", "vitis", "cmac", "kernel.xml"), ck.path("hw", "vitis", "cmac", "v6lb_cmac_krnl.sv"))
    if k:
        k.interfaces = tcl_interfaces(ck.read("hw", "vitis", "package_cmac.tcl"))
        kernels[k.name] = k
        check_cmac_regs(ck, k)
    k = load_hls_kernel(ck, ck.path("hw", "vitis", "punt", "v6lb_punt.cpp"))
    if k:
        kernels[k.name] = k
    platforms = set()
    for b in boards:
        check_board(ck, b, mks[b], kernels, platforms)
    for b in ("u250", "u280", "u55c"):
        if b not in mks:
            ck.err("hw/boards", "no %s.mk" % b)
    check_refs(ck)
    check_platform_names(ck, platforms)
    check_driver_name(ck)
    return report(ck)


def report(ck):
    for e in ck.errors:
        print("check_hw: " + e, file=sys.stderr)
    if not ck.errors:
        print("check_hw: %d checks passed (boards, link configs, constraints, kernels, files, docs)" % ck.checked)
    return 1 if ck.errors else 0


if __name__ == "__main__":
    sys.exit(main())
