#!/usr/bin/env python3
"""Schedule generation time and peak memory (results/schedule.md).

  python3 bench/schedule_bench.py [--tessera build/tessera] [--repeat 5]

Runs `tessera schedule --json` on the 175B job (workloads/gpt3-175b-tp8-pp8.xml on
platforms/wafer-8x8.xml, 64 dies) and on a 1,024-die job (GPT-3 XL, TP 4 x PP 4 x DP 64 on
platforms/default.xml grown to 32 x 32 with 512 GiB stacks), and reports the best wall
time of --repeat runs and the peak RSS of the process (platform loading included).
Target: the 175B job under 1 s and 200 MB.
"""
import argparse
import json
import resource
import subprocess
import time

JOBS = [
    ("gpt3-175b-tp8-pp8 (64 dies)",
     ["platforms/wafer-8x8.xml", "workloads/gpt3-175b-tp8-pp8.xml"]),
    ("gpt-1.3b tp4 pp4 dp64 (1,024 dies)",
     ["platforms/default.xml", "workloads/default.xml", "--set", "k=32",
      "--set", "hbm3.capacity=512GiB", "--set", "hbm3.rows=1048576",
      "--set", "workload.dp=64", "--set", "workload.global-batch=1024"]),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tessera", default="build/tessera")
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    print("| job | wall s (best of %d) | peak RSS MB | model FLOPs | ops | peak memory GB |" % a.repeat)
    print("|---|---|---|---|---|---|")
    for name, args in JOBS:
        best = None
        for _ in range(a.repeat):
            before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            t0 = time.perf_counter()
            out = subprocess.run([a.tessera, "schedule", *args, "--json"], check=True,
                                 capture_output=True, text=True).stdout
            dt = time.perf_counter() - t0
            rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            best = dt if best is None else min(best, dt)
        d = json.loads(out)
        print(f"| {name} | {best:.3f} | {max(rss, before) / 1024:.1f} | {d['model_flops']:.4g} | "
              f"{d['ops']} | {d['peak_memory_bytes'] / 1e9:.2f} |")


if __name__ == "__main__":
    main()
