#!/usr/bin/env python3
"""`tessera mem` on every memory preset: bandwidth, latency and simulation speed.

  python3 bench/mem_bench.py [--tessera build/tessera] [--requests N]

Stream and random 64 B reads with enough requests in flight to fill the controllers'
queues (32 per channel, two bursts per request on the 32 B-burst devices), refresh as
the preset says. Prints a markdown table for results/memory.md.
"""
import argparse
import json
import subprocess

# (platform, channels, memory instance: None when the platform has one)
PRESETS = [("platforms/mem-hbm2.xml", 2, "r2"), ("platforms/mem-hbm2.xml", 2, "dramsys"),
           ("platforms/mem-hbm2e.xml", 16, None), ("platforms/mem-hbm3.xml", 32, None),
           ("platforms/mem-ddr4.xml", 1, "r2"), ("platforms/mem-ddr4.xml", 1, "dramsys"),
           ("platforms/mem-ddr5.xml", 2, None), ("platforms/mem-lpddr5.xml", 4, None)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tessera", default="build/tessera")
    ap.add_argument("--requests", type=int, default=500000)
    a = ap.parse_args()
    print("| preset | pattern | outstanding | GB/s | % of peak | mean latency ns | p99 ns | "
          "row hits | refreshes | pJ/bit | requests/s (wall) | peak RSS MiB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for platform, channels, instance in PRESETS:
        for pattern in ("stream", "random"):
            outstanding = 32 * channels
            which = ["--instance", instance] if instance else []
            d = json.loads(subprocess.run(
                [a.tessera, "mem", platform, "--json", "--pattern", pattern, "--outstanding",
                 str(outstanding), "--requests", str(a.requests)] + which,
                check=True, capture_output=True, text=True).stdout)
            name = d["platform"] + (" " + instance if instance else "")
            print(f"| {name} | {pattern} | {outstanding} | "
                  f"{d['bandwidth_bytes_per_s'] / 1e9:.1f} | "
                  f"{100 * d['bandwidth_bytes_per_s'] / d['peak_bandwidth_bytes_per_s']:.1f} | "
                  f"{d['mean_latency_ns']:.1f} | {d['p99_latency_ns']:.1f} | "
                  f"{100 * d['row_hit_rate']:.1f}% | {d['refreshes'] + d['refreshes_per_bank']} | "
                  f"{d['energy_per_bit_j'] * 1e12:.2f} | {d['requests_per_second']:.3g} | "
                  f"{d['peak_rss_kb'] / 1024:.1f} |", flush=True)


if __name__ == "__main__":
    main()
