#!/usr/bin/python3
"""Fail when source code spells a part of the register map as a number instead of taking it from
the generated files (v6lb_regs.svh for RTL, v6lb_regs.h for C++).

    check_literals.py --yaml hw/regs/v6lb_regs.yaml [--gen hw/regs/gen_regs.py] [--lang auto|rtl|cpp]
                      PATH...

PATH is a file or a directory (searched for *.sv, *.svh, *.v and, with C++ rules, *.h, *.cc,
*.cpp, *.hpp). Every finding is printed as FILE:LINE: message (naming the literal and the
generated constant it duplicates); the exit status is 1 if there is any, 0 otherwise, 2 on a
usage error.

The rules are data-driven: the register map is loaded with gen_regs.py itself (the same model
that writes the generated files), so register offsets, field positions, table codes, TBL_DATA
layouts and counter numbers come from the YAML, never from this script.

RTL rules (check_rtl):
  R1  a localparam, parameter or `define with a numeric value whose name names a generated
      constant of the same value (T_SERVICE = 4'd1 is TBL_CMD.TABLE SERVICE; RX_PACKETS = 0 is
      counter GLOBAL rx_packets; N_GLOBAL = 20 is the GLOBAL group's count; ADDR_TBL_CMD =
      'h148 is TBL_CMD's offset), or whose value is a register offset of the table/counter part
      of the map (>= 0x100) written in hex.
  R2  a bit- or part-select by numbers of a vector that holds a register (named after it, e.g.
      `ctrl`, `tbl_cmd`, or a module port connected to one, e.g. v6lb_counters.sel <- cnt_sel)
      that falls within one of its fields (tbl_cmd[3:0], ctrl[1]).
  R3  a bit- or part-select by numbers equal to a TBL_DATA field's flat position (d[159],
      d[343:336], d[144 +: 8]) for fields beyond word 0, on any vector; and any numeric select
      inside a field on a vector that holds TBL_DATA (tbl_data, ports connected to it, and
      vectors assigned from those).
  R4  a compare (==, !=, <, <=, >, >=, case item) against a number of a signal that holds an
      enumerated field (TBL_CMD.TABLE/OP, CNT_SEL.KIND, the service SCHEDULER, ...) or a
      counter select (CNT_SEL.INDEX/FIELD).

Widths (32'd0), loop bounds, masks of generic vectors and constants that merely happen to have
the same value are not findings. A line whose comment contains `check_literals: ok` is skipped
(say why in the comment); a file containing `check_literals: off` is skipped entirely (for
files with a register map of their own, e.g. the CMAC kernel's).

C++ rules (check_cpp, for driver/ and the host layers that talk to registers): an offset
computed from a register name and a literal (TBL_DATA + 4 * 10), a table code, op or counter
kind as a literal (kTableService = 1, read_counter(3, 0)), a TBL_DATA word by number (w[10]),
a register field taken apart with a literal shift or mask (cmd & 0xF, st & 2), a case literal in
a switch over table/op/kind/field, and the Counter enum numbered by anything but
regs::CNT_GLOBAL_*. Language dispatch is by file extension (--lang auto) or forced with --lang.
"""

import argparse
import importlib.util
import os
import re
import sys

RTL_EXT = (".sv", ".svh", ".v")
CPP_EXT = (".h", ".hh", ".hpp", ".cc", ".cpp", ".cxx")
WAIVE_LINE = "check_literals: ok"
WAIVE_FILE = "check_literals: off"


# ----------------------------------------------------------------------------------------------
# The register map, as facts the rules look for


class Facts:
    """What the rules know about the map: every generated constant that a literal can duplicate."""

    def __init__(self, rm, symbols):
        self.registers = rm.registers
        self.by_reg = {r.name: r for r in rm.registers}
        # (name tokens, value, generated SV name, what): named constants a localparam may copy.
        self.named = []
        # Table-select / op / kind style fields: (register, field) with values or counter selects.
        self.enum_fields = set()
        sv_of = {}
        for _, svn, _, value, fmt in symbols:
            sv_of[svn] = (value, fmt)
        for r in rm.registers:
            self.named.append((tokens(r.name), r.offset, "V6LB_REG_" + r.name, "offset of %s" % r.name))
            for f in r.fields:
                for vn, vv in f.values.items():
                    self.named.append((tokens(vn), vv, "V6LB_%s_%s_%s" % (r.name, f.name, vn),
                                       "%s.%s value %s" % (r.name, f.name, vn)))
                if f.values:
                    self.enum_fields.add((r.name, f.name))
        for gname, sel, cnames in rm.counters:
            self.named.append((tokens(gname), len(cnames), "V6LB_CNT_%s_COUNT" % gname,
                               "number of %s counters" % gname))
            self.enum_fields.add((rm.counter_reg.name, sel.name))
            for i, n in enumerate(cnames):
                self.named.append((tokens(n), i, "V6LB_CNT_%s_%s" % (gname, n.upper()),
                                   "counter %s %s" % (gname, n)))
        # TBL_DATA bit fields: flat (top, bit), layout and field names.
        self.tbl_fields = []
        for lo in rm.layouts:
            for f in lo.fields:
                if f.nbytes is not None:
                    continue
                self.tbl_fields.append((f.bit + f.width - 1, f.bit, lo.name, f.name,
                                        "V6LB_TBL_%s_%s_%s" % (lo.name, f.name, "BIT" if f.width == 1 else "RANGE")))
        self.tbl_data_reg = rm.layout_data.name if rm.layout_data else None
        # Enumerated layout fields (SCHEDULER): bound through TBL_DATA positions or their macros.
        self.tbl_enum = {(lo.name, f.name) for lo in rm.layouts for f in lo.fields if f.nbytes is None and f.values}
        self.ids_magic = self.by_reg["ID"].reset if "ID" in self.by_reg else None
        self.sv_names = set(sv_of)


def tokens(name):
    return [t for t in re.split(r"_+", name.upper()) if t]


def load_facts(yaml_path, gen_path):
    spec = importlib.util.spec_from_file_location("gen_regs", gen_path)
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    doc, dups = gen.load_yaml(yaml_path)
    if dups:
        raise SystemExit("check_literals.py: %s has duplicate keys" % yaml_path)
    rm = gen.build(doc, yaml_path, {})
    return Facts(rm, gen.symbols(rm))


# ----------------------------------------------------------------------------------------------
# Verilog text helpers

NUM_RE = re.compile(r"(?<![\w`$.])(?:(\d+)\s*)?'\s*[sS]?([dDhHbBoO])\s*([0-9a-fA-F_]+)|(?<![\w`$.'])(\d[\d_]*)(?![\w'.])")
IDENT = r"[A-Za-z_][A-Za-z0-9_$]*"


def parse_num(text):
    """The value of a Verilog integer literal (4'd1, 'h148, 32'h0000_0148, 6), else None."""
    t = text.strip()
    m = re.fullmatch(r"(?:(\d+)\s*)?'\s*[sS]?([dDhHbBoO])\s*([0-9a-fA-F_]+)", t)
    if m:
        base = {"d": 10, "h": 16, "b": 2, "o": 8}[m.group(2).lower()]
        try:
            return int(m.group(3).replace("_", ""), base)
        except ValueError:
            return None
    if re.fullmatch(r"\d[\d_]*", t):
        return int(t.replace("_", ""))
    return None


def strip_comments(text):
    """Comments and strings blanked out (newlines kept, so line numbers stay)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"' and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append('"' + " " * (j - i - 2) + '"' if j - i >= 2 else text[i:j])
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def line_of(text, pos):
    return text.count("\n", 0, pos) + 1


def balanced(text, start):
    """Index just past the parenthesis group opening at text[start] == '('."""
    depth = 0
    for k in range(start, len(text)):
        if text[k] == "(":
            depth += 1
        elif text[k] == ")":
            depth -= 1
            if depth == 0:
                return k + 1
    return len(text)


class RtlFile:
    def __init__(self, path, raw):
        self.path, self.raw = path, raw
        self.text = strip_comments(raw)
        self.raw_lines = raw.split("\n")
        self.modules = re.findall(r"\bmodule\s+(" + IDENT + ")", self.text)

    def waived(self, line):
        return 0 < line <= len(self.raw_lines) and WAIVE_LINE in self.raw_lines[line - 1]


def instantiations(f, known_modules):
    """(module type, {port: connected identifier}) of every instance in the file."""
    out = []
    for m in re.finditer(r"\b(" + IDENT + r")\s*(#\s*\()?", f.text):
        mod = m.group(1)
        if mod not in known_modules:
            continue
        k = m.end()
        if m.group(2):
            k = balanced(f.text, m.end() - 1)
        mi = re.compile(r"\s*(" + IDENT + r")\s*\(").match(f.text, k)
        if not mi:
            continue
        body = f.text[mi.end() - 1:balanced(f.text, mi.end() - 1)]
        ports = {p: s for p, s in re.findall(r"\.(" + IDENT + r")\s*\(\s*(" + IDENT + r")\s*\)", body)}
        out.append((mod, ports))
    return out


# ----------------------------------------------------------------------------------------------
# RTL rules


def rtl_aliases(files, facts):
    """Per module: {vector name: register name} for vectors that hold a register (by name, or a
    port connected to one), propagated through instantiations until nothing changes."""
    reg_of_name = {r.name.lower(): r.name for r in facts.registers}
    known = {m for f in files for m in f.modules}
    alias = {m: {} for m in known}
    inst = [(f, instantiations(f, known)) for f in files]
    for f in files:
        for m in f.modules:
            for name in set(re.findall(IDENT, f.text)):
                base = re.sub(r"^(s_|r_)|(_q|_r|_reg|_all)$", "", name)
                if base in reg_of_name:
                    alias[m][name] = reg_of_name[base]
    changed = True
    while changed:
        changed = False
        for f, insts in inst:
            here = {}
            for m in f.modules:
                here.update(alias[m])
            for mod, ports in insts:
                for port, sig in ports.items():
                    if sig in here and port not in alias[mod]:
                        alias[mod][port] = here[sig]
                        changed = True
    return alias


def module_spans(f):
    """(module name, start, end) of each module in the file."""
    spans = []
    for m in re.finditer(r"\bmodule\s+(" + IDENT + r")", f.text):
        e = f.text.find("endmodule", m.end())
        spans.append((m.group(1), m.start(), len(f.text) if e < 0 else e))
    return spans


SELECT_RE = re.compile(r"(" + IDENT + r")\s*((?:\[[^\[\]]*\]\s*)*)\[\s*([^\[\]]+?)\s*\]")


def numeric_select(idx):
    """(hi, lo) of a select written only with numbers: [N], [H:L], [L +: W], [H -: W]."""
    m = re.fullmatch(r"(.+?)\s*(\+:|-:|:)\s*(.+)", idx)
    if m:
        a, op, b = parse_num(m.group(1)), m.group(2), parse_num(m.group(3))
        if a is None or b is None:
            return None
        if op == ":":
            return (max(a, b), min(a, b))
        if op == "+:":
            return (a + b - 1, a)
        return (a, a - b + 1)
    v = parse_num(idx)
    return None if v is None else (v, v)


def check_rtl(files, facts):
    findings = []

    def add(f, pos, literal, msg):
        line = line_of(f.text, pos)
        if not f.waived(line):
            findings.append((f.path, line, "'%s' %s" % (literal, msg)))

    alias = rtl_aliases(files, facts)
    tbl_reg = facts.tbl_data_reg
    for f in files:
        for mod, start, end in module_spans(f):
            body = f.text[start:end]
            regs = dict(alias.get(mod, {}))
            # Vectors holding TBL_DATA: aliases of the register, and vectors assigned from one
            # (whole, or a slice from bit 0), e.g. sw_d <= svc_wdata[TW-1:0].
            tbl = {n for n, r in regs.items() if r == tbl_reg}
            changed = True
            while changed:
                changed = False
                for m in re.finditer(r"(" + IDENT + r")\s*<?=\s*(" + IDENT + r")\s*(\[[^\]]*:\s*0\s*\])?\s*;", body):
                    if m.group(2) in tbl and m.group(1) not in tbl:
                        tbl.add(m.group(1))
                        changed = True
            check_rtl_decls(f, start, body, facts, add)
            bound = check_rtl_selects(f, start, body, facts, regs, tbl, add)
            check_rtl_compares(f, start, body, facts, bound, add)
        # `define outside modules too
        for m in re.finditer(r"`define\s+(" + IDENT + r")[ \t]+([^\n]+)", f.text):
            check_named(f, m.start(), m.group(1), m.group(2).strip(), facts, add)
    return findings


def check_named(f, pos, name, value_text, facts, add):
    """R1 for one NAME = VALUE."""
    value = parse_num(value_text)
    if value is None or name.startswith("V6LB_"):
        return
    toks = tokens(name)
    # Drop a short prefix (K_, T_, OPC_, ADDR_, REG_) when something is left.
    variants = [toks]
    if len(toks) > 1 and (len(toks[0]) <= 3 or toks[0] in ("ADDR", "REG", "OFFSET", "IDX", "CNT")):
        variants.append(toks[1:])
    for ntoks, nval, svn, what in facts.named:
        if nval != value:
            continue
        if what.startswith("number of"):
            # A count: N_GLOBAL, NUM_GLOBAL, GLOBAL_COUNT for the GLOBAL group's size.
            rest = [t for t in toks if t not in ("N", "NUM", "COUNT", "CNT")]
            hit = len(rest) < len(toks) and bool(rest) and \
                (rest[:len(ntoks)] == ntoks or ntoks[:len(rest)] == rest)
        elif what.startswith("offset"):
            # The register's name inside the localparam's: ADDR_TBL_CMD, TBL_CMD_OFF.
            hit = any(toks[i:i + len(ntoks)] == ntoks for i in range(len(toks) - len(ntoks) + 1))
        else:
            # One a token prefix of the other: T_FWD ~ FWD_FLOW, K_PUNT_EXT ~ PUNT_EXT_HEADERS.
            hit = any(v[:len(ntoks)] == ntoks or ntoks[:len(v)] == v for v in variants)
        if hit:
            add(f, pos, "%s = %s" % (name, value_text),
                "duplicates `%s (%s): use the generated constant" % (svn, what))
            return
    if re.search(r"'\s*[sS]?[hH]", value_text) and value >= 0x100:
        for r in facts.registers:
            if r.offset == value:
                add(f, pos, "%s = %s" % (name, value_text),
                    "is the offset of register %s: use `V6LB_REG_%s" % (r.name, r.name))
                return
    if facts.ids_magic is not None and value == facts.ids_magic:
        add(f, pos, "%s = %s" % (name, value_text), "is the ID magic: use `V6LB_ID_MAGIC")


def check_rtl_decls(f, start, body, facts, add):
    for m in re.finditer(r"\b(?:localparam|parameter)\b([^;]*);", body):
        decl = m.group(1)
        # Drop a type/range prefix; split NAME = VALUE pairs at top-level commas.
        depth, cur, parts = 0, "", []
        for c in decl:
            if c in "([{":
                depth += 1
            elif c in ")]}":
                depth -= 1
            if c == "," and depth == 0:
                parts.append(cur)
                cur = ""
            else:
                cur += c
        parts.append(cur)
        for p in parts:
            mm = re.search(r"(" + IDENT + r")\s*=\s*(.+)$", p.strip(), re.S)
            if not mm:
                continue
            off = m.start(1) + decl.find(p) + p.find(mm.group(1))
            check_named(f, start + off, mm.group(1), mm.group(2).strip(), facts, add)


def field_hit(reg, hi, lo):
    for fl in reg.fields:
        if fl.lsb <= lo and hi <= fl.msb:
            return fl
    return None


def check_rtl_selects(f, start, body, facts, regs, tbl, add):
    """R2 and R3; returns {signal: (what, field)} of signals bound to an enumerated field."""
    bound = {}
    for m in SELECT_RE.finditer(body):
        name, idx = m.group(1), m.group(3)
        if m.group(2).strip():  # an array element's select: its own layout
            continue
        sel = numeric_select(idx)
        pos = start + m.start()
        literal = "%s[%s]" % (name, idx)
        if sel is not None:
            hi, lo = sel
            if name in regs:
                reg = facts.by_reg[regs[name]]
                fl = field_hit(reg, hi, lo)
                if fl is not None:
                    add(f, pos, literal, "selects %s.%s by number: use `V6LB_%s_%s_%s" %
                        (reg.name, fl.name, reg.name, fl.name, "LSB" if fl.width == 1 else "RANGE"))
                    if (reg.name, fl.name) in facts.enum_fields:
                        bind(body, m, bound, (reg.name, fl.name))
                    continue
            # Exact positions of fields beyond word 0 on any vector; on a TBL_DATA vector any
            # select inside a field. Every layout with a field there is named.
            exact = [t for t in facts.tbl_fields if (hi, lo) == (t[0], t[1]) and t[1] >= 32]
            inside = [t for t in facts.tbl_fields if name in tbl and t[1] <= lo and hi <= t[0]]
            hits = exact or inside
            if hits:
                add(f, pos, literal, "is TBL_DATA %s: use %s" % (
                    " or ".join("%s.%s (bits %d:%d)" % (t[2], t[3], t[0], t[1]) for t in hits),
                    " / ".join("`" + t[4] for t in hits)))
                for t in hits:
                    if (t[2], t[3]) in facts.tbl_enum:
                        bind(body, m, bound, (t[2], t[3]))
        else:
            # Bound through the generated macros: e.g. cmd_table = tbl_cmd[`V6LB_TBL_CMD_TABLE_RANGE].
            for reg_name, fname in facts.enum_fields:
                if re.search(r"`V6LB_%s_%s_(RANGE|LSB)\b" % (reg_name, fname), idx):
                    bind(body, m, bound, (reg_name, fname))
            for lname, fname in facts.tbl_enum:
                if re.search(r"`V6LB_TBL_%s_%s_(RANGE|BIT)\b" % (lname, fname), idx):
                    bind(body, m, bound, (lname, fname))
    # Propagate: X = BOUND or X = BOUND[index expression] (an array of the field).
    changed = True
    while changed:
        changed = False
        for m in re.finditer(r"(" + IDENT + r")\s*(?:\[[^\]]*\]\s*)?<?=\s*(" + IDENT + r")\s*(\[[^\]]*\])?\s*;", body):
            if m.group(2) in bound and m.group(1) not in bound:
                bound[m.group(1)] = bound[m.group(2)]
                changed = True
    return bound


def bind(body, m, bound, field):
    """The signal assigned from the select at m (wire X = sel; X <= sel; X[i] <= sel;)."""
    before = body[:m.start()]
    mm = re.search(r"(" + IDENT + r")\s*(?:\[[^\]]*\]\s*)?<?=\s*$", before)
    if mm:
        bound[mm.group(1)] = field


def check_rtl_compares(f, start, body, facts, bound, add):
    if not bound:
        return
    names = "|".join(sorted(map(re.escape, bound), key=len, reverse=True))
    num = r"(?:\d+\s*)?'\s*[sS]?[dDhHbB]\s*[0-9a-fA-F_]+|\d+"
    pat = re.compile(r"\b(%s)\b\s*(==|!=|<=|>=|<|>)\s*(%s)(?![\w'])|(?<![\w'])(%s)\s*(==|!=|<=|>=|<|>)\s*\b(%s)\b(?!\s*\()"
                     % (names, num, num, names))
    for m in pat.finditer(body):
        sig = m.group(1) or m.group(6)
        lit = m.group(3) or m.group(4)
        if m.group(4) and body[m.end():].lstrip().startswith("["):
            continue
        reg, fl = bound[sig]
        add(f, start + m.start(), "%s %s %s" % (sig, m.group(2) or m.group(5), lit),
            "compares %s.%s with a number: use the generated value (`V6LB_%s_%s_<VALUE>) or count" %
            (reg, fl, "TBL_" + reg if (reg, fl) in facts.tbl_enum else reg, fl))
    # case (BOUND) ... numeric item labels
    for m in re.finditer(r"\bcase[xz]?\s*\(\s*(%s)\s*\)" % names, body):
        e = body.find("endcase", m.end())
        items = body[m.end():e if e > 0 else len(body)]
        reg, fl = bound[m.group(1)]
        for it in re.finditer(r"(?:^|;|\bend\b|\bbegin\b)\s*((?:%s)(?:\s*,\s*(?:%s))*)\s*:(?!:)" % (num, num), items, re.M):
            add(f, start + m.end() + it.start(1), "case (%s) %s:" % (m.group(1), it.group(1)),
                "compares %s.%s with a number: use the generated value" % (reg, fl))


# ----------------------------------------------------------------------------------------------
# C++ rules: the hook


# C++ rules of the register-literal check: driver/ and host/ code must take register offsets,
# table codes, TBL_DATA word and field positions and counter numbers from v6lb_regs.h.

# Where the code talks to the register map. cmac_link.* reads the CMAC kernel's own register
# block (hw/vitis/cmac), which is not part of v6lb_regs.yaml.
CPP_DIRS = ("driver/", "host/dpdk/", "host/control/", "host/daemon/", "host/io/", "host/tools/")
CPP_SKIP = ("driver/include/v6lb/driver/cmac_link.h", "driver/src/cmac_link.cc")

_RULES = [
    # An offset computed from a register name and a literal: TBL_DATA + 4 * 10.
    (re.compile(r'\b(?:regs::|r::)?(?:TBL_DATA|ACTIVE_BANK|CARD_ADDR|CNT_SEL|CNT_LO|CNT_HI|TBL_\w+|CNT_\w+)'
                r'\s*\+\s*(?:\d|uint32_t\(\s*\d)'),
     "register offset computed with a literal (use regs::at(BASE, i) and the generated _WORD)"),
    # A counter group or field given as a number.
    (re.compile(r'\bread_counter\(\s*\d'), "counter group (CNT_SEL.KIND) as a literal (CounterKind)"),
    (re.compile(r'\bread_counter\([^,()]+,[^,()]+,\s*\d+\s*\)'),
     "counter field as a literal (regs::CNT_SERVICE_* / CNT_BACKEND_*)"),
    # Hand-copied table codes, ops and counter kinds.
    (re.compile(r'\bk(?:Table|Op|Tbl|Cnt|Kind)[A-Z]\w*\s*=\s*\d'),
     "table code, op or counter kind as a literal (regs::TBL_CMD_* / CNT_SEL_KIND_*)"),
    # A TBL_DATA word picked by number.
    (re.compile(r'(?<![\w\s])\s*\b(?:w|data|tw)\[\s*\d+\s*\](?!\s*[;=]?\s*(?:\{|=\s*\{|;))'),
     "TBL_DATA word by number (regs::TBL_<LAYOUT>_<FIELD>_WORD)"),
    # Fields of the command, select, status and counter-select registers taken apart by hand.
    (re.compile(r'\b(?:cmd|sel|cnt_sel|status|st|tbl_cmd|owner|owners\[[^\]]*\])\s*(?:>>|&)\s*(?:0x[0-9A-Fa-f]+|\d+)'),
     "register field extracted with a literal shift or mask (regs::<REG>_<FIELD>_GET)"),
    (re.compile(r'\b(?:table|op|kind|field)\s*<<\s*\d+'),
     "register field placed with a literal shift (regs::<REG>_<FIELD>(v))"),
]
_SWITCH = re.compile(r'\bswitch\s*\(\s*(kind|field|table|op)\s*\)')
_CASE_NUM = re.compile(r'^\s*case\s+\d+\s*:')
_COUNTER_ENUM = re.compile(r'enum\s+class\s+Counter\b[^{]*\{')


def _strip_comment(line):
    i = line.find("//")
    return line if i < 0 else line[:i]


def check_cpp_file(rel, text):
    """Returns [(line, message)] for one C++ file (path relative to the root)."""
    if not rel.startswith(("driver/", "host/")) or not rel.endswith(CPP_EXT) or rel in CPP_SKIP:
        return []
    register_code = rel.startswith(CPP_DIRS)  # the Counter enum is checked everywhere
    out = []
    lines = text.split("\n")
    in_switch = None  # brace depth at which a switch over a register field opened
    depth = 0
    in_counter_enum = False
    for n, raw in enumerate(lines, 1):
        line = _strip_comment(raw)
        for rx, msg in _RULES if register_code else ():
            if rx.search(line):
                out.append((n, f"{msg}: {raw.strip()}"))
        if _SWITCH.search(line):
            in_switch = depth
        if register_code and in_switch is not None and _CASE_NUM.match(line):
            out.append((n, f"table code, op, counter kind or field as a case literal: {raw.strip()}"))
        if _COUNTER_ENUM.search(line):
            in_counter_enum = True
        elif in_counter_enum:
            if "}" in line:
                in_counter_enum = False
            else:
                m = re.match(r'\s*(k\w+)\s*(=\s*([^,]+))?,?\s*$', line)
                if m and (not m.group(3) or "regs::CNT_GLOBAL_" not in m.group(3)):
                    out.append((n, "Counter enumerator not numbered by the register map "
                                   f"(= regs::CNT_GLOBAL_*): {raw.strip()}"))
        depth += line.count("{") - line.count("}")
        if in_switch is not None and depth <= in_switch:
            in_switch = None
    return out


def check_cpp(files, facts):
    """C++ rules (driver/ and the host layers that talk to the register map; see CPP_DIRS): a
    register offset computed from a name and a literal, table codes/ops/counter kinds as
    literals, TBL_DATA words by number, register fields taken apart with literal shifts or
    masks, switch cases over a table/op/kind/field by number, and the Counter enum numbered by
    anything but regs::CNT_GLOBAL_*. Line-oriented on purpose: the C++ reaches the map through
    v6lb_regs.h's named constants and helpers, so any number next to these names is a copy."""
    del facts  # the rules name the generated constants' shapes, not their values
    out = []
    for f in files:
        path = f.path.replace(os.sep, "/")
        # The path relative to the repository root: from its driver/ or host/ part.
        m = re.search(r"(?:^|/)((?:driver|host)/.*)$", path)
        if not m:
            continue
        for line, msg in check_cpp_file(m.group(1), f.raw):
            if WAIVE_LINE not in f.raw.split("\n")[line - 1]:
                out.append((f.path, line, msg))
    return out


LANGS = {"rtl": (RTL_EXT, check_rtl), "cpp": (CPP_EXT, check_cpp)}


def lang_of(path, forced):
    if forced != "auto":
        return forced
    for lang, (exts, _) in LANGS.items():
        if path.endswith(exts):
            return lang
    return None


def collect(paths, forced):
    out = []
    for p in paths:
        if os.path.isdir(p):
            for d, _, names in sorted(os.walk(p)):
                for n in sorted(names):
                    q = os.path.join(d, n)
                    if lang_of(q, forced if forced != "auto" else "auto") and (forced == "auto" or q.endswith(LANGS[forced][0])):
                        out.append(q)
        else:
            out.append(p)
    return out


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description="Find register-map literals in RTL and C++.")
    ap.add_argument("--yaml", required=True, help="register description (hw/regs/v6lb_regs.yaml)")
    ap.add_argument("--gen", default=os.path.join(here, "..", "..", "hw", "regs", "gen_regs.py"),
                    help="gen_regs.py (its model of the map is used)")
    ap.add_argument("--lang", choices=["auto"] + sorted(LANGS), default="auto",
                    help="rules to apply (auto: by file extension)")
    ap.add_argument("paths", nargs="+")
    a = ap.parse_args(argv)
    facts = load_facts(a.yaml, a.gen)
    by_lang = {}
    for p in collect(a.paths, a.lang):
        lang = lang_of(p, a.lang)
        if lang is None:
            sys.stderr.write("check_literals.py: %s: unknown language (use --lang)\n" % p)
            return 2
        with open(p, encoding="utf-8") as fh:
            raw = fh.read()
        if WAIVE_FILE in raw:
            continue
        if os.path.basename(p) == "v6lb_regs.svh":  # the generated include itself
            continue
        by_lang.setdefault(lang, []).append(RtlFile(p, raw) if lang == "rtl" else _Src(p, raw))
    findings = []
    for lang, files in by_lang.items():
        findings += LANGS[lang][1](files, facts)
    for path, line, msg in sorted(set(findings)):
        print("%s:%d: %s" % (path, line, msg))
    n = sum(len(v) for v in by_lang.values())
    if findings:
        print("check_literals.py: %d literal(s) of the register map in %d file(s) checked" % (len(set(findings)), n))
        return 1
    print("check_literals.py: %d file(s) clean" % n)
    return 0


class _Src:
    def __init__(self, path, raw):
        self.path, self.raw = path, raw


if __name__ == "__main__":
    sys.exit(main())
