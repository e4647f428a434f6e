#!/bin/sh
# Expected throughput over defect maps next to the yield and cost (issue 23 item 1;
# results/seeds/theseus.md): the bundled Theseus-style wafer (platforms/wafer-scale.xml)
# with Cerebras's core granularity (96 rows of 110 cores a reticle, SPARES spare cores a
# row), running GPT 1.3B on 46 of its 48 reticles (workloads/wafer-scale-1.3b-spares.xml).
# Each seed draws one defect map from the yield model (<defects seed>): a map that kills
# more than the wafer's two spare reticles is a wafer the yield discards (the run refuses
# it); on the others the ranks go to the live reticles and the network routes around the
# dead ones. Prints a row per seed, then the good fraction against the wafer yield
# `tessera cost` gives, and the mean, worst and best tokens/s of the good wafers against
# the defect-free one.
# usage: bench/seeds/theseus-defects.sh [tessera] [SEEDS] [SPARES]
set -eu
tessera=${1:-build/tessera}
seeds=${2:-24}
spares=${3:-8}
cores="--set reticle.core-rows=96 --set reticle.core-cols=110 --set reticle.spare-cores=$spares"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
job="platforms/wafer-scale.xml workloads/wafer-scale-1.3b-spares.xml"
"$tessera" cost platforms/wafer-scale.xml --json $cores > "$out/cost.json"
for seed in $(seq 0 "$seeds"); do
  if "$tessera" run $job $cores --set defect-seed="$seed" -o "$out/$seed" \
       > "$out/$seed.log" 2>&1; then
    echo "$seed ok"
  elif grep -q "the yield discards such a wafer" "$out/$seed.log"; then
    echo "$seed discarded"
  else
    cat "$out/$seed.log" >&2
    exit 1
  fi
done > "$out/outcomes"
python3 - "$out" "$seeds" "$spares" <<'PY'
import json, sys
out, seeds = sys.argv[1], int(sys.argv[2])
cost = json.load(open(out + "/cost.json"))
outcome = dict(line.split() for line in open(out + "/outcomes"))
print("%5s %-9s %12s %9s %s" % ("seed", "wafer", "tokens/s", "vs seed0", "dead (why)"))
base = None
good = []
for s in range(seeds + 1):
    if outcome[str(s)] != "ok":
        print("%5d %-9s" % (s, "discarded"))
        continue
    r = json.load(open("%s/%d/report.json" % (out, s)))
    t = r["tokens_per_s"]
    if s == 0:
        base = t
    else:
        good.append(t)
    dead = r.get("defects", {}).get("dead", [])
    print("%5d %-9s %12.6g %+8.2f%% %s" % (s, "good", t, 100 * (t / base - 1),
          ", ".join("%s (%s)" % (d["instance"], d["why"]) for d in dead
                    if d["why"] != "cut-off")))
n = seeds
print("good wafers: %d of %d maps (%.3f); the yield model's wafer yield %.4f" %
      (len(good), n, len(good) / n, cost["yield_breakdown"]["worst_wafer"]))
print("wafer cost %.6g USD with %s spare cores a row" % (cost["cost_usd"], sys.argv[3]))
if good:
    mean = sum(good) / len(good)
    print("tokens/s of the good wafers: mean %.6g (%+.2f%% against the defect-free wafer), "
          "worst %+.2f%%, best %+.2f%%" % (mean, 100 * (mean / base - 1),
          100 * (min(good) / base - 1), 100 * (max(good) / base - 1)))
    print("expected tokens/s a wafer started: %.6g (the mean x the good fraction)" %
          (mean * len(good) / n))
PY
