#!/usr/bin/python3
"""The checker of the card build (hw/scripts/check_hw.py) catches what it claims to: each case
copies the files it reads into a scratch tree, breaks one thing, and expects a failure naming it.

    test_check_hw.py --root REPO --kernel-xml build/generated/kernel.xml --work SCRATCH_DIR
"""
import argparse
import os
import re
import shutil
import subprocess
import sys

COPY = ["hw/boards", "hw/vitis", "hw/rtl", "hw/regs", "hw/Makefile", "hw/scripts", "constraints",
        "docs/HARDWARE.md", "scripts/board_estimate.sh", "driver/include/v6lb/driver/xrt_device.h",
        "driver/include/v6lb/driver/cmac_link.h"]


def sub(path, old, new, count=1):
    with open(path, encoding="utf-8") as f:
        t = f.read()
    if old not in t:
        raise SystemExit("test_check_hw.py: %r not in %s (update the test)" % (old, path))
    with open(path, "w", encoding="utf-8") as f:
        f.write(t.replace(old, new, count))


CASES = [
    ("platform differs between board file and cfg",
     lambda w: sub(w + "/hw/vitis/link/u280.cfg", "platform=xilinx_u280_gen3x16_xdma_1_202211_1",
                   "platform=xilinx_u280_gen3x16_xdma_1_202211_2"), "platform="),
    ("stream_connect to a port that does not exist",
     lambda w: sub(w + "/hw/vitis/link/u250.cfg", "v6lb_krnl_1.tx_axis:cmac_0.tx_axis",
                   "v6lb_krnl_1.txaxis:cmac_0.tx_axis"), "has no stream txaxis"),
    ("stream_connect backwards",
     lambda w: sub(w + "/hw/vitis/link/u55c.cfg", "stream_connect=cmac_0.rx_axis:v6lb_krnl_1.rx_axis",
                   "stream_connect=v6lb_krnl_1.rx_axis:cmac_0.rx_axis"), "is not an output stream"),
    ("kernel instance in the wrong SLR",
     lambda w: sub(w + "/hw/vitis/link/u250.cfg", "slr=cmac_0:SLR2", "slr=cmac_0:SLR0"), "QSFP SLR"),
    ("wrong compute-unit name for the XRT back end",
     lambda w: [sub(w + "/hw/vitis/link/u250.cfg", "v6lb_krnl_1", "v6lb_krnl_0", 99),
                sub(w + "/constraints/v6lb_u250.xdc", "v6lb_krnl_1", "v6lb_krnl_0", 99)],
     "must be v6lb_krnl_1"),
    ("file referenced by the packaging TCL is missing",
     lambda w: os.remove(w + "/hw/vitis/cmac/v6lb_cmac_krnl.xdc"), "v6lb_cmac_krnl.xdc"),
    ("RTL port of a kernel.xml stream is missing",
     lambda w: sub(w + "/hw/vitis/cmac/v6lb_cmac_krnl.sv", "rx_axis_tkeep", "rx_axis_tkep", 99),
     "no port rx_axis_tkeep"),
    ("CMAC register offset differs from its kernel.xml",
     lambda w: sub(w + "/hw/vitis/cmac/v6lb_cmac_regs.sv", "ADDR_TX_FRAMES = 'h018", "ADDR_TX_FRAMES = 'h01C"),
     "differ from hw/vitis/cmac/kernel.xml"),
    ("the host's CMAC register offset differs from the RTL",
     lambda w: sub(w + "/driver/include/v6lb/driver/cmac_link.h", "kRxDrops = 0x014;", "kRxDrops = 0x01C;"),
     "cmac_link.h: registers"),
    ("Maglev size not prime",
     lambda w: sub(w + "/hw/boards/u55c.mk", "MAGLEV_M        := 16381", "MAGLEV_M        := 16383"),
     "not prime"),
    ("docs name an unknown platform",
     lambda w: open(w + "/docs/HARDWARE.md", "a").write("\nxilinx_u250_gen3x16_xdma_3_1_202020_1\n"),
     "which no hw/boards/*.mk builds"),
    ("GT connect missing",
     lambda w: sub(w + "/hw/vitis/link/u280.cfg", "connect=cmac_0/gt_serial_port:io_gt_gtyquad_00\n", ""),
     "missing connect=cmac_0/gt_serial_port"),
    ("constraints keep the kernels in another SLR",
     lambda w: sub(w + "/constraints/v6lb_u55c.xdc", "set v6lb_slr SLR1", "set v6lb_slr SLR2"), "v6lb_slr"),
    ("connect= to an interface the CMAC kernel does not have",
     lambda w: sub(w + "/hw/vitis/package_cmac.tcl", "ipx::add_bus_interface gt_refclk", "ipx::add_bus_interface gt_ref_clk"),
     "no interface gt_refclk"),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--kernel-xml", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    checker = os.path.join(a.root, "hw", "scripts", "check_hw.py")
    failures = []

    def fresh():
        shutil.rmtree(a.work, ignore_errors=True)
        for rel in COPY:
            src = os.path.join(a.root, rel)
            dst = os.path.join(a.work, rel)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            if os.path.isdir(src):
                shutil.copytree(src, dst)
            elif os.path.exists(src):
                shutil.copy(src, dst)
        return a.work

    def check(w):
        p = subprocess.run(["/usr/bin/python3", checker, "--root", w, "--kernel-xml", a.kernel_xml],
                           capture_output=True, text=True)
        return p.returncode, p.stdout + p.stderr

    rc, out = check(fresh())
    if rc != 0:
        print("FAIL: the unmodified copy does not pass:\n" + out, file=sys.stderr)
        return 1
    for name, breakit, want in CASES:
        w = fresh()
        breakit(w)
        rc, out = check(w)
        if rc == 0 or want not in out:
            failures.append("%s: rc %d, expected %r in:\n%s" % (name, rc, want, out))
    shutil.rmtree(a.work, ignore_errors=True)
    for f in failures:
        print("FAIL: " + f, file=sys.stderr)
    if not failures:
        print("check_hw.py catches all %d broken cases" % len(CASES))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
