#!/bin/sh
# Rail-only against the full-bisection fat-tree (Wang et al., arXiv 2307.12169), iteration
# time (results/seeds/rail-only.md): GPT 145.6B (workloads/megatron-145b.xml: TP 8 x PP 8,
# 96 micro-batches a pipeline) with DP = GPUs / 64, --symmetry, mixed fidelity, on
# platforms/dgx-{a100,h100}-{cluster,rail}.xml with their bundled routing; H100 also with
# high-bandwidth domains of 256 GPUs (domain-size=256, DGX GH200-class). Prints each
# pair's iterations, the slowest die's network time, and rail-only over fat-tree.
# usage: bench/seeds/rail-only.sh [tessera] [GPUs...]   (default 256 1024: about 10 min;
#        4096 adds about 25 min on two cores)
set -eu
tessera=${1:-build/tessera}
[ $# -gt 0 ] && shift
sizes=${*:-256 1024}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
one() { # platform gpus hbd: "iteration network wall"
  dp=$(($2 / 64))
  "$tessera" run "platforms/$1.xml" workloads/megatron-145b.xml --set nodes=$(($2 / $3)) \
    $([ "$3" != 8 ] && echo "--set domain-size=$3") --set workload.dp=$dp \
    --set workload.global-batch=$((96 * dp)) --symmetry -o "$out/r" --quiet > /dev/null
  python3 -c 'import json,sys; r = json.load(open(sys.argv[1]))
print(r["iteration_time_s"], r["time_breakdown_s"]["network"], r["run"]["wall_seconds"])' \
    "$out/r/report.json"
}
printf '%-4s %5s %4s | %10s %9s %6s | %10s %9s %6s | %7s\n' GPU GPUs HBD fat_iter_s fat_net_s wall \
  rail_iter_s rail_net_s wall rail_%
for gpu in a100 h100; do
  hbds=8
  [ $gpu = h100 ] && hbds="8 256"
  for gpus in $sizes; do
    for d in $hbds; do
      [ $d -gt $gpus ] && continue
      set -- $(one dgx-$gpu-cluster $gpus $d) $(one dgx-$gpu-rail $gpus $d)
      python3 -c 'import sys
g, n, d, fi, fn, fw, ri, rn, rw = sys.argv[1:]
fi, ri = float(fi), float(ri)
print("%-4s %5s %4s | %10.3f %9.3f %6.0f | %10.3f %9.3f %6.0f | %+6.2f%%" % (g, n, d, fi,
      float(fn), float(fw), ri, float(rn), float(rw), 100 * (ri / fi - 1)))' $gpu $gpus $d "$@"
    done
  done
done
