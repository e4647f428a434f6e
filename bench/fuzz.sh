#!/usr/bin/env bash
# Fuzzes the readers of untrusted text with libFuzzer (clang, from Debian).
#   bench/fuzz.sh [SECONDS]            every target for SECONDS each (default 120)
#   bench/fuzz.sh --runs N [TARGET...] each target (default: all) for N inputs, seed 1:
#                                      a fixed amount of work, as .ci/run does
# Targets: platform_loader (seeds: bundled platforms and bad-input files), expr, workload,
# space, calibration (seeds: bundled files of each kind). Crashing inputs land in
# bench/fuzz-artifacts/; each one found becomes a test.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
limit=(-max_total_time="${1:-120}")
targets=(platform_loader expr workload space calibration)
if [ "${1:-}" = "--runs" ]; then
  limit=(-runs="$2" -seed=1)
  shift 2
  [ $# -gt 0 ] && targets=("$@")
fi
build=$root/build-fuzz
bash "$root/scripts/install-deps.sh" > /dev/null
CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DTESS_FUZZ=ON -DTESS_BUILD_TESTS=OFF -DTESS_MPI=OFF > /dev/null
for t in "${targets[@]}"; do
  cmake --build "$build" --target "fuzz_$t" -j "$(nproc)" > /dev/null
done
mkdir -p "$root/bench/fuzz-artifacts"
for t in "${targets[@]}"; do
  corpus=$root/bench/fuzz-corpus/$t
  mkdir -p "$corpus"
  case $t in
    platform_loader) cp "$root"/platforms/*.xml "$root"/tests/data/bad/*.xml "$corpus"/ ;;
    expr) printf '%s' "workload.tp * 2 == 8 && workload.recompute != 'none'" > "$corpus/seed" ;;
    workload) cp "$root"/workloads/*.xml "$corpus"/ ;;
    space) cp "$root"/spaces/*.xml "$corpus"/ ;;
    calibration) cp "$root"/results/calibration/*.cal "$corpus"/ ;;
  esac
  dict=()
  [ "$t" = platform_loader ] && dict=(-dict="$root/bench/fuzz_platform.dict")
  echo "== fuzz_$t"
  log=$build/fuzz_$t.log
  rc=0
  "$build/fuzz_$t" "$corpus" "${dict[@]}" "${limit[@]}" -max_len=8192 -timeout=10 \
    -rss_limit_mb=4096 -artifact_prefix="$root/bench/fuzz-artifacts/$t-" -print_final_stats=1 \
    > "$log" 2>&1 || rc=$?
  grep -E "^stat::number_of_executed_units|^==[0-9]+==|^SUMMARY|Deadly|crash-|timeout-|oom-" "$log" || true
  [ "$rc" -eq 0 ] || { echo "fuzz_$t failed (exit $rc): see $log and bench/fuzz-artifacts/" >&2; exit 1; }
done
