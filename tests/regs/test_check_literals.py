#!/usr/bin/python3
"""Self-test of check_literals.py: a copy of the RTL passes; the same copy with one register-map
literal put back (one per rule) fails, naming FILE:LINE and the literal; a waived line passes.

    test_check_literals.py --check tests/regs/check_literals.py --yaml hw/regs/v6lb_regs.yaml
                           --rtl hw/rtl --work DIR
"""

import argparse
import os
import shutil
import subprocess
import sys

# (file, text in the clean RTL, the literal form put back, what the finding must name)
MUTATIONS = [
    ("v6lb_lookup.sv", "sw_d[`V6LB_TBL_SERVICE_VALID_BIT]", "sw_d[159]", "'sw_d[159]'"),
    ("v6lb_lookup.sv", "sched == `V6LB_TBL_SERVICE_SCHEDULER_MAGLEV", "sched == 2'd0", "'sched == 2'd0'"),
    ("v6lb_lookup.sv", "K_DROP_MALFORMED = `V6LB_CNT_GLOBAL_DROP_MALFORMED", "K_DROP_MALFORMED = 5'd6",
     "'K_DROP_MALFORMED = 5'd6'"),
    ("v6lb_top.sv", "T_SERVICE = `V6LB_TBL_CMD_TABLE_SERVICE", "T_SERVICE = 4'd1", "'T_SERVICE = 4'd1'"),
    ("v6lb_top.sv", "ctrl[`V6LB_CTRL_TICK_EXT_LSB]", "ctrl[1]", "'ctrl[1]'"),
    ("v6lb_top.sv", "tbl_cmd[`V6LB_TBL_CMD_OP_RANGE]", "tbl_cmd[5:4]", "'tbl_cmd[5:4]'"),
    ("v6lb_top.sv", "data_to_entry[296] = d[`V6LB_TBL_FLOW_VALID_BIT]", "data_to_entry[296] = d[351]", "'d[351]'"),
    ("v6lb_counters.sv", "RX_PACKETS = `V6LB_CNT_GLOBAL_RX_PACKETS", "RX_PACKETS = 0", "'RX_PACKETS = 0'"),
    # {n_global}: the number of global counters in the map, filled in by main().
    ("v6lb_counters.sv", "N_GLOBAL = `V6LB_CNT_GLOBAL_COUNT", "N_GLOBAL = {n_global}",
     "'N_GLOBAL = {n_global}'"),
    ("v6lb_counters.sv", "sel[`V6LB_CNT_SEL_KIND_RANGE]", "sel[25:24]", "'sel[25:24]'"),
    ("v6lb_counters.sv", "`V6LB_CNT_SEL_KIND_SERVICE: h_in_range", "2'd1: h_in_range", "2'd1:"),
]


def run(check, yaml, d):
    return subprocess.run([sys.executable, check, "--lang", "rtl", "--yaml", yaml, d],
                          capture_output=True, text=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", required=True)
    ap.add_argument("--yaml", required=True)
    ap.add_argument("--rtl", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    failures = 0

    def fresh():
        d = os.path.join(a.work, "rtl")
        shutil.rmtree(d, ignore_errors=True)
        shutil.copytree(a.rtl, d)
        return d

    d = fresh()
    res = run(a.check, a.yaml, d)
    if res.returncode != 0:
        print("FAIL: the clean copy of the RTL is rejected:\n" + res.stdout + res.stderr)
        failures += 1
    else:
        print("ok: clean copy accepted")

    import yaml  # Debian's python3-yaml, as gen_regs.py
    with open(a.yaml, encoding="utf-8") as f:
        n_global = len(yaml.safe_load(f)["counters"]["groups"]["GLOBAL"]["names"])

    # Each mutation alone, then the first again with a waiver on its line.
    for k, (fname, clean, literal, expect) in enumerate(MUTATIONS + MUTATIONS[:1]):
        literal = literal.format(n_global=n_global)
        expect = expect.format(n_global=n_global)
        waive = k == len(MUTATIONS)
        d = fresh()
        path = os.path.join(d, fname)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        if text.count(clean) != 1:
            print("FAIL: %s: expected exactly one %r in the clean RTL" % (fname, clean))
            failures += 1
            continue
        pos = text.index(clean)
        line = text.count("\n", 0, pos) + 1
        text = text.replace(clean, literal)
        if waive:
            eol = text.index("\n", pos)
            text = text[:eol] + "  // check_literals: ok (self-test)" + text[eol:]
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        res = run(a.check, a.yaml, d)
        want = "%s:%d: " % (path, line)
        if waive:
            ok = res.returncode == 0
            what = "waived %s" % literal
        else:
            hit = [l for l in res.stdout.splitlines() if l.startswith(want) and expect in l]
            ok = res.returncode == 1 and bool(hit)
            what = "%s in %s:%d" % (literal, fname, line)
        if ok:
            print("ok: %s%s" % (what, "" if waive else " -> " + hit[0].split(": ", 1)[1]))
        else:
            print("FAIL: %s (exit %d, want a line starting %r naming %s):\n%s%s" %
                  (what, res.returncode, want, expect, res.stdout, res.stderr))
            failures += 1
    shutil.rmtree(os.path.join(a.work, "rtl"), ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
