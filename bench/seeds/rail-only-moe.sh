#!/bin/sh
# The rail-only paper's MoE claim (Wang et al. 2023: an all-to-all through rail-only
# forwarding costs 8.2-11.2% more completion time than on full bisection), as Tessera runs
# it (results/moe.md): GPT 1.3B shapes with 64 experts top-2 (workloads/default.xml with
# --set), TP 1 x DP 128 over 16 DGX nodes, ZeRO-1, 128 sequences of 2,048 tokens, flow
# fidelity; expert parallelism EP 8 (a group inside one node), 16 (two nodes) and 64
# (eight nodes), the all-to-all hierarchical (the default: across to the peer of the die's
# own rail, then inside the node) or flat; routing balanced or drawn with expert-skew 1.
# For each, on the full-bisection fat-tree and on rails: the iteration and the slowest
# die's all-to-all time (report.json time_breakdown_s.all_to_all), and rail-only over
# fat-tree for both.
# usage: bench/seeds/rail-only-moe.sh [tessera] [nodes]   (about a minute at 16 nodes)
set -eu
tessera=${1:-build/tessera}
nodes=${2:-16}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
gpus=$((nodes * 8))
one() { # platform ep all-to-all skew: "iteration all_to_all"
  "$tessera" run "platforms/$1.xml" workloads/default.xml --set nodes=$nodes \
    --set model.experts=64 --set model.top-k=2 --set workload.tp=1 --set workload.pp=1 \
    --set workload.dp=$gpus --set workload.ep=$2 --set workload.global-batch=$gpus \
    --set workload.zero=1 --set workload.rank-order=tp-dp-pp --set workload.ep-all-to-all=$3 \
    --set workload.expert-skew=$4 --fidelity flow -o "$out/r" --quiet > /dev/null
  python3 -c 'import json,sys; r = json.load(open(sys.argv[1]))
print(r["iteration_time_s"], r["time_breakdown_s"]["all_to_all"])' "$out/r/report.json"
}
printf '%-4s %3s %-12s %4s | %10s %10s | %10s %10s | %8s %8s\n' GPU EP all-to-all skew \
  fat_iter_s fat_a2a_s rail_iter_s rail_a2a_s iter_+% a2a_+%
for gpu in a100 h100; do
  for ep in 8 16 64; do
    for a2a in hierarchical flat; do
      [ $ep = 8 ] && [ $a2a = flat ] && continue # inside one node: the same exchange
      for skew in 0 1; do
        set -- $(one dgx-$gpu-cluster $ep $a2a $skew) $(one dgx-$gpu-rail $ep $a2a $skew)
        python3 -c 'import sys
g, ep, a, s, fi, fa, ri, ra = sys.argv[1:]
fi, fa, ri, ra = map(float, (fi, fa, ri, ra))
pct = lambda x, y: "%+.1f" % (100 * (x / y - 1)) if y > 0 else "-"
print("%-4s %3s %-12s %4s | %10.4f %10.5f | %10.4f %10.5f | %8s %8s" % (g, ep, a, s, fi, fa, ri, ra,
      pct(ri, fi), pct(ra, fa)))' $gpu $ep $a2a $skew "$@"
      done
    done
  done
done
