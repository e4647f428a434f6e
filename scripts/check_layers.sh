#!/usr/bin/env bash
# The layers' rule (../shared/DESIGN.md, "Layout"): a file includes only from its own
# layer and the layers below it. Prints every include that points up and exits 1, or
# exits 0 in silence. Usage: scripts/check_layers.sh [ROOT]
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root"

# folder -> the include prefixes its files may use (besides the public tessera/ header);
# api/stats.h and api/routes.h are hw/'s C-only headers: the statistics structs and the
# routes library (no SystemC)
declare -A allowed=(
  [src/config]="config/"
  [src/model]="config/ model/ api/stats.h api/routes.h"
  [src/report]="config/ model/ report/ api/stats.h"
  [src/driver]="config/ model/ report/ driver/ api/"
  [src/cli]="config/ model/ report/ driver/ cli/ api/"
  [hw/api]="config/ model/ api/ noc/ mem/ compute/"
  [hw/noc]="config/ model/ api/stats.h api/tessera_hw.h noc/"
  [hw/mem]="config/ api/stats.h api/tessera_hw.h mem/"
  [hw/compute]="config/ model/ api/stats.h api/tessera_hw.h noc/ mem/ compute/"
)
bad=0
for dir in "${!allowed[@]}"; do
  for f in "$dir"/*.[ch] "$dir"/*.cpp; do
    [ -e "$f" ] || continue
    while IFS= read -r inc; do
      ok=0
      case $inc in tessera/*) ok=1 ;; esac
      for prefix in ${allowed[$dir]}; do
        case $inc in "$prefix"*) ok=1 ;; esac
      done
      # a local include without a folder is a file of one's own folder
      case $inc in */*) ;; *) [ -e "$dir/$inc" ] && ok=1 ;; esac
      if [ $ok = 0 ]; then
        echo "$f: includes \"$inc\", above its layer (allowed: ${allowed[$dir]})"
        bad=1
      fi
    done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
  done
done
# nothing left at the top of src/ or hw/ but the shared library's one file
for f in src/*.[ch] hw/*.cpp hw/*.h; do
  [ -e "$f" ] || continue
  echo "$f: outside the layers' folders"
  bad=1
done
exit $bad
