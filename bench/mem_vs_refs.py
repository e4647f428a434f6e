#!/usr/bin/env python3
"""Tessera's side of results/dram_references.md: `tessera mem` on platforms/mem-hbm2.xml
and platforms/mem-ddr4.xml, each instance set as the reference run beside it was
(Ramulator 2 c5b1c3a4 for instance r2, DRAMSys 21079661 for instance dramsys), against
the reference figures in results/dram_references.csv. It runs Tessera only; the
references' figures were measured once, under /tmp, as that page describes.

  python3 bench/mem_vs_refs.py [--tessera build/tessera] [--requests 500000] [--write]

Prints two tables: the settings as matched (first), then Tessera's queue depth set to
hold as many requests as the reference did (OCCUPANCY). --write rewrites the tessera_*
and occupancy columns of results/dram_references.csv. Reads only; one request = one
burst (32 B HBM2, 64 B DDR4).
"""
import argparse
import csv
import json
import subprocess

CSV = "results/dram_references.csv"

# (reference, device) -> platform, instance, request bytes, requests in flight, --set list
CONFIGS = {
    # Ramulator 2: one controller whose one 32-entry read queue serves both pseudo-channels;
    # Tessera has a queue per pseudo-channel: 16 each. Its RoBaRaCoCh mapper puts, from
    # the bottom, column, pseudo-channel, bank group, bank, row.
    ("ramulator2", "hbm2"): ("platforms/mem-hbm2.xml", "r2", 32, 64,
                             ["hbm2-r2.mapping=RoBaBgChRaCo", "hbm2-r2.queue-depth=16"]),
    # DDR4: column, (rank), bank group, bank, row from the bottom; 32-entry read queue
    ("ramulator2", "ddr4"): ("platforms/mem-ddr4.xml", "r2", 64, 64,
                             ["ddr4-2400-r2.mapping=RoBaBgRaCoCh"]),
    # DRAMSys: the generator keeps 64 reads pending (maxPendingReadRequests); its
    # shipped address mappings are the instances' defaults
    ("dramsys", "hbm2"): ("platforms/mem-hbm2.xml", "dramsys", 32, 64, []),
    ("dramsys", "ddr4"): ("platforms/mem-ddr4.xml", "dramsys", 64, 64, []),
}

# The second table: Tessera's queue depth (per channel; HBM2: per pseudo-channel) set so
# that it holds about as many requests as the reference did (its measured occupancy,
# latency x throughput / size): Ramulator 2 also keeps activated requests outside its
# 32-entry queue; DRAMSys buffers 8 per bank (one bank's 8 for a DDR4 stream, most of the
# 64 pending otherwise). (reference, device, pattern) -> queue depth
OCCUPANCY = {
    ("ramulator2", "hbm2", "stream"): 21, ("ramulator2", "hbm2", "random"): 21,
    ("ramulator2", "ddr4", "stream"): 32, ("ramulator2", "ddr4", "random"): 34,
    ("dramsys", "hbm2", "stream"): 64, ("dramsys", "hbm2", "random"): 64,
    ("dramsys", "ddr4", "stream"): 8, ("dramsys", "ddr4", "random"): 58,
}
TYPE = {("ramulator2", "hbm2"): "hbm2-r2", ("ramulator2", "ddr4"): "ddr4-2400-r2",
        ("dramsys", "hbm2"): "hbm2-dramsys", ("dramsys", "ddr4"): "ddr4-1866-dramsys"}


def pct(a, b):
    return f"{(a - b) / b:+.1%}" if b else "n/a"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tessera", default="build/tessera")
    ap.add_argument("--requests", type=int, default=500000)
    ap.add_argument("--write", action="store_true")
    a = ap.parse_args()
    rows = list(csv.DictReader(open(CSV)))
    print("| reference | device | refresh | pattern | reference GB/s | Tessera GB/s | error | "
          "reference latency ns | Tessera latency ns | error | reference hit % | "
          "Tessera hit % | reference occupancy | Tessera occupancy |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    def run(r, extra=()):
        platform, inst, size, outstanding, sets = CONFIGS[(r["reference"], r["device"])]
        cmd = [a.tessera, "mem", platform, "--instance", inst, "--json",
               "--pattern", r["pattern"], "--refresh", r["refresh"],
               "--request-bytes", str(size), "--outstanding", str(outstanding),
               "--requests", str(a.requests)]
        for s in list(sets) + list(extra):
            cmd += ["--set", s]
        d = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
        # the reference's latency is measured where its column says: from acceptance
        # into the controller (Ramulator 2) or from the request's BEGIN_REQ (DRAMSys)
        lat = d["mean_accepted_latency_ns" if r["latency_from"] == "accepted" else
                "mean_latency_ns"]
        return d["bandwidth_bytes_per_s"] / 1e9, lat, 100 * d["row_hit_rate"]

    def occupancy(gbps, lat_ns, size):
        return gbps * lat_ns / size

    second = []
    for r in rows:
        size = int(r["request_bytes"])
        bw, lat, hit = run(r)
        r["tessera_GBps"] = f"{bw:.3f}"
        r["tessera_latency_ns"] = f"{lat:.1f}"
        r["tessera_row_hit_pct"] = f"{hit:.1f}"
        rbw, rlat = float(r["ref_GBps"]), float(r["ref_latency_ns"])
        rhit = r["ref_row_hit_pct"] or "n/a"
        r["ref_occupancy"] = f"{occupancy(rbw, rlat, size):.1f}"
        r["tessera_occupancy"] = f"{occupancy(bw, lat, size):.1f}"
        print(f"| {r['reference']} | {r['device']} | {r['refresh']} | {r['pattern']} | "
              f"{rbw:.2f} | {bw:.2f} | {pct(bw, rbw)} | {rlat:.1f} | {lat:.1f} | "
              f"{pct(lat, rlat)} | {rhit} | {hit:.1f} | {r['ref_occupancy']} | "
              f"{r['tessera_occupancy']} |", flush=True)
        q = OCCUPANCY[(r["reference"], r["device"], r["pattern"])]
        obw, olat, _ = run(r, [f"{TYPE[(r['reference'], r['device'])]}.queue-depth={q}"])
        r["tessera_occ_queue_depth"] = str(q)
        r["tessera_occ_GBps"] = f"{obw:.3f}"
        r["tessera_occ_latency_ns"] = f"{olat:.1f}"
        second.append(f"| {r['reference']} | {r['device']} | {r['refresh']} | {r['pattern']} | "
                      f"{q} | {rbw:.2f} | {obw:.2f} | {pct(obw, rbw)} | {rlat:.1f} | "
                      f"{olat:.1f} | {pct(olat, rlat)} |")
    print()
    print("| reference | device | refresh | pattern | Tessera queue depth | reference GB/s | "
          "Tessera GB/s | error | reference latency ns | Tessera latency ns | error |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    print("\n".join(second))
    if a.write:
        with open(CSV, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
            w.writeheader()
            w.writerows(rows)


if __name__ == "__main__":
    main()
