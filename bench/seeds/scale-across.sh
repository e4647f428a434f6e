#!/bin/sh
# ScaleAcross-style placement across two datacenters (issue 24 item 7; results/seeds/
# scale-across.md): Llama 2 7B, TP 8 x PP 2 x DP 4 on platforms/two-datacenter.xml (two
# DGX H100 fat-trees of 32 GPUs joined by a DCI of coherent 400 Gb/s wavelengths), with
# the pipeline stages (workloads/scale-across-pp.xml) or the data-parallel replicas
# (workloads/scale-across-dp.xml) in different datacenters; fibre of 1, 10 and 100 km (the
# bundled 400ZR-class module reaches 120 km; farther is refused)
# and 2 or 8 wavelengths; and a transport window over the DCI (none bundled: a sensitivity,
# each flow at most window / round trip). Prints the iteration, the bytes that crossed
# between the datacenters (report.json hierarchy.levels.platform.bytes), and the flows
# the window held (transport.window_limited_flows). Mixed fidelity.
# usage: bench/seeds/scale-across.sh [tessera]   (about three minutes)
set -eu
tessera=${1:-build/tessera}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
printf '%-3s %8s %5s %8s | %10s %12s %8s\n' dim distance lanes window iter_s dci_bytes limited
for dim in pp dp; do
  for distance in 1km 10km 100km; do
    for lanes in 2 8; do
      for window in 0B 4MiB; do
        "$tessera" run platforms/two-datacenter.xml "workloads/scale-across-$dim.xml" \
          --set distance=$distance --set dci-lanes=$lanes --set dci-window=$window \
          -o "$out/r" --quiet > /dev/null
        python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
t = r.get("transport") or {}
print("%-3s %8s %5s %8s | %10.4f %12.4g %8s" % (sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5],
      r["iteration_time_s"], r["hierarchy"]["levels"]["platform"]["bytes"],
      t.get("window_limited_flows", "-")))' "$out/r/report.json" $dim $distance $lanes $window
      done
    done
  done
done

# Transport over the spans (issue 24 item 5): the same model on platforms/datacenters.xml,
# 4 datacenters of 32 GPUs, TP 8 x PP 4 x DP 4 (a stage in each datacenter, or each
# stage's 4 replicas in the 4 datacenters), 2 wavelengths a datacenter to the tier at
# 50 km. Lossless with unlimited or 4 MiB of credits a port (a span then moves at most
# 4 MiB per 0.49 ms round trip, 8.6 GB/s a wavelength), or lossy (drop-tail) with a
# 4 MiB or 32 MiB queue and a 1 ms retransmit timeout, without a window (a sender bursts
# its whole message) or with a 4 MiB one. None of these figures is documented for such
# a span: sensitivities. Then a deep-buffer span as HPE measured one (RoCEv2 over 50-500
# km: a queue of 2.5 round trips, ECN marking from 0.75; here the flows' round trip
# between two datacenters is 0.98 ms, 49 MB at a wavelength's 50 GB/s: 123 MB and 37 MB)
# with and without marking, the senders' DCQCN at ConnectX's defaults, and with a 4 or
# 16 MiB window. Columns: lost bytes, flows that timed out, links held by their credits,
# flows whose burst DCQCN cut.
echo
printf '%-3s %-30s | %10s %12s %8s %8s %8s\n' dim transport iter_s lost_bytes timeouts credit cut
for dim in pp dp; do
  for t in "lossless" "lossless 4MiB" "lossy 4MiB 1ms" "lossy 32MiB 1ms" "lossy 4MiB 1ms 4MiB" \
      "lossy 123MB 1ms" "lossy 123MB 1ms 0B 37MB" "lossy 123MB 1ms 4MiB 37MB" "lossy 123MB 1ms 16MiB 37MB"; do
    # shellcheck disable=SC2086
    set -- $t
    args="--set dci-transport=$1 --set dci-buffer=${2:-0B} --set dci-timeout=${3:-0s} --set dci-window=${4:-0B} --set dci-ecn=${5:-0B}"
    # shellcheck disable=SC2086
    "$tessera" run platforms/datacenters.xml "workloads/scale-across-$dim.xml" \
      --set workload.pp=4 --set workload.dp=4 --set workload.global-batch=64 \
      --set dci-lanes=2 $args -o "$out/t" --quiet > /dev/null
    python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
t = r.get("transport") or {}
print("%-3s %-30s | %10.4f %12.4g %8s %8s %8s" % (sys.argv[2], sys.argv[3], r["iteration_time_s"],
      t.get("lost_bytes", 0), t.get("retransmit_timeouts", 0), t.get("credit_limited_links", 0),
      t.get("congestion_cut_flows", 0)))' \
      "$out/t/report.json" $dim "$t"
    rm -rf "$out/t"
  done
done
