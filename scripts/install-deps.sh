#!/usr/bin/env bash
# Installs every build and test dependency of Tessera on Debian 12, idempotently.
# Packages already present are not reinstalled; apt-get runs only when one is missing.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libsystemc-dev          # SystemC 2.3.4 kernel + TLM-2.0 headers
  libboost-dev libboost-graph-dev
  libxml2-dev libxml2-utils
  libgtest-dev googletest
  clang libclang-rt-14-dev # libFuzzer and sanitizer runtimes for bench/fuzz
  clang-format            # the .clang-format check (scripts/check_format.sh, a test)
  python3 python3-jsonschema # report.json checked against its JSON Schema in the tests
  python3-optuna          # tessera explore: NSGA-II over the analytical model (python/tessera)
  python3-matplotlib      # tessera plot (python/tessera/plot.py)
  libopenmpi-dev openmpi-bin # mpirun -np N tessera sweep (the MPI mode; optional at build time)
  time                    # GNU time: wall seconds and peak memory in bench/ scripts
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
