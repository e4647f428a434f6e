#!/bin/sh
# Context parallelism (results/context-parallel.md). First Llama 2 70B at 32,768 tokens on
# 8 DGX H100 nodes (64 GPUs): TP 8 inside a node, the CP ring over cp nodes (rank-order
# tp-dp-pp), DP 8 / cp, 8 sequences an iteration, flash attention, ZeRO-1: what each die
# holds, the iteration simulated (flow fidelity) and estimated, its network time, model
# TFLOP/s a GPU and the run's wall time. Then Llama 3.1 405B as Meta trained it
# (workloads/llama3-405b-*.xml): estimated at 16,384 GPUs, and the 131,072-token job's one
# data-parallel replica (2,048 GPUs) simulated.
# usage: bench/context_parallel.sh [tessera]   (about 4 minutes, most of it 2,048 GPUs)
set -eu
tessera=${1:-build/tessera}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cat > "$out/70b.xml" <<XML
<?xml version="1.0"?>
<workload name="llama2-70b-32k" model="$(pwd)/models/llama2-70b.xml" global-batch="8"
          micro-batch="1" tp="8" dp="8" sequence-parallel="on" attention="flash" zero="1"
          rank-order="tp-dp-pp"/>
XML
# label, simulate (yes/no), then tessera's arguments
row() {
  label=$1 sim=$2
  shift 2
  "$tessera" estimate "$@" --json > "$out/est.json" 2> "$out/log" || {
    printf '%-24s %s\n' "$label" "$(grep -o 'the model does not fit.*needs [0-9.]* GB' "$out/log" || tail -1 "$out/log")"
    return 0
  }
  run=none wall=0
  if [ "$sim" = yes ]; then
    start=$(date +%s.%N)
    "$tessera" run "$@" --fidelity flow -o "$out/run" --quiet > /dev/null
    wall=$(echo "$(date +%s.%N) - $start" | bc)
    run="$out/run/report.json"
  fi
  python3 - "$label" "$out/est.json" "$run" "$wall" <<'PY'
import json, sys
e = json.load(open(sys.argv[2]))
r = json.load(open(sys.argv[3])) if sys.argv[3] != "none" else None
d = e["hierarchy"]["degrees"]
n = d["tp"] * d["pp"] * d["dp"] * d["cp"]
te = e["iteration_time_s"]
x = r or e
t = x["iteration_time_s"]
print("%-24s %6d %7.1f %9.3f %9.3f %7s %8.3f %6.0f %6.0f %7.1f" % (
    sys.argv[1], n, x["peak_memory_bytes"]["largest"] / 1e9, t if r else float("nan"), te,
    "%+.2f%%" % (100 * (te / t - 1)) if r else "-", x["time_breakdown_s"]["network"],
    x["model_flops"] / t / n / 1e12, x["hardware_flops"] / t / n / 1e12, float(sys.argv[4])))
PY
}
printf '%-24s %6s %7s %9s %9s %7s %8s %6s %6s %7s\n' job GPUs peak_GB run_s estimate_s error network_s MFLOPs HFLOPs wall_s
for cp in 1 2 4 8; do
  row "llama2-70b 32k cp=$cp" yes platforms/dgx-h100-cluster.xml "$out/70b.xml" --set nodes=8 \
    --set model.sequence=32768 --set workload.cp=$cp --set workload.dp=$((8 / cp))
done
row "llama3-405b 8k" no platforms/dgx-h100-cluster.xml workloads/llama3-405b-8k.xml --set nodes=2048
row "llama3-405b 8k, 8192" no platforms/dgx-h100-cluster.xml workloads/llama3-405b-8k.xml \
  --set nodes=1024 --set workload.dp=64
row "llama3-405b 131k" no platforms/dgx-h100-cluster.xml workloads/llama3-405b-131k.xml --set nodes=2048
row "llama3-405b 131k dp=1" yes platforms/dgx-h100-cluster.xml workloads/llama3-405b-131k.xml \
  --set nodes=256 --set workload.dp=1 --set workload.global-batch=16
