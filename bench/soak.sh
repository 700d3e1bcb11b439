#!/usr/bin/env bash
# Soak run (docs/RELIABILITY.md, "Soak"): the lab under steady traffic with health flaps every
# 12 s, a reload every minute and drains, v6lbd and v6lbctl built with ASan+UBSan. Needs root and
# a quiet machine; 30 minutes by default.
#   bench/soak.sh [ASAN_BUILD_DIR] [MINUTES] [ENGINE]      e.g. bench/soak.sh build-asan 30 model
# ASAN_BUILD_DIR: a build with -DV6LB_ASAN=ON (made if missing: cmake -DV6LB_ASAN=ON
# -DV6LB_FUZZ=OFF, targets v6lbd v6lbctl v6lb-card).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build-asan}
MINUTES=${2:-30}
ENGINE=${3:-model}
if [ ! -x "$BUILD/host/tools/v6lbd" ]; then
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DV6LB_ASAN=ON -DV6LB_FUZZ=OFF >/dev/null
  cmake --build "$BUILD" -j "$(nproc)" --target v6lbd v6lbctl v6lb-card
fi
exec /usr/bin/python3 bench/soak.py --bin "$BUILD/host/tools" --minutes "$MINUTES" \
  --engine "$ENGINE" --report "/tmp/v6lb-soak-$ENGINE.json"
