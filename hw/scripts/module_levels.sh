#!/usr/bin/env bash
# LUT levels of one RTL module on its own (faster than scripts/board_estimate.sh, which takes the
# whole kernel): yosys synth_xilinx of MODULE with the given parameters, then lut_levels.py.
# Module ports are path ends here as flip-flops are; the registered outputs of one module feed
# registered inputs of the next in v6lb_top, so the per-module figure is the kernel's figure for
# the paths inside the module.
#   hw/scripts/module_levels.sh MODULE OUT_DIR [PARAM=VALUE ...]
# e.g. hw/scripts/module_levels.sh v6lb_lookup build/lv-lookup N_BACKENDS=64 FLOW_SETS_LOG2=10
# Flow tables are kept in UltraRAM and Maglev in block RAM as in the card build.
# scripts/board_estimate.sh runs it for the whole kernel. Writes OUT_DIR/{yosys.log,stat.txt,
# levels.txt}; TOP_PATHS=N lists N path ends, KEEP_JSON=1 keeps the netlist (OUT_DIR/comb.json)
# for `hw/scripts/lut_levels.py OUT_DIR/comb.json --path NET`, one path cell by cell.
set -euo pipefail
cd "$(dirname "$0")/../.."
MOD=${1:?usage: module_levels.sh MODULE OUT_DIR [PARAM=VALUE ...]}
OUT=${2:?usage: module_levels.sh MODULE OUT_DIR [PARAM=VALUE ...]}
shift 2
GEN=build/generated
if [ ! -f "$GEN/v6lb_regs.svh" ]; then
  mkdir -p "$GEN"
  /usr/bin/python3 hw/regs/gen_regs.py --in hw/regs/v6lb_regs.yaml --sv "$GEN/v6lb_regs.svh"
fi
chparams=""
for kv in "$@"; do chparams="$chparams -chparam ${kv%%=*} ${kv#*=}"; done
mkdir -p "$OUT"
start=$(date +%s)
files=${RTL_FILES:-$(ls hw/rtl/*.sv)}  # RTL_FILES: the files to read (all of hw/rtl)
yosys -q -l "$OUT/yosys.log" -p "
  read_verilog -sv -I$GEN $(echo $files)
  hierarchy -check -top $MOD $chparams
  setattr -set ram_style \"ultra\" *v6lb_flow_mem/m:mem
  setattr -set ram_style \"block\" *v6lb_lookup/m:maglev
  synth_xilinx -family xcup -top $MOD -flatten -noiopad
  tee -o $OUT/stat.txt stat
  delete t:FD*
  write_json $OUT/comb.json
" >/dev/null 2>&1
/usr/bin/python3 hw/scripts/lut_levels.py "$OUT/comb.json" --top "${TOP_PATHS:-25}" > "$OUT/levels.txt"
[ -n "${KEEP_JSON:-}" ] || rm -f "$OUT/comb.json"
echo "$MOD $*: $(( $(date +%s) - start )) s"
head -3 "$OUT/levels.txt"
