#!/usr/bin/env bash
# clang-tidy (the checks of the top-level .clang-tidy) over every C++ source of the project that
# compile_commands.json names and that lives in the source tree (not the build tree: Verilator's
# generated C++). Fails on any finding or compile error. Files run in parallel (V6LB_LINT_JOBS,
# default 2), a few per clang-tidy process.
#   clang_tidy.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(realpath "$1")
src=$(realpath "$2")
if ! command -v clang-tidy >/dev/null; then
  echo "clang-tidy is not installed (scripts/deps.sh installs it)"
  exit 1
fi
[ -f "$build/compile_commands.json" ] || { echo "no $build/compile_commands.json"; exit 1; }
list=$(mktemp)
out=$(mktemp)
trap 'rm -f "$list" "$out"' EXIT
python3 - "$build/compile_commands.json" "$src" "$build" >"$list" <<'PY'
import json, os, sys
cc, src, build = sys.argv[1], sys.argv[2] + "/", sys.argv[3] + "/"
files = set()
for e in json.load(open(cc)):
    f = os.path.normpath(os.path.join(e["directory"], e["file"]))
    if f.startswith(src) and not f.startswith(build):
        files.add(f)
print("\n".join(sorted(files)))
PY
n=$(wc -l <"$list")
start=$SECONDS
# xargs exits non-zero when clang-tidy reports; the findings themselves decide.
xargs -P "${V6LB_LINT_JOBS:-2}" -n 4 clang-tidy -p "$build" --quiet <"$list" >"$out" 2>&1 || true
# The fuzz harnesses are compiled only by tests/fuzz's clang sub-build: lint them with its
# compile_commands.json when it has been built.
fuzz_build="$build/tests/fuzz/clang"
if [ -f "$fuzz_build/compile_commands.json" ]; then
  for f in "$src"/tests/fuzz/*_fuzz.cc; do
    echo "$f"
  done | xargs -P "${V6LB_LINT_JOBS:-2}" -n 3 clang-tidy -p "$fuzz_build" --quiet >>"$out" 2>&1 || true
  n=$((n + $(ls "$src"/tests/fuzz/*_fuzz.cc | wc -l)))
fi
findings=$(grep -cE '(warning|error): ' "$out" || true)
if [ "$findings" -ne 0 ]; then
  grep -E '(warning|error): ' "$out" | sort -u
  echo "clang-tidy: $findings finding(s) in $n files ($((SECONDS - start)) s)"
  exit 1
fi
echo "clang-tidy: $n files clean ($((SECONDS - start)) s)"
