#!/usr/bin/env bash
# Every C and C++ file the project tracks is formatted as .clang-format says (clang-format
# 14, Debian 12's). Prints each deviation and exits 1, or exits 0 in silence.
# Usage: scripts/check_format.sh [ROOT]   (to fix: the same files through clang-format -i)
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root"
if ! command -v clang-format > /dev/null; then
  echo "check_format: clang-format is not installed (scripts/install-deps.sh installs it)" >&2
  exit 2
fi
files=()
while IFS= read -r f; do files+=("$f"); done < <(
  if [ -d .git ]; then git ls-files '*.c' '*.h' '*.cpp'
  else find src hw tests bench examples include -name '*.c' -o -name '*.h' -o -name '*.cpp'; fi)
clang-format --dry-run --Werror "${files[@]}"
