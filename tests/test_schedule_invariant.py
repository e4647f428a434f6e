#!/usr/bin/python3
"""What the schedule counts is what the dies execute and what the analytical model costs.

  test_schedule_invariant.py TESSERA SOURCE_DIR

For every bundled job (and the hierarchical tensor-parallel case that once lost work past a
fixed template capacity), `tessera schedule --json` gives each stage's ops, FLOPs and
messages per die, counted from the schedule's templates and pipeline order. Every die of a
simulation at every fidelity (stats.csv of `tessera run`) must have executed exactly those,
and `tessera estimate` must have costed exactly those: a group of ops or a collective that
the schedule counts but nobody runs (or the reverse) fails here.

Flit fidelity runs cycle by cycle, so its jobs are shrunk (fewer layers, the fewest
micro-batches the pipeline allows, narrow layers); the shrunk job is compared with its own
schedule. Flit fidelity takes table routing only: router types routed "shortest" get
routing=table there; a platform with a circuit switch (shortest by design) or multipath
fat-tree routers (DGX clusters) has no flit run.
"""
import csv
import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

tessera, root = sys.argv[1], sys.argv[2]

# (name, platform, workload, --set overrides); the workloads' README says which platform
# each bundled workload is for
JOBS = [
    ("default", "platforms/default.xml", "workloads/default.xml", []),
    ("22b-full", "platforms/dgx-a100.xml", "workloads/korthikanti-22b-full.xml", []),
    ("22b-selective", "platforms/dgx-a100.xml", "workloads/korthikanti-22b-selective.xml", []),
    ("22b-h100", "platforms/dgx-h100.xml", "workloads/korthikanti-22b-selective.xml", []),
    ("22b-h200", "platforms/dgx-h200.xml", "workloads/korthikanti-22b-full.xml", []),
    ("175b-wafer", "platforms/wafer-8x8.xml", "workloads/gpt3-175b-tp8-pp8.xml", []),
    ("hecaton", "platforms/hecaton-4x4.xml", "workloads/hecaton-2d-16.xml", []),
    ("scale-across-pp", "platforms/two-datacenter.xml", "workloads/scale-across-pp.xml", []),
    ("scale-across-dp", "platforms/two-datacenter.xml", "workloads/scale-across-dp.xml", []),
    ("wafer-scale-22b", "platforms/wafer-scale.xml", "workloads/wafer-scale-22b.xml", []),
    # a drawn defect map (one reticle dead, its stack cut off) and an idle spare reticle
    ("wafer-defects", "platforms/wafer-scale.xml", "workloads/wafer-scale-1.3b-spares.xml",
     ["defect-seed=6", "reticle.core-rows=96", "reticle.core-cols=110", "reticle.spare-cores=8"]),
    ("chiplet-optical", "platforms/chiplet-optical-cluster.xml", "workloads/chiplet-optical-7b.xml", []),
    ("chiplet-ocs", "platforms/chiplet-ocs-cluster.xml", "workloads/chiplet-ocs-7b.xml", []),
    # the 145.6B run's shape (TP 8 in a node, interleaved PP 8, hierarchical DP) on 16 nodes
    ("145b-16-nodes", "platforms/dgx-a100-cluster.xml", "workloads/megatron-145b.xml",
     ["nodes=16", "workload.dp=2", "workload.global-batch=16"]),
    # hierarchical TP 16 over two 8-GPU nodes with sequence parallelism: four collectives
    # in each direction, more groups per backward template than a fixed capacity held
    ("hierarchical-tp16", "platforms/dgx-h100-cluster.xml", "workloads/default.xml",
     ["nodes=2", "workload.tp=16", "workload.pp=1", "workload.dp=1"]),
    ("hierarchical-tp16-full", "platforms/dgx-h100-cluster.xml", "workloads/default.xml",
     ["nodes=2", "workload.tp=16", "workload.pp=1", "workload.dp=1", "workload.recompute=full"]),
    # stages of different depths, fewer layers on the first and last (1F1B and interleaved)
    ("uneven-stages", "platforms/default.xml", "workloads/default.xml",
     ["workload.stage-layers=5,7,7,5"]),
    ("uneven-interleaved", "platforms/default.xml", "workloads/default.xml",
     ["workload.stage-layers=4,8,8,4", "workload.pipeline=interleaved", "workload.chunks=2"]),
    # a mixture of experts (the experts' GEMMs and routing kernels)
    ("mixtral", "platforms/dgx-h100-cluster.xml", "workloads/mixtral-8x7b.xml", []),
    # and with its experts over the 2 data-parallel replicas (all-to-alls)
    ("mixtral-ep2", "platforms/dgx-h100-cluster.xml", "workloads/mixtral-8x7b.xml", ["workload.ep=2"]),
    # and with its all-to-alls overlapped (started on the third stream, waited for)
    ("mixtral-ep2-overlap", "platforms/dgx-h100-cluster.xml", "workloads/mixtral-8x7b.xml",
     ["workload.ep=2", "workload.ep-overlap=on"]),
    # an expert group over two nodes: its all-to-alls across the nodes, then inside
    ("moe-ep-over-nodes", "platforms/dgx-h100-cluster.xml", "workloads/default.xml",
     ["workload.tp=2", "workload.pp=1", "workload.dp=16", "workload.ep=8",
      "workload.rank-order=tp-dp-pp", "workload.global-batch=16", "model.experts=8", "model.top-k=2"]),
    # ZeRO-3 with its gathers and reductions on the dies' streams, hierarchical over nodes
    ("zero3", "platforms/dgx-a100-cluster.xml", "workloads/default.xml",
     ["nodes=2", "workload.tp=4", "workload.pp=1", "workload.dp=4", "workload.rank-order=tp-dp-pp",
      "workload.global-batch=16", "workload.zero=3"]),
    # context parallelism: ring attention's K/V blocks on the dies' third stream, the ring
    # inside a node, the gradients reduced over dp x cp
    ("context-parallel", "platforms/dgx-h100-cluster.xml", "workloads/default.xml",
     ["nodes=2", "workload.tp=2", "workload.pp=2", "workload.dp=2", "workload.cp=2",
      "workload.attention=flash", "workload.rank-order=tp-dp-pp", "workload.global-batch=8"]),
    # fp8 GEMMs with their casts, on H100s
    ("fp8", "platforms/dgx-h100-cluster.xml", "workloads/default.xml",
     ["nodes=2", "workload.fp8=on", "workload.global-batch=8"]),
    # DeepSeek-V3's shape, shrunk: dense first layers (their own templates, no all-to-all),
    # latent attention, the MTP module on the last stage, experts over two nodes
    ("deepseek-v3", "platforms/dgx-h100-cluster.xml", "workloads/deepseek-v3.xml",
     ["nodes=2", "model.layers=6", "model.experts=16", "workload.pp=2", "workload.dp=8",
      "workload.ep=8", "workload.global-batch=8", "workload.stage-layers=4,2",
      "workload.ep-overlap=on"]),
]
FIDELITIES = ["mixed", "packet", "flow", "flit"]


def flit_shrink(schedule, uneven):
    """A small model of the same shape for flit fidelity: one layer per stage and model
    chunk (two on the first stage when the job's stages are uneven), the fewest
    micro-batches, narrow layers (the same ops, collectives and pipeline messages per
    template, fewer flits)."""
    pp, chunks, dp = len(schedule["stages"]), schedule["chunks"], schedule["dp"]
    layers = [chunks * (2 if uneven and st == 0 else 1) for st in range(pp)]
    stage_layers = [f"workload.stage-layers={','.join(map(str, layers))}"] if uneven else []
    return stage_layers + [f"model.layers={sum(layers)}", f"workload.global-batch={dp * (pp if chunks > 1 else 1)}",
            "workload.micro-batch=1", "model.hidden=1024", "model.heads=16", "model.kv-heads=16",
            "model.ffn=4096", "model.sequence=256"]


def flit_routing(platform):
    """--set overrides that give every router type flit fidelity's table routing, or None
    when the platform cannot run at flit fidelity (a circuit switch)."""
    tree = ET.parse(os.path.join(root, platform))
    if tree.find(".//circuit-switch") is not None:
        return None
    # up*/down* tables over the DGX clusters' fat-trees deadlock or take far too long at
    # flit fidelity (seen on two-datacenter and 16 DGX A100 nodes): those stay at the
    # other fidelities
    if any(rt.get("multipath") for rt in tree.iter("router-type")):
        return None
    return [f"{rt.get('name')}.routing=table" for rt in tree.iter("router-type")
            if rt.get("routing") == "shortest"]


def tessera_cmd(args):
    out = subprocess.run([tessera] + args, cwd=root, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"tessera {' '.join(args)}: exit {out.returncode}: {out.stderr[-2000:]}")
    return out.stdout


def sets(overrides):
    return [a for o in overrides for a in ("--set", o)]


def die_rows(directory):
    with open(os.path.join(directory, "stats.csv")) as f:
        return [r for r in csv.DictReader(f) if r["kind"] == "die"]


def compare(label, schedule, rows):
    """Failures: dies whose ops, messages or FLOPs differ from their stage's counts."""
    problems = []
    if len(rows) != schedule["dies"]:
        problems.append(f"{label}: {len(rows)} dies in stats.csv, the schedule has {schedule['dies']}")
    for r in rows:
        st = schedule["stages"][int(r["stage"])]
        if int(r["ops"]) != st["ops_per_die"]:
            problems.append(f"{label}: {r['name']} ops {r['ops']} != schedule {st['ops_per_die']}")
        if int(r["messages"]) != st["messages_per_die"]:
            problems.append(f"{label}: {r['name']} messages {r['messages']} != schedule {st['messages_per_die']}")
        want = st["flops_per_die"]
        # stats.csv writes 9 significant digits
        if abs(float(r["flops"]) - want) > 1e-8 * max(want, 1.0):
            problems.append(f"{label}: {r['name']} FLOPs {r['flops']} != schedule {want:.17g}")
    return problems[:5]


only = sys.argv[3:] # optional job names, for running one by hand
failures = 0
with tempfile.TemporaryDirectory() as tmp:
    for name, plat, work, overrides in JOBS:
        if only and name not in only:
            continue
        for fidelity in FIDELITIES + ["analytic"]:
            label = f"{name} {fidelity}"
            try:
                o = overrides
                schedule = json.loads(tessera_cmd(["schedule", plat, work, "--json"] + sets(o)))
                if fidelity == "flit":
                    routing = flit_routing(plat)
                    if routing is None:
                        print(f"skip {label}: a circuit switch or a multipath fat-tree, not run at flit fidelity")
                        continue
                    uneven = any(x.startswith("workload.stage-layers=") for x in overrides)
                    o = overrides + flit_shrink(schedule, uneven) + routing
                    schedule = json.loads(tessera_cmd(["schedule", plat, work, "--json"] + sets(o)))
                out = os.path.join(tmp, f"{name}-{fidelity}")
                if fidelity == "analytic":
                    tessera_cmd(["estimate", plat, work, "-o", out] + sets(o))
                else:
                    try:
                        # memory in the loop (burst, the default) at the default network
                        # fidelity; the others at rate, which executes the same ops faster
                        memory = [] if fidelity == "mixed" else ["--memory-fidelity", "rate"]
                        tessera_cmd(["run", plat, work, "--fidelity", fidelity, "--quiet", "-o", out]
                                    + memory + sets(o))
                    except RuntimeError as e:
                        # links wider than the routers' flit (optics, memory PHYs) are lanes
                        # at the other fidelities; flit refuses them, naming the link
                        if fidelity == "flit" and "the flit fidelity moves one a cycle" in str(e):
                            print(f"skip {label}: a link wider than the flit, refused at flit fidelity")
                            continue
                        raise
                problems = compare(label, schedule, die_rows(out))
            except RuntimeError as e:
                problems = [f"{label}: {e}"]
            for p in problems:
                print("FAIL", p)
            failures += bool(problems)
            if not problems:
                print(f"ok   {label}: {schedule['dies']} dies, ops/messages/FLOPs per die as scheduled")
            sys.stdout.flush()

print(f"{failures} failures")
sys.exit(1 if failures else 0)
