#!/usr/bin/python3
"""docs/REGISTERS.md must equal the one the build generates from hw/regs/v6lb_regs.yaml.

    check_docs.py --generated build/generated/REGISTERS.md --checked-in docs/REGISTERS.md
"""

import argparse
import difflib
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--generated", required=True)
    ap.add_argument("--checked-in", dest="checked_in", required=True)
    a = ap.parse_args()
    with open(a.generated, encoding="utf-8") as f:
        gen = f.read()
    try:
        with open(a.checked_in, encoding="utf-8") as f:
            doc = f.read()
    except FileNotFoundError:
        doc = None
    if doc == gen:
        print("%s is up to date" % a.checked_in)
        return 0
    if doc is None:
        print("%s does not exist." % a.checked_in, file=sys.stderr)
    else:
        diff = difflib.unified_diff(doc.splitlines(True), gen.splitlines(True),
                                    a.checked_in, a.generated, n=1)
        sys.stderr.writelines(list(diff)[:80])
        print("\n%s differs from the register description." % a.checked_in, file=sys.stderr)
    print("It is generated: rebuild, then copy the generated file over it and commit it:\n"
          "    cp %s %s" % (a.generated, a.checked_in), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
