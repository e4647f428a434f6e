#!/bin/sh
# Every visible check of issue 20 (results/validation.md), measured figure against
# Tessera's, with the error: the nccl-tests all-reduce sweep on 8 A100s (simulated and
# estimated), the documented GEMM points, Korthikanti et al. 2022 Table 4 (per layer) and
# Table 5 (22B iterations, simulated and estimated), and Narayanan et al. 2021's 145.6B
# on 1,536 A100s (--symmetry; about two minutes). Measured figures are written here from
# the papers and REFERENCE.md 1.3; none is an input of the simulator.
# usage: bench/validation.sh [build-dir] [--quick: without the 145.6B run]
set -eu
build=${1:-build}
quick=${2:-}
tessera=$build/tessera
err() { python3 -c "import sys; m, s = float(sys.argv[1]), float(sys.argv[2]); print(f'{(s - m) / m * 100:+.1f}%')" "$1" "$2"; }

echo "== nccl-tests all_reduce_perf, 8 x A100 NVLink3 (busbw GB/s; ml-engineering 48b75dd)"
for how in "" --estimate; do
  "$tessera" collective platforms/dgx-a100.xml --json $how \
    --bytes 16MiB,64MiB,256MiB,1GiB,16GiB | python3 -c '
import json, sys
measured = [106.16, 171.54, 194.07, 229.04, 234.89]
r = json.load(sys.stdin)
for m, p in zip(measured, r["points"]):
    s = p["busbw_bytes_per_s"] / 1e9
    model, size = r["model"], p["bytes"]
    print(f"  {model:9s} {size:>12d} B: measured {m:7.2f}  tessera {s:7.2f}  {100 * (s - m) / m:+5.1f}%")'
done

echo "== Korthikanti et al. 2022, Table 4: 22B layer on 8 A100s (ms)"
"$build/tests/test_validation" --gtest_filter='Table4.*' | grep -E 'forward .* backward' | sed 's/^/  /'

echo "== Korthikanti et al. 2022, Table 5: 22B iteration on 8 A100s (s)"
for job in full:1.42 selective:1.10; do
  w=${job%%:*}; m=${job#*:}
  for cmd in run estimate; do
    t=$("$tessera" $cmd platforms/dgx-a100.xml workloads/korthikanti-22b-$w.xml --json |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["iteration_time_s"])')
    printf '  %-9s %-8s measured %5.2f  tessera %6.3f  %s\n' "$w" "$cmd" "$m" "$t" "$(err "$m" "$t")"
  done
done

[ "$quick" = --quick ] && exit 0
echo "== Narayanan et al. 2021, Table 1: 145.6B on 1,536 A100s (TFLOP/s per GPU)"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
/usr/bin/time -f '%e' -o "$out.time" "$tessera" run platforms/dgx-a100-cluster.xml \
  workloads/megatron-145b.xml --set nodes=192 --symmetry --json --quiet > "$out"
python3 - "$out" "$(cat "$out.time")" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); B, s, l, h, V = 2304, 2048, 80, 12288, 51200
T = r["iteration_time_s"]
f = 96 * B * s * l * h * h * (1 + s / (6 * h) + V / (16 * l * h)) / T / 1536 / 1e12
print(f"  measured 148.0  tessera {f:6.1f} (iteration {T:.3f} s)  {100 * (f - 148) / 148:+.1f}%  wall {float(sys.argv[2]):.0f} s")
PY
rm -f "$out.time"
