#!/bin/sh
# Hecaton's weak scaling, 2-D against 1-D tensor parallelism (issue 23 item 5, in the
# manner of Huang et al., arXiv 2407.05784; results/seeds/hecaton.md): the Hecaton-style
# package (platforms/hecaton-4x4.xml: a k x k mesh of chiplets, an HBM3 stack on every
# router of its west and east edges) at k = 4, 8 and 16, each of its k^2 dies one rank of
# tensor parallelism, training a Llama-2-shaped model grown with the package as the paper's
# weak scaling grows the workload with the hardware: hidden 512 k, FFN 1,792 k, heads
# 4 k (k = 16 is Llama 2 70B's layer: hidden 8,192, FFN 28,672, 64 heads), key/value heads
# an eighth of the heads, LAYERS layers (8 by default: the ratio of communication to
# compute is a layer's, and 80 would not fit), sequences of 4,096, 16 of them an
# iteration, micro-batch 1, bf16, no recomputation, fused (flash) attention. The stacks
# are 64 GiB (16-high of 32 Gb dies, JESD238's largest, 4-64 GB a stack:
# ../shared/REFERENCE.md, HBM3 stack heights; rows 131,072 for the same 1 KiB row) instead
# of the bundled 16 GiB, so that k = 16 holds the job (8 dies a stack).
# Megatron's 1-D split needs the heads divisible by the k^2 dies, so each size also runs
# with k^2 heads (the same hidden, so the same FLOPs; narrower heads), under both splits.
# Prints a row per run: iteration time, energy, the slowest die's compute, memory and
# network time, the bytes a die sends in collectives per iteration and, for them, the
# growth from k = 4 against the law each split predicts (2-D: a die gathers and reduces its
# row's and column's blocks, hidden / k wide, constant here, (k-1)/k of them from others;
# 1-D: a die all-reduces the whole activation, hidden wide, growing as k, 2 (k^2-1)/k^2 of
# it sent); then 1-D over 2-D at each k. Rows marked 2d* have a stack on every router of
# all four edges (--set memory-edges=west,east,north,south; 4k stacks), each die's data in
# its nearest stack; 2d** the same stacks with the dies spread evenly over them
# (memory-placement="balanced").
# usage: bench/seeds/hecaton.sh [tessera] [LAYERS]      (about 16 minutes on 2 cores)
set -eu
tessera=${1:-build/tessera}
layers=${2:-8}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cat > "$out/w.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<workload name="hecaton-weak" model="$(pwd)/models/llama2-70b.xml" global-batch="16"
          micro-batch="1" dtype="bf16" recompute="none" tp="16" pp="1" dp="1"
          tp-style="2d" pipeline="1f1b" attention="flash"/>
EOF
for k in 4 8 16; do
  for run in "2d $((4 * k)) west,east nearest" "2d $((k * k)) west,east nearest" \
    "1d $((k * k)) west,east nearest" "2d $((4 * k)) west,east,north,south nearest" \
    "2d $((4 * k)) west,east,north,south balanced"; do
    set -- $run
    split=$1 heads=$2 edges=$3 placement=$4
    name=$split-$k-$heads
    [ "$edges" = west,east ] || name=$name-4edges
    [ "$placement" = nearest ] || name=$name-balanced
    [ -f "$out/$name.json" ] && continue # k = 4: 4 k = k^2
    style=$split
    [ "$split" = 1d ] && style=megatron-1d
    "$tessera" run platforms/hecaton-4x4.xml "$out/w.xml" --quiet --json --set k=$k \
      --set memory-edges=$edges --set workload.memory-placement=$placement \
      --set hbm3.capacity=64GiB --set hbm3.rows=131072 \
      --set workload.tp=$((k * k)) --set workload.tp-style=$style --set model.layers=$layers \
      --set model.hidden=$((512 * k)) --set model.ffn=$((1792 * k)) --set model.heads=$heads \
      --set model.kv-heads=$((heads / 8)) > "$out/$name.json"
  done
done
python3 - "$out" <<'PY'
import json, os, sys
out = sys.argv[1]
def load(split, k, heads, suffix=""):
    return json.load(open(os.path.join(out, "%s-%d-%d%s.json" % (split, k, heads, suffix))))
def die_bytes(r):  # what a die sends in collectives an iteration
    return sum(l["bytes"] for l in r["hierarchy"]["levels"].values()) / r["hierarchy"]["degrees"]["tp"]
law = {"2d": lambda k: (k - 1) / k, "1d": lambda k: k * (k * k - 1) / (k * k)}
def dram_bytes(r):  # what a die reads and writes in DRAM an iteration
    return sum(m["bytes_read"] + m["bytes_written"] for m in r["memories"]) / r["hierarchy"]["degrees"]["tp"]
print("%-5s %3s %5s %12s %11s %10s %10s %10s %12s %8s %8s %12s %18s" % (
    "split", "k", "heads", "iteration_s", "energy_j", "compute_s", "memory_s", "network_s",
    "coll_GB/die", "growth", "law", "dram_GB/die", "busiest_link"))
for split, heads_of, suffix in (("2d", lambda k: 4 * k, ""), ("2d", lambda k: k * k, ""),
                               ("1d", lambda k: k * k, ""), ("2d", lambda k: 4 * k, "-4edges"),
                               ("2d", lambda k: 4 * k, "-4edges-balanced")):
    base = die_bytes(load(split, 4, heads_of(4), suffix))
    for k in (4, 8, 16):
        r = load(split, k, heads_of(k), suffix)
        t = r["time_breakdown_s"]
        busy = r["busiest_links"][0]
        print("%-5s %3d %5d %12.6g %11.6g %10.4g %10.4g %10.4g %12.4g %8.3f %8.3f %12.4g %18s" % (
            split + {"": "", "-4edges": "*", "-4edges-balanced": "**"}[suffix], k, heads_of(k), r["iteration_time_s"], r["energy_j"], t["compute"],
            t["memory"], t["network"], die_bytes(r) / 1e9, die_bytes(r) / base,
            law[split](k) / law[split](4), dram_bytes(r) / 1e9,
            "%s %.2f" % (busy["link"].replace("wafer0.", "").replace(".router", ""),
                         busy["utilisation"])))
print()
print("%3s %5s %12s %14s" % ("k", "heads", "1d/2d time", "1d/2d energy"))
for k in (4, 8, 16):
    a, b = load("1d", k, k * k), load("2d", k, k * k)
    print("%3d %5d %12.3f %14.3f" % (k, k * k, a["iteration_time_s"] / b["iteration_time_s"],
                                     a["energy_j"] / b["energy_j"]))
PY
