#!/usr/bin/env python3
"""Latency-vs-load of `tessera noc` (flit fidelity, platforms/mesh-8x8.xml) at the offered
rates BookSim2 was run at (results/booksim2/sweep.csv), below BookSim2's saturation.

  python3 bench/noc_vs_booksim.py [--tessera build/tessera] [--fidelity flit|packet]

Prints, per (traffic, packet size), both mean packet latencies and the relative error.
"""
import argparse
import csv
import json
import subprocess

# BookSim2's saturation under the same definition (results/noc.md): the highest rate
# with accepted within 5% of offered and mean latency below 3x zero-load.
BOOKSIM_SATURATION = {("uniform", 1): 0.35, ("uniform", 8): 0.41,
                      ("transpose", 1): 0.13, ("transpose", 8): 0.14}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tessera", default="build/tessera")
    ap.add_argument("--fidelity", default="flit")
    a = ap.parse_args()
    rows = list(csv.DictReader(open("results/booksim2/sweep.csv")))
    worst = {0.8: 0.0, 0.9: 0.0, 1.0: 0.0}
    print("| traffic | flits | offered | of BookSim2 saturation | BookSim2 latency | "
          "Tessera latency | error |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        key = (row["traffic"], int(row["packet_size"]))
        rate = float(row["offered"])
        if row["status"] != "stable" or rate > BOOKSIM_SATURATION[key] + 1e-9:
            continue
        out = subprocess.run([a.tessera, "noc", "platforms/mesh-8x8.xml", "--json",
                              "--fidelity", a.fidelity, "--traffic", key[0],
                              "--packet-flits", str(key[1]), "--rate", str(rate)],
                             check=True, capture_output=True, text=True).stdout
        ours = json.loads(out)["mean_latency_cycles"]
        theirs = float(row["plat"])
        err = (ours - theirs) / theirs
        share = rate / BOOKSIM_SATURATION[key]
        for limit in worst:
            if share <= limit + 1e-9:
                worst[limit] = max(worst[limit], abs(err))
        print(f"| {key[0]} | {key[1]} | {rate:.3f} | {share:.0%} | {theirs:.2f} | {ours:.2f} | "
              f"{err:+.1%} |", flush=True)
    for limit, w in worst.items():
        print(f"\nlargest |error| up to {limit:.0%} of BookSim2's saturation: {w:.1%}")


if __name__ == "__main__":
    main()
