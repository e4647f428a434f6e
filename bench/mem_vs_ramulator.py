#!/usr/bin/env python3
"""`tessera mem` against Ramulator 2.1 on matched configurations
(results/ramulator2/results_main.csv, measured here; settings in results/memory.md).

  python3 bench/mem_vs_ramulator.py [--tessera build/tessera]

DDR5: one 32-bit sub-channel of platforms/mem-ddr5.xml (8 GiB), Ramulator's mapping
(row, bank, bank group, column from the top), its 32-entry queue kept full (64 requests
outstanding); latency from acceptance into the queue, as Ramulator measures it.
HBM3: one channel = two pseudo-channels of platforms/mem-hbm3.xml, Ramulator's 8 Gb
8-high organisation (2 stack IDs x 4 bank groups, modelled as 8 bank groups), 8192 rows,
tRFC 260 ns, 16-entry queue per pseudo-channel (32 per channel), 128 outstanding.
Reads only (the 2:1 mix differs by design: Ramulator batches writes in a write queue).
"""
import argparse
import csv
import json
import subprocess

CONFIGS = {
    "ddr5": ("platforms/mem-ddr5.xml", 64,
             ["ddr5-4800.channels=1", "ddr5-4800.capacity=8GiB", "ddr5-4800.mapping=RoBaBgCoRaCh"]),
    "hbm3": ("platforms/mem-hbm3.xml", 128,
             ["hbm3.channels=2", "hbm3.capacity=512MiB", "hbm3.bank-groups=8", "hbm3.rows=8192",
              "hbm3.mapping=RoBaBgRaChCo", "hbm3.tRFC=260ns", "hbm3.queue-depth=16"]),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tessera", default="build/tessera")
    a = ap.parse_args()
    ref = {r["run"]: r for r in csv.DictReader(open("results/ramulator2/results_main.csv"))}
    print("| device | refresh | pattern | Ramulator2 GB/s | Tessera GB/s | error | Ramulator2 "
          "latency ns | Tessera latency ns | error | Ramulator2 hit % | Tessera hit % | "
          "Tessera requests/s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for dev, (platform, outstanding, sets) in CONFIGS.items():
        for refresh, tag in (("all-bank", "ref"), ("off", "noref")):
            for pattern in ("stream", "random"):
                r = ref[f"{dev}_{tag}_{pattern}"]
                cmd = [a.tessera, "mem", platform, "--json", "--pattern", pattern,
                       "--refresh", refresh, "--outstanding", str(outstanding),
                       "--requests", "500000"]
                for s in sets:
                    cmd += ["--set", s]
                d = json.loads(subprocess.run(cmd, check=True, capture_output=True,
                                              text=True).stdout)
                bw = d["bandwidth_bytes_per_s"] / 1e9
                rbw = float(r["bandwidth_GBps"])
                lat = d["mean_accepted_latency_ns"]
                rlat = float(r["avg_read_latency_ns"])
                print(f"| {dev} | {refresh} | {pattern} | {rbw:.2f} | {bw:.2f} | "
                      f"{(bw - rbw) / rbw:+.1%} | {rlat:.1f} | {lat:.1f} | "
                      f"{(lat - rlat) / rlat:+.1%} | {float(r['row_hit_rate_pct']):.1f} | "
                      f"{100 * d['row_hit_rate']:.1f} | {d['requests_per_second']:.3g} |",
                      flush=True)


if __name__ == "__main__":
    main()
