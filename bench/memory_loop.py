#!/usr/bin/env python3
"""Memory in the loop (results/memory-in-the-loop.md): glue around `tessera run`.

  python3 bench/memory_loop.py [--tessera build/tessera] [--wafer]

Runs Hecaton-style packages (platforms/default.xml and platforms/hecaton-4x4.xml: a 4 x 4
mesh of dies, HBM3 stacks on the routers of the west and east edges) at memory fidelity
`rate` and `burst`, and variants of them written to a temporary folder:
  - stacks 8 (both edges, as bundled), 4 (west edge only), 2 (rows 1 and 2 of the west,
    64 GiB each so the model still fits; the same bandwidth a stack);
  - the network on package twice as wide (flit and mesh links 128 B instead of 64 B).
For each run: the iteration time, the slowest die's memory seconds, the mean memory
seconds of edge dies (columns 0 and 3) and interior dies (columns 1 and 2) from
stats.csv, the busiest channel, and the memories' mean achieved bandwidth. With --wafer
also platforms/wafer-scale.xml (HBM3 off the edge reticles) on workloads/wafer-scale-22b.xml
at both fidelities (about 30 s of wall time at burst). Prints markdown tables; each figure
is one run (the simulation is deterministic; wall seconds are this machine's).
"""
import argparse
import csv
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(tessera, platform, workload, memory_fidelity, out):
    cmd = [tessera, "run", platform, workload, "--quiet", "--memory-fidelity", memory_fidelity,
           "-o", out]
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if p.returncode != 0:
        return {"error": (p.stderr.strip().splitlines() or ["exit %d" % p.returncode])[-1]}
    with open(os.path.join(out, "report.json")) as f:
        report = json.load(f)
    edge, interior = [], []
    with open(os.path.join(out, "stats.csv")) as f:
        for row in csv.DictReader(f):
            if row["kind"] != "die":
                continue
            m = re.search(r"r(\d+)c(\d+)", row["name"])
            col = int(m.group(2)) if m else -1
            (edge if col in (0, 3) else interior).append(float(row["memory_s"]))
    mems = report.get("memories", [])
    return {
        "T": report["iteration_time_s"],
        "mem": report["time_breakdown_s"]["memory"],
        "edge": sum(edge) / len(edge) if edge else float("nan"),
        "interior": sum(interior) / len(interior) if interior else float("nan"),
        "link": report["busiest_links"][0] if report["busiest_links"] else {"link": "-", "utilisation": 0},
        "mem_bw": sum(m["bandwidth_bytes_per_s"] for m in mems) / len(mems) if mems else 0.0,
        "wall": report["run"]["wall_seconds"],
    }


def variant(src, dst, stacks=8, wide=False):
    text = open(os.path.join(ROOT, src)).read()
    text = text.replace('<include file="lib/', '<include file="' + os.path.join(ROOT, "platforms/lib/"))
    edges = 'memory-edges="west east"'
    text = text.replace('memory-edges="${memory-edges}"', edges)  # hecaton-4x4's parameter's default
    assert edges in text, src
    if stacks == 4:  # the west edge's
        text = text.replace(edges, 'memory-edges="west"')
    elif stacks == 2:  # the west edge's middle two, by hand; taller (64 GiB) so the model still fits
        text = re.sub(r'\s+memory="hbm3" memory-link="hbm-phy" ' + edges, "", text)
        text = text.replace("</platform>", "".join(
            f'  <instance name="hbm-w{r}" type="hbm3"/> '
            f'<connect from="hbm-w{r}" to="wafer0.r{r}c0.router" link="hbm-phy"/>\n' for r in (1, 2))
            + "</platform>")
        text = text.replace('capacity="16GiB"', 'capacity="64GiB"')
    if wide:
        text = text.replace('flit-width="64B"', 'flit-width="128B"')
        text = re.sub(r'(<link-type name="nop-link" width=)"64B"', r'\1"128B"', text)
    with open(dst, "w") as f:
        f.write(text)
    return dst


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tessera", default=os.path.join(ROOT, "build/tessera"))
    ap.add_argument("--wafer", action="store_true", help="also the wafer-scale platform (slow)")
    a = ap.parse_args()
    jobs = [("platforms/default.xml", "workloads/default.xml"),
            ("platforms/hecaton-4x4.xml", "workloads/hecaton-2d-16.xml")]
    cases = [(8, False), (4, False), (2, False), (8, True)]
    with tempfile.TemporaryDirectory() as tmp:
        for plat, work in jobs:
            print(f"\n### {plat} + {work}\n")
            print("| stacks | NoP | memory fidelity | iteration s | slowest die memory s | edge dies memory s "
                  "| interior dies memory s | busiest channel (utilisation) | memories' mean GB/s | wall s |")
            print("|---|---|---|---|---|---|---|---|---|---|")
            for stacks, wide in cases:
                p = variant(plat, os.path.join(tmp, f"p{stacks}{int(wide)}.xml"), stacks, wide)
                for mf in ("rate", "burst"):
                    r = run(a.tessera, p, work, mf, os.path.join(tmp, f"o{stacks}{int(wide)}{mf}"))
                    if "error" in r:
                        print(f"| {stacks} | {'128 B' if wide else '64 B'} | {mf} | {r['error']} |||||||")
                        continue
                    print(f"| {stacks} | {'128 B' if wide else '64 B'} | {mf} | {r['T']:.4g} | {r['mem']:.4g} "
                          f"| {r['edge']:.4g} | {r['interior']:.4g} | {r['link']['link']} "
                          f"({r['link']['utilisation']:.2f}) | {r['mem_bw'] / 1e9:.4g} | {r['wall']:.2f} |")
                    sys.stdout.flush()
        if a.wafer:
            print("\n### platforms/wafer-scale.xml + workloads/wafer-scale-22b.xml\n")
            print("| memory fidelity | iteration s | slowest die memory s | busiest channel (utilisation) "
                  "| memories served | memories' mean GB/s | wall s |")
            print("|---|---|---|---|---|---|---|")
            for mf in ("rate", "burst"):
                out = os.path.join(tmp, f"w{mf}")
                r = run(a.tessera, "platforms/wafer-scale.xml", "workloads/wafer-scale-22b.xml", mf, out)
                n = len(json.load(open(os.path.join(out, "report.json"))).get("memories", []))
                print(f"| {mf} | {r['T']:.4g} | {r['mem']:.4g} | {r['link']['link']} "
                      f"({r['link']['utilisation']:.2f}) | {n} | {r['mem_bw'] / 1e9:.4g} | {r['wall']:.2f} |")


if __name__ == "__main__":
    main()
