#!/usr/bin/env bash
# Resource and timing-proxy estimate of the card kernel v6lb_krnl for one board, without vendor
# tools: yosys 0.23 `synth_xilinx -family xcup` at the board's table sizes (hw/boards/BOARD.mk),
# `stat` against the part's and one SLR's LUT/FF/BRAM/URAM/DSP capacity, and the longest chain of
# LUTs between sequential cells (hw/scripts/lut_levels.py on the flattened netlist; FFs, block
# RAM, UltraRAM and DSPs are path endpoints). Slow: 10-20 min on 2 cores (mostly ABC). Run one at
# a time, niced:
#   nice -n 10 scripts/board_estimate.sh BOARD [OUT_DIR] [PARAM=VALUE ...]
# e.g. scripts/board_estimate.sh u250 build/estimate-u250
#      scripts/board_estimate.sh u55c build/est N_BACKENDS=256      (override a table size)
# Memory styles as in the Vivado build (hw/vitis/v6lb_krnl_synth.xdc): flow tables in UltraRAM,
# Maglev in block RAM. `make -C hw estimate BOARD=u250` runs it. Writes OUT_DIR/{yosys.log,
# stat.txt,levels.txt,report.txt}; TOP_PATHS=N lists N path ends (40), KEEP_JSON=1 keeps comb.json.
set -euo pipefail
cd "$(dirname "$0")/.."
BOARD=${1:?usage: board_estimate.sh BOARD [OUT_DIR] [PARAM=VALUE ...]}
shift
OUT=${1:-build/estimate-$BOARD}
[ $# -gt 0 ] && shift
MK=hw/boards/$BOARD.mk
[ -f "$MK" ] || { echo "board_estimate.sh: no $MK (boards: $(ls hw/boards | sed 's/\.mk//' | tr '\n' ' '))" >&2; exit 2; }
val() { sed -n "s/^$1 *:= *//p" "$MK" | head -1; }
mkdir -p "$OUT"
declare -A P
for k in DATA_WIDTH N_SERVICES N_BACKENDS MAGLEV_M FLOW_SETS_LOG2; do P[$k]=$(val $k); done
for kv in "$@"; do P[${kv%%=*}]=${kv#*=}; done
params=""
desc=""
for k in DATA_WIDTH N_SERVICES N_BACKENDS MAGLEV_M FLOW_SETS_LOG2; do
  params="$params $k=${P[$k]}"
  desc="$desc $k=${P[$k]}"
done
start=$(date +%s)
echo "board $BOARD:$desc  (started $(date -u +%FT%TZ), log $OUT/yosys.log)"
# The synthesis and the LUT-depth walk are module_levels.sh's, with v6lb_krnl as the module.
# It reads exactly the files the kernel packaging reads (ctest hw_check compares the lists).
files="hw/rtl/v6lb_krnl.sv hw/rtl/v6lb_top.sv hw/rtl/v6lb_axil_regs.sv hw/rtl/v6lb_ingress.sv
  hw/rtl/v6lb_parser.sv hw/rtl/v6lb_crc32c_key.sv hw/rtl/v6lb_lookup.sv hw/rtl/v6lb_flow_mem.sv
  hw/rtl/v6lb_counters.sv hw/rtl/v6lb_counter_bank.sv hw/rtl/v6lb_egress.sv hw/rtl/v6lb_fifo.sv hw/rtl/v6lb_skid_buffer.sv"
RTL_FILES=$files TOP_PATHS=${TOP_PATHS:-40} hw/scripts/module_levels.sh v6lb_krnl "$OUT" $params >/dev/null
secs=$(( $(date +%s) - start ))
cnt() { awk -v pat="$1" '$1 ~ pat {s += $2} END {print s+0}' "$OUT/stat.txt"; }
lut=$(cnt '^LUT[1-6]')
lutram=$(cnt '^RAM(32|64|128|256)')
srl=$(cnt '^SRL')
ff=$(cnt '^FD[RSCP]E')
ramb36=$(cnt '^RAMB36')
ramb18=$(cnt '^RAMB18')
uram=$(cnt '^URAM288')
dsp=$(cnt '^DSP48')
bram=$(( ramb36 + (ramb18 + 1) / 2 ))
slrs=$(val SLR_COUNT)
{
  echo "board $BOARD ($(val PART), platform $(val PLATFORM))"
  echo "parameters:$desc"
  echo "yosys $(yosys -V | awk '{print $2}') synth_xilinx -family xcup -flatten; $(nproc) cores, ${secs} s"
  printf "%-8s %10s %10s %7s %12s %7s\n" resource used part "use%" "one SLR" "use%"
  row() { printf "%-8s %10s %10s %6.1f%% %12s %6.1f%%\n" "$1" "$2" "$3" "$(echo "100*$2/$3" | bc -l)" "$(( $3 / slrs ))" "$(echo "100*$2*$slrs/$3" | bc -l)"; }
  row LUT $((lut + lutram + srl)) "$(val CAP_LUT)"
  row FF "$ff" "$(val CAP_FF)"
  row BRAM36 "$bram" "$(val CAP_BRAM36)"
  row URAM "$uram" "$(val CAP_URAM)"
  row DSP "$dsp" "$(val CAP_DSP)"
  echo "(LUT = logic $lut + LUTRAM $lutram + SRL $srl; BRAM36 = RAMB36 $ramb36 + RAMB18 $ramb18 / 2)"
  head -3 "$OUT/levels.txt"
} | tee "$OUT/report.txt"
