#!/bin/sh
# Network power and the counts that price it, fat-tree against rail-only, on the bundled
# DGX platforms at 256, 1,024 and 4,096 GPUs (results/seeds/rail-only-power.md): the
# scale-out switches (the NVSwitches, one a node, are left out: both networks have them),
# their ports, the transceivers, and `tessera cost`'s network_power_w with its split.
# No switch or module price is bundled, so the cost cut is given as the range a price
# mix can take: between the port cut and the transceiver cut.
# usage: bench/seeds/rail-only-power.sh [tessera]
set -eu
tessera=${1:-build/tessera}
printf '%-5s %5s | %-9s %8s %8s %8s %10s %10s %10s\n' GPU GPUs network switches ports xcvrs power_W switch_W module_W
for gpu in a100 h100; do
  for nodes in 32 128 512; do
    for net in cluster rail; do
      "$tessera" cost "platforms/dgx-$gpu-$net.xml" --json --set nodes=$nodes |
        python3 -c '
import json, sys
gpu, nodes, net = sys.argv[1], int(sys.argv[2]), sys.argv[3]
d = json.load(sys.stdin)
b, p = d["network_cost_breakdown_usd"], d["network_power_breakdown_w"]
# the domain switches: one a node, 8 ports each
sw, ports = b["switch_count"] - nodes, b["switch_ports"] - 8 * nodes
print("%-5s %5d | %-9s %8d %8d %8d %10.0f %10.0f %10.0f" % (gpu, 8 * nodes,
      "fat-tree" if net == "cluster" else "rail-only", sw, ports, b["transceiver_count"],
      d["network_power_w"], p["switches"], p["transceivers"]))' "$gpu" "$nodes" "$net"
    done
  done
done
