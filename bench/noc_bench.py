#!/usr/bin/env python3
"""NoC accuracy and speed figures (results/noc.md): glue around `tessera noc --json`.

  python3 bench/noc_bench.py [--tessera build/tessera] [--quick] [--issue26-speed]

1. Latency / throughput sweeps on platforms/mesh-8x8.xml (flit fidelity): uniform and
   transpose traffic, 1- and 8-flit packets; saturation as `tessera noc --sweep`
   defines it.
2. Speed: meshes 4x4 to 32x32, uniform 1-flit traffic at 10% and 50% of a reference
   saturation rate (0.35 x 8/k flits/die/cycle, BookSim2's measured 8x8 saturation
   scaled by the bisection bound), both fidelities: simulated cycles and flit-hops per
   wall second, peak memory.
Prints markdown tables; each figure is one run on this machine (2 cores, noisy).
"""
import argparse
import json
import subprocess
import sys


def noc(tessera, platform, *args):
    cmd = [tessera, "noc", platform, "--json", *args]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tessera", default="build/tessera")
    ap.add_argument("--quick", action="store_true", help="shorter runs")
    ap.add_argument("--issue26-speed", action="store_true",
                    help="only issue 26's speed check: 8x8 uniform 1-flit at 0.05 flits/die/cycle, "
                         "1,000,000 measured cycles, both fidelities, against BookSim2's 3.21e5 "
                         "flit-hops/s at the same load (results/fidelity.md)")
    a = ap.parse_args()
    if a.issue26_speed:
        booksim = 3.21e5  # flit-hops/s: 200,049 cycles in 12.47 s at 0.05, results/fidelity.md
        for fid, target in (("flit", 5), ("packet", 20)):
            d = noc(a.tessera, "platforms/mesh-8x8.xml", "--rate", "0.05", "--fidelity", fid,
                    "--measure", "1000000")
            x = d["flit_hops_per_second"] / booksim
            print(f"{fid}: {d['flit_hops_per_second']:.3g} flit-hops/s, {x:.1f}x BookSim2 "
                  f"(target {target}x: {'met' if x >= target else 'NOT met'})")
        return

    print("## Sweeps: platforms/mesh-8x8.xml, flit fidelity\n")
    for traffic in ("uniform", "transpose"):
        for flits in (1, 8):
            d = noc(a.tessera, "platforms/mesh-8x8.xml", "--sweep", "--fidelity", "flit",
                    "--traffic", traffic, "--packet-flits", str(flits))
            print(f"### {traffic}, {flits}-flit packets: saturation "
                  f"{d['saturation_flits_per_node_cycle']:.4f} flits/die/cycle\n")
            print("| offered | accepted | mean latency | p99 latency | zero-load | stable |")
            print("|---|---|---|---|---|---|")
            for p in d["points"]:
                print(f"| {p['offered_flits_per_node_cycle']:.4f} | "
                      f"{p['accepted_flits_per_node_cycle']:.4f} | "
                      f"{p['mean_latency_cycles']:.2f} | {p['p99_latency_cycles']:.0f} | "
                      f"{p['zero_load_latency_cycles']:.2f} | {'yes' if p['stable'] else 'no'} |")
            print()
            sys.stdout.flush()

    print("## Speed: uniform traffic, 1-flit packets\n")
    print("| mesh | load | rate | fidelity | simulated cycles | wall s | cycles/s | "
          "flit-hops/s | peak RSS MiB | mean latency |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    measure = {4: 200000, 8: 50000, 16: 20000, 32: 10000}
    for k in (4, 8, 16, 32):
        for frac in (0.1, 0.5):
            rate = frac * 0.35 * 8 / k
            for fid in ("flit", "packet"):
                m = measure[k] // (10 if a.quick else 1)
                d = noc(a.tessera, f"platforms/mesh-{k}x{k}.xml", "--rate", f"{rate:.6f}",
                        "--fidelity", fid, "--warmup", "1000", "--measure", str(m))
                print(f"| {k}x{k} | {frac:.0%} | {rate:.5f} | {fid} | {d['simulated_cycles']} | "
                      f"{d['wall_seconds']:.3f} | {d['cycles_per_second']:.4g} | "
                      f"{d['flit_hops_per_second']:.4g} | {d['peak_rss_kb'] / 1024:.1f} | "
                      f"{d['mean_latency_cycles']:.2f} |")
                sys.stdout.flush()


if __name__ == "__main__":
    main()
