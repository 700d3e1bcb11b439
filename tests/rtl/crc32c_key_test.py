#!/usr/bin/python3
"""v6lb_crc32c_key (the CRC-32C matrix derived at elaboration) against the bit-serial definition,
in the two tools that elaborate it on their own: Icarus (simulation) and yosys (synthesis, by
evaluating the elaborated netlist). Verilator's elaboration is held to the model by the
differential tests, which hash every packet through this module.

    crc32c_key_test.py --rtl hw/rtl/v6lb_crc32c_key.sv --work DIR [--iverilog P] [--yosys P]
"""
import argparse
import os
import random
import subprocess
import sys

KEY_BYTES = 37


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c ^= b
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
    return c ^ 0xFFFFFFFF


def vectors():
    rnd = random.Random(7)
    keys = [bytes(KEY_BYTES), bytes([0xFF] * KEY_BYTES), b"123456789" + bytes(KEY_BYTES - 9)]
    # Every single-bit key: each column of the matrix on its own.
    keys += [int.to_bytes(1 << i, KEY_BYTES, "little") for i in range(8 * KEY_BYTES)]
    keys += [bytes(rnd.randrange(256) for _ in range(KEY_BYTES)) for _ in range(64)]
    return [(int.from_bytes(k, "little"), crc32c(k)) for k in keys]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rtl", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--iverilog", default="iverilog")
    ap.add_argument("--yosys", default="yosys")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    vec = vectors()
    assert crc32c(b"123456789") == 0xE3069283  # the reference itself

    tb = os.path.join(a.work, "crc_tb.sv")
    with open(tb, "w") as f:
        f.write("module crc_tb;\n  reg [295:0] key;\n  wire [31:0] crc;\n  integer errs;\n")
        f.write("  v6lb_crc32c_key dut (.key(key), .crc(crc));\n  initial begin\n    errs = 0;\n")
        for k, c in vec:
            f.write(f"    key = 296'h{k:074x}; #1;\n")
            f.write(f"    if (crc !== 32'h{c:08x}) begin errs = errs + 1; "
                    f"$display(\"MISMATCH key %h crc %h want {c:08x}\", key, crc); end\n")
        f.write('    $display("checked %0d keys, %0d mismatches", ' + str(len(vec)) + ", errs);\n")
        f.write("    $finish;\n  end\nendmodule\n")
    exe = os.path.join(a.work, "crc_tb.vvp")
    subprocess.run([a.iverilog, "-g2012", "-o", exe, a.rtl, tb], check=True)
    out = subprocess.run(["vvp", "-n", exe], check=True, capture_output=True, text=True).stdout
    print("icarus:", out.strip().splitlines()[-1])
    if "MISMATCH" in out or ", 0 mismatches" not in out:
        print(out)
        return 1

    # yosys: elaborate and optimise, then evaluate a sample of the vectors.
    sample = vec[:3] + vec[3::37] + vec[-8:]
    cmds = [f"read_verilog -sv {a.rtl}", "hierarchy -top v6lb_crc32c_key", "proc", "opt", "flatten"]
    for k, _ in sample:
        cmds.append(f"eval -set key 296'h{k:074x} -show crc")
    r = subprocess.run([a.yosys, "-p", "; ".join(cmds)], capture_output=True, text=True)
    if r.returncode != 0:
        print(r.stdout, r.stderr)
        return 1
    got = []
    for line in (r.stdout + r.stderr).splitlines():
        # "Eval result: \crc = 1617945643." (decimal) or "= 32'1001...." (binary, as yosys
        # prints values it cannot show as a positive 32-bit integer); x bits fail the parse.
        if line.startswith("Eval result:") and "crc" in line:
            v = line.split("=", 1)[1].strip().rstrip(".")
            try:
                got.append(int(v.split("'", 1)[1], 2) if "'" in v else int(v))
            except ValueError:
                got.append(-1)
    if len(got) != len(sample):
        print("yosys printed", len(got), "results for", len(sample), "keys:\n", r.stdout, r.stderr)
        return 1
    bad = [(hex(k), hex(c), hex(g)) for (k, c), g in zip(sample, got) if c != g]
    print(f"yosys: checked {len(sample)} keys, {len(bad)} mismatches")
    for b in bad:
        print("MISMATCH", *b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
