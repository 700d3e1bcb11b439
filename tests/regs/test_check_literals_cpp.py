#!/usr/bin/python3
"""Self-test of check_literals.py's C++ rules: a copy of driver/ and host/ passes; the same copy
with one register-map literal put back (one per rule) fails, naming FILE:LINE and the line.

    test_check_literals_cpp.py --check tests/regs/check_literals.py --yaml hw/regs/v6lb_regs.yaml
                               --root . --work DIR
"""

import argparse
import os
import shutil
import subprocess
import sys

# (file, text in the clean tree, the literal form put back, what the finding must name)
MUTATIONS = [
    ("driver/src/card_tables.cc", "constexpr uint32_t kFlowOwnerWord = r::at(r::TBL_DATA, r::TBL_FLOW_VALID_WORD);",
     "constexpr uint32_t kFlowOwnerWord = r::TBL_DATA + 4 * 10;", "r::TBL_DATA + 4 * 10"),
    ("driver/src/card_tables.cc", "kTableService = r::TBL_CMD_TABLE_SERVICE", "kTableService = 1",
     "kTableService = 1"),
    ("driver/src/card_tables.cc", "if (r::TBL_STATUS_ERROR_GET(st)) throw CardError(dev_.name() + \": table command rejected\");\n    if (!r", "if (st & 2) throw CardError(dev_.name() + \": table command rejected\");\n    if (!r",
     "st & 2"),
    ("driver/src/table_words.cc", "w[r::TBL_FLOW_DEADLINE_WORD] |= r::TBL_FLOW_DEADLINE(e.deadline);",
     "w[11] = e.deadline;", "w[11]"),
    ("driver/src/model_device.cc", "const uint32_t table = r::TBL_CMD_TABLE_GET(cmd), op = r::TBL_CMD_OP_GET(cmd);",
     "const uint32_t table = cmd & 0xF, op = (cmd >> 4) & 3;", "cmd & 0xF"),
    ("driver/src/model_device.cc", "case r::CNT_SEL_KIND_GLOBAL:", "case 0:", "case 0:"),
    ("host/control/src/stats_json.cc", "card.read_counter(CounterKind::kFlowOccupancy, r::CNT_FLOW_OCC_FORWARD)",
     "card.read_counter(3, 0)", "read_counter(3, 0)"),
    ("host/dataplane/include/v6lb/dataplane/packet_class.h",
     "kDropMalformed = regs::CNT_GLOBAL_DROP_MALFORMED,", "kDropMalformed,", "kDropMalformed,"),
]


def run(check, yaml, root):
    return subprocess.run([sys.executable, check, "--lang", "cpp", "--yaml", yaml,
                           os.path.join(root, "driver"), os.path.join(root, "host")],
                          capture_output=True, text=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", required=True)
    ap.add_argument("--yaml", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    failures = 0

    def fresh():
        d = os.path.join(a.work, "tree")
        shutil.rmtree(d, ignore_errors=True)
        for sub in ("driver", "host"):
            shutil.copytree(os.path.join(a.root, sub), os.path.join(d, sub))
        return d

    res = run(a.check, a.yaml, fresh())
    if res.returncode != 0:
        print("FAIL: the clean copy is rejected:\n" + res.stdout + res.stderr)
        return 1
    print("ok: clean copy accepted")
    for path, clean, literal, want in MUTATIONS:
        d = fresh()
        p = os.path.join(d, path)
        with open(p) as fh:
            text = fh.read()
        if text.count(clean) != 1:
            print(f"FAIL: {path}: the clean text {clean!r} is not there once (update the test)")
            failures += 1
            continue
        with open(p, "w") as fh:
            fh.write(text.replace(clean, literal))
        res = run(a.check, a.yaml, d)
        line = text[: text.index(clean)].count("\n") + 1
        if res.returncode != 1 or f"{path}:{line}:" not in res.stdout or want not in res.stdout:
            print(f"FAIL: {path}:{line}: {literal!r} not reported (exit {res.returncode}):\n"
                  + res.stdout + res.stderr)
            failures += 1
        else:
            print(f"ok: {path}:{line}: {literal!r} reported")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
