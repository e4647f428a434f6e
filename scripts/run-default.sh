#!/usr/bin/env bash
# Installs dependencies, builds, and runs the default job on the bundled platform.
# Until `tessera run` exists, the default job validates the bundled 8x8 mesh, runs
# uniform traffic on its network-on-package, and schedules the default training job.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
bash "$root/scripts/build.sh"
cd "$root"
"$build/tessera" validate platforms/mesh-8x8.xml
"$build/tessera" noc platforms/mesh-8x8.xml --traffic uniform --rate 0.2
"$build/tessera" schedule platforms/default.xml workloads/default.xml
