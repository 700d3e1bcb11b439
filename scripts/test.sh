#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test with ctest.
#   ./scripts/test.sh              all tests
#   ./scripts/test.sh -L unit      only one ctest label (unit, asan, tsan, e2e, rtl, ...)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
v6lb_install_deps

BUILD=${V6LB_BUILD_DIR:-build}
JOBS=${V6LB_JOBS:-$(nproc)}
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" -j "$JOBS"
cd "$BUILD"
ctest --output-on-failure -j "$JOBS" "$@"
