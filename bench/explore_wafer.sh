#!/usr/bin/env bash
# The explorer on a wafer-scale design space (spaces/wafer-explore.xml: 3,402 points) with a
# budget of 200 simulator runs: once screening every point with the analytical model, once
# letting NSGA-II choose 1,000 of them; prints wall times, runs spent and fronts.
# Also times `estimate` on an already-opened job. Figures go to results/explore.md by hand.
#   bench/explore_wafer.sh [BUILD_DIR]    (default build)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
out=$(mktemp -d)
echo "== estimate on an opened job (default platform and workload) =="
TESSERA_LIB=$build/libtessera.so PYTHONPATH=python /usr/bin/python3 - <<'PY'
import time, tessera
with tessera.Job("platforms/default.xml", "workloads/default.xml") as job:
    for cal in (None, "results/calibration/default.cal"):
        job.estimate(cal).close()
        n, t = 2000, time.perf_counter()
        for _ in range(n):
            job.estimate(cal).close()
        print(f"calibration {cal}: {(time.perf_counter() - t) / n * 1e3:.4f} ms per estimate (report included)")
PY
for screen in 0 1000; do
  echo "== explore, budget 200, screen ${screen/#0/every point} =="
  args=(--budget 200 -j 2 --seed 1 -o "$out/s$screen")
  [ "$screen" -gt 0 ] && args+=(--screen "$screen")
  /usr/bin/time -f "wall %e s, peak RSS %M KiB" "$build/tessera" explore spaces/wafer-explore.xml "${args[@]}"
  awk -F, 'NR > 1 { n[$0 ~ /,simulated,/ ? "simulated" : "analytic"]++ } END { print "evaluations:", n["analytic"], "analytic,", n["simulated"], "simulated" }' "$out/s$screen/evaluations.csv"
  cat "$out/s$screen/front.csv"
done
rm -rf "$out"
