#!/usr/bin/python3
"""Tests of hw/regs/gen_regs.py: the real description is accepted; broken copies of it are
rejected with a clear FILE:LINE message and no output is written.

    test_gen_regs.py --gen hw/regs/gen_regs.py --yaml hw/regs/v6lb_regs.yaml [unittest args]
"""

import argparse
import copy
import os
import re
import subprocess
import sys
import tempfile
import unittest

import yaml

GEN = YAML = None


def load():
    with open(YAML, encoding="utf-8") as f:
        return yaml.safe_load(f)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def reg(doc, name):
    return next(r for r in doc["registers"] if r["name"] == name)


class GenRegs(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def outputs(self):
        return {k: os.path.join(self.dir, n) for k, n in
                (("sv", "v6lb_regs.svh"), ("cpp", "v6lb_regs.h"), ("md", "REGISTERS.md"), ("kernel-xml", "kernel.xml"))}

    def run_gen(self, text=None, doc=None, extra=()):
        path = os.path.join(self.dir, "regs.yaml")
        if doc is not None:
            text = yaml.safe_dump(doc, sort_keys=False)
        if text is not None:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
        else:
            path = YAML
        args = [sys.executable, GEN, "--in", path]
        for k, p in self.outputs().items():
            args += ["--" + k, p]
        args += list(extra)
        return subprocess.run(args, capture_output=True, text=True)

    def assertRejected(self, res, *patterns):
        self.assertNotEqual(res.returncode, 0, "accepted a bad description")
        err = res.stderr
        self.assertRegex(err, r"gen_regs\.py: error: ")
        for p in patterns:
            self.assertRegex(err, p)
        for p in self.outputs().values():
            self.assertFalse(os.path.exists(p), "wrote %s despite the error" % p)
        print("    rejected: " + err.strip().splitlines()[0])

    # --- the real map -----------------------------------------------------------------------------
    def test_real_description_accepted(self):
        res = self.run_gen()
        self.assertEqual(res.returncode, 0, res.stderr)
        for p in self.outputs().values():
            self.assertTrue(os.path.getsize(p) > 0)
        sv = read(self.outputs()["sv"])
        self.assertIn("`define V6LB_REG_TBL_CMD 32'h00000148", sv)
        self.assertIn("`define V6LB_REG_ACTIVE_BANK_COUNT 8", sv)
        self.assertIn("`define V6LB_ID_MAGIC 32'h76366C62", sv)
        self.assertIn("`define V6LB_TBL_FLOW_DEADLINE_WORD 11", sv)

    def test_ranges_and_msbs(self):
        """Every bit field has _MSB in both languages and an SV part-select _RANGE (register
        fields MSB:LSB; table fields their bits in the flat TBL_DATA vector), consistent with
        _LSB/_BIT and _WIDTH; C++ has no _RANGE (it is a part-select)."""
        res = self.run_gen()
        self.assertEqual(res.returncode, 0, res.stderr)
        sv = read(self.outputs()["sv"])
        cpp = read(self.outputs()["cpp"])
        svd = dict(re.findall(r"^`define (\w+) (\S+)$", sv, re.M))
        cppd = dict(re.findall(r"^inline constexpr uint32_t (\w+) = (\w+)u;$", cpp, re.M))
        self.assertEqual(svd["V6LB_TBL_CMD_TABLE_RANGE"], "3:0")
        self.assertEqual(svd["V6LB_TBL_SEL_BANK_RANGE"], "16:16")
        self.assertEqual(svd["V6LB_CNT_SEL_KIND_RANGE"], "25:24")
        self.assertEqual(svd["V6LB_TBL_SERVICE_VALID_RANGE"], "159:159")
        self.assertEqual(svd["V6LB_TBL_SERVICE_SCHEDULER_RANGE"], "153:152")
        self.assertEqual(svd["V6LB_TBL_FLOW_DEADLINE_RANGE"], "383:352")
        self.assertEqual(svd["V6LB_TBL_MAGLEV_ENTRY_RANGE"], "15:0")
        self.assertEqual(cppd["TBL_CMD_OP_MSB"], "5")
        self.assertEqual(cppd["TBL_FLOW_SERVICE_MSB"], "23")
        self.assertNotIn("RANGE", cpp)
        n = 0
        for name, rng in svd.items():
            if not name.endswith("_RANGE"):
                continue
            n += 1
            base = name[:-len("_RANGE")]
            msb, lsb = map(int, rng.split(":"))
            width = int(svd[base + "_WIDTH"])
            self.assertEqual(msb - lsb + 1, width, name)
            cbase = base[len("V6LB_"):]
            if base.startswith("V6LB_TBL_") and base + "_BIT" in svd:  # a table field
                self.assertEqual(lsb, int(svd[base + "_BIT"]), name)
                self.assertEqual(int(svd[base + "_MSB"]), int(svd[base + "_LSB"]) + width - 1, name)
            else:
                self.assertEqual((msb, lsb), (int(svd[base + "_MSB"]), int(svd[base + "_LSB"])), name)
            self.assertEqual(cppd[cbase + "_MSB"], svd[base + "_MSB"], name)
        self.assertGreater(n, 25)

    def test_output_is_deterministic(self):
        a = self.run_gen()
        self.assertEqual(a.returncode, 0, a.stderr)
        first = {k: read(p) for k, p in self.outputs().items()}
        b = self.run_gen()
        self.assertEqual(b.returncode, 0, b.stderr)
        for k, p in self.outputs().items():
            self.assertEqual(read(p), first[k], k)

    def test_params_override(self):
        res = self.run_gen(extra=["--params", "DATA_WIDTH=64", "N_SERVICES=32"])
        self.assertEqual(res.returncode, 0, res.stderr)
        sv = read(self.outputs()["sv"])
        self.assertIn("`define V6LB_DEFAULT_DATA_WIDTH 64", sv)
        self.assertIn("`define V6LB_DEFAULT_N_SERVICES 32", sv)

    # --- rejected descriptions -----------------------------------------------------------------------
    def test_overlap(self):
        d = load()
        reg(d, "TICK_DIV")["offset"] = 0x40
        self.assertRejected(self.run_gen(doc=d), r":\d+: register (TICK_DIV|CTRL) at 0x0040\.\.0x0043 overlaps register (CTRL|TICK_DIV)")

    def test_array_overlap(self):
        d = load()
        reg(d, "TBL_DATA")["count"] = 17
        self.assertRejected(self.run_gen(doc=d), r"register TBL_INDEX at 0x0140\.\.0x0143 overlaps register TBL_DATA at 0x0100\.\.0x0143")

    def test_misaligned(self):
        d = load()
        reg(d, "CTRL")["offset"] = 0x42
        self.assertRejected(self.run_gen(doc=d), r":\d+: register CTRL: offset 0x0042 is not aligned to 4 bytes")

    def test_duplicate_name(self):
        d = load()
        d["registers"].append({"name": "CTRL", "offset": 0x300, "access": "rw", "desc": "again"})
        self.assertRejected(self.run_gen(doc=d), r":\d+: duplicate register name CTRL \(first defined at line \d+\)")

    def test_field_beyond_32_bits(self):
        d = load()
        reg(d, "CTRL")["fields"][1]["bits"] = "32:31"
        self.assertRejected(self.run_gen(doc=d), r":\d+: field CTRL\.TICK_EXT: bits 32:31 go beyond the 32-bit register")

    def test_field_overlap(self):
        d = load()
        reg(d, "CNT_SEL")["fields"][1]["bits"] = "24:16"
        self.assertRejected(self.run_gen(doc=d), r"register CNT_SEL: field KIND \(bits 25:24\) overlaps field FIELD \(bits 24:16\)")

    def test_field_msb_below_lsb(self):
        d = load()
        reg(d, "CTRL")["fields"][0]["bits"] = "0:3"
        self.assertRejected(self.run_gen(doc=d), r"MSB is below LSB")

    def test_bad_access(self):
        d = load()
        reg(d, "CTRL")["access"] = "rx"
        self.assertRejected(self.run_gen(doc=d), r"register CTRL: access 'rx' must be one of ro/rw/wo/cmd")

    def test_unknown_key(self):
        d = load()
        r = reg(d, "CTRL")
        r["ofset"] = r.pop("offset")
        self.assertRejected(self.run_gen(doc=d), r"register: (missing key 'offset'|unknown key 'ofset')")

    def test_beyond_address_space(self):
        d = load()
        d["registers"].append({"name": "FAR", "offset": 0xFFFC, "count": 2, "access": "ro", "desc": "x"})
        self.assertRejected(self.run_gen(doc=d), r"register FAR: 0xFFFC\.\.0x10003 is beyond the 16-bit address space")

    def test_reset_outside_fields(self):
        d = load()
        reg(d, "CTRL")["reset"] = 4
        self.assertRejected(self.run_gen(doc=d), r"register CTRL: reset 0x00000004 sets bits outside its fields")

    def test_value_too_wide(self):
        d = load()
        reg(d, "TBL_CMD")["fields"][1]["values"]["READ"] = 4
        self.assertRejected(self.run_gen(doc=d), r"field TBL_CMD\.OP value READ = 4 is above 3")

    def test_duplicate_yaml_key(self):
        text = read(YAML).replace(
            "  - {name: TICK_NOW, offset: 0x0048,", "  - {name: TICK_NOW, offset: 0x0048, offset: 0x4C,")
        self.assertRejected(self.run_gen(text=text), r":\d+: duplicate key 'offset'")

    def test_layout_field_overlap(self):
        d = load()
        flow = next(e for e in d["layouts"]["entries"] if e["name"] == "FLOW")
        next(f for f in flow["fields"] if f["name"] == "VALID")["word"] = 9
        self.assertRejected(self.run_gen(doc=d), r"layout FLOW: field VALID overlaps field KEY \(word 9 bit 31\)")

    def test_layout_beyond_data(self):
        d = load()
        flow = next(e for e in d["layouts"]["entries"] if e["name"] == "FLOW")
        flow["fields"][0]["bytes"] = 65
        self.assertRejected(self.run_gen(doc=d), r"layout FLOW field KEY ends in word 16, beyond the 16 data words")

    def test_layout_unknown_table(self):
        d = load()
        d["layouts"]["entries"][0]["tables"] = ["SERVICES"]
        self.assertRejected(self.run_gen(doc=d), r"layout SERVICE: table 'SERVICES' is not a value of TBL_CMD\.TABLE")

    def test_counter_group_unknown(self):
        d = load()
        d["counters"]["groups"]["FLOWS"] = d["counters"]["groups"].pop("FLOW_OCC")
        self.assertRejected(self.run_gen(doc=d), r"counter group 'FLOWS' is not a value of CNT_SEL\.KIND")

    def test_generated_name_clash(self):
        d = load()
        d["registers"].append({"name": "CTRL_AGING_EN", "offset": 0x300, "access": "rw", "desc": "clash"})
        self.assertRejected(self.run_gen(doc=d), r"generated C\+\+ (name|function) CTRL_AGING_EN")

    def test_kernel_arg_clash(self):
        d = load()
        d["registers"].append({"name": "CARD_ADDR_0", "offset": 0x300, "access": "rw", "desc": "clash"})
        self.assertRejected(self.run_gen(doc=d), r"kernel\.xml argument CARD_ADDR_0 is defined twice")

    def test_bad_identifier(self):
        d = load()
        reg(d, "CTRL")["name"] = "ctrl-reg"
        self.assertRejected(self.run_gen(doc=d), r"register name 'ctrl-reg' is not a valid UPPER_CASE identifier")

    def test_param_unknown(self):
        self.assertRejected(self.run_gen(extra=["--params", "N_SERVICE=8"]), r"--params N_SERVICE: no such parameter")

    def test_param_out_of_range(self):
        self.assertRejected(self.run_gen(extra=["--params", "N_SERVICES=300"]), r"--params N_SERVICES=300 is above its maximum 256")

    def test_param_not_pow2(self):
        self.assertRejected(self.run_gen(extra=["--params", "FLOW_SETS=1000"]), r"--params FLOW_SETS=1000 must be a power of two")

    def test_all_errors_reported(self):
        d = load()
        reg(d, "CTRL")["offset"] = 0x42
        reg(d, "TBL_SEL")["fields"][1]["bits"] = "40"
        res = self.run_gen(doc=d)
        self.assertRejected(res, r"CTRL: offset 0x0042", r"TBL_SEL\.BANK: bits 40")

    def test_fuzz_never_crashes(self):
        """Randomly broken descriptions give DescError messages, never a Python traceback."""
        import importlib.util
        import random
        spec = importlib.util.spec_from_file_location("gen_regs", GEN)
        g = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(g)
        base = load()
        junk = [None, 0, -1, "x", [], {}, 1.5, True, "31:0", 0x10000, [1], {"a": 1}]

        def paths(o, path=()):
            if path:
                yield path
            items = o.items() if isinstance(o, dict) else enumerate(o) if isinstance(o, list) else ()
            for k, v in items:
                yield from paths(v, path + (k,))

        rng = random.Random(20261122)
        path = os.path.join(self.dir, "fuzz.yaml")
        for it in range(400):
            d = copy.deepcopy(base)
            for _ in range(rng.randint(1, 3)):
                p = rng.choice(list(paths(d)))
                parent = d
                for k in p[:-1]:
                    parent = parent[k]
                if rng.random() < 0.3:
                    del parent[p[-1]]
                else:
                    parent[p[-1]] = rng.choice(junk)
            with open(path, "w", encoding="utf-8") as f:
                f.write(yaml.safe_dump(d, sort_keys=False))
            try:
                doc, _ = g.load_yaml(path)
                rm = g.build(doc, path, {})
                for emit in (g.emit_sv, g.emit_cpp, g.emit_md, g.emit_kernel_xml):
                    emit(rm, path)
            except g.DescError:
                pass
            except Exception as e:  # pragma: no cover
                self.fail("iteration %d: %s: %s\n%s" % (it, type(e).__name__, e, yaml.safe_dump(d)[:2000]))

    def test_invalid_yaml(self):
        self.assertRejected(self.run_gen(text="registers: [\n"), r"invalid YAML")


def main():
    global GEN, YAML
    ap = argparse.ArgumentParser()
    ap.add_argument("--gen", required=True)
    ap.add_argument("--yaml", required=True)
    a, rest = ap.parse_known_args()
    GEN, YAML = os.path.abspath(a.gen), os.path.abspath(a.yaml)
    unittest.main(argv=[sys.argv[0], "-v"] + rest)


if __name__ == "__main__":
    main()
