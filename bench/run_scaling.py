#!/usr/bin/env python3
"""How `tessera run` wall time grows with dies and with layers (results/e2e-speed.md).

  python3 bench/run_scaling.py [--tessera build/tessera]

Platforms are k x k meshes of the default die with one memory pool (written to a
temporary folder); the job is GPT-3 XL with TP 4 and PP = dies / 4, 1F1B, one
micro-batch per pipeline stage x 4.
"""
import argparse
import json
import os
import subprocess
import tempfile

PLATFORM = """<?xml version="1.0"?>
<platform name="scale{k}">
  <die-type name="d" clock="1GHz" tensor-arrays="4" tensor-rows="128" tensor-cols="128"
            vector-lanes="2048" sram="48MiB" sram-bandwidth="8TB/s"/>
  <router-type name="r" clock="1GHz" flit-width="64B" pipeline="2" routing="xy" ports="6"/>
  <link-type name="l" width="64B" latency="1cycle" energy="0.5pJ/bit"/>
  <memory-type name="pool" standard="HBM3" capacity="16TiB" channels="64" bus-width="64b"
               data-rate="6.4Gb/s" rows="16777216" tCL="14ns" tCWL="5ns" tRCD="14ns" tRP="14ns"
               tRAS="34ns" tRC="48ns" tCCD_S="4cycles" tCCD_L="4cycles" tRRD_S="4ns" tRRD_L="4ns"
               tFAW="15ns" tWR="16ns" tWTR_S="6cycles" tWTR_L="8cycles" tRTW="16ns"
               tRTP="5cycles" tREFI="3.9us" tRFC="350ns"/>
  <mesh name="m" rows="{k}" cols="{k}" die="d" router="r" link="l"/>
  <instance name="pool" type="pool"/>
  <connect from="pool" to="m.r0c0.router" link="l"/>
</platform>
"""


def run(tessera, platform, sets):
    cmd = [tessera, "run", platform, "workloads/default.xml", "--json"]
    for s in sets:
        cmd += ["--set", s]
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tessera", default="build/tessera")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp()
    print("| dies | layers | pp | micro-batches | simulated s | wall s | events | events/s |")
    print("|---|---|---|---|---|---|---|---|")
    cases = [(2, 48), (4, 48), (8, 48), (4, 12), (4, 24), (4, 96)]
    for k, layers in cases:
        path = os.path.join(tmp, f"scale{k}.xml")
        with open(path, "w") as f:
            f.write(PLATFORM.format(k=k))
        dies = k * k
        pp = dies // 4
        d = run(a.tessera, path, [f"workload.pp={pp}", f"model.layers={layers}",
                                  f"workload.global-batch={4 * pp}"])
        r = d["run"]
        print(f"| {dies} | {layers} | {pp} | {4 * pp} | {d['iteration_time_s']:.4g} | "
              f"{r['wall_seconds']:.3f} | {r['events']} | {r['events_per_second']:.3g} |",
              flush=True)


if __name__ == "__main__":
    main()
