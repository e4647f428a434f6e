#!/bin/sh
# ScaleAcross at its scale (issue 24 items 4 and 7; results/seeds/scale-across.md): Llama 3.1
# 405B at 8,192 tokens as Meta trained it (workloads/llama3-405b-8k.xml: TP 8 x PP 16 x DP
# 128, 16,384 H100s) on platforms/datacenters.xml: 4 datacenters of 4,096 GPUs (512 DGX
# H100 nodes on a three-level NDR fat-tree each), joined through a datacenter tier over
# `lanes` 400ZR-class wavelengths a datacenter (the tier's oversubscription is
# 4,096 / lanes), 50 km of fibre to the tier. Placements: the pipeline across the
# datacenters (4 stages in each; only activations cross) or the data-parallel replicas
# across them (32 in each; the gradients' reduction crosses). Mixed fidelity with
# --symmetry. Prints the iteration, the bytes between datacenters (report.json
# hierarchy.levels.platform.bytes) and, for the pipeline, that figure against its formula
# (3 boundaries x 128 replicas x 16 micro-batches x 2 directions x b s h x 2 bytes), the
# wall seconds and the peak memory of the run (GNU time's maximum resident set). Then the
# same job in one building (platforms/dgx-h100-cluster.xml, 2,048 nodes on one fat-tree),
# and across 2 regions of 2 such datacenters (platforms/regions.xml, 512 wavelengths a
# datacenter to its region's tier, 64 long-haul ones of 5 ms a region): the bytes between
# datacenters of a region and between regions (report.json levels region and platform).
# usage: bench/seeds/scale-across-16k.sh [tessera] [lanes ...]   (about 1-2 minutes a run)
set -eu
tessera=${1:-build/tessera}
[ $# -gt 0 ] && shift
lanes_list=${*:-512 128 16}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# the placement: the pipeline across the datacenters (pp) or the replicas (dp)
place() {
  if [ "$1" = pp ]; then
    echo "--set workload.rank-order=tp-dp-pp --set workload.dp-within=datacenter --set workload.pp-within=platform"
  else
    echo "--set workload.rank-order=tp-pp-dp --set workload.pp-within=datacenter --set workload.dp-within=platform"
  fi
}
# timed PLATFORM ARGS...: the 405B job run into $out/r, its wall seconds and peak memory
# into $out/time
timed() {
  plat=$1
  shift
  rm -rf "$out/r"
  /usr/bin/time -f '%e %M' -o "$out/time" "$tessera" run "$plat" workloads/llama3-405b-8k.xml \
    "$@" --symmetry --fidelity mixed -o "$out/r" --quiet > /dev/null
}
printf '%-3s %6s | %10s %14s %9s %7s %7s\n' dim lanes iter_s dci_bytes formula wall_s rss_GB
for lanes in $lanes_list; do
  for dim in pp dp; do
    # shellcheck disable=SC2046
    timed platforms/datacenters.xml --set datacenters=4 --set nodes=512 --set dci-lanes=$lanes \
      $(place $dim)
    python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
wall, rss = open(sys.argv[2]).read().split()
crossed = r["hierarchy"]["levels"]["platform"]["bytes"]
formula = 3 * 128 * 16 * 2 * (8192 * 16384 * 2)
check = ("%.6f" % (crossed / formula)) if sys.argv[3] == "pp" else "-"
print("%-3s %6s | %10.4f %14.6g %9s %7.1f %7.2f" % (sys.argv[3], sys.argv[4],
      r["iteration_time_s"], crossed, check, float(wall), int(rss) / 1e6))' \
      "$out/r/report.json" "$out/time" $dim $lanes
  done
done
timed platforms/dgx-h100-cluster.xml --set nodes=2048 --set workload.rank-order=tp-dp-pp
python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
wall, rss = open(sys.argv[2]).read().split()
print("one building | %10.4f %14s %9s %7.1f %7.2f" % (r["iteration_time_s"], "-", "-",
      float(wall), int(rss) / 1e6))' "$out/r/report.json" "$out/time"
for dim in pp dp; do
  # shellcheck disable=SC2046
  timed platforms/regions.xml --set regions=2 --set datacenters=2 --set nodes=512 \
    --set dci-lanes=512 --set wan-lanes=64 $(place $dim)
  python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
wall, rss = open(sys.argv[2]).read().split()
lv = r["hierarchy"]["levels"]
print("regions %-3s | %10.4f %14.6g %14.6g %7.1f %7.2f" % (sys.argv[3], r["iteration_time_s"],
      lv["region"]["bytes"], lv["platform"]["bytes"], float(wall), int(rss) / 1e6))' \
    "$out/r/report.json" "$out/time" $dim
done
