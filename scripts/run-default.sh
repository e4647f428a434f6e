#!/usr/bin/env bash
# Installs dependencies, builds, and runs the default job on the bundled platform.
# Until `tessera run` exists, the default job validates the bundled 8x8 mesh.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
bash "$root/scripts/build.sh"
cd "$root"
"$build/tessera" validate platforms/mesh-8x8.xml
