#!/usr/bin/python3
"""The outer explorer (python/tessera/explore.py) against exhaustive simulation.

  test_explore.py TESSERA SOURCE_DIR      (TESSERA_LIB: libtessera.so)

tests/data/explore-space.xml has 198 points; every one is simulated here to know the true
Pareto front (iteration time against peak memory). For three fixed seeds the explorer,
calibrated on the same platform, must find the whole front or all but one point with at
most a quarter of the simulator runs exhaustive search needs; no point it reports may
break the space's constraints. Then bad spaces: an unknown parameter, an empty range, an
objective no report provides.
"""
import csv
import os
import subprocess
import sys
import tempfile
import time
import unittest

TESSERA, ROOT = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.join(ROOT, "python"))
import tessera  # noqa: E402
from tessera.explore import Explorer, ExploreError, nondominated_layers  # noqa: E402

SPACE = os.path.join(ROOT, "tests", "data", "explore-space.xml")
TMP = tempfile.mkdtemp(prefix="tessera-explore-")


def run(*args):
    return subprocess.run([TESSERA, *args], cwd=ROOT, capture_output=True, text=True)


def write(name, text):
    path = os.path.join(TMP, name)
    with open(path, "w") as f:
        f.write(text)
    return path


class Explore(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.space = tessera.Space(SPACE)
        cls.points = list(cls.space.kept_points())
        cls.truth = {}
        for i in cls.points:
            with cls.space.open_job(i) as job:
                ev = job.evaluate(memory_fidelity=cls.space.memory_fidelity)
                cls.truth[i] = (ev.metric("iteration_time_s"), ev.metric("peak_memory_bytes"))
                ev.close()
        cls.front = set(nondominated_layers(cls.truth)[0])
        cls.cal = os.path.join(TMP, "estimate-mesh.cal")
        r = run("calibrate", "tests/data/estimate-mesh.xml", "-o", cls.cal)
        assert r.returncode == 0, r.stdout + r.stderr

    def test_space_is_a_fair_test(self):
        self.assertGreaterEqual(len(self.points), 64)
        self.assertLessEqual(len(self.front), len(self.points) / 8)

    def test_finds_the_front_with_a_quarter_of_the_runs_for_three_seeds(self):
        quarter = len(self.points) // 4
        for seed in (1, 2, 3):
            ex = Explorer(SPACE, budget=quarter, seed=seed, jobs=2, calibration=self.cal)
            found = set(ex.run())
            runs = sum(1 for r in ex.rows if r["fidelity"] == "simulated")
            missed = self.front - found
            print(f"seed {seed}: {runs} simulator runs of {len(self.points)}, front {len(found)} points, "
                  f"true front {len(self.front)}, missed {sorted(missed)}")
            self.assertLessEqual(runs, quarter)
            self.assertLessEqual(len(missed), 1, f"seed {seed} missed {sorted(missed)}")
            # a reported point is a point of the space and keeps its constraints
            for p in found:
                v = self.space.point(p)
                tp, pp, dp = int(v["workload.tp"]), int(v["workload.pp"]), int(v["workload.dp"])
                self.assertEqual(tp * pp * dp, 16)
                self.assertTrue(tp > 1 or v["workload.sequence-parallel"] == "off")
                self.assertTrue(pp > 1 or v["workload.pipeline"] == "1f1b")
                # and its reported values are the simulator's
                self.assertEqual(ex.simulated[p], self.truth[p])

    def test_limits_make_points_infeasible_and_keep_them_off_the_front(self):
        # a memory limit that cuts the true front: the front among the points within it
        mems = sorted(self.truth[p][1] for p in self.front)
        cap = mems[len(mems) // 2]
        with open(SPACE) as f:
            text = f.read()
        text = text.replace('platform="estimate-mesh.xml"', f'platform="{ROOT}/tests/data/estimate-mesh.xml"')
        text = text.replace('workload="explore-workload.xml"', f'workload="{ROOT}/tests/data/explore-workload.xml"')
        text = text.replace("</space>", f'  <limit metric="peak_memory_bytes" max="{cap:.17g}"/>\n</space>')
        limited = write("limited.xml", text)
        within = {p: v for p, v in self.truth.items() if v[1] <= cap}
        expected = set(nondominated_layers(within)[0])
        self.assertLess(len(expected & self.front), len(self.front))  # the limit does cut the front
        ex = Explorer(limited, budget=len(self.points) // 4, seed=1, jobs=2, calibration=self.cal)
        found = set(ex.run())
        self.assertLessEqual(len(expected - found), 1, f"missed {sorted(expected - found)}")
        for p in found:
            self.assertLessEqual(self.truth[p][1], cap)
        self.assertTrue(any(r["feasible"] == 0 for r in ex.rows))

    def test_command_writes_evaluations_front_and_plot(self):
        out = os.path.join(TMP, "cli")
        r = run("explore", "tests/data/explore-space.xml", "--budget", "20", "--seed", "7", "-o", out,
                "--calibration", self.cal)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        with open(os.path.join(out, "evaluations.csv")) as f:
            rows = list(csv.DictReader(f))
        fid = [r["fidelity"] for r in rows]
        self.assertEqual(fid.count("analytic"), len(self.points))
        self.assertEqual(fid.count("simulated"), 20)
        with open(os.path.join(out, "front.csv")) as f:
            front = list(csv.DictReader(f))
        self.assertGreater(len(front), 0)
        for row in front:  # the front's figures are simulated ones
            p = int(row["point"])
            self.assertAlmostEqual(float(row["iteration_time_s"]) / self.truth[p][0], 1.0, places=6)
        with open(os.path.join(out, "front.svg")) as f:
            self.assertIn("<svg", f.read())
        # progress: a line per simulation, numbered, naming its point (issue 25)
        progress = [l for l in r.stdout.splitlines() if "tessera explore: simulated " in l and "/20: point " in l]
        self.assertEqual(len(progress), 20, r.stdout)
        self.assertIn("simulated 20/20: point ", progress[-1])

    def test_bad_spaces_are_clear_errors(self):
        head = ('<space name="bad" platform="{root}/tests/data/estimate-mesh.xml" '
                'workload="{root}/tests/data/explore-workload.xml" budget="4">\n').format(root=ROOT)
        unknown = write("unknown.xml", head + '  <param name="workload.speed" values="1 2"/>\n'
                        '  <objective metric="iteration_time_s"/>\n</space>\n')
        r = run("explore", unknown, "-o", os.path.join(TMP, "x"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("workload.speed", r.stderr)
        self.assertIn("has no attribute 'speed'", r.stderr)

        empty = write("empty.xml", head + '  <param name="workload.tp" from="8" to="2"/>\n'
                      '  <objective metric="iteration_time_s"/>\n</space>\n')
        r = run("explore", empty, "-o", os.path.join(TMP, "x"))
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"{empty}:2:", r.stderr)
        self.assertIn("from <= to", r.stderr)

        nometric = write("nometric.xml", head + '  <param name="workload.tp" values="4"/>\n'
                         '  <objective metric="happiness"/>\n</space>\n')
        with self.assertRaises(tessera.TesseraError) as e:
            tessera.Space(nometric)
        self.assertIn(f"{nometric}:3:", e.exception.message)
        self.assertIn("'happiness'", e.exception.message)
        r = run("explore", nometric, "-o", os.path.join(TMP, "x"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("happiness", r.stderr)

        badlimit = write("badlimit.xml", head + '  <param name="workload.tp" values="4"/>\n'
                         '  <objective metric="iteration_time_s"/>\n  <limit metric="speed" max="1"/>\n'
                         '  <limit metric="power_w"/>\n</space>\n')
        with self.assertRaises(tessera.TesseraError) as e:
            tessera.Space(badlimit)
        self.assertIn(f"{badlimit}:5: <limit metric=\"power_w\">: give min, max or both", e.exception.message)

        noobjective = write("noobjective.xml", head + '  <param name="workload.tp" values="4"/>\n</space>\n')
        with self.assertRaises(ExploreError) as e:
            Explorer(noobjective)
        self.assertIn("no <objective>", str(e.exception))


class HugeSpace(unittest.TestCase):
    """Issue 25: a space of 1e9 points was expanded whole before the first evaluation. Now
    nothing is enumerated: 1.8e9 point ids load in the memory of their axes, a point's values
    follow from its id (the grid's mixed radix, written out here), and the explorer searches
    it with NSGA-II, looking each suggestion up by its values."""

    AXES = [("workload.tp", ["1", "2", "4", "8", "16"]), ("workload.pp", ["1", "2", "4"]),
            ("workload.dp", ["1", "2", "4", "8", "16"]), ("workload.recompute", ["none", "selective", "full"]),
            ("workload.micro-batch", ["1", "2"]), ("workload.pipeline", ["1f1b", "gpipe"]),
            ("workload.sequence-parallel", ["off", "on"]), ("model.layers", [str(4 * k) for k in range(1, 1001)]),
            ("workload.global-batch", [str(32 * k) for k in range(1, 1001)])]

    def setUp(self):
        import resource
        body = "".join(f'  <param name="{n}" values="{" ".join(v)}"/>\n' for n, v in self.AXES[:-2])
        body += '  <param name="model.layers" from="4" to="4000" step="4"/>\n'
        body += '  <param name="workload.global-batch" from="32" to="32000" step="32"/>\n'
        self.path = write("huge.xml", f'<space name="huge" platform="{ROOT}/tests/data/estimate-mesh.xml" '
                          f'workload="{ROOT}/tests/data/explore-workload.xml" memory-fidelity="rate">\n'
                          + body + '  <constraint test="workload.tp * workload.pp * workload.dp == 16"/>\n'
                          '  <objective metric="iteration_time_s"/>\n</space>\n')
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t0 = time.perf_counter()
        self.space = tessera.Space(self.path)
        self.load_s = time.perf_counter() - t0
        self.grew_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss

    def by_hand(self, i):
        """Point i's values: the last axis varies fastest."""
        values = {}
        for name, vals in reversed(self.AXES):
            values[name] = vals[i % len(vals)]
            i //= len(vals)
        return values

    def test_ids_values_and_constraints_without_enumerating(self):
        n = 1
        for _, v in self.AXES:
            n *= len(v)
        self.assertEqual(self.space.size, n)  # 1.8e9
        self.assertGreater(n, 10**9)
        self.assertLess(self.load_s, 5.0)
        self.assertLess(self.grew_kib, 100 * 1024)
        for i in (0, 1, 999, 123456789, n // 2 + 17, n - 1):
            v = self.by_hand(i)
            self.assertEqual(self.space.point(i), v)
            self.assertEqual(self.space.find(v), i)
            tp, pp, dp = int(v["workload.tp"]), int(v["workload.pp"]), int(v["workload.dp"])
            self.assertEqual(self.space.kept(i), tp * pp * dp == 16, i)
        self.assertIsNone(self.space.find({**self.by_hand(5), "workload.tp": "3"}))
        self.assertEqual(self.space.choices["workload.recompute"], ["full", "none", "selective"])
        self.assertEqual(len(self.space.choices["model.layers"]), 1000)
        with self.assertRaises(IndexError):
            self.space.point(n)

    def test_the_explorer_searches_it_lazily(self):
        lines = []
        ex = Explorer(self.path, budget=2, seed=3, screen=30, calibration=None, log=lines.append)
        ex.screen_points()
        self.assertGreater(len(ex.analytic), 0)
        self.assertTrue(any("1800000000 point ids (constraints not counted)" in l for l in lines), lines)
        for row in ex.rows:  # every evaluated id is the point whose values the row holds, kept
            p = int(row["point"])
            v = self.by_hand(p)
            self.assertEqual({k: row[k] for k in v}, v)
            self.assertEqual(int(v["workload.tp"]) * int(v["workload.pp"]) * int(v["workload.dp"]), 16)


class Symmetry(unittest.TestCase):
    def test_binding_passes_symmetry_through(self):
        # four DGX H100 nodes, TP 8 x DP 4: the replicas (one node each, one leaf) route
        # alike, so one is simulated and three mirrored, with the full run's iteration
        over = {"nodes": "4", "workload.tp": "8", "workload.pp": "1", "workload.dp": "4",
                "workload.global-batch": "16", "model.layers": "4"}
        with tessera.Job(os.path.join(ROOT, "platforms/dgx-h100-cluster.xml"),
                         os.path.join(ROOT, "workloads/default.xml"), over) as job:
            full, mirrored = job.evaluate(), job.evaluate(symmetry=True)
            self.assertEqual(full.report["symmetry"]["simulated_replicas"], 4)
            self.assertEqual(mirrored.report["symmetry"]["simulated_replicas"], 1)
            self.assertAlmostEqual(mirrored.metric("iteration_time_s") / full.metric("iteration_time_s"), 1.0,
                                   delta=1e-9)
            full.close()
            mirrored.close()


class ReadmeExample(unittest.TestCase):
    def test_the_readme_python_example_runs(self):
        with open(os.path.join(ROOT, "docs", "python.md")) as f:
            text = f.read()
        start = text.index("```python") + len("```python")
        code = text[start:text.index("```", start)]
        r = subprocess.run(["/usr/bin/python3", "-c", code], cwd=ROOT, capture_output=True, text=True,
                           env={**os.environ})
        self.assertEqual(r.returncode, 0, r.stderr)
        first = r.stdout.split("\n")[0].split()
        self.assertEqual(first[2], "analytic")
        self.assertAlmostEqual(float(first[1]) / float(first[0]), 1.0, delta=0.10)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
