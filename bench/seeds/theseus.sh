#!/bin/sh
# A Theseus-style wafer-scale design study against a GPU cluster (issue 23 item 5, in the
# manner of Zhu et al., "Theseus", arXiv 2407.02079; results/seeds/theseus.md): Megatron
# 22B, 48 sequences of 2,048 tokens an iteration, trained
# 1. on 48 A100s (6 DGX A100 nodes, platforms/dgx-a100-cluster.xml: the same TSMC N7 as the
#    wafer, one reticle-sized 826 mm2 die a GPU against the wafer's 48 reticle fields of
#    858 mm2), TP 8 in a node x DP 6, each micro-batch size and recomputation Megatron
#    offers (workloads/korthikanti-22b-selective.xml's model and kernels);
# 2. on the bundled wafer (platforms/wafer-scale.xml) with Cerebras's core granularity
#    (96 rows of 110 cores a reticle, 8 spares a row), TP 8 x PP 6 on all 48 reticles
#    (workloads/wafer-scale-22b.xml), and TP 8 x PP 5 leaving 8 reticles as spares (with
#    32 GiB stacks: its stages' training state does not fit 16 GiB ones);
# 3. on the designs `tessera explore spaces/theseus.xml` finds (reticle compute and SRAM,
#    inter-reticle link width, the split, the spare reticles and the recomputation free;
#    throughput, mean power and cost) with a budget of BUDGET simulator runs;
# 4. the front's fastest design again with the A100's energy per FLOP (1.283 pJ: its 400 W
#    board power over its dense peak, platforms/lib/nvidia-a100.xml) and no static power,
#    as the GPU preset counts them: the power comparison at equal technology;
# 5. the fastest design of the 2026-12-07 run (72 arrays, 256 MiB, 1,024 B, 32 GiB, ZeRO-1,
#    micro-batch 1, selective) on 40, 44 and 46 reticles, leaving 8, 4 and 2 as spares.
# Prints a row per run: tokens/s, mean power, tokens per joule, manufacturing cost (dies
# over their yield, HBM, packaging; the GPUs' NVSwitch and InfiniBand unpriced) and
# silicon area; every simulated design of the exploration; then each wafer design (and the
# front) against the best GPU row: throughput, power, tokens per joule and cost, and the
# A100 count drawing the design's power.
# usage: bench/seeds/theseus.sh [tessera] [BUDGET]      (about 18 minutes on 2 cores)
set -eu
tessera=${1:-build/tessera}
budget=${2:-30}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cores="--set reticle.core-rows=96 --set reticle.core-cols=110 --set reticle.spare-cores=8"
row() { # label, report
  python3 - "$1" "$2" <<'PY'
import json, sys
r = json.load(open(sys.argv[2]))
print("%-34s %10.6g %9.6g %9.4g %10.6g %9.6g" % (sys.argv[1], r["tokens_per_s"], r["power_w"],
      r["tokens_per_s"] / r["power_w"], r["cost_usd"], r["area_mm2"]))
PY
}
printf '%-34s %10s %9s %9s %10s %9s\n' run tokens/s power_w tokens/J cost_usd area_mm2
for mb in 1 2 4; do
  for rc in selective full; do
    "$tessera" run platforms/dgx-a100-cluster.xml workloads/korthikanti-22b-selective.xml \
      --quiet --json --set nodes=6 --set workload.dp=6 --set workload.global-batch=48 \
      --set workload.micro-batch=$mb --set workload.recompute=$rc > "$out/gpu-$mb-$rc.json"
    row "48 A100, mb $mb, $rc" "$out/gpu-$mb-$rc.json"
  done
done
# shellcheck disable=SC2086
"$tessera" run platforms/wafer-scale.xml workloads/wafer-scale-22b.xml --quiet --json \
  $cores > "$out/wafer.json"
row "wafer, bundled (TP 8 x PP 6, 0 spare)" "$out/wafer.json"
# shellcheck disable=SC2086
"$tessera" run platforms/wafer-scale.xml workloads/wafer-scale-22b.xml --quiet --json \
  $cores --set spare-dies=8 --set workload.pp=5 --set workload.layer-split=uniform \
  --set hbm3.capacity=32GiB --set hbm3.rows=65536 --set hbm3.cost=240USD \
  > "$out/wafer-spares.json"
row "  TP 8 x PP 5, 8 spare, 32 GiB HBM" "$out/wafer-spares.json"
"$tessera" explore spaces/theseus.xml --budget "$budget" -j 2 --seed 1 -o "$out/explore" \
  2>&1 | tail -1
echo "explored: every simulated point (evaluations.csv), fastest first"
python3 - "$out/explore/evaluations.csv" <<'PY'
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["fidelity"] == "simulated"]
for r in sorted(rows, key=lambda r: -float(r["tokens_per_s"] or 0)):
    print("  point %6s: %2s arrays %6s %5s, %2s spare, %s HBM, tp %2s pp %2s dp %s zero %s mb %s "
          "%-9s %s" % (
        r["point"], r["reticle.tensor-arrays"], r["reticle.sram"], r["stitch.width"],
        r["spare-dies"], r["hbm3.capacity"], r["workload.tp"], r["workload.pp"],
        r["workload.dp"], r["workload.zero"], r["workload.micro-batch"], r["workload.recompute"],
        "%10.6g tokens/s %9.6g W %9.6g USD" % (float(r["tokens_per_s"]), float(r["power_w"]),
                                              float(r["cost_usd"]))
        if r["status"] == "ok" else r["status"] + " " + r["error"][:80]))
PY
# the front's fastest design at the A100's energy per FLOP
fast=$(python3 - "$out/explore/front.csv" <<'PY'
import csv, sys
r = max(csv.DictReader(open(sys.argv[1])), key=lambda r: float(r["tokens_per_s"]))
print(" ".join("--set %s=%s" % (k, v) for k, v in r.items()
               if k not in ("point", "tokens_per_s", "power_w", "cost_usd")))
PY
)
# shellcheck disable=SC2086
"$tessera" run platforms/wafer-scale.xml workloads/wafer-scale-22b.xml --quiet --json $fast \
  --set reticle.flop-energy=1.283pJ --set reticle.static-power=0W > "$out/fast-a100e.json"
echo "front's fastest design: $fast"
row "  the same at 1.283 pJ/FLOP, 0 W" "$out/fast-a100e.json"
# the fastest front design of 2026-12-07 (results/seeds/theseus.md) on fewer reticles
big="--set reticle.tensor-arrays=72 --set reticle.sram=256MiB --set stitch.width=1024B \
--set hbm3.capacity=32GiB --set hbm3.rows=65536 --set hbm3.cost=240USD \
--set workload.micro-batch=1 --set workload.recompute=selective --set workload.zero=1 \
--set workload.layer-split=uniform"
for split in "8 4 5 2" "4 4 11 1" "2 2 23 1"; do
  # shellcheck disable=SC2086
  set -- $split
  # shellcheck disable=SC2086
  "$tessera" run platforms/wafer-scale.xml workloads/wafer-scale-22b.xml --quiet --json \
    $cores $big --set spare-dies=$1 --set workload.tp=$2 --set workload.pp=$3 \
    --set workload.dp=$4 > "$out/spares-$1.json"
  row "72 arrays, TP $2 x PP $3 x DP $4, $1 spare" "$out/spares-$1.json"
done
python3 - "$out" <<'PY'
import csv, glob, json, os, sys
d = sys.argv[1]
gpus = [json.load(open(f)) for f in glob.glob(os.path.join(d, "gpu-*.json"))]
best = max(gpus, key=lambda r: r["tokens_per_s"])
g_tps, g_w, g_usd = best["tokens_per_s"], best["power_w"], best["cost_usd"]
print("against the best GPU row (%.6g tokens/s, %.6g W, %.6g USD):" % (g_tps, g_w, g_usd))
def line(label, tps, w, usd):
    print("  %-40s throughput %+6.1f%%  power %+6.1f%%  tokens/J %+6.1f%%  cost %+7.1f%%  "
          "A100s at its power %.1f" % (label, 100 * (tps / g_tps - 1), 100 * (w / g_w - 1),
                                       100 * (tps / w / (g_tps / g_w) - 1), 100 * (usd / g_usd - 1),
                                       48 * w / g_w))
for name, label in (("wafer.json", "bundled wafer, 0 spare"),
                    ("wafer-spares.json", "bundled wafer, 8 spare, 32 GiB"),
                    ("fast-a100e.json", "front's fastest at 1.283 pJ/FLOP"),
                    ("spares-8.json", "72 arrays on 40 reticles, 8 spare"),
                    ("spares-4.json", "72 arrays on 44 reticles, 4 spare"),
                    ("spares-2.json", "72 arrays on 46 reticles, 2 spare")):
    r = json.load(open(os.path.join(d, name)))
    line(label, r["tokens_per_s"], r["power_w"], r["cost_usd"])
for r in sorted(csv.DictReader(open(os.path.join(d, "explore", "front.csv"))),
                key=lambda r: -float(r["tokens_per_s"])):
    line("front: point %s (%s arrays, mb %s, %s spare)" % (
             r["point"], r["reticle.tensor-arrays"], r["workload.micro-batch"], r["spare-dies"]),
         float(r["tokens_per_s"]), float(r["power_w"]), float(r["cost_usd"]))
PY
