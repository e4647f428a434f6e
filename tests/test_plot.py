#!/usr/bin/python3
"""tessera plot (python/tessera/plot.py) draws what its inputs hold.

  test_plot.py TESSERA SOURCE_DIR

Each figure is drawn as PNG and as SVG from real outputs (a 6-point sweep of the default
job, one run with --trace) or from hand-written explore files; the series it shows are
read back from the file itself (the JSON in its Description metadata: a PNG text chunk,
an SVG Dublin Core description) and compared with the input read here independently:
series count, labels, every x and y; the SVG's bars and lines are counted. Then
bad input: an unknown metric or column, a missing file, a wrong extension.
"""
import csv
import json
import os
import struct
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET
import zlib

TESSERA, ROOT = sys.argv[1], sys.argv[2]
TMP = tempfile.mkdtemp(prefix="tessera-plot-")


def run(*args):
    return subprocess.run([TESSERA, *args], cwd=ROOT, capture_output=True, text=True)


def png_description(path):
    """The Description text chunk of a PNG, read chunk by chunk (PNG spec, section 5)."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos = 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"tEXt":
            key, _, text = body.partition(b"\0")
            if key == b"Description":
                return json.loads(text.decode("latin-1"))
        if kind == b"iTXt":
            key, _, rest = body.partition(b"\0")
            if key == b"Description":
                flag = rest[0]
                text = rest[2:].split(b"\0", 2)[2]
                return json.loads(zlib.decompress(text) if flag else text)
    raise AssertionError(f"{path}: no Description chunk")


def svg_description(path):
    root = ET.parse(path).getroot()
    for el in root.iter():
        if el.tag.endswith("}description"):
            return json.loads(el.text)
    raise AssertionError(f"{path}: no description element")


def svg_groups(path, prefix):
    """How many <g id="PREFIX_n"> matplotlib wrote (line2d_, patch_: lines and bars)."""
    root = ET.parse(path).getroot()
    return sum(1 for el in root.iter() if el.tag.endswith("}g") and el.get("id", "").startswith(prefix))


def draw(*args):
    """Draws the figure as PNG and SVG; returns what both hold (they must agree) and the
    SVG's path."""
    stem = os.path.join(TMP, f"fig-{abs(hash(args))}")
    for ext in ("png", "svg"):
        r = run("plot", *args, "-o", f"{stem}.{ext}")
        assert r.returncode == 0, r.stderr
    fig = png_description(f"{stem}.png")
    assert fig == svg_description(f"{stem}.svg")
    return fig, f"{stem}.svg"


class Plot(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        space = os.path.join(TMP, "space.xml")
        with open(space, "w") as f:
            f.write(f"""<?xml version="1.0" encoding="UTF-8"?>
<space name="plot-test" platform="{ROOT}/platforms/default.xml"
       workload="{ROOT}/workloads/default.xml" time-limit="60s">
  <param name="workload.recompute" values="none full"/>
  <param name="workload.micro-batch" values="1 2 4"/>
</space>
""")
        cls.sweep = os.path.join(TMP, "sweep.csv")
        r = run("sweep", space, "-j", "2", "-o", cls.sweep, "--quiet")
        assert os.path.exists(cls.sweep), r.stderr
        cls.run_dir = os.path.join(TMP, "run")
        r = run("run", "platforms/default.xml", "workloads/default.xml", "-o", cls.run_dir, "--trace")
        assert r.returncode == 0, r.stderr

    def test_sweep_a_series_per_value_with_every_ok_point(self):
        fig, _ = draw("sweep", self.sweep, "--x", "workload.micro-batch", "--y", "iteration_time_s",
                        "--by", "workload.recompute")
        with open(self.sweep, newline="") as f:
            rows = [r for r in csv.DictReader(f) if r["status"] == "ok"]
        self.assertGreaterEqual(len(rows), 4)  # (full, 4) may not fit; the rest do
        want = {}
        for r in rows:
            want.setdefault(f"workload.recompute={r['workload.recompute']}", []).append(
                (float(r["workload.micro-batch"]), float(r["iteration_time_s"])))
        self.assertEqual(fig["kind"], "sweep")
        self.assertEqual((fig["x"], fig["y"]), ("workload.micro-batch", "iteration_time_s"))
        self.assertEqual(sorted(s["label"] for s in fig["series"]), sorted(want))
        for s in fig["series"]:
            self.assertEqual(list(zip(s["x"], s["y"])), sorted(want[s["label"]]))
        # a failed point is not drawn
        with open(self.sweep, newline="") as f:
            failed = sum(1 for r in csv.DictReader(f) if r["status"] != "ok")
        self.assertEqual(sum(len(s["x"]) for s in fig["series"]), 6 - failed)

    def test_breakdown_stacks_each_dies_stage_seconds(self):
        fig, svg = draw("breakdown", self.run_dir)
        with open(os.path.join(self.run_dir, "stats.csv"), newline="") as f:
            dies = [r for r in csv.DictReader(f) if r["kind"] == "die"]
        self.assertEqual([s["label"] for s in fig["series"]],
                         ["compute", "memory", "optimizer", "network", "pipeline bubble"])
        for s, col in zip(fig["series"], ["compute_s", "memory_s", "optimizer_s", "network_s",
                                          "pipeline_bubble_s"]):
            self.assertEqual(s["x"], [f"{d['rank']}/{d['stage']}" for d in dies])
            self.assertEqual(s["y"], [float(d[col]) for d in dies])
        # a bar per die and stage in the picture (beside the frame, spines and legend)
        self.assertGreaterEqual(svg_groups(svg, "patch_"), 5 * len(dies))

    def test_timeline_every_counter_of_the_trace(self):
        fig, _ = draw("timeline", os.path.join(self.run_dir, "trace.json"))
        with open(os.path.join(self.run_dir, "trace.json")) as f:
            trace = json.load(f)
        events = trace["traceEvents"] if isinstance(trace, dict) else trace
        want = {}
        for e in events:
            if e.get("ph") == "C":
                (value,) = e["args"].values()
                want.setdefault(e["name"], []).append((e["ts"] * 1e-6, value))
        self.assertGreater(len(want), 0)
        self.assertEqual(sorted(s["label"] for s in fig["series"]), sorted(want))
        for s in fig["series"]:
            self.assertEqual(len(s["x"]), len(want[s["label"]]))
            for (x, y), (wx, wy) in zip(zip(s["x"], s["y"]), want[s["label"]]):
                self.assertAlmostEqual(x, wx, places=12)
                self.assertEqual(y, wy)

    def test_front_points_by_fidelity_and_the_front_in_order(self):
        folder = os.path.join(TMP, "explore")
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "evaluations.csv"), "w") as f:
            f.write("point,tp,fidelity,status,feasible,iteration_time_s,peak_memory_bytes,wall_s,error\n"
                    "0,1,analytic,ok,1,2.0,10,0.001,\n"
                    "1,2,analytic,ok,1,1.5,20,0.001,\n"
                    "2,4,analytic,error,0,,,0.001,does not fit\n"
                    "0,1,simulated,ok,1,2.2,11,1.0,\n"
                    "1,2,simulated,ok,1,1.4,21,1.0,\n")
        with open(os.path.join(folder, "front.csv"), "w") as f:
            f.write("point,tp,iteration_time_s,peak_memory_bytes\n1,2,1.4,21\n0,1,2.2,11\n")
        fig, svg = draw("front", folder)
        self.assertEqual((fig["x"], fig["y"]), ("iteration_time_s", "peak_memory_bytes"))
        series = {s["label"]: s for s in fig["series"]}
        self.assertEqual(sorted(series), ["analytic (2)", "front (2)", "simulated (2)"])
        self.assertEqual((series["analytic (2)"]["x"], series["analytic (2)"]["y"]), ([2.0, 1.5], [10, 20]))
        self.assertEqual((series["simulated (2)"]["x"], series["simulated (2)"]["y"]), ([2.2, 1.4], [11, 21]))
        self.assertEqual((series["front (2)"]["x"], series["front (2)"]["y"]), ([1.4, 2.2], [21, 11]))
        self.assertGreaterEqual(svg_groups(svg, "line2d_"), 3)

    def test_bad_input_is_refused_naming_what_is_wrong(self):
        out = os.path.join(TMP, "bad.png")
        r = run("plot", "sweep", self.sweep, "--y", "no_such_metric", "-o", out)
        self.assertEqual(r.returncode, 1)
        self.assertIn("no metric 'no_such_metric'", r.stderr)
        self.assertIn(self.sweep, r.stderr)
        r = run("plot", "sweep", self.sweep, "--x", "workload.nope", "--y", "mfu", "-o", out)
        self.assertEqual(r.returncode, 1)
        self.assertIn("no parameter 'workload.nope'", r.stderr)
        r = run("plot", "breakdown", os.path.join(TMP, "missing"), "-o", out)
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot read", r.stderr)
        r = run("plot", "timeline", self.sweep, "-o", out)
        self.assertEqual(r.returncode, 1)
        self.assertIn("not JSON", r.stderr)
        r = run("plot", "sweep", self.sweep, "--y", "mfu", "-o", os.path.join(TMP, "x.pdf"))
        self.assertEqual(r.returncode, 2)
        self.assertIn(".png or .svg", r.stderr)
        r = run("plot", "sweep", self.sweep, "--y", "mfu")  # -o is required
        self.assertEqual(r.returncode, 2)
        self.assertFalse(os.path.exists(out))


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
