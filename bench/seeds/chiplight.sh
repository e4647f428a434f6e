#!/bin/sh
# Chiplet size, package topology, optical or electrical links and the parallel split
# together (issue 23 items 4 and 5, in the manner of ChipLight; results/seeds/chiplight.md):
# platforms/chiplet-topology.xml (the default platform's silicon as 16 or 64 chiplets on a
# mesh, torus or dragonfly, electrical or optical package links) training the default job
# (GPT-3 XL) at a global batch of 64.
# 1. every architecture at one split (TP 4 x PP 4 x DP chiplets/16), simulated at the
#    default fidelity: iteration time, package cost and network energy;
# 2. `tessera explore spaces/chiplet-topology.xml` (split free too) with a budget of
#    BUDGET simulator runs: its Pareto front of iteration time against cost.
# usage: bench/seeds/chiplight.sh [tessera] [BUDGET]
set -eu
tessera=${1:-build/tessera}
budget=${2:-40}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
printf '%-10s %8s %-9s %12s %10s %12s\n' chiplets topology links iteration_s cost_usd network_j
for chiplets in 16 64; do
  for nop in electrical optical; do
    for topology in mesh torus dragonfly; do
      "$tessera" run platforms/chiplet-topology.xml workloads/default.xml --quiet --json \
        --set chiplets=$chiplets --set topology=$topology --set nop=$nop \
        --set workload.global-batch=64 --set workload.dp=$((chiplets / 16)) > "$out/r.json"
      python3 - "$out/r.json" "$chiplets" "$topology" "$nop" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print("%-10s %8s %-9s %12.6g %10.6g %12.6g" % (sys.argv[2], sys.argv[3], sys.argv[4],
      r["iteration_time_s"], r["cost_usd"], r["energy_breakdown_j"]["network"]))
PY
    done
  done
done
"$tessera" explore spaces/chiplet-topology.xml --budget "$budget" -j 2 --seed 1 -o "$out/explore" \
  2>&1 | tail -1
cat "$out/explore/front.csv"
