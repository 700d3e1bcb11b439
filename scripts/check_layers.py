#!/usr/bin/env python3
"""Fails when an #include in the host code points up a layer (docs/ARCHITECTURE.md, "Source layout").

The layers, lowest first: dataplane <- driver <- dpdk <- control <- io <- daemon <- tools, with
sim (the Verilated card) under the driver and base (header-only helpers) under all. A file's layer is where it lives; an
included header's layer is the LAYER of <v6lb/LAYER/name.h>. A file may include its own layer and
the layers listed for it below, nothing else. A flat "v6lb/name.h" (the old layout) is refused too.

  scripts/check_layers.py [--root DIR]     exit 0: clean; 1: violations (file:line: ... each)
"""
import argparse
import os
import re
import sys

# Where each layer lives (path prefixes relative to the root), and what it may include.
LAYERS = {
    "base": (["host/base/"], set()),
    "dataplane": (["host/dataplane/"], set()),
    "sim": (["sim/src/", "sim/include/"], set()),
    "driver": (["driver/"], {"dataplane", "sim"}),
    "dpdk": (["host/dpdk/"], {"dataplane", "driver"}),
    "io": (["host/io/"], {"dataplane", "driver", "dpdk", "sim", "control"}),
    "control": (["host/control/"], {"dataplane", "driver"}),
    "daemon": (["host/daemon/"], {"dataplane", "driver", "control", "io"}),
    "tools": (["host/tools/"], {"dataplane", "driver", "control", "daemon", "io", "dpdk", "sim"}),
}
# Header-only helpers (command lines) every layer may use.
for _name, (_where, _deps) in LAYERS.items():
    if _name != "base":
        _deps.add("base")
INCLUDE = re.compile(r'^\s*#\s*include\s*[<"](v6lb/[^">]+)[">]')


def layer_of(path):
    for name, (prefixes, _) in LAYERS.items():
        if any(path.startswith(p) for p in prefixes):
            return name
    return None


def check(root):
    problems = []
    for top in ("host", "driver", "sim/src", "sim/include"):
        for dirpath, _, files in os.walk(os.path.join(root, top)):
            for f in sorted(files):
                if not f.endswith((".h", ".cc", ".cpp", ".hpp")):
                    continue
                full = os.path.join(dirpath, f)
                rel = os.path.relpath(full, root)
                layer = layer_of(rel)
                if layer is None:
                    problems.append(f"{rel}: not in any layer (move it into one of "
                                    f"{', '.join(p for v in LAYERS.values() for p in v[0])})")
                    continue
                allowed = LAYERS[layer][1] | {layer}
                with open(full, encoding="utf-8", errors="replace") as fh:
                    for n, line in enumerate(fh, 1):
                        m = INCLUDE.match(line)
                        if not m:
                            continue
                        parts = m.group(1).split("/")
                        if len(parts) != 3 or parts[1] not in LAYERS:
                            problems.append(f"{rel}:{n}: #include \"{m.group(1)}\" names no layer "
                                            "(headers are <v6lb/LAYER/name.h>)")
                        elif parts[1] not in allowed:
                            problems.append(f"{rel}:{n}: {layer} includes \"{m.group(1)}\" of layer "
                                            f"{parts[1]}, which {layer} may not use (it may use: "
                                            f"{', '.join(sorted(allowed))})")
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=os.path.join(os.path.dirname(__file__), ".."))
    a = ap.parse_args()
    problems = check(os.path.abspath(a.root))
    for p in problems:
        print(p)
    if problems:
        print(f"check_layers: {len(problems)} include(s) against the layering", file=sys.stderr)
        return 1
    print("check_layers: every include points down a layer or stays within one")
    return 0


if __name__ == "__main__":
    sys.exit(main())
