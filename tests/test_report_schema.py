#!/usr/bin/python3
"""report.json against include/tessera/report.schema.json (Debian's python3-jsonschema).

  test_report_schema.py TESSERA SOURCE_DIR

Validates the reports of several bundled jobs, then checks that the schema would catch
an undocumented key, a missing key and a wrong type (so the check can fail).
"""
import copy
import json
import os
import subprocess
import sys

import jsonschema

tessera, root = sys.argv[1], sys.argv[2]
with open(os.path.join(root, "include", "tessera", "report.schema.json")) as f:
    schema = json.load(f)
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)

# (platform, workload, extra arguments); "estimate" as the first extra: the analytical model
jobs = [("platforms/default.xml", "workloads/default.xml", []),
        ("platforms/default.xml", "workloads/default.xml", ["estimate"]),
        ("platforms/default.xml", "workloads/default.xml",
         ["estimate", "--calibration", "results/calibration/default.cal"]),
        ("platforms/default.xml", "workloads/default.xml", ["--set", "workload.recompute=full"]),
        ("platforms/hecaton-4x4.xml", "workloads/hecaton-2d-16.xml", []),
        ("platforms/hecaton-4x4.xml", "workloads/hecaton-2d-16.xml", ["--memory-fidelity", "burst"]),
        # a drawn defect map and an idle spare: the defects key and seeds.defects
        ("platforms/wafer-scale.xml", "workloads/wafer-scale-1.3b-spares.xml",
         ["estimate", "--set", "defect-seed=6", "--set", "reticle.core-rows=96",
          "--set", "reticle.core-cols=110", "--set", "reticle.spare-cores=8"])]
failures = 0
report = None
for plat, work, extra in jobs:
    cmd = [tessera, "run", plat, work, "--json", "--quiet"] + extra
    if extra[:1] == ["estimate"]:
        cmd = [tessera, "estimate", plat, work, "--json"] + extra[1:]
    out = subprocess.run(cmd, cwd=root,
                         capture_output=True, text=True)
    if out.returncode != 0:
        print(f"FAIL {plat} {work}: exit {out.returncode}: {out.stderr}")
        failures += 1
        continue
    report = json.loads(out.stdout)
    errors = sorted(validator.iter_errors(report), key=lambda e: list(e.path))
    for e in errors:
        print(f"FAIL {plat} {work}: {'/'.join(map(str, e.path))}: {e.message}")
    failures += len(errors)
    if not errors:
        print(f"ok   {plat} {work} {' '.join(extra)}")

# the schema rejects what it should
if report is not None:
    bad = copy.deepcopy(report)
    bad["undocumented"] = 1
    bad2 = copy.deepcopy(report)
    del bad2["energy_breakdown_j"]["dram"]
    bad3 = copy.deepcopy(report)
    bad3["provenance"]["inputs"][0]["sha256"] = "not-a-hash"
    bad4 = copy.deepcopy(report)
    bad4["mfu"] = "high"
    for name, b in [("an extra key", bad), ("a missing key", bad2), ("a malformed hash", bad3),
                    ("a wrong type", bad4)]:
        if validator.is_valid(b):
            print(f"FAIL the schema accepts {name}")
            failures += 1

print(f"{failures} failures")
sys.exit(1 if failures else 0)
