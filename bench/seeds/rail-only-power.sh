#!/bin/sh
# Network power and the counts that price it, fat-tree against rail-only, on the bundled
# DGX platforms at 256, 1,024, 4,096 and (H100) 16,384 GPUs (results/seeds/rail-only-power.md):
# the scale-out switches (the NVLink switches, one a domain, are left out: both networks
# have them), their ports, the transceivers, and `tessera cost`'s network_power_w with its
# split. H100 also with high-bandwidth domains of 64 and 256 GPUs (domain-size; the
# rail-only paper's GH200 NVL256-class domains); A100 nodes are 8 GPUs.
# No switch or module price is bundled, so the cost cut is given as the range a price
# mix can take: between the port cut and the transceiver cut.
# usage: bench/seeds/rail-only-power.sh [tessera]
set -eu
tessera=${1:-build/tessera}
printf '%-5s %6s %4s | %-9s %8s %8s %8s %10s %10s %10s\n' GPU GPUs HBD network switches ports xcvrs power_W switch_W module_W
for gpu in a100 h100; do
  domains=8 sizes="256 1024 4096" # radix-40 HDR switches build at most 16,000 NICs
  [ $gpu = h100 ] && domains="8 64 256" sizes="256 1024 4096 16384"
  for gpus in $sizes; do
    for d in $domains; do
      nodes=$((gpus / d))
      for net in cluster rail; do
        "$tessera" cost "platforms/dgx-$gpu-$net.xml" --json --set nodes=$nodes \
          $([ $gpu = h100 ] && echo "--set domain-size=$d") |
          python3 -c '
import json, sys
gpu, nodes, d, net = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
r = json.load(sys.stdin)
b, p = r["network_cost_breakdown_usd"], r["network_power_breakdown_w"]
# the domain switches: one a domain, d ports each
sw, ports = b["switch_count"] - nodes, b["switch_ports"] - d * nodes
print("%-5s %6d %4d | %-9s %8d %8d %8d %10.0f %10.0f %10.0f" % (gpu, d * nodes, d,
      "fat-tree" if net == "cluster" else "rail-only", sw, ports, b["transceiver_count"],
      r["network_power_w"], p["switches"], p["transceivers"]))' "$gpu" "$nodes" "$d" "$net"
      done
    done
  done
done
