#!/bin/sh
# Network cost of a rail-optimised fat-tree against its rail-only counterpart on the same
# GPUs (results/cost.md): switch ports (whole radix-64 switches, as Quantum-2's 64 x 400G)
# and transceivers (two per NIC link and per uplink), counted by `tessera cost` from the
# generated netlists. The saving is reported per count, so it holds for any price mix:
# a weighted mix of two savings lies between them.
# usage: bench/network_cost.sh [build-dir]
set -eu
build=${1:-build}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for gen in fat-tree rail-only; do
  cat > "$dir/$gen.xml" <<XML
<?xml version="1.0"?>
<platform name="$gen">
  <param name="D" default="128"/>
  <param name="S" default="8"/>
  <die-type name="gpu" clock="1.83GHz"/>
  <router-type name="hub" clock="1GHz" routing="table"/>
  <router-type name="nvswitch" clock="1GHz" routing="table"/>
  <router-type name="ib" clock="1GHz" routing="table" ports="64" port-cost="1USD"/>
  <link-type name="nvlink" width="450B" latency="500ns" energy="1pJ/bit"/>
  <link-type name="nic" width="50B" latency="1us" energy="5pJ/bit" transceivers="2" transceiver-cost="1USD"/>
  <$gen name="c" domains="\${D}" domain-size="\${S}" die="gpu" nic="hub" domain-switch="nvswitch"
        domain-link="nvlink" switch="ib" link="nic"/>
</platform>
XML
done
field() { sed -n "s/.*\"$1\": \([0-9.e+]*\).*/\1/p" | head -1; }
printf '%7s %5s | %12s %12s | %12s %12s | %14s %14s\n' GPUs HB ft-ports ro-ports ft-xcvrs ro-xcvrs port-saving xcvr-saving
for n in 1024 4096 16384 32768; do
  for s in 8 64 256; do
    d=$((n / s))
    ft=$("$build/tessera" cost "$dir/fat-tree.xml" --json --set D=$d --set S=$s)
    ro=$("$build/tessera" cost "$dir/rail-only.xml" --json --set D=$d --set S=$s)
    # scale-out ports only: the switch cost is 1 USD a port on the ib switches alone
    fp=$(echo "$ft" | field switches); rp=$(echo "$ro" | field switches)
    fx=$(echo "$ft" | field transceiver_count); rx=$(echo "$ro" | field transceiver_count)
    awk -v n=$n -v s=$s -v fp=$fp -v rp=$rp -v fx=$fx -v rx=$rx 'BEGIN {
      printf "%7d %5d | %12d %12d | %12d %12d | %13.1f%% %13.1f%%\n", n, s, fp, rp, fx, rx,
             100 * (1 - rp / fp), 100 * (1 - rx / fx) }'
  done
done
