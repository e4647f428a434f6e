#!/usr/bin/env bash
# Installs dependencies (idempotent), configures and builds into build/ (or $BUILD_DIR).
# Extra arguments go to CMake's configure step, e.g. -DTESS_SANITIZE=ON.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
bash "$root/scripts/install-deps.sh"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@"
cmake --build "$build" -j "$(nproc)"
