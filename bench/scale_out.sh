#!/bin/sh
# Scale-out wall time and peak memory (results/scale-out.md): GPT 145.6B
# (workloads/megatron-145b.xml) on DGX A100 clusters of growing size, DP growing with
# the nodes (8 nodes a replica), with and without --symmetry; then the full 1,536-GPU
# job with --symmetry. Prints, per run: GPUs, symmetry, iteration time, simulated
# replicas, TFLOP/s per GPU (Narayanan's 96 B s l h^2 (1 + s/6h + V/16lh) over time
# and GPUs), wall seconds and peak RSS.
# usage: bench/scale_out.sh [build-dir] [largest-node-count]
set -eu
build=${1:-build}
largest=${2:-192}
out=$(mktemp)
trap 'rm -f "$out" "$out.time"' EXIT
run() { # nodes symmetry-flag
  nodes=$1; dp=$((nodes / 8)); batch=$((dp * 96))
  /usr/bin/time -f '%e %M' -o "$out.time" "$build/tessera" run platforms/dgx-a100-cluster.xml \
    workloads/megatron-145b.xml --set nodes="$nodes" --set workload.dp="$dp" \
    --set workload.global-batch="$batch" $2 --json --quiet > "$out"
  /usr/bin/python3 - "$out" "$out.time" "$nodes" "$batch" "$2" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); wall, rss = open(sys.argv[2]).read().split()
nodes, B = int(sys.argv[3]), int(sys.argv[4]); s, l, h, V = 2048, 80, 12288, 51200
T = r["iteration_time_s"]; gpus = nodes * 8
f = 96 * B * s * l * h * h * (1 + s / (6 * h) + V / (16 * l * h))
print(f"{gpus:6d} GPUs  symmetry {'on ' if sys.argv[5] else 'off'}  iteration {T:8.4f} s  "
      f"simulated replicas {r['symmetry']['simulated_replicas']:3d}/{r['symmetry']['replicas']:3d}  "
      f"{f / T / gpus / 1e12:6.1f} TFLOP/s/GPU  wall {float(wall):7.1f} s  peak RSS {int(rss) / 1024:7.1f} MiB")
PY
}
for nodes in 8 16 32 64; do
  [ "$nodes" -le "$largest" ] || continue
  run "$nodes" ""
  run "$nodes" --symmetry
done
[ "$largest" -ge 192 ] && run 192 --symmetry
