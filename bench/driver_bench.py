#!/usr/bin/env python3
"""The driver's cost around a simulation, and sweep speed-up with -j (results/driver.md).

  python3 bench/driver_bench.py [--tessera build/tessera] [--repeats 20] [--jobs 1,2]

1. Overhead of one evaluation: `tessera run` of a small job (the default platform and
   workload with 4 layers), wall time of the whole command against the iteration's own
   simulation time (report.json `run.wall_seconds`, measured inside the child). The
   difference is parsing, scheduling, the DRAM bandwidth measurement children, forks,
   pipes and the report.
2. A sweep of 64 small points (model.ffn 4160..8192 step 64, 4 layers) at each -j.
"""
import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tessera", default=os.path.join(ROOT, "build", "tessera"))
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--jobs", default="1,2")
    args = ap.parse_args()

    plat = os.path.join(ROOT, "platforms", "default.xml")
    work = os.path.join(ROOT, "workloads", "default.xml")
    totals, sims = [], []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        out = subprocess.run([args.tessera, "run", plat, work, "--json", "--set", "model.layers=4"],
                             check=True, capture_output=True, text=True).stdout
        totals.append(time.perf_counter() - t0)
        sims.append(json.loads(out)["run"]["wall_seconds"])
    over = [t - s for t, s in zip(totals, sims)]
    print(f"one evaluation ({args.repeats} runs): command {statistics.median(totals) * 1e3:.1f} ms median, "
          f"iteration simulation {statistics.median(sims) * 1e3:.1f} ms, "
          f"everything else {statistics.median(over) * 1e3:.1f} ms median "
          f"(min {min(over) * 1e3:.1f}, max {max(over) * 1e3:.1f})")

    with tempfile.TemporaryDirectory() as d:
        space = os.path.join(d, "s.xml")
        with open(space, "w") as f:
            f.write(f'<space name="bench64" platform="{plat}" workload="{work}">\n'
                    '  <param name="model.layers" values="4"/>\n'
                    '  <param name="model.ffn" from="4160" to="8192" step="64"/>\n</space>\n')
        base = None
        for j in [int(x) for x in args.jobs.split(",")]:
            csv = os.path.join(d, f"r{j}.csv")
            t0 = time.perf_counter()
            subprocess.run([args.tessera, "sweep", space, "-j", str(j), "-o", csv], check=True,
                           capture_output=True)
            t = time.perf_counter() - t0
            with open(csv) as f:
                rows = sum(1 for _ in f) - 1
            base = base or t
            print(f"sweep of {rows} points, -j {j}: {t:.2f} s ({t / rows * 1e3:.1f} ms a point), "
                  f"speed-up {base / t:.2f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
