#!/usr/bin/env bash
# Requests per second and latency through the lab (docs/LAB.md): 300 sequential HTTP requests,
# each on a new TCP connection, from the client namespace to the VIP, per engine, RUNS times;
# prints each run and the medians. A benchmark (root, a quiet machine), not a test.
#   bench/lab_bench.sh [BUILD_DIR] [RUNS] [ENGINES...]     e.g. bench/lab_bench.sh build 5 sim dpdk
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
RUNS=${2:-5}
shift 2 || true
ENGINES=${*:-sim model dpdk}
for engine in $ENGINES; do
  for i in $(seq 1 "$RUNS"); do
    /usr/bin/python3 tests/e2e/lab_test.py --bin "$BUILD/host" --engine "$engine" --mode card \
      --only latency --report "/tmp/v6lb-lab-bench-$engine-$i.json" | grep '^latency' |
      sed "s/^/$engine run $i: /"
  done
  /usr/bin/python3 - "$engine" "$RUNS" <<'PY'
import json, statistics, sys
e, n = sys.argv[1], int(sys.argv[2])
r = [json.load(open(f"/tmp/v6lb-lab-bench-{e}-{i}.json"))["latency"] for i in range(1, n + 1)]
med = {k: statistics.median(x[k] for x in r) for k in ("rps", "p50_ms", "p99_ms")}
print(f"{e}: median of {n} runs: {med['rps']:.0f} req/s, p50 {med['p50_ms']:.2f} ms, p99 {med['p99_ms']:.2f} ms")
PY
done
