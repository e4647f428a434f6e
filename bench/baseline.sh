#!/usr/bin/env bash
# The structural baseline: report.json of every bundled platform x workload at the mixed,
# packet and flow fidelities and from `tessera estimate`, with the wall-clock `run` object
# removed (the rest of a report is bit-identical for the same inputs). A refactor that
# should change no figure leaves `bench/baseline.sh --check` silent.
#
#   bench/baseline.sh [--check | --write] [TESSERA]
#     --write  (re)writes results/baseline/JOB.FIDELITY.json
#     --check  (the default) runs the same jobs and diffs against the stored files; exit 1
#              on any difference, naming the files
#
# Flit fidelity is left out: the bundled jobs take minutes to hours there; the flit
# network is covered by tests/test_noc*.cpp and the invariant test's shrunk jobs.
# A regenerated baseline must be justified in its commit message (STYLE.md).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
mode=--check
case "${1:-}" in --check|--write) mode=$1; shift ;; esac
tessera=${1:-$root/build/tessera}
store=$root/results/baseline

# name platform workload [--set ...]: the bundled pairs (workloads/README.md)
jobs=(
  "default platforms/default.xml workloads/default.xml"
  "22b-full platforms/dgx-a100.xml workloads/korthikanti-22b-full.xml"
  "22b-selective platforms/dgx-a100.xml workloads/korthikanti-22b-selective.xml"
  "22b-h100 platforms/dgx-h100.xml workloads/korthikanti-22b-selective.xml"
  "22b-h200 platforms/dgx-h200.xml workloads/korthikanti-22b-full.xml"
  "175b-wafer platforms/wafer-8x8.xml workloads/gpt3-175b-tp8-pp8.xml"
  "hecaton platforms/hecaton-4x4.xml workloads/hecaton-2d-16.xml"
  "scale-across-pp platforms/two-datacenter.xml workloads/scale-across-pp.xml"
  "scale-across-dp platforms/two-datacenter.xml workloads/scale-across-dp.xml"
  "wafer-scale-22b platforms/wafer-scale.xml workloads/wafer-scale-22b.xml"
  "wafer-defects platforms/wafer-scale.xml workloads/wafer-scale-1.3b-spares.xml --set defect-seed=6 --set reticle.core-rows=96 --set reticle.core-cols=110 --set reticle.spare-cores=8"
  "chiplet-optical platforms/chiplet-optical-cluster.xml workloads/chiplet-optical-7b.xml"
  "chiplet-ocs platforms/chiplet-ocs-cluster.xml workloads/chiplet-ocs-7b.xml"
  "145b-16-nodes platforms/dgx-a100-cluster.xml workloads/megatron-145b.xml --set nodes=16 --set workload.dp=2 --set workload.global-batch=16"
  "hierarchical-tp16 platforms/dgx-h100-cluster.xml workloads/default.xml --set nodes=2 --set workload.tp=16 --set workload.pp=1 --set workload.dp=1"
  "mixtral platforms/dgx-h100-cluster.xml workloads/mixtral-8x7b.xml"
  "mixtral-ep2 platforms/dgx-h100-cluster.xml workloads/mixtral-8x7b.xml --set workload.ep=2"
  "zero3 platforms/dgx-a100-cluster.xml workloads/default.xml --set nodes=2 --set workload.tp=4 --set workload.pp=1 --set workload.dp=4 --set workload.rank-order=tp-dp-pp --set workload.global-batch=16 --set workload.zero=3"
)

# report.json without the wall-clock `run` object
strip_run() { python3 -c 'import json,sys; d=json.load(sys.stdin); d.pop("run",None); print(json.dumps(d,indent=1,sort_keys=True))'; }

mkdir -p "$store"
status=0
cd "$root"
for job in "${jobs[@]}"; do
  read -r name plat wl rest <<<"$job"
  # shellcheck disable=SC2086
  for fid in mixed packet flow analytic; do
    if [ "$fid" = analytic ]; then
      out=$("$tessera" estimate "$plat" "$wl" --json $rest | strip_run)
    else
      out=$("$tessera" run "$plat" "$wl" --fidelity "$fid" --quiet --json $rest | strip_run)
    fi
    file=$store/$name.$fid.json
    if [ "$mode" = --write ]; then
      printf '%s\n' "$out" >"$file"
    elif ! printf '%s\n' "$out" | diff -q "$file" - >/dev/null; then
      echo "baseline: $name $fid differs from ${file#"$root"/}:"
      printf '%s\n' "$out" | diff "$file" - | head -20 || true
      status=1
    fi
  done
done
[ "$mode" = --check ] && [ $status = 0 ] && echo "baseline: every report equals results/baseline/"
exit $status
