#!/usr/bin/env bash
# Resource estimate of the pipeline without vendor tools: yosys synth_xilinx (UltraScale+) of
# v6lb_top, then `stat` (LUT, FF, BRAM, URAM, DSP). Takes about 30 minutes on 2 cores for the
# small build below (ABC maps ~600,000 gates).
#   scripts/synth_estimate.sh [OUT_DIR] [PARAM=VALUE ...]
# e.g. scripts/synth_estimate.sh build/synth DATA_WIDTH=512 N_SERVICES=16 MAGLEV_M=4099
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-build/synth}
shift || true
mkdir -p "$OUT"
GEN=build/generated
if [ ! -f "$GEN/v6lb_regs.svh" ]; then
  mkdir -p "$GEN"
  /usr/bin/python3 hw/regs/gen_regs.py --in hw/regs/v6lb_regs.yaml --sv "$GEN/v6lb_regs.svh"
fi
chparams=""
for kv in "$@"; do chparams="$chparams -chparam ${kv%%=*} ${kv#*=}"; done
files=$(ls hw/rtl/*.sv | grep -v v6lb_krnl | tr '\n' ' ')
yosys -q -l "$OUT/yosys.log" -p "
  read_verilog -sv -I$GEN $files
  hierarchy -check -top v6lb_top $chparams
  synth_xilinx -family xcup -top v6lb_top -flatten
  tee -o $OUT/stat.txt stat
" >/dev/null 2>&1
echo "parameters: ${*:-defaults}"
grep -E "Number of cells|LUT[1-6] |FDRE|FDSE|FDCE|FDPE|RAMB|URAM|DSP48|RAM(32|64|128|256)" "$OUT/stat.txt" | sed 's/^ *//'
