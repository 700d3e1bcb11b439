#!/usr/bin/python3
"""Timing proxy after `yosys synth_xilinx`: the longest chain of LUTs between sequential cells.

Reads a yosys JSON netlist (write_json) of a flattened, technology-mapped design and walks the
combinational cells only. Flip-flops, block RAM, UltraRAM, DSP, SRL and I/O/clock buffers are
path endpoints (a path starts at their outputs and ends at their inputs): every cell type not in
COMB below cuts a path. Each LUT counts one level; MUXF7/8/9 and CARRY4/8 count 0 toward the LUT
figure (they are in-slice hops: Vivado reports them as logic levels, so the second figure counts
them too). Distributed RAM (RAM32M/RAM64M/RAM*X1*) reads asynchronously: one LUT level from its
address; its write data and enable end a path.

    lut_levels.py netlist.json [--top N]

Prints the LUT-level maximum, the all-cell (Vivado-style logic level) maximum, a histogram of
path-end depths, and the N deepest paths with the named nets they run through.
"""
import argparse
import json
import re
import sys
from collections import Counter

LUT = {"LUT1", "LUT2", "LUT3", "LUT4", "LUT5", "LUT6", "LUT6_2"}
HOP = {"MUXF7", "MUXF8", "MUXF9", "CARRY4", "CARRY8"}
DRAM_PREFIX = ("RAM32M", "RAM64M", "RAM32X", "RAM64X", "RAM128X", "RAM256X", "RAM16X", "RAM512X")
INPUT_PORTS = {"I", "I0", "I1", "I2", "I3", "I4", "I5", "S", "CI", "CI_TOP", "DI", "CYINIT",
               "ADDRA", "ADDRB", "ADDRC", "ADDRD", "ADDRE", "ADDRF", "ADDRG", "ADDRH", "A", "DPRA",
               "RADR0", "RADR1", "RADR2", "RADR3", "RADR4", "RADR5", "DPRA0", "DPRA1", "DPRA2",
               "DPRA3", "DPRA4", "DPRA5", "A0", "A1", "A2", "A3", "A4", "A5"}


def weight(t):
    if t in LUT or t.startswith(DRAM_PREFIX):
        return 1
    if t in HOP:
        return 0
    return None  # endpoint


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("json")
    ap.add_argument("--top", type=int, default=5)
    ap.add_argument("--path", metavar="END", help="print every cell of the deepest path ending at "
                    "the net END (a name from the list), with the nets it reads")
    a = ap.parse_args()
    with open(a.json) as f:
        d = json.load(f)
    mods = [m for m in d["modules"].values() if m.get("attributes", {}).get("top")]
    if not mods:
        mods = list(d["modules"].values())
    m = max(mods, key=lambda x: len(x.get("cells", {})))

    names = {}
    for n, net in m.get("netnames", {}).items():
        for b in net["bits"]:
            if isinstance(b, int) and (b not in names or (names[b].startswith("$") and not n.startswith("$"))):
                names[b] = n
    # driver: net bit -> (cell, weight); readers: cell -> input bits
    cells = {}
    driver = {}
    for cn, c in m["cells"].items():
        w = weight(c["type"])
        if w is None:
            continue
        dirs = c.get("port_directions", {})
        ins, outs = [], []
        dram = c["type"].startswith(DRAM_PREFIX)
        for p, bits in c["connections"].items():
            d_ = dirs.get(p, "input" if p in INPUT_PORTS else "output")
            # A distributed RAM reads combinationally from its address only; its data and write
            # enable are written at the clock edge, so they end a path like a flip-flop's D.
            if dram and d_ == "input" and not p.startswith(("A", "DPRA", "RADR")):
                continue
            for b in bits:
                if isinstance(b, int):
                    (ins if d_ == "input" else outs).append(b)
        cells[cn] = (c["type"], w, ins, outs)
        for b in outs:
            driver[b] = cn

    # topological order by iterative post-order DFS over drivers, then longest path by DP
    preds = {cn: [driver[b] for b in v[2] if b in driver] for cn, v in cells.items()}
    state = {}
    order = []
    for root in cells:
        if root in state:
            continue
        stack = [(root, 0)]
        state[root] = 1
        while stack:
            x, i = stack[-1]
            ps = preds[x]
            if i < len(ps):
                stack[-1] = (x, i + 1)
                y = ps[i]
                s_ = state.get(y)
                if s_ is None:
                    state[y] = 1
                    stack.append((y, 0))
                elif s_ == 1:
                    raise RuntimeError("combinational loop through %s" % y)
            else:
                state[x] = 2
                order.append(x)
                stack.pop()
    best = {}
    for x in order:
        lut, allc, prev = 0, 0, None
        for y in preds[x]:
            l2, a2, _ = best[y]
            if (l2, a2) > (lut, allc):
                lut, allc, prev = l2, a2, y
        best[x] = (lut + cells[x][1], allc + 1, prev)

    hist = Counter(v[0] for v in best.values())
    max_lut = max((v[0] for v in best.values()), default=0)
    max_all = max((v[1] for v in best.values()), default=0)
    print("combinational cells: %d" % len(cells))
    print("max LUT levels between sequential cells: %d" % max_lut)
    print("max logic levels (LUT + MUXF + CARRY, Vivado-style): %d" % max_all)
    print("cells by LUT depth: " + ", ".join("%d:%d" % (k, hist[k]) for k in sorted(hist)))

    def base(n):
        return re.sub(r"\s*\[\d+\]$", "", n)

    def net_name(bits, public=True):
        for b in bits:
            n = names.get(b)
            if n and (not public or not n.startswith("$")):
                return base(n)
        return None

    # Path ends: combinational cells whose outputs reach no other combinational cell (they feed a
    # register, a RAM, a DSP or a port). Group by the named net they drive; report the deepest
    # group ends with a start point (a register/RAM output feeding the first cell of the path).
    readers = set()
    for cn, v in cells.items():
        for y in preds[cn]:
            readers.add(y)
    groups = {}
    for cn in cells:
        if cn in readers:
            continue
        end = net_name(cells[cn][3]) or net_name(cells[cn][3], public=False) or cn
        g = base(end)
        if g not in groups or best[cn][:2] > best[groups[g]][:2]:
            groups[g] = cn
    ranked = sorted(groups.items(), key=lambda kv: best[kv[1]][:2], reverse=True)
    print("\ndeepest path ends (LUT levels / logic levels, end <- start):")
    for g, cn in ranked[:a.top]:
        x = cn
        chain = []
        while x is not None:
            chain.append(x)
            x = best[x][2]
        first = chain[-1]
        start = None
        for b in cells[first][2]:
            if b not in driver and b in names:
                start = base(names[b])
                if not start.startswith("$"):
                    break
        mids = []
        for c in reversed(chain[:-1]):
            n = net_name(cells[c][3])
            if n and n != g and n not in mids:
                mids.append(n)
        print("  %3d / %3d  %s <- %s%s" % (best[cn][0], best[cn][1], g, start,
                                         ("  via " + ", ".join(mids[:4])) if mids else ""))
    if a.path:
        if a.path not in groups:
            print("no path end named %s" % a.path, file=sys.stderr)
            return 1
        chain = []
        x = groups[a.path]
        while x is not None:
            chain.append(x)
            x = best[x][2]
        print("\npath to %s, first cell first (LUT level, cell type, output <- inputs):" % a.path)
        for c in reversed(chain):
            t, _, ins, outs = cells[c]
            srcs = []
            for b in ins:
                n = names.get(b, "?")
                n = n if b not in driver else n + "*"
                if n not in srcs:
                    srcs.append(n)
            print("  %2d  %-7s %s <- %s" % (best[c][0], t, net_name(outs, public=False) or c,
                                         ", ".join(srcs)))
        print("  (* = driven by a cell of the path's logic; the others are sequential outputs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
