#!/usr/bin/env bash
# Soak run (docs/RELIABILITY.md, "Soak"): the lab under steady traffic with health flaps every
# 12 s, a reload every minute and drains, v6lbd and v6lbctl from the ASan+UBSan sub-build of the
# tree (tests/sanitize), the data plane in v6lb-card from the main build. Needs root and a quiet
# machine; 30 minutes by default.
#   bench/soak.sh [BUILD_DIR] [MINUTES] [ENGINE]      e.g. bench/soak.sh build 30 model
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
MINUTES=${2:-30}
ENGINE=${3:-model}
SAN="$BUILD/tests/sanitize/asan/host/tools"
if [ ! -x "$SAN/v6lbd" ] || [ ! -x "$BUILD/host/tools/v6lb-card" ]; then
  echo "soak.sh: build first (cmake --build $BUILD): needs $SAN/v6lbd and $BUILD/host/tools/v6lb-card" >&2
  exit 2
fi
exec /usr/bin/python3 bench/soak.py --bin "$SAN" --card-bin "$BUILD/host/tools" \
  --minutes "$MINUTES" --engine "$ENGINE" --report "/tmp/v6lb-soak-$ENGINE.json"
