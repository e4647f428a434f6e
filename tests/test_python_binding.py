#!/usr/bin/python3
"""The Python binding (python/tessera) is safe to misuse: every method of a closed Job,
Evaluation or Space raises TesseraError instead of crashing the interpreter; objects
outlive each other in any order and under garbage collection; TESSERA_LIB naming a
missing file is an error, not a silent fallback to another library.

  test_python_binding.py SOURCE_DIR      (TESSERA_LIB: libtessera.so)

Issue 25 reproduction: calling a Job method after close() segfaulted the interpreter.
"""
import gc
import os
import subprocess
import sys
import unittest

ROOT = sys.argv[1]
sys.path.insert(0, os.path.join(ROOT, "python"))
import tessera  # noqa: E402

PLATFORM = os.path.join(ROOT, "platforms", "default.xml")
WORKLOAD = os.path.join(ROOT, "workloads", "default.xml")
SPACE = os.path.join(ROOT, "spaces", "default-sweep.xml")


class ClosedObjectsRaise(unittest.TestCase):
    def test_job_methods_after_close(self):
        job = tessera.Job(PLATFORM, WORKLOAD)
        job.close()
        job.close()  # twice is harmless
        for call in (job.evaluate, job.estimate, lambda: job.evaluate("packet")):
            with self.assertRaises(tessera.TesseraError) as ctx:
                call()
            self.assertIn("closed", str(ctx.exception))

    def test_evaluation_methods_after_close(self):
        with tessera.Job(PLATFORM, WORKLOAD) as job:
            ev = job.estimate()
        t = ev.metric("iteration_time_s")
        self.assertGreater(t, 0)
        ev.close()
        for call in (lambda: ev.metric("iteration_time_s"), ev.metrics, lambda: ev.report_json,
                     lambda: ev.report, lambda: ev.fidelity):
            with self.assertRaises(tessera.TesseraError):
                call()

    def test_space_methods_after_close(self):
        space = tessera.Space(SPACE)
        self.assertGreater(space.size, 0)
        space.close()
        for call in (lambda: space.overrides(0), lambda: space.open_job(0), lambda: space.point(0),
                     lambda: space.kept(0), lambda: space.find({})):
            with self.assertRaises(tessera.TesseraError):
                call()


class Lifetimes(unittest.TestCase):
    def test_an_evaluation_outlives_its_job(self):
        job = tessera.Job(PLATFORM, WORKLOAD)
        ev = job.estimate()
        expected = ev.metric("tokens_per_s")
        del job
        gc.collect()
        self.assertEqual(ev.metric("tokens_per_s"), expected)
        self.assertEqual(ev.report["fidelity"], "analytic")

    def test_collection_in_any_order(self):
        for order in range(4):
            job = tessera.Job(PLATFORM, WORKLOAD)
            evs = [job.estimate() for _ in range(3)]
            objs = [job] + evs
            if order % 2:
                objs.reverse()
            if order >= 2:
                objs[0].close()
            del job, evs
            while objs:
                objs.pop(0)
                gc.collect()

    def test_reference_cycles_are_collected_cleanly(self):
        job = tessera.Job(PLATFORM, WORKLOAD)
        ev = job.estimate()
        job.me, ev.me, job.ev, ev.job = job, ev, ev, job  # cycles through both
        del job, ev
        self.assertGreaterEqual(gc.collect(), 2)


class MemoryFidelity(unittest.TestCase):
    def test_burst_is_the_default_and_rate_reaches_the_report(self):
        with tessera.Job(PLATFORM, WORKLOAD) as job:
            burst = job.evaluate("packet").report
            rate = job.evaluate("packet", memory_fidelity="rate").report
            with self.assertRaises(ValueError):
                job.evaluate(memory_fidelity="cycle-by-cycle")
        self.assertEqual(rate["memory_fidelity"], "rate")
        self.assertNotIn("memories", rate)
        self.assertEqual(burst["memory_fidelity"], "burst")
        # the default platform's 8 edge stacks each serve the dies nearest them
        self.assertEqual(len(burst["memories"]), 8)
        self.assertEqual(sum(m["n_dies"] for m in burst["memories"]), 16)

    def test_estimate_takes_the_burst_view_too(self):
        # the analytical model at burst (the default) follows the default platform's DMA
        # through its 64 GB/s mesh links, where rate gives each die 8 x 819 / 16 = 410 GB/s
        # of peak: over twice the rate view, as in the simulation
        with tessera.Job(PLATFORM, WORKLOAD) as job:
            rate = job.estimate(memory_fidelity="rate")
            burst = job.estimate()
            again = job.estimate(memory_fidelity="burst")  # the view is found once
        self.assertEqual(burst.report["memory_fidelity"], "burst")
        self.assertEqual(rate.report["memory_fidelity"], "rate")
        self.assertGreater(burst.metric("iteration_time_s"), 2 * rate.metric("iteration_time_s"))
        self.assertEqual(burst.metric("iteration_time_s"), again.metric("iteration_time_s"))

    def test_a_space_says_its_memory_fidelity(self):
        space = tessera.Space(SPACE)  # says none: burst, the default
        self.assertEqual(space.memory_fidelity, "burst")
        space.close()


class LibraryChoice(unittest.TestCase):
    def test_missing_tessera_lib_is_an_error(self):
        env = dict(os.environ, TESSERA_LIB="/nonexistent/libtessera.so", PYTHONPATH=os.path.join(ROOT, "python"))
        r = subprocess.run([sys.executable, "-c", "import tessera"], env=env, capture_output=True, text=True)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("TESSERA_LIB=/nonexistent/libtessera.so", r.stderr)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=2)
