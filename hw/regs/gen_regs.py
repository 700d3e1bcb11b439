#!/usr/bin/python3
"""Generate the v6lb register artefacts from the one register description (v6lb_regs.yaml).

    gen_regs.py --in v6lb_regs.yaml [--sv v6lb_regs.svh] [--cpp v6lb_regs.h] [--md REGISTERS.md]
                [--kernel-xml kernel.xml] [--params NAME=VALUE ...]

The description is validated first (names, offsets, arrays, fields, layouts, counters); any
error is reported as FILE:LINE: message and nothing is written. Outputs are deterministic (no
dates, no absolute paths), so the generated REGISTERS.md can be compared with the checked-in
docs/REGISTERS.md. Needs only the standard library and PyYAML (Debian python3-yaml).
"""

import argparse
import os
import re
import sys
from xml.sax.saxutils import quoteattr

try:
    import yaml
except ImportError:  # pragma: no cover
    sys.exit("gen_regs.py: error: PyYAML is missing (apt-get install python3-yaml; run with /usr/bin/python3)")

ACCESS = ("ro", "rw", "wo", "cmd")
UPPER_ID = re.compile(r"^[A-Z][A-Z0-9_]*$")
LOWER_ID = re.compile(r"^[a-z][a-z0-9_]*$")
HDL_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
BITS_RE = re.compile(r"^\s*(\d+)\s*(?::\s*(\d+)\s*)?$")
REG_WIDTH = 32


class DescError(Exception):
    pass


# ----------------------------------------------------------------------------------------------
# YAML loading with line numbers and duplicate-key detection


def sget(d, key):
    """d.get(key) for a key that may be of any (possibly unhashable) type."""
    return d.get(key) if isinstance(key, (str, int)) else None


def line_of(obj):
    return getattr(obj, "line", 0)


class LDict(dict):
    line = 0


class LList(list):
    line = 0


class _Loader(yaml.SafeLoader):
    pass


def _construct_map(loader, node):
    data = LDict()
    data.line = node.start_mark.line + 1
    yield data
    seen = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            loader.dup_errors.append((key_node.start_mark.line + 1,
                                      "duplicate key %r (first at line %d)" % (key, seen[key])))
        else:
            seen[key] = key_node.start_mark.line + 1
    data.update(loader.construct_mapping(node, deep=True))


def _construct_seq(loader, node):
    data = LList()
    data.line = node.start_mark.line + 1
    yield data
    data.extend(loader.construct_sequence(node, deep=True))


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


def load_yaml(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    loader = _Loader(text)
    loader.dup_errors = []
    try:
        doc = loader.get_single_data()
    except yaml.YAMLError as e:
        raise DescError("%s: invalid YAML: %s" % (path, e))
    finally:
        loader.dispose()
    return doc, loader.dup_errors


# ----------------------------------------------------------------------------------------------
# The model


class Param:
    def __init__(self, name, default, desc, lo, hi, pow2, line):
        self.name, self.default, self.desc = name, default, desc
        self.min, self.max, self.pow2, self.line = lo, hi, pow2, line
        self.value = default


class Field:
    def __init__(self, name, msb, lsb, desc, values, line):
        self.name, self.msb, self.lsb, self.desc, self.values, self.line = name, msb, lsb, desc, values, line

    @property
    def width(self):
        return self.msb - self.lsb + 1

    @property
    def mask(self):
        return ((1 << self.width) - 1) << self.lsb

    def bits_str(self):
        return str(self.lsb) if self.msb == self.lsb else "%d:%d" % (self.msb, self.lsb)


class Register:
    def __init__(self, name, offset, count, access, desc, line):
        self.name, self.offset, self.count, self.access, self.desc, self.line = name, offset, count, access, desc, line
        self.reset = None       # int, or None for a live (hardware-driven) value
        self.param = None       # Param whose value the register reports
        self.is_version = False
        self.fields = []
        self.is_array = False

    @property
    def end(self):  # one past the last byte
        return self.offset + 4 * self.count

    @property
    def mask(self):
        if not self.fields:
            return 0xFFFFFFFF
        m = 0
        for f in self.fields:
            m |= f.mask
        return m

    def words(self):
        """(arg name, offset) of every 32-bit word."""
        if not self.is_array:
            return [(self.name, self.offset)]
        return [("%s_%d" % (self.name, i), self.offset + 4 * i) for i in range(self.count)]


class LField:
    def __init__(self, name, word, desc, line):
        self.name, self.word, self.desc, self.line = name, word, desc, line
        self.nbytes = None      # byte-string field
        self.msb = self.lsb = None
        self.count = 1
        self.stride = 0
        self.values = {}

    @property
    def width(self):
        return self.msb - self.lsb + 1

    @property
    def mask(self):
        return ((1 << self.width) - 1) << self.lsb

    @property
    def bit(self):  # flat bit position in the data vector of the first bit / entry 0
        return 32 * self.word + self.lsb

    def bits_str(self):
        return str(self.lsb) if self.msb == self.lsb else "%d:%d" % (self.msb, self.lsb)

    def occupied(self):
        """Flat bit positions this field covers."""
        out = []
        if self.nbytes is not None:
            for j in range(self.nbytes):
                w = self.word + j // 4
                top = 31 - 8 * (j % 4)
                out.extend(32 * w + b for b in range(top - 7, top + 1))
        else:
            for k in range(self.count):
                base = self.bit + k * self.stride
                out.extend(range(base, base + self.width))
        return out

    def last_word(self):
        if self.nbytes is not None:
            return self.word + (self.nbytes - 1) // 4
        return (self.bit + (self.count - 1) * self.stride + self.width - 1) // 32


class Layout:
    def __init__(self, name, tables, index, desc, line):
        self.name, self.tables, self.index, self.desc, self.line = name, tables, index, desc, line
        self.fields = []

    def words_used(self):
        return max(f.last_word() for f in self.fields) + 1 if self.fields else 0


class Stream:
    def __init__(self, name, mode, width, desc):
        self.name, self.mode, self.width, self.desc = name, mode, width, desc


class RegMap:
    pass


# ----------------------------------------------------------------------------------------------
# Validation


class Checker:
    def __init__(self, path):
        self.path = path
        self.errors = []

    def err(self, obj_or_line, msg):
        line = obj_or_line if isinstance(obj_or_line, int) else getattr(obj_or_line, "line", 0)
        self.errors.append("%s:%d: %s" % (self.path, line, msg) if line else "%s: %s" % (self.path, msg))

    def keys(self, d, where, required, optional=()):
        if not isinstance(d, dict):
            self.err(d, "%s must be a mapping" % where)
            return False
        ok = True
        for k in required:
            if k not in d:
                self.err(d, "%s: missing key '%s'" % (where, k))
                ok = False
        for k in d:
            if k not in required and k not in optional:
                allowed = ", ".join(list(required) + list(optional))
                self.err(d, "%s: unknown key '%s' (allowed: %s)" % (where, k, allowed))
                ok = False
        return ok

    def ident(self, obj, name, what, pattern=UPPER_ID):
        if not isinstance(name, str) or not pattern.match(name):
            style = "UPPER_CASE" if pattern is UPPER_ID else "lower_case"
            self.err(obj, "%s name %r is not a valid %s identifier" % (what, name, style))
            return False
        return True

    def integer(self, obj, value, what, lo=None, hi=None):
        if isinstance(value, bool) or not isinstance(value, int):
            self.err(obj, "%s must be an integer, got %r" % (what, value))
            return False
        if lo is not None and value < lo:
            self.err(obj, "%s = %d is below %d" % (what, value, lo))
            return False
        if hi is not None and value > hi:
            self.err(obj, "%s = %d is above %d" % (what, value, hi))
            return False
        return True

    def text(self, obj, value, what):
        if not isinstance(value, str) or not value.strip():
            self.err(obj, "%s must be a non-empty string" % what)
            return ""
        return value.strip()


def parse_bits(ck, obj, bits, where, width=REG_WIDTH):
    if isinstance(bits, int) and not isinstance(bits, bool):
        bits = str(bits)
    m = BITS_RE.match(bits) if isinstance(bits, str) else None
    if not m:
        ck.err(obj, "%s: bits %r must be \"MSB:LSB\" or \"BIT\"" % (where, bits))
        return None
    msb = int(m.group(1))
    lsb = int(m.group(2)) if m.group(2) is not None else msb
    if msb < lsb:
        ck.err(obj, "%s: bits %s: MSB is below LSB" % (where, bits))
        return None
    if msb >= width:
        ck.err(obj, "%s: bits %s go beyond the %d-bit register (bit %d)" % (where, bits, width, width - 1))
        return None
    return msb, lsb


def parse_values(ck, obj, values, where, width):
    out = {}
    if values is None:
        return out
    if not isinstance(values, dict):
        ck.err(obj, "%s: values must be a mapping NAME: number" % where)
        return out
    seen = {}
    for k, v in values.items():
        if not ck.ident(values, k, "%s value" % where):
            continue
        if not ck.integer(values, v, "%s value %s" % (where, k), 0, (1 << width) - 1):
            continue
        if v in seen:
            ck.err(values, "%s: values %s and %s are both %d" % (where, seen[v], k, v))
        seen[v] = k
        out[k] = v
    return out


def check_fields_overlap(ck, fields, where):
    for i, a in enumerate(fields):
        for b in fields[i + 1:]:
            if a.mask & b.mask:
                ck.err(b, "%s: field %s (bits %s) overlaps field %s (bits %s)" %
                       (where, b.name, b.bits_str(), a.name, a.bits_str()))


def build(doc, path, overrides):
    ck = Checker(path)
    rm = RegMap()
    if not ck.keys(doc, "top level", ("name", "version", "address_width", "registers"),
                   ("params", "docs", "layouts", "counters", "kernel")):
        raise DescError("\n".join(ck.errors))

    rm.name = doc["name"]
    if not isinstance(rm.name, str) or not LOWER_ID.match(rm.name):
        ck.err(doc, "name %r must be a lower_case identifier" % (rm.name,))
    ver = doc["version"]
    rm.major = rm.minor = 0
    if ck.keys(ver, "version", ("major", "minor")):
        if ck.integer(ver, ver["major"], "version.major", 0, 0xFFFF):
            rm.major = ver["major"]
        if ck.integer(ver, ver["minor"], "version.minor", 0, 0xFFFF):
            rm.minor = ver["minor"]
    rm.address_width = 16
    if ck.integer(doc, doc["address_width"], "address_width", 4, 32):
        rm.address_width = doc["address_width"]
    rm.docs = {}
    docs = doc.get("docs", {}) or {}
    if ck.keys(docs, "docs", (), ("intro", "tables", "counters")):
        for k, v in docs.items():
            rm.docs[k] = ck.text(docs, v, "docs.%s" % k)

    # --- params
    rm.params = {}
    params = doc.get("params", {}) or {}
    if isinstance(params, dict):
        for pname, p in params.items():
            if not ck.ident(params, pname, "param"):
                continue
            if not ck.keys(p, "param %s" % pname, ("default", "desc"), ("min", "max", "pow2")):
                continue
            lo, hi = p.get("min"), p.get("max")
            if lo is not None and not ck.integer(p, lo, "param %s min" % pname):
                lo = None
            if hi is not None and not ck.integer(p, hi, "param %s max" % pname):
                hi = None
            if ck.integer(p, p["default"], "param %s default" % pname, 0, 0xFFFFFFFF):
                rm.params[pname] = Param(pname, p["default"], ck.text(p, p["desc"], "param %s desc" % pname),
                                         lo, hi, bool(p.get("pow2", False)), line_of(p))
    else:
        ck.err(doc, "params must be a mapping")
    for k, v in overrides.items():
        if k not in rm.params:
            ck.err(0, "--params %s: no such parameter (have: %s)" % (k, ", ".join(rm.params) or "none"))
        else:
            rm.params[k].value = v
    for p in rm.params.values():
        src = "--params %s=%d" % (p.name, p.value) if p.name in overrides else "param %s default" % p.name
        line = 0 if p.name in overrides else p.line
        if p.min is not None and p.value < p.min:
            ck.err(line, "%s is below its minimum %d" % (src, p.min))
        if p.max is not None and p.value > p.max:
            ck.err(line, "%s is above its maximum %d" % (src, p.max))
        if p.pow2 and (p.value <= 0 or p.value & (p.value - 1)):
            ck.err(line, "%s must be a power of two" % src)

    # --- registers
    rm.registers = []
    regs = doc["registers"]
    if not isinstance(regs, list) or not regs:
        ck.err(doc, "registers must be a non-empty list")
        regs = []
    names = {}
    limit = 1 << rm.address_width
    for r in regs:
        if not ck.keys(r, "register", ("name", "offset", "access", "desc"),
                       ("count", "reset", "value", "fields")):
            continue
        name = r["name"]
        where = "register %s" % name
        if not ck.ident(r, name, "register"):
            continue
        if name in names:
            ck.err(r, "duplicate register name %s (first defined at line %d)" % (name, names[name].line))
            continue
        off = r["offset"]
        if not ck.integer(r, off, "%s offset" % where, 0):
            continue
        if off % 4:
            ck.err(r, "%s: offset 0x%04X is not aligned to 4 bytes" % (where, off))
            continue
        count = r.get("count", 1)
        if not ck.integer(r, count, "%s count" % where, 1):
            continue
        access = r["access"]
        if access not in ACCESS:
            ck.err(r, "%s: access %r must be one of %s" % (where, access, "/".join(ACCESS)))
            continue
        reg = Register(name, off, count, access, ck.text(r, r["desc"], "%s desc" % where), line_of(r))
        reg.is_array = "count" in r
        if reg.end > limit:
            ck.err(r, "%s: 0x%04X..0x%04X is beyond the %d-bit address space" %
                   (where, off, reg.end - 1, rm.address_width))
        # fields
        fields = r.get("fields") or []
        if not isinstance(fields, list):
            ck.err(r, "%s: fields must be a list" % where)
            fields = []
        fnames = {}
        for f in fields:
            if not ck.keys(f, "%s field" % where, ("name", "bits", "desc"), ("values",)):
                continue
            fwhere = "field %s.%s" % (name, f["name"])
            if not ck.ident(f, f["name"], "%s field" % where):
                continue
            if f["name"] in fnames:
                ck.err(f, "%s: duplicate field name %s" % (where, f["name"]))
                continue
            bits = parse_bits(ck, f, f["bits"], fwhere)
            if bits is None:
                continue
            fld = Field(f["name"], bits[0], bits[1], ck.text(f, f["desc"], "%s desc" % fwhere), {}, line_of(f))
            fld.values = parse_values(ck, f, f.get("values"), fwhere, fld.width)
            fnames[fld.name] = fld
            reg.fields.append(fld)
        check_fields_overlap(ck, reg.fields, where)
        # reset / value
        if "reset" in r and "value" in r:
            ck.err(r, "%s: give either reset or value, not both" % where)
        elif "value" in r:
            v = r["value"]
            if access != "ro":
                ck.err(r, "%s: value (a hardware-defined read value) is only for ro registers" % where)
            elif v == "version":
                reg.is_version = True
                reg.reset = (rm.major << 16) | rm.minor
                if reg.fields and reg.reset & ~reg.mask:
                    ck.err(r, "%s: version 0x%08X does not fit the fields" % (where, reg.reset))
            elif isinstance(v, str) and v.startswith("param "):
                pname = v[6:].strip()
                if pname not in rm.params:
                    ck.err(r, "%s: value names unknown param %s" % (where, pname))
                else:
                    reg.param = rm.params[pname]
            else:
                ck.err(r, "%s: value %r must be 'version' or 'param NAME'" % (where, v))
        elif "reset" in r:
            if ck.integer(r, r["reset"], "%s reset" % where, 0, 0xFFFFFFFF):
                reg.reset = r["reset"]
                if reg.reset & ~reg.mask:
                    ck.err(r, "%s: reset 0x%08X sets bits outside its fields (mask 0x%08X)" %
                           (where, reg.reset, reg.mask))
        elif access in ("rw", "wo", "cmd"):
            reg.reset = 0
        names[name] = reg
        rm.registers.append(reg)

    # overlaps (sorted by offset)
    by_off = sorted(rm.registers, key=lambda x: x.offset)
    for a, b in zip(by_off, by_off[1:]):
        if b.offset < a.end:
            ck.err(b, "register %s at 0x%04X..0x%04X overlaps register %s at 0x%04X..0x%04X" %
                   (b.name, b.offset, b.end - 1, a.name, a.offset, a.end - 1))
    rm.by_name = names

    # --- layouts
    rm.layouts = []
    rm.layout_data = rm.layout_select = None
    lay = doc.get("layouts")
    if lay is not None and ck.keys(lay, "layouts", ("data", "select", "entries")):
        data = sget(names, lay["data"])
        if data is None:
            ck.err(lay, "layouts.data: no register named %r" % (lay["data"],))
        sel = None
        sname = lay["select"]
        if isinstance(sname, str) and "." in sname:
            rn, fn = sname.split(".", 1)
            if rn in names:
                sel = next((f for f in names[rn].fields if f.name == fn), None)
        if sel is None:
            ck.err(lay, "layouts.select: %r is not REGISTER.FIELD of a field with values" % (sname,))
        elif not sel.values:
            ck.err(lay, "layouts.select: field %s has no values" % sname)
        rm.layout_data, rm.layout_select, rm.layout_select_name = data, sel, sname
        nwords = data.count if data else 16
        lnames = {}
        used_tables = {}
        entries = lay["entries"] if isinstance(lay["entries"], list) else []
        for e in entries:
            if not ck.keys(e, "layout", ("name", "tables", "index", "fields"), ("desc",)):
                continue
            lname = e["name"]
            if not ck.ident(e, lname, "layout"):
                continue
            if lname in lnames:
                ck.err(e, "duplicate layout name %s" % lname)
                continue
            tables = e["tables"]
            if not isinstance(tables, list) or not tables:
                ck.err(e, "layout %s: tables must be a non-empty list" % lname)
                tables = []
            for t in tables:
                if sel is None:
                    continue
                if sget(sel.values, t) is None:
                    ck.err(e, "layout %s: table %r is not a value of %s" % (lname, t, sname))
                elif t in used_tables:
                    ck.err(e, "layout %s: table %s already has layout %s" % (lname, t, used_tables[t]))
                else:
                    used_tables[t] = lname
            lo = Layout(lname, list(tables), ck.text(e, e["index"], "layout %s index" % lname),
                        e.get("desc", "").strip() if isinstance(e.get("desc", ""), str) else "", line_of(e))
            fnames = set()
            for f in e["fields"] if isinstance(e["fields"], list) else []:
                if not ck.keys(f, "layout %s field" % lname, ("name", "word", "desc"),
                               ("bits", "bytes", "count", "stride", "values")):
                    continue
                fwhere = "layout %s field %s" % (lname, f["name"])
                if not ck.ident(f, f["name"], "layout %s field" % lname):
                    continue
                if f["name"] in fnames:
                    ck.err(f, "layout %s: duplicate field name %s" % (lname, f["name"]))
                    continue
                fnames.add(f["name"])
                if not ck.integer(f, f["word"], "%s word" % fwhere, 0, nwords - 1):
                    continue
                lf = LField(f["name"], f["word"], ck.text(f, f["desc"], "%s desc" % fwhere), line_of(f))
                if ("bits" in f) == ("bytes" in f):
                    ck.err(f, "%s: give exactly one of bits or bytes" % fwhere)
                    continue
                if "bytes" in f:
                    if "count" in f or "stride" in f or "values" in f:
                        ck.err(f, "%s: count/stride/values apply to bit fields only" % fwhere)
                        continue
                    if not ck.integer(f, f["bytes"], "%s bytes" % fwhere, 1):
                        continue
                    lf.nbytes = f["bytes"]
                else:
                    bits = parse_bits(ck, f, f["bits"], fwhere)
                    if bits is None:
                        continue
                    lf.msb, lf.lsb = bits
                    lf.values = parse_values(ck, f, f.get("values"), fwhere, lf.width)
                    if ("count" in f) != ("stride" in f):
                        ck.err(f, "%s: count and stride go together" % fwhere)
                        continue
                    if "count" in f:
                        if not ck.integer(f, f["count"], "%s count" % fwhere, 1):
                            continue
                        if not ck.integer(f, f["stride"], "%s stride" % fwhere, lf.width):
                            continue
                        lf.count, lf.stride = f["count"], f["stride"]
                        if (lf.stride > 32 or 32 % lf.stride) and lf.count > 1:
                            ck.err(f, "%s: stride %d must divide 32 so no entry straddles words" %
                                   (fwhere, lf.stride))
                            continue
                if lf.last_word() >= nwords:
                    ck.err(f, "%s ends in word %d, beyond the %d data words" % (fwhere, lf.last_word(), nwords))
                    continue
                lo.fields.append(lf)
            # overlap inside the layout
            owner = {}
            for lf in lo.fields:
                clash = None
                for b in lf.occupied():
                    if b in owner:
                        clash = (b, owner[b])
                        break
                if clash:
                    b, other = clash
                    ck.err(lf, "layout %s: field %s overlaps field %s (word %d bit %d)" %
                           (lname, lf.name, other.name, b // 32, b % 32))
                else:
                    for b in lf.occupied():
                        owner[b] = lf
            lnames[lname] = lo
            rm.layouts.append(lo)

    # --- counters
    rm.counters = []
    rm.counter_reg = rm.counter_kind = None
    cnt = doc.get("counters")
    if cnt is not None and ck.keys(cnt, "counters", ("register", "kind", "groups")):
        creg = sget(names, cnt["register"])
        if creg is None:
            ck.err(cnt, "counters.register: no register named %r" % (cnt["register"],))
        else:
            rm.counter_reg = creg
            fmap = {f.name: f for f in creg.fields}
            kind = sget(fmap, cnt["kind"])
            if kind is None or not kind.values:
                ck.err(cnt, "counters.kind: %r is not a field of %s with values" % (cnt["kind"], creg.name))
            rm.counter_kind = kind
            groups = cnt["groups"] if isinstance(cnt["groups"], dict) else {}
            for gname, g in groups.items():
                if kind is not None and gname not in kind.values:
                    ck.err(groups, "counter group %r is not a value of %s.%s" % (gname, creg.name, cnt["kind"]))
                    continue
                if not ck.keys(g, "counter group %s" % gname, ("select", "names")):
                    continue
                sel = sget(fmap, g["select"])
                if sel is None:
                    ck.err(g, "counter group %s: select %r is not a field of %s" % (gname, g["select"], creg.name))
                    continue
                cnames = g["names"] if isinstance(g["names"], list) else []
                if not cnames:
                    ck.err(g, "counter group %s: names must be a non-empty list" % gname)
                    continue
                if len(cnames) > (1 << sel.width):
                    ck.err(g, "counter group %s: %d names do not fit %s.%s" % (gname, len(cnames), creg.name, sel.name))
                seen = set()
                for n in cnames:
                    if ck.ident(g, n, "counter", LOWER_ID):
                        if n in seen:
                            ck.err(g, "counter group %s: duplicate name %s" % (gname, n))
                        seen.add(n)
                rm.counters.append((gname, sel, list(cnames)))

    # --- kernel
    rm.kernel = None
    k = doc.get("kernel")
    if k is not None and ck.keys(k, "kernel", ("name", "vlnv", "control_port", "streams")):
        for key in ("name", "control_port"):
            if not isinstance(k[key], str) or not HDL_ID.match(k[key]):
                ck.err(k, "kernel %s %r is not a valid identifier" % (key, k[key]))
        if not isinstance(k["vlnv"], str) or len(k["vlnv"].split(":")) != 4:
            ck.err(k, "kernel vlnv %r must be vendor:library:name:version" % (k["vlnv"],))
        rm.kernel = {"name": k["name"], "vlnv": k["vlnv"], "control_port": k["control_port"], "streams": []}
        for s in k["streams"] if isinstance(k["streams"], list) else []:
            if not ck.keys(s, "kernel stream", ("name", "mode", "width", "desc")):
                continue
            if not isinstance(s["name"], str) or not HDL_ID.match(s["name"]):
                ck.err(s, "kernel stream name %r is not a valid identifier" % (s["name"],))
                continue
            if s["mode"] not in ("read_only", "write_only"):
                ck.err(s, "kernel stream %s: mode must be read_only or write_only" % s["name"])
                continue
            width = s["width"]
            if isinstance(width, str):
                if width not in rm.params:
                    ck.err(s, "kernel stream %s: width names unknown param %s" % (s["name"], width))
                    continue
                width = rm.params[width].value
            elif not ck.integer(s, width, "kernel stream %s width" % s["name"], 8):
                continue
            rm.kernel["streams"].append(Stream(s["name"], s["mode"], width, s["desc"]))

    if ck.errors:
        raise DescError("\n".join(ck.errors))
    check_symbols(rm, path)
    return rm


# ----------------------------------------------------------------------------------------------
# Symbols shared by the SV and C++ outputs
#
# Each symbol: (section comment or None, sv name, cpp name, value, sv format). sv format: 'a'
# (32-bit hex address), 'h' (32-bit hex), 'd' (unsized decimal), an int width (sized decimal),
# or 'r' (a part-select range MSB:LSB, value (msb, lsb); SystemVerilog only: cpp name None, the
# numbers are in the _MSB/_LSB (_SHIFT) or _BIT/_WIDTH constants both languages have).


def symbols(rm):
    s = []

    def add(sv, cpp, value, fmt, comment=None):
        s.append((comment, sv, cpp, value, fmt))

    add("V6LB_REGS_VERSION_MAJOR", "MAP_VERSION_MAJOR", rm.major, "d", "Register map version and bus")
    add("V6LB_REGS_VERSION_MINOR", "MAP_VERSION_MINOR", rm.minor, "d")
    add("V6LB_REGS_ADDR_WIDTH", "ADDR_WIDTH", rm.address_width, "d")
    idreg = rm.by_name.get("ID")
    if idreg is not None and idreg.reset is not None:
        add("V6LB_ID_MAGIC", "ID_MAGIC", idreg.reset, "h")
    first = True
    for p in rm.params.values():
        add("V6LB_DEFAULT_" + p.name, "DEFAULT_" + p.name, p.value, "d",
            "Parameter defaults (CAP_* registers)" if first else None)
        first = False
    for r in rm.registers:
        add("V6LB_REG_" + r.name, r.name, r.offset, "a", "%s (%s): %s" % (r.name, r.access, r.desc))
        if r.is_array:
            add("V6LB_REG_%s_COUNT" % r.name, "%s_COUNT" % r.name, r.count, "d")
        if r.reset is not None and r.param is None:
            add("V6LB_REG_%s_RESET" % r.name, "%s_RESET" % r.name, r.reset, "h")
        add("V6LB_REG_%s_MASK" % r.name, "%s_MASK" % r.name, r.mask, "h")
        for f in r.fields:
            base_sv, base_cpp = "V6LB_%s_%s" % (r.name, f.name), "%s_%s" % (r.name, f.name)
            add(base_sv + "_LSB", base_cpp + "_SHIFT", f.lsb, "d")
            add(base_sv + "_MSB", base_cpp + "_MSB", f.msb, "d")
            add(base_sv + "_WIDTH", base_cpp + "_WIDTH", f.width, "d")
            add(base_sv + "_MASK", base_cpp + "_MASK", f.mask, "h")
            add(base_sv + "_RANGE", None, (f.msb, f.lsb), "r")
            for vn, vv in f.values.items():
                add("%s_%s" % (base_sv, vn), "%s_%s" % (base_cpp, vn), vv, f.width)
    for lo in rm.layouts:
        first = True
        add("V6LB_TBL_%s_WORDS" % lo.name, "TBL_%s_WORDS" % lo.name, lo.words_used(), "d",
            "Table entry layout %s (TBL_DATA words), tables %s" % (lo.name, ", ".join(lo.tables)))
        for f in lo.fields:
            base_sv, base_cpp = "V6LB_TBL_%s_%s" % (lo.name, f.name), "TBL_%s_%s" % (lo.name, f.name)
            add(base_sv + "_WORD", base_cpp + "_WORD", f.word, "d")
            if f.nbytes is not None:
                add(base_sv + "_BYTES", base_cpp + "_BYTES", f.nbytes, "d")
                continue
            add(base_sv + "_LSB", base_cpp + "_SHIFT", f.lsb, "d")
            add(base_sv + "_MSB", base_cpp + "_MSB", f.msb, "d")
            add(base_sv + "_WIDTH", base_cpp + "_WIDTH", f.width, "d")
            add(base_sv + "_MASK", base_cpp + "_MASK", f.mask, "h")
            add(base_sv + "_BIT", base_cpp + "_BIT", f.bit, "d")
            # Entry 0 in the flat TBL_DATA vector (d[`..._RANGE]).
            add(base_sv + "_RANGE", None, (f.bit + f.width - 1, f.bit), "r")
            if f.count > 1:
                add(base_sv + "_COUNT", base_cpp + "_COUNT", f.count, "d")
                add(base_sv + "_STRIDE", base_cpp + "_STRIDE", f.stride, "d")
            for vn, vv in f.values.items():
                add("%s_%s" % (base_sv, vn), "%s_%s" % (base_cpp, vn), vv, f.width)
    for gname, sel, cnames in rm.counters:
        add("V6LB_CNT_%s_COUNT" % gname, "CNT_%s_COUNT" % gname, len(cnames), "d",
            "Counters of group %s (%s.%s = %s)" % (gname, rm.counter_reg.name, sel.name, "number"))
        for i, n in enumerate(cnames):
            add("V6LB_CNT_%s_%s" % (gname, n.upper()), "CNT_%s_%s" % (gname, n.upper()), i, sel.width)
    return s


def cpp_functions(rm):
    """Names of the C++ helper functions (for the collision check)."""
    out = ["at", "put_bytes", "get_bytes"]
    for r in rm.registers:
        for f in r.fields:
            out += ["%s_%s" % (r.name, f.name), "%s_%s_GET" % (r.name, f.name)]
    for lo in rm.layouts:
        for f in lo.fields:
            if f.nbytes is None:
                out += ["TBL_%s_%s" % (lo.name, f.name), "TBL_%s_%s_GET" % (lo.name, f.name)]
    return out


def check_symbols(rm, path):
    errs = []
    sv, cpp = {}, {}
    for _, svn, cppn, _, _ in symbols(rm):
        if svn in sv:
            errs.append("%s: generated name %s is defined twice: rename a register, field or layout" % (path, svn))
        sv[svn] = 1
        if cppn is None:
            continue
        if cppn in cpp:
            errs.append("%s: generated C++ name %s is defined twice: rename a register, field or layout" % (path, cppn))
        cpp[cppn] = 1
    for fn in cpp_functions(rm):
        if fn in cpp:
            errs.append("%s: generated C++ function %s clashes with a constant of that name" % (path, fn))
        cpp[fn] = 1
    args = {}
    for r in rm.registers:
        for n, _ in r.words():
            if n in args:
                errs.append("%s: kernel.xml argument %s is defined twice (register %s and %s)" %
                            (path, n, args[n], r.name))
            args[n] = r.name
    if errs:
        raise DescError("\n".join(errs))


# ----------------------------------------------------------------------------------------------
# Emitters


def header_note(src, comment):
    return ["%s Generated by gen_regs.py from %s: do not edit." % (comment, os.path.basename(src)),
            "%s Edit the register description and rebuild." % comment]


def sv_value(value, fmt):
    if fmt == "r":
        return "%d:%d" % value
    if fmt == "a" or fmt == "h":
        return "32'h%08X" % value
    if fmt == "d":
        return str(value)
    return "%d'd%d" % (fmt, value)


def one_line(text):
    return " ".join(text.split())


def emit_sv(rm, src):
    out = header_note(src, "//")
    out += ["//",
            "// Register map %s version %d.%d: byte offsets (V6LB_REG_<NAME>, 32-bit), array sizes" % (rm.name, rm.major, rm.minor),
            "// (_COUNT), reset values (_RESET), implemented bits (_MASK), fields (V6LB_<REG>_<FIELD>_LSB/",
            "// _MSB/_WIDTH/_MASK, _RANGE = MSB:LSB for a part-select, and values), table entry layouts",
            "// (V6LB_TBL_<LAYOUT>_<FIELD>_*: _WORD of TBL_DATA, _LSB/_MSB within it, _BIT in the flat",
            "// 512-bit TBL_DATA vector, _RANGE its bits there) and counter numbers (V6LB_CNT_*).",
            "// Only `define: safe to include in any number of modules (Verilator, Icarus, yosys, Vivado).",
            "",
            "`ifndef V6LB_REGS_SVH",
            "`define V6LB_REGS_SVH",
            ""]
    for comment, svn, _, value, fmt in symbols(rm):
        if comment:
            out.append("")
            out.append("// " + one_line(comment))
        out.append("`define %s %s" % (svn, sv_value(value, fmt)))
    out += ["", "`endif  // V6LB_REGS_SVH", ""]
    return "\n".join(out)


def cpp_value(value, fmt):
    if fmt in ("a", "h"):
        return "0x%08Xu" % value if fmt == "h" else "0x%04Xu" % value
    return "%du" % value


def emit_cpp(rm, src):
    out = header_note(src, "//")
    out += ["//",
            "// Register map %s version %d.%d. Offsets are byte offsets on the AXI4-Lite control port;" % (rm.name, rm.major, rm.minor),
            "// arrays give the base and <NAME>_COUNT (word i at at(<NAME>, i)). Fields: <REG>_<FIELD>_SHIFT,",
            "// _WIDTH, _MASK (in place), <REG>_<FIELD>(v) places a value, <REG>_<FIELD>_GET(reg) extracts it.",
            "// Table entry layouts: TBL_<LAYOUT>_<FIELD>_WORD (TBL_DATA word), the same helpers for bit",
            "// fields, put_bytes/get_bytes for byte strings (big-endian within words).",
            "#ifndef V6LB_REGS_H_",
            "#define V6LB_REGS_H_",
            "",
            "#include <cstdint>",
            "#include <string_view>",
            "",
            "namespace v6lb::regs {",
            "",
            "enum class Access : uint8_t { kRo, kRw, kWo, kCmd };",
            "",
            "// Byte offset of word i of a register array.",
            "constexpr uint32_t at(uint32_t base, uint32_t i) { return base + 4u * i; }"]
    for comment, _, cppn, value, fmt in symbols(rm):
        if comment:
            out.append("")
            out.append("// " + one_line(comment))
        if cppn is None:  # a SystemVerilog part-select range
            continue
        out.append("inline constexpr uint32_t %s = %s;" % (cppn, cpp_value(value, fmt)))

    def helpers(name, shift, mask):
        return ["constexpr uint32_t %s(uint32_t v) { return (v << %d) & 0x%08Xu; }" % (name, shift, mask),
                "constexpr uint32_t %s_GET(uint32_t reg) { return (reg & 0x%08Xu) >> %d; }" % (name, mask, shift)]

    out += ["", "// Field helpers."]
    for r in rm.registers:
        for f in r.fields:
            out += helpers("%s_%s" % (r.name, f.name), f.lsb, f.mask)
    for lo in rm.layouts:
        for f in lo.fields:
            if f.nbytes is None:
                out += helpers("TBL_%s_%s" % (lo.name, f.name), f.lsb, f.mask)
    out += ["",
            "// Byte string of n bytes starting at bit 31 of data[word]: byte j in data[word + j/4],",
            "// bits 31-8(j%4) down to 24-8(j%4).",
            "constexpr void put_bytes(uint32_t* data, uint32_t word, const uint8_t* bytes, uint32_t n) {",
            "  for (uint32_t j = 0; j < n; ++j) {",
            "    const uint32_t shift = 24u - 8u * (j % 4u);",
            "    uint32_t& w = data[word + j / 4u];",
            "    w = (w & ~(0xFFu << shift)) | (uint32_t(bytes[j]) << shift);",
            "  }",
            "}",
            "constexpr void get_bytes(const uint32_t* data, uint32_t word, uint8_t* bytes, uint32_t n) {",
            "  for (uint32_t j = 0; j < n; ++j) bytes[j] = uint8_t(data[word + j / 4u] >> (24u - 8u * (j % 4u)));",
            "}",
            "",
            "// Every register, in address order.",
            "struct RegInfo {",
            "  std::string_view name;",
            "  uint32_t offset;",
            "  uint32_t count;  // words (1 unless an array)",
            "  Access access;",
            "  bool has_reset;  // false: the value comes from the hardware",
            "  uint32_t reset;",
            "  uint32_t mask;   // implemented bits",
            "};",
            "inline constexpr RegInfo kRegisters[] = {"]
    acc = {"ro": "kRo", "rw": "kRw", "wo": "kWo", "cmd": "kCmd"}
    for r in sorted(rm.registers, key=lambda x: x.offset):
        out.append('    {"%s", 0x%04Xu, %du, Access::%s, %s, 0x%08Xu, 0x%08Xu},' %
                   (r.name, r.offset, r.count, acc[r.access], "true" if r.reset is not None else "false",
                    r.reset or 0, r.mask))
    out += ["};"]
    for gname, _, cnames in rm.counters:
        out += ["", "// Names of the %s counters, by number (the register map's spelling)." % gname,
                "inline constexpr std::string_view CNT_%s_NAMES[] = {" % gname]
        out += ['    "%s",' % n for n in cnames]
        out += ["};"]
    out += ["",
            "}  // namespace v6lb::regs", "",
            "#endif  // V6LB_REGS_H_", ""]
    return "\n".join(out)


def md_escape(text):
    return one_line(text).replace("|", "\\|")


def hex4(v):
    return "0x%04X" % v


def plus(base, expr):
    return expr if base == 0 else "%d + %s" % (base, expr)


def reset_str(r):
    if r.param is not None:
        return "%s (%d)" % (r.param.name, r.param.value)
    if r.reset is None:
        return "live"
    return "0x%08X" % r.reset


def emit_md(rm, src):
    out = ["# %s registers" % rm.name, "",
           "<!-- Generated by hw/regs/gen_regs.py from hw/regs/%s: do not edit. The build writes it to" % os.path.basename(src),
           "     build/generated/REGISTERS.md and a test compares it with docs/REGISTERS.md. -->", "",
           "Register map version %d.%d, %d-bit byte addresses (range 0x%X)." %
           (rm.major, rm.minor, rm.address_width, 1 << rm.address_width), ""]
    if "intro" in rm.docs:
        out += [rm.docs["intro"], ""]
    out += ["## Register map", "",
            "| Offset | Name | Access | Reset | Description |",
            "|---|---|---|---|---|"]
    for r in sorted(rm.registers, key=lambda x: x.offset):
        if r.is_array:
            off = "%s-%s" % (hex4(r.offset), hex4(r.end - 4))
            name = "%s[0..%d]" % (r.name, r.count - 1)
        else:
            off, name = hex4(r.offset), r.name
        out.append("| %s | %s | %s | %s | %s |" % (off, name, r.access, reset_str(r), md_escape(r.desc)))
    out += ["", "Reset `live`: the value comes from the hardware. A parameter name: the value of that",
            "RTL parameter (default in parentheses).", ""]
    if rm.params:
        out += ["## Parameters", "", "| Parameter | Default | Description |", "|---|---|---|"]
        for p in rm.params.values():
            out.append("| %s | %d | %s |" % (p.name, p.value, md_escape(p.desc)))
        out.append("")
    out += ["## Register fields", ""]
    for r in sorted(rm.registers, key=lambda x: x.offset):
        if not r.fields:
            continue
        out += ["### %s (%s, %s)" % (r.name, hex4(r.offset), r.access), "", md_escape(r.desc), "",
                "| Bits | Field | Description |", "|---|---|---|"]
        for f in sorted(r.fields, key=lambda x: -x.lsb):
            desc = md_escape(f.desc)
            if f.values:
                desc += " Values: " + ", ".join("%s = %d" % (k, v) for k, v in f.values.items()) + "."
            out.append("| %s | %s | %s |" % (f.bits_str(), f.name, desc))
        out.append("")
    if rm.layouts:
        out += ["## Table entry layouts", ""]
        if "tables" in rm.docs:
            out += [rm.docs["tables"], ""]
        for lo in rm.layouts:
            tabs = ", ".join("%s (%s = %d)" % (t, rm.layout_select_name, rm.layout_select.values[t]) for t in lo.tables)
            out += ["### %s" % lo.name, "", "Tables: %s. TBL_INDEX: %s" % (tabs, md_escape(lo.index)), ""]
            if lo.desc:
                out += [md_escape(lo.desc), ""]
            out += ["| Word | Bits | Field | Description |", "|---|---|---|---|"]
            for f in sorted(lo.fields, key=lambda x: (x.word, -(x.lsb if x.lsb is not None else 32))):
                desc = md_escape(f.desc)
                if f.nbytes is not None:
                    full = f.nbytes // 4
                    tail = f.nbytes % 4
                    if full:
                        words = "%d" % f.word if full == 1 else "%d-%d" % (f.word, f.word + full - 1)
                        span = "bytes 0-%d" % (4 * full - 1)
                        out.append("| %s | 31:0 | %s (%s) | %s Big-endian, %d bytes: byte j in word %s, "
                                   "bits [31-8*(j%%4) -: 8]. |" % (words, f.name, span, desc, f.nbytes,
                                                                  plus(f.word, "j/4"), ))
                    if tail:
                        span = "byte %d" % (4 * full) if tail == 1 else "bytes %d-%d" % (4 * full, f.nbytes - 1)
                        out.append("| %d | 31:%d | %s (%s) | %s |" % (f.word + full, 32 - 8 * tail, f.name, span,
                                                                     "Rest of %s." % f.name if full else desc))
                elif f.count > 1:
                    per = 32 // f.stride
                    words = "%d-%d" % (f.word, f.last_word())
                    bits = "[%s +: %d]" % (plus(f.lsb, "%d*(k%%%d)" % (f.stride, per)), f.width)
                    desc = "%s Entry k = 0..%d: word %s, bits %s." % (desc, f.count - 1, plus(f.word, "k/%d" % per), bits)
                    out.append("| %s | %s | %s[k] | %s |" % (words, bits, f.name, desc))
                else:
                    if f.values:
                        desc += " Values: " + ", ".join("%s = %d" % (k, v) for k, v in f.values.items()) + "."
                    out.append("| %d | %s | %s | %s |" % (f.word, f.bits_str(), f.name, desc))
            out.append("")
    if rm.counters:
        out += ["## Counters", ""]
        if "counters" in rm.docs:
            out += [rm.docs["counters"], ""]
        kname = "%s.%s" % (rm.counter_reg.name, rm.counter_kind.name)
        for gname, sel, cnames in rm.counters:
            out += ["### %s (%s = %d), by %s.%s" % (gname, kname, rm.counter_kind.values[gname],
                                                      rm.counter_reg.name, sel.name), "",
                    "| %s | Counter |" % sel.name, "|---|---|"]
            for i, n in enumerate(cnames):
                out.append("| %d | %s |" % (i, n))
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def emit_kernel_xml(rm, src):
    k = rm.kernel or {"name": "%s_krnl" % rm.name, "vlnv": "%s:kernel:%s_krnl:1.0" % (rm.name, rm.name),
                      "control_port": "s_axi_control", "streams": []}
    q = quoteattr
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           "<!-- Generated by gen_regs.py from %s: do not edit. -->" % os.path.basename(src),
           '<root versionMajor="1" versionMinor="6">',
           '  <kernel name=%s language="ip_c" vlnv=%s attributes="" preferredWorkGroupSizeMultiple="0" '
           'workGroupSize="1" interrupt="false" hwControlProtocol="ap_ctrl_none">' % (q(k["name"]), q(k["vlnv"])),
           "    <ports>",
           '      <port name=%s mode="slave" range="0x%X" dataWidth="32" portType="addressable" base="0x0"/>' %
           (q(k["control_port"]), 1 << rm.address_width)]
    for s in k["streams"]:
        out.append('      <port name=%s mode="%s" dataWidth="%d" portType="stream"/>' % (q(s.name), s.mode, s.width))
    out += ["    </ports>", "    <args>"]
    aid = 0
    for r in sorted(rm.registers, key=lambda x: x.offset):
        for name, off in r.words():
            out.append('      <arg name=%s addressQualifier="0" id="%d" port=%s size="0x4" offset="0x%X" '
                       'hostOffset="0x0" hostSize="0x4" type="uint"/>' % (q(name), aid, q(k["control_port"]), off))
            aid += 1
    for s in k["streams"]:
        out.append('      <arg name=%s addressQualifier="4" id="%d" port=%s size="0x4" offset="0x0" '
                   'hostOffset="0x0" hostSize="0x4" type=%s/>' %
                   (q(s.name), aid, q(s.name), q("stream<ap_axiu<%d,0,0,0>>&" % s.width)))
        aid += 1
    out += ["    </args>", "  </kernel>", "</root>", ""]
    return "\n".join(out)


# ----------------------------------------------------------------------------------------------


def parse_overrides(items):
    out = {}
    for it in items or []:
        m = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)=(0[xX][0-9a-fA-F]+|\d+)$", it)
        if not m:
            raise DescError("--params %r: expected NAME=INTEGER" % it)
        out[m.group(1)] = int(m.group(2), 0)
    return out


def write(path, text):
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    os.replace(tmp, path)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Generate the v6lb register include, header, docs and kernel.xml.")
    ap.add_argument("--in", dest="src", required=True, help="register description (YAML)")
    ap.add_argument("--sv", help="SystemVerilog include to write (v6lb_regs.svh)")
    ap.add_argument("--cpp", help="C++ header to write (v6lb_regs.h)")
    ap.add_argument("--md", help="Markdown register reference to write (REGISTERS.md)")
    ap.add_argument("--kernel-xml", dest="kernel_xml", help="Vitis RTL kernel description to write (kernel.xml)")
    ap.add_argument("--params", nargs="*", metavar="NAME=VALUE", help="override parameter defaults")
    a = ap.parse_args(argv)
    try:
        overrides = parse_overrides(a.params)
        doc, dups = load_yaml(a.src)
        if dups:
            raise DescError("\n".join("%s:%d: %s" % (a.src, l, m) for l, m in dups))
        rm = build(doc, a.src, overrides)
        outputs = []
        if a.sv:
            outputs.append((a.sv, emit_sv(rm, a.src)))
        if a.cpp:
            outputs.append((a.cpp, emit_cpp(rm, a.src)))
        if a.md:
            outputs.append((a.md, emit_md(rm, a.src)))
        if a.kernel_xml:
            outputs.append((a.kernel_xml, emit_kernel_xml(rm, a.src)))
    except (DescError, OSError) as e:
        for line in str(e).splitlines():
            sys.stderr.write("gen_regs.py: error: %s\n" % line)
        return 1
    for path, text in outputs:
        write(path, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
