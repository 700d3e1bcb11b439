#!/bin/bash
# The DPDK data plane against DPDK's own I/O ceiling, in one run: for net_null and net_ring,
# dpdk_bench (v6lb's pipeline on one worker core: hit path, new flows) and dpdk-testpmd
# --forward-mode=io on the same vdev, same lcores, no hugepages. Prints medians and the ratio.
#   bench/dpdk_bench.sh BUILD_DIR [REPS] [FLOWS]     (BENCH_ARGS="--workers 2" etc. go to dpdk_bench)
# Run it on an otherwise idle machine: the worker and testpmd's forwarding core both busy-poll
# lcore 1.
set -euo pipefail
build=${1:?usage: dpdk_bench.sh BUILD_DIR [REPS] [FLOWS]}
reps=${2:-5}
flows=${3:-1048576}
bench=$build/bench/dpdk_bench
testpmd=${TESTPMD:-dpdk-testpmd}

median() { sort -g | awk '{v[NR]=$1} END {if (NR) print v[int((NR+1)/2)]; else print 0}'; }

# Rx packets per second of testpmd io forwarding on one core: forwarding starts, stats are taken
# after 2 s and again 4 s later; testpmd's Rx-pps covers the time between the two.
testpmd_pps() {
  local vdev=$1 start=$2 prefix=v6lb_tpmd_$$_$RANDOM
  { sleep 1; echo "$start"; sleep 2; echo "show port stats 0"; sleep 4; echo "show port stats 0";
    echo "stop"; echo "quit"; } |
    "$testpmd" --no-huge --no-pci -m 512 --file-prefix "$prefix" -l 0-1 \
      --log-level lib.eal:warning --vdev "$vdev" -- -i --forward-mode=io --port-topology=loop \
      --nb-cores=1 --total-num-mbufs=16384 --txpkts=78 --burst=32 2>/dev/null |
    grep -o 'Rx-pps: *[0-9]*' | tail -1 | awk '{print $2}'
  rm -rf "/var/run/dpdk/$prefix"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "dpdk: $(pkg-config --modversion libdpdk), $(date -u +%Y-%m-%dT%H:%MZ)"
# The reference pipeline alone (no I/O), in the same run, for the cost of the DPDK layer.
ref_hit=0 ref_syn=0
if [ -x "$build/bench/pipeline_bench" ]; then
  ref=$("$build/bench/pipeline_bench" --reps "$reps" --flows "$flows" | grep -v maglev)
  echo "$ref"
  ref_hit=$(echo "$ref" | sed -n 's/^hit path: *median \([0-9.]*\).*/\1/p')
  ref_syn=$(echo "$ref" | sed -n 's/^new flows (SYN): *median \([0-9.]*\).*/\1/p')
fi
for vdev in null ring; do
  if [ $vdev = null ]; then spec=net_null0,size=78; start=start; else spec=net_ring0; start="start tx_first 16"; fi
  out=$("$bench" --vdev $vdev --reps "$reps" --flows "$flows" ${BENCH_ARGS:-} 2>&1 | grep -v '^EAL\|^TELEMETRY')
  echo "$out"
  io=()
  for ((r = 0; r < reps; r++)); do io+=("$(testpmd_pps "$spec" "$start")"); done
  io_med=$(printf '%s\n' "${io[@]}" | median)
  echo "testpmd io, net_$vdev, 1 core: median $(awk -v x="$io_med" 'BEGIN{printf "%.2f", x/1e6}') Mpps (runs: $(for x in "${io[@]}"; do awk -v x="$x" 'BEGIN{printf "%.2f ", x/1e6}'; done))"
  res=$(echo "$out" | grep '^RESULT')
  hit=$(echo "$res" | sed 's/.*hit=\([0-9.]*\).*/\1/')
  syn=$(echo "$res" | sed 's/.*new_syn=\([0-9.]*\).*/\1/')
  ack=$(echo "$res" | sed 's/.*new_ack=\([0-9.]*\).*/\1/')
  awk -v io="$io_med" -v h="$hit" -v s="$syn" -v a="$ack" -v v="$vdev" -v rh="$ref_hit" \
      -v rs="$ref_syn" 'BEGIN{
    ph = 0; ps = 0
    if (rh > 0) ph = 100 * h / rh
    if (rs > 0) ps = 100 * s / rs
    printf "SUMMARY net_%s: testpmd io %.2f Mpps | v6lb hit %.2f Mpps (%.1f %% of io, %.0f %% of the pipeline alone) | new flows SYN %.2f M/s (%.1f %% of io, %.0f %% of the pipeline alone) | no SYN %.2f M/s\n",
      v, io/1e6, h, 100*h*1e6/io, ph, s, 100*s*1e6/io, ps, a }'
done
