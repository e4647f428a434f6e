#!/usr/bin/env bash
# Memory fidelity `cycle` against `burst` (issue 21; results/memory-in-the-loop.md, "cycle"):
#
#   bash bench/cycle_vs_burst.sh [TESSERA] [small|stacks|default]
#
# small (the default): the GPT of hidden 512 on the three platforms of
# tests/test_memory_loop.cpp (a memory-bound die, a path-bound die, three dies sharing a
# memory), seconds each at cycle. stacks: 2 x 2 copies of the default package with the
# default job shrunk to them (two west stacks each shared by two dies; four stacks, each
# die its own; shared at flow fidelity; shared with 64 B stack links) and the default
# package with 1 sequence and 4 layers: the cases that traced cycle's +34% on the default
# job (results/memory-in-the-loop.md), about 5.5 minutes. default: the bundled default job
# (platforms/default.xml, workloads/default.xml), whose ~0.93 TB of DMA is ~29 billion 32 B
# bursts through the DRAM model: about 51 minutes at cycle on a 2-core machine
# (2026-12-06). Prints, per case, the
# iteration time at each fidelity, cycle / burst, and the wall seconds of each run (one
# run each: the simulation is deterministic; wall seconds are this machine's).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tessera=${1:-$root/build/tessera}
which=${2:-small}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$root"

# dies on router r0, routers r0 .. r<hops>, the memory (channels x 64b at rate) on the last
platform() { # file dies hops channels rate
  local f=$1 dies=$2 hops=$3 ch=$4 rate=$5
  {
    echo '<?xml version="1.0"?>'
    echo '<platform name="loop">'
    echo '  <die-type name="d" clock="1GHz" tensor-arrays="4" tensor-rows="128" tensor-cols="128" vector-lanes="2048" sram="48MiB" sram-bandwidth="8TB/s"/>'
    echo '  <router-type name="r" clock="1GHz" flit-width="64B" pipeline="2" routing="table"/>'
    echo '  <link-type name="l" width="64B" latency="1cycle" energy="0.5pJ/bit"/>'
    echo "  <memory-type name=\"pool\" standard=\"HBM3\" capacity=\"16TiB\" channels=\"$ch\" bus-width=\"64b\" data-rate=\"$rate\" rows=\"16777216\" tCL=\"14ns\" tCWL=\"5ns\" tRCD=\"14ns\" tRP=\"14ns\" tRAS=\"34ns\" tRC=\"48ns\" tCCD_S=\"4cycles\" tCCD_L=\"4cycles\" tRRD_S=\"4ns\" tRRD_L=\"4ns\" tFAW=\"15ns\" tWR=\"16ns\" tWTR_S=\"6cycles\" tWTR_L=\"8cycles\" tRTW=\"16ns\" tRTP=\"5cycles\" tREFI=\"3.9us\" tRFC=\"350ns\"/>"
    echo '  <instance name="pool" type="pool"/>'
    for ((r = 0; r <= hops; r++)); do
      echo "  <instance name=\"r$r\" type=\"r\"/>"
      ((r > 0)) && echo "  <connect from=\"r$((r - 1))\" to=\"r$r\" link=\"l\"/>"
    done
    for ((d = 0; d < dies; d++)); do
      echo "  <instance name=\"die$d\" type=\"d\"/> <connect from=\"die$d\" to=\"r0\" link=\"l\"/>"
    done
    echo "  <connect from=\"pool\" to=\"r$hops\" link=\"l\"/>"
    echo '</platform>'
  } >"$f"
}

# one run: prints "iteration_s wall_s"
run() { # memory-fidelity platform workload [--set ...]
  local mf=$1 plat=$2 wl=$3
  shift 3
  local t0 t1 it
  t0=$(date +%s.%N)
  it=$("$tessera" run "$plat" "$wl" --memory-fidelity "$mf" --quiet --json "$@" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["iteration_time_s"])')
  t1=$(date +%s.%N)
  echo "$it $(python3 -c "print(round($t1 - $t0, 2))")"
}

row() { # name platform workload [--set ...]
  local name=$1
  shift
  read -r b bw < <(run burst "$@")
  read -r c cw < <(run cycle "$@")
  echo "| $name | $b | $c | $(python3 -c "print('%+.1f%%' % (100 * ($c / $b - 1)))") | $bw | $cw |"
}

echo "| case | burst iteration s | cycle iteration s | cycle / burst | burst wall s | cycle wall s |"
echo "|---|---|---|---|---|---|"
if [ "$which" = default ]; then
  # past tessera run's default limit of an hour at cycle
  row "default job" platforms/default.xml workloads/default.xml --timeout 36000
  exit 0
fi
if [ "$which" = stacks ]; then
  # the default package at k = 2 (its library included from here); shared: the west
  # stacks only (r0c1 and r1c1 reach them a hop away); own: the east ones too, on r0c1, r1c1
  pkg() { # file sed-expression...
    local f=$1
    shift
    sed -e 's/<param name="k" default="4"\/>/<param name="k" default="2"\/>/' \
      -e "s#<include file=\"lib/#<include file=\"$root/platforms/lib/#" "$@" platforms/default.xml >"$f"
  }
  pkg "$work/shared.xml" -e 's/memory-edges="west east"/memory-edges="west"/'
  pkg "$work/own.xml"
  pkg "$work/shared64.xml" -e 's/memory-edges="west east"/memory-edges="west"/' \
    -e 's/name="hbm-phy" width="256B"/name="hbm-phy" width="64B"/'
  job=(--set workload.tp=2 --set workload.pp=2 --set workload.global-batch=1 --set model.layers=2)
  row "2 x 2, stacks shared by two dies" "$work/shared.xml" workloads/default.xml "${job[@]}"
  row "2 x 2, each die its own stack" "$work/own.xml" workloads/default.xml "${job[@]}"
  row "2 x 2 shared, flow fidelity" "$work/shared.xml" workloads/default.xml "${job[@]}" --fidelity flow
  row "2 x 2 shared, 64 B stack links" "$work/shared64.xml" workloads/default.xml "${job[@]}"
  row "default package, 1 sequence, 4 layers" platforms/default.xml workloads/default.xml \
    --set workload.global-batch=1 --set model.layers=4
  exit 0
fi
small=(--set workload.tp=1 --set workload.pp=1 --set model.layers=2 --set model.hidden=512
  --set model.heads=8 --set model.ffn=2048 --set model.vocab=8192 --set model.sequence=512)
platform "$work/mem.xml" 1 2 1 3.2Gb/s
platform "$work/path.xml" 1 2 64 6.4Gb/s
platform "$work/shared.xml" 3 0 1 3.2Gb/s
row "1 die, memory-bound" "$work/mem.xml" workloads/default.xml "${small[@]}" --set workload.dp=1 --set workload.global-batch=1
row "1 die, path-bound" "$work/path.xml" workloads/default.xml "${small[@]}" --set workload.dp=1 --set workload.global-batch=1
row "3 dies, one memory" "$work/shared.xml" workloads/default.xml "${small[@]}" --set workload.dp=3 --set workload.global-batch=3
