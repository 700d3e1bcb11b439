#!/usr/bin/python3
"""`make -C hw xo` / `xclbin` on a machine without Vivado/Vitis must fail at once, non-zero, with
a message naming the missing tool -- not hours later or with a make-internal error.

    test_make_without_tools.py --make /usr/bin/make --hw hw --out BUILD_DIR
"""
import argparse
import os
import subprocess
import sys


def run(make, hw, out, *args):
    env = dict(os.environ)
    # a PATH with the basics only: no vivado, v++ or platforminfo whatever the caller has
    env["PATH"] = "/usr/bin:/bin"
    env.pop("XILINX_VIVADO", None)
    env.pop("XILINX_VITIS", None)
    p = subprocess.run([make, "-C", hw, "BUILD_ROOT=" + out] + list(args), env=env,
                       capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout + p.stderr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--make", required=True)
    ap.add_argument("--hw", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    errors = []
    cases = [
        (["xo"], "vivado is not on PATH"),
        (["xo", "BOARD=u55c"], "vivado is not on PATH"),
        (["xclbin", "BOARD=u280"], "v++ is not on PATH"),
        (["xclbin", "PLATFORM=xilinx_u250_gen3x16_xdma_4_1_202210_1"], "v++ is not on PATH"),
        (["preflight", "BOARD=u250"], "platforminfo is not on PATH"),
        (["xo", "BOARD=u9000"], "BOARD=u9000 is not supported"),
        (["xclbin", "PLATFORM=xilinx_u1_nothing"], "is not one of the supported platforms"),
    ]
    for args, want in cases:
        rc, text = run(a.make, a.hw, a.out, *args)
        if rc == 0:
            errors.append("make %s exited 0 without the tools" % " ".join(args))
        if want not in text:
            errors.append("make %s: expected %r in its output, got:\n%s" % (" ".join(args), want, text))
    # nothing was built: the check comes before any work
    for root, _, files in os.walk(a.out) if os.path.isdir(a.out) else []:
        for f in files:
            if f.endswith((".xo", ".xclbin", ".xml")):
                errors.append("make left %s behind" % os.path.join(root, f))
    for e in errors:
        print("FAIL: " + e, file=sys.stderr)
    if not errors:
        print("make without the vendor tools: %d cases stop at once with a clear message" % len(cases))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
