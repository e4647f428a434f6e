#!/usr/bin/env bash
# Installs dependencies, builds, and runs the default evaluation: one training
# iteration of workloads/default.xml on platforms/default.xml (report in build/).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
bash "$root/scripts/build.sh"
cd "$root"
"$build/tessera" run platforms/default.xml workloads/default.xml -o "$build"
