#!/bin/sh
# Transport over the spans at ScaleAcross's scale (issue 24 items 5 and 7; results/seeds/
# scale-across.md): the 16,384-GPU Llama 3.1 405B job of bench/seeds/scale-across-16k.sh
# at 16 wavelengths a datacenter (1:256), the pipeline or the replicas across the 4
# datacenters, with lossless spans (the default) and with lossy ones sized as HPE's
# measured long-span design (a queue of 2.5 round trips, 123 MB at a flow's 0.98 ms round
# trip between two datacenters and a wavelength's 50 GB/s; 1 ms retransmit timeout),
# without marking, with ECN marking from 37 MB (0.75 round trips) and the senders' DCQCN
# at ConnectX's defaults, and with that and a 16 MiB window a flow. Prints the iteration,
# the bytes dropped, the flows that timed out, the bursts DCQCN cut, the window-limited
# flows, wall seconds and peak memory (GNU time). Mixed fidelity with --symmetry.
# usage: bench/seeds/scale-across-16k-transport.sh [tessera]   (about 1-3 minutes a run)
set -eu
tessera=${1:-build/tessera}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
printf '%-3s %-26s | %10s %12s %8s %6s %8s %7s %7s\n' dim transport iter_s lost_bytes timeouts cut limited wall_s rss_GB
for dim in pp dp; do
  if [ "$dim" = pp ]; then
    place="--set workload.rank-order=tp-dp-pp --set workload.dp-within=datacenter --set workload.pp-within=platform"
  else
    place="--set workload.rank-order=tp-pp-dp --set workload.pp-within=datacenter --set workload.dp-within=platform"
  fi
  for t in "lossless" "lossy 123MB 1ms" "lossy 123MB 1ms 0B 37MB" "lossy 123MB 1ms 16MiB 37MB"; do
    # shellcheck disable=SC2086
    set -- $t
    rm -rf "$out/r"
    # shellcheck disable=SC2086
    /usr/bin/time -f '%e %M' -o "$out/time" "$tessera" run platforms/datacenters.xml \
      workloads/llama3-405b-8k.xml --set datacenters=4 --set nodes=512 --set dci-lanes=16 $place \
      --set dci-transport=$1 --set dci-buffer=${2:-0B} --set dci-timeout=${3:-0s} \
      --set dci-window=${4:-0B} --set dci-ecn=${5:-0B} --symmetry --fidelity mixed \
      -o "$out/r" --quiet > /dev/null
    python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
t = r.get("transport") or {}
wall, rss = open(sys.argv[2]).read().split()
print("%-3s %-26s | %10.4f %12.4g %8s %6s %8s %7.1f %7.2f" % (sys.argv[3], sys.argv[4],
      r["iteration_time_s"], t.get("lost_bytes", 0), t.get("retransmit_timeouts", 0),
      t.get("congestion_cut_flows", 0), t.get("window_limited_flows", 0), float(wall),
      int(rss) / 1e6))' "$out/r/report.json" "$out/time" $dim "$t"
  done
done
