#!/usr/bin/env python3
"""Latency against load of both network fidelities (`tessera noc`, platforms/mesh-8x8.xml)
at the offered rates BookSim2 was run at (results/booksim2/curves.csv: 8x8 uniform,
transpose and hotspot on the four centre dies, 1- and 8-flit packets), up to BookSim2's
saturation on each curve.

  python3 bench/fidelity_vs_booksim.py [--tessera build/tessera]

Prints a markdown table (BookSim2, flit and packet mean latency, errors) and, per curve,
the largest error of each fidelity up to 80% and 95% of BookSim2's saturation.
"""
import argparse
import csv
import json
import subprocess

HOTSPOT = ["--hotspot", "27,28,35,36", "--hotspot-fraction", "1"]


def saturation(points):
    """Highest offered rate with accepted within 5% of offered and latency below 3x
    zero-load (results/noc.md's definition)."""
    zero = min(p["latency"] for p in points)
    ok = [p["offered"] for p in points
          if p["status"] == "stable" and p["accepted"] >= 0.95 * p["offered"]
          and p["latency"] < 3 * zero]
    return max(ok)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tessera", default="build/tessera")
    a = ap.parse_args()
    curves = {}
    for row in csv.DictReader(open("results/booksim2/curves.csv")):
        if row["mesh"] != "8x8":
            continue
        key = (row["traffic"], int(row["packet_flits"]))
        curves.setdefault(key, []).append({
            "offered": float(row["offered"]), "latency": float(row["latency"]),
            "accepted": float(row["accepted"]), "status": row["status"], "run": row["run"]})
    print("| traffic | flits | offered | of BookSim2 saturation | BookSim2 | flit | error "
          "| packet | error |")
    print("|---|---|---|---|---|---|---|---|---|")
    summary = []
    for key, pts in sorted(curves.items()):
        sat = saturation(pts)
        worst = {("flit", 0.8): 0.0, ("flit", 0.95): 0.0,
                 ("packet", 0.8): 0.0, ("packet", 0.95): 0.0}
        for p in sorted(pts, key=lambda p: p["offered"]):
            if p["run"] != "sweep" or p["offered"] > sat + 1e-12:
                continue
            ours = {}
            for fid in ("flit", "packet"):
                cmd = [a.tessera, "noc", "platforms/mesh-8x8.xml", "--json", "--fidelity", fid,
                       "--traffic", key[0], "--packet-flits", str(key[1]),
                       "--rate", str(p["offered"])] + (HOTSPOT if key[0] == "hotspot" else [])
                out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
                ours[fid] = json.loads(out)["mean_latency_cycles"]
            err = {f: (ours[f] - p["latency"]) / p["latency"] for f in ours}
            frac = p["offered"] / sat
            for (f, lim) in worst:
                if frac <= lim + 1e-9:
                    worst[(f, lim)] = max(worst[(f, lim)], abs(err[f]))
            print(f"| {key[0]} | {key[1]} | {p['offered']:.4g} | {frac:.0%} | {p['latency']:.2f} "
                  f"| {ours['flit']:.2f} | {err['flit']:+.1%} | {ours['packet']:.2f} "
                  f"| {err['packet']:+.1%} |", flush=True)
        summary.append((key, sat, worst))
    print()
    print("| traffic | flits | BookSim2 saturation | flit: worst up to 80% | to 95% "
          "| packet: worst up to 80% | to 95% |")
    print("|---|---|---|---|---|---|---|")
    for key, sat, w in summary:
        print(f"| {key[0]} | {key[1]} | {sat:.4g} | {w[('flit', 0.8)]:.1%} "
              f"| {w[('flit', 0.95)]:.1%} | {w[('packet', 0.8)]:.1%} | {w[('packet', 0.95)]:.1%} |")


if __name__ == "__main__":
    main()
