#!/usr/bin/env bash
# clang-format --dry-run --Werror (the top-level .clang-format) over the project's .cc and .h
# files under version control. Fails naming each file that is not formatted.
#   clang_format.sh SOURCE_DIR
set -euo pipefail
src=$(realpath "$1")
if ! command -v clang-format >/dev/null; then
  echo "clang-format is not installed (scripts/deps.sh installs it)"
  exit 1
fi
cd "$src"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files '*.cc' '*.h')
else
  mapfile -t files < <(find host driver sim tests bench -name '*.cc' -o -name '*.h' | sort)
fi
bad=()
for f in "${files[@]}"; do
  clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [ "${#bad[@]}" -ne 0 ]; then
  printf 'not clang-formatted: %s\n' "${bad[@]}"
  echo "clang-format: ${#bad[@]} of ${#files[@]} files differ (clang-format -i FILE shows how)"
  exit 1
fi
echo "clang-format: ${#files[@]} files formatted"
