#!/usr/bin/env bash
# Fuzzes the platform loader with libFuzzer (clang, from Debian) for a bounded time.
#   bench/fuzz.sh [SECONDS]     default 120
# Seeds: every bundled platform and every bad-input test file. Crashing inputs land in
# bench/fuzz-artifacts/; each one found becomes a test in tests/test_bad_input.cpp.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-120}
build=$root/build-fuzz
bash "$root/scripts/install-deps.sh"
CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DTESS_FUZZ=ON -DTESS_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" --target fuzz_platform_loader -j "$(nproc)"
corpus=$root/bench/fuzz-corpus
mkdir -p "$corpus" "$root/bench/fuzz-artifacts"
cp "$root"/platforms/*.xml "$root"/tests/data/bad/*.xml "$corpus"/
"$build/fuzz_platform_loader" "$corpus" -dict="$root/bench/fuzz_platform.dict" \
  -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=4096 \
  -artifact_prefix="$root/bench/fuzz-artifacts/" -print_final_stats=1
