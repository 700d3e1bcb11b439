#!/usr/bin/env bash
# One fuzz test of ctest -L fuzz (tests/fuzz/CMakeLists.txt):
#   run_fuzz.sh HARNESS CORPUS_DIR WORK_DIR SECONDS
# replays every seed of CORPUS_DIR once (a crash fails), then fuzzes for SECONDS from it. New
# inputs go to WORK_DIR/corpus, crash reproducers to WORK_DIR/ (never into the repository).
set -euo pipefail
harness=$1 corpus=$2 work=$3 seconds=$4
[ -x "$harness" ] || { echo "FAIL: $harness is not built"; exit 1; }
[ -d "$corpus" ] || { echo "FAIL: no seed corpus $corpus"; exit 1; }
mkdir -p "$work/corpus"
shopt -s nullglob
seeds=("$corpus"/*)
[ ${#seeds[@]} -gt 0 ] || { echo "FAIL: $corpus is empty"; exit 1; }
echo "== replaying ${#seeds[@]} seeds of $corpus"
if ! "$harness" -artifact_prefix="$work/" "${seeds[@]}" >"$work/replay.log" 2>&1; then
  cat "$work/replay.log"
  echo "FAIL: a seed of $corpus fails"
  exit 1
fi
tail -n 2 "$work/replay.log"
echo "== fuzzing ${seconds} s"
# -error_exitcode=1: libFuzzer's default (77) is ctest's skip code elsewhere in this tree.
if ! "$harness" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$work/" \
  -rss_limit_mb=2048 -timeout=10 -error_exitcode=1 -timeout_exitcode=1 "$work/corpus" "$corpus"; then
  echo "FAIL: $(basename "$harness") found a crash, leak, timeout or OOM; reproducer in $work/"
  exit 1
fi
