"""tessera explore: multi-objective, multi-fidelity search of a design space.

    tessera explore SPACE [--budget N] [--seed S] [-j N] [-o DIR] [--screen N]
                          [--calibration FILE]

1. Screen (analytical model, microseconds a point): an Optuna study over the space's
   parameters with the NSGA-II sampler (seeded) evaluates points with the calibrated
   analytical model (tessera estimate). When the space has no more points than the
   screening budget (--screen, default 50 x budget and at least 200), every point is
   queued into the study, so the screen is exhaustive; otherwise NSGA-II chooses which
   points to estimate, generation after generation until it has estimated --screen
   distinct points (revisits cost nothing: results are cached) or run 5 x --screen trials. A suggestion that is not a point of the space (a constraint
   dropped it, or the grid has no such combination), whose job is invalid (does not
   fit memory, an impossible split) or whose estimate breaks a <limit> is infeasible
   (Optuna's constraints).
2. Decide (simulator, seconds a point): the screened points are sorted into
   non-dominated layers by their analytical objectives; layers are simulated in order
   (within a layer, extremes first: largest crowding distance), up to --budget
   simulator runs, -j at once.
3. Report: DIR/evaluations.csv (every evaluation with its fidelity, `analytic` or
   `simulated`), DIR/front.csv (the Pareto front of the simulated points: only simulated,
   successful points of the space, so none violates a constraint) and DIR/front.svg
   (the first two objectives; one objective: value against point). A simulated point
   that breaks a <limit> is recorded (feasible = 0) but never on the front.

Why Optuna: Debian ships it (python3-optuna), its NSGA-II sampler handles several
objectives and constraints, and it is seeded for reproducible studies; this module only
glues it to the C library through the ctypes binding.
"""
import argparse
import concurrent.futures
import csv
import math
import os
import sys
import time

import warnings

import tessera

SCAN = 1_000_000  # spaces of up to this many point ids are scanned for their kept points

try:
    import optuna
except ImportError:  # pragma: no cover - install-deps installs it
    optuna = None


class ExploreError(Exception):
    pass


def _minimised(values, objectives):
    """Objective values as a vector to minimise (maximised ones negated)."""
    return tuple(-v if mx else v for v, (_, mx) in zip(values, objectives))


def dominates(a, b):
    return all(x <= y for x, y in zip(a, b)) and any(x < y for x, y in zip(a, b))


def nondominated_layers(vectors):
    """Indices of vectors (dict id -> tuple to minimise) in non-dominated layers."""
    left = dict(vectors)
    layers = []
    while left:
        layer = [i for i, v in left.items() if not any(dominates(w, v) for j, w in left.items() if j != i)]
        layers.append(sorted(layer))
        for i in layer:
            del left[i]
    return layers


def crowding_order(layer, vectors):
    """The layer's ids by decreasing crowding distance (NSGA-II's), ties by id."""
    if len(layer) < 3:
        return list(layer)
    dist = {i: 0.0 for i in layer}
    k = len(vectors[layer[0]])
    for m in range(k):
        s = sorted(layer, key=lambda i: (vectors[i][m], i))
        lo, hi = vectors[s[0]][m], vectors[s[-1]][m]
        dist[s[0]] = dist[s[-1]] = math.inf
        for a, b, c in zip(s, s[1:], s[2:]):
            if hi > lo:
                dist[b] += (vectors[c][m] - vectors[a][m]) / (hi - lo)
    return sorted(layer, key=lambda i: (-dist[i], i))


def check_params(space):
    """Every parameter names something the platform or workload has: the job opens with
    that parameter alone, or fails for another reason than its name."""
    try:
        tessera.Job(space.platform, space.workload).close()
    except tessera.TesseraError as e:
        raise ExploreError(f"{space.path}: the space's job does not open: {e.message}")
    for name in space.params:
        value = next((v for v in space.choices[name] if v != ""), None)
        if value is None:
            continue
        try:
            tessera.Job(space.platform, space.workload, [f"{name}={value}"]).close()
        except tessera.TesseraError as e:
            if f"--set {name}:" in (e.message or ""):
                raise ExploreError(f"{space.path}: <param name=\"{name}\">: {e.message.strip()}")


class Explorer:
    def __init__(self, space_path, budget=None, seed=0, jobs=1, screen=None, calibration=None, log=None):
        self.space = tessera.Space(space_path)
        self.log = log or (lambda s: None)
        if not self.space.objectives:
            raise ExploreError(f"{space_path}: the space has no <objective> to explore for")
        self.budget = budget or self.space.budget
        if not self.budget or self.budget < 1:
            raise ExploreError(f"{space_path}: no budget: give --budget N or <space budget=\"N\">")
        self.calibration = calibration or self.space.calibration
        if self.calibration and not os.path.exists(self.calibration):
            raise ExploreError(f"{space_path}: calibration file '{self.calibration}' cannot be read")
        self.seed, self.jobs = seed, max(1, jobs)
        self.screen = screen or max(50 * self.budget, 200)
        self.metrics = [m for m, _ in self.space.objectives]
        self.limited = [m for m, _, _ in self.space.limits if m not in self.metrics]
        self.rows = []  # every evaluation: dict
        self.analytic = {}  # point -> minimised vector, or None (infeasible)
        self.simulated = {}  # point -> minimised vector, or None (failed)
        check_params(self.space)

    # -- evaluations -------------------------------------------------------------
    def feasible(self, ev):
        """Whether an evaluation keeps every <limit> of the space."""
        return all(lo <= ev.metric(m) <= hi for m, lo, hi in self.space.limits)

    def _row(self, point, fidelity, values=None, error="", wall=0.0, feasible=None):
        row = {"point": point, **self.space.point(point), "fidelity": fidelity,
               "status": "ok" if values is not None else "error",
               "feasible": "" if feasible is None else int(feasible)}
        cols = self.metrics + self.limited
        for m, v in zip(cols, values or [None] * len(cols)):
            row[m] = "" if v is None else f"{v:.9g}"
        row["wall_s"] = f"{wall:.6f}"
        row["error"] = error.replace("\n", "; ").strip("; ")
        self.rows.append(row)

    def estimate(self, point):
        if point in self.analytic:
            return self.analytic[point]
        t0 = time.perf_counter()
        try:
            with self.space.open_job(point) as job:
                ev = job.estimate(self.calibration, memory_fidelity=self.space.memory_fidelity)
                values = [ev.metric(m) for m in self.metrics + self.limited]
                ok = self.feasible(ev)
                ev.close()
            self.analytic[point] = _minimised(values, self.space.objectives) if ok else None
            self._row(point, "analytic", values, wall=time.perf_counter() - t0, feasible=ok)
        except tessera.TesseraError as e:
            self.analytic[point] = None
            self._row(point, "analytic", None, e.message or str(e), time.perf_counter() - t0)
        return self.analytic[point]

    def _simulate(self, point):
        t0 = time.perf_counter()
        try:
            with self.space.open_job(point) as job:
                ev = job.evaluate(time_limit_s=self.space.time_limit_s,
                                  memory_fidelity=self.space.memory_fidelity)
                values = [ev.metric(m) for m in self.metrics + self.limited]
                ok = self.feasible(ev)
                ev.close()
            return point, values, "", time.perf_counter() - t0, ok
        except tessera.TesseraError as e:
            return point, None, e.message or str(e), time.perf_counter() - t0, None

    # -- the search ----------------------------------------------------------------
    def screen_points(self):
        """Phase 1: an Optuna NSGA-II study on the analytical model."""
        params = self.space.params
        choices = {p: sorted(self.space.choices[p], key=_natural) for p in params}
        directions = ["maximize" if mx else "minimize" for _, mx in self.space.objectives]
        worst = [(-1e300 if mx else 1e300) for _, mx in self.space.objectives]
        with warnings.catch_warnings():  # constraints_func is "experimental" in Optuna 3.1
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            sampler = optuna.samplers.NSGAIISampler(seed=self.seed,
                                                    constraints_func=lambda t: t.user_attrs["violation"])
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        study = optuna.create_study(directions=directions, sampler=sampler)
        # A space is never enumerated whole: one of up to SCAN ids is scanned for the points
        # its constraints keep (an exhaustive screen when they are few enough); a larger one
        # is searched by NSGA-II alone, each suggestion looked up by its values.
        kept = list(self.space.kept_points()) if self.space.size <= SCAN else None
        n = len(kept) if kept is not None else self.space.size
        exhaustive = kept is not None and n <= self.screen
        if exhaustive:
            for i in kept:
                study.enqueue_trial(self.space.point(i))

        def objective(trial):
            values = {p: trial.suggest_categorical(p, choices[p]) for p in params}
            point = self.space.find(values)
            try:
                if point is not None and not self.space.kept(point):
                    point = None  # a constraint drops it
            except tessera.TesseraError as e:
                raise ExploreError(e.message.strip())
            vec = self.estimate(point) if point is not None else None
            trial.set_user_attr("violation", [0.0 if vec is not None else 1.0])
            if vec is None:
                return worst
            return [(-v if mx else v) for v, (_, mx) in zip(vec, self.space.objectives)]

        if exhaustive:
            study.optimize(objective, n_trials=n)
        else:  # NSGA-II revisits points (free: cached); run until `screen` distinct points
            trials = 0
            while len(self.analytic) < self.screen and trials < 5 * self.screen:
                study.optimize(objective, n_trials=50)
                trials += 50
        feasible = sum(v is not None for v in self.analytic.values())
        of = f"{n} points" if kept is not None else f"{n} point ids (constraints not counted)"
        self.log(f"screened {len(self.analytic)} of {of} with the analytical model "
                 f"({'every point' if exhaustive else f'NSGA-II, {len(study.trials)} trials'}); {feasible} feasible")

    def decide(self):
        """Phase 2: simulate the analytical model's non-dominated layers, in order."""
        vectors = {i: v for i, v in self.analytic.items() if v is not None}
        order = []
        for layer in nondominated_layers(vectors):
            order += crowding_order(layer, vectors)
        chosen = order[: self.budget]
        with concurrent.futures.ThreadPoolExecutor(max_workers=self.jobs) as pool:
            for k, (point, values, error, wall, ok) in enumerate(pool.map(self._simulate, chosen), 1):
                self.simulated[point] = _minimised(values, self.space.objectives) if values and ok else None
                self._row(point, "simulated", values, error, wall, ok)
                # progress, one line per simulation: which point, its figures or its error
                if values:
                    shown = ", ".join(f"{m} {v:.4g}" for (m, _), v in zip(self.space.objectives, values))
                    shown += "" if ok else ", breaks a limit"
                else:
                    shown = f"failed: {error}"
                self.log(f"simulated {k}/{len(chosen)}: point {point} ({shown}; {wall:.2f} s)")
        self.log(f"simulated {len(chosen)} points (budget {self.budget})")

    def front(self):
        ok = {i: v for i, v in self.simulated.items() if v is not None}
        layers = nondominated_layers(ok)
        return layers[0] if layers else []

    def run(self):
        if optuna is None:
            raise ExploreError("python3-optuna is not installed (scripts/install-deps.sh installs it)")
        self.screen_points()
        self.decide()
        return self.front()

    # -- outputs -------------------------------------------------------------------
    def write(self, out_dir):
        os.makedirs(out_dir, exist_ok=True)
        cols = ["point", *self.space.params, "fidelity", "status", "feasible", *self.metrics, *self.limited,
                "wall_s", "error"]
        with open(os.path.join(out_dir, "evaluations.csv"), "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=cols)
            w.writeheader()
            w.writerows(self.rows)
        front = self.front()
        sim_rows = {r["point"]: r for r in self.rows if r["fidelity"] == "simulated" and r["status"] == "ok"
                    and r["feasible"] == 1}
        with open(os.path.join(out_dir, "front.csv"), "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["point", *self.space.params, *self.metrics])
            for p in sorted(front, key=lambda i: self.simulated[i]):
                values = self.space.point(p)
                w.writerow([p, *[values[k] for k in self.space.params],
                            *[sim_rows[p][m] for m in self.metrics]])
        with open(os.path.join(out_dir, "front.svg"), "w") as f:
            f.write(self.svg(front))

    def svg(self, front):
        """Simulated points (grey), their analytical estimates (open circles) and the front
        (red) on the first two objectives (one objective: value against point id)."""
        W, H, M = 640, 440, 60
        ev = {(r["point"], r["fidelity"]): r for r in self.rows if r["status"] == "ok"}
        two = len(self.metrics) > 1

        def xy(point, fidelity):
            r = ev.get((point, fidelity))
            if r is None:
                return None
            y = float(r[self.metrics[1 if two else 0]])
            return (float(r[self.metrics[0]]) if two else float(point), y)

        pts = [(p, f, xy(p, f)) for (p, f) in ev]
        pts = [t for t in pts if t[2] is not None]
        if not pts:
            return f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}"></svg>\n'
        xs = [q[0] for _, _, q in pts]
        ys = [q[1] for _, _, q in pts]
        x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
        sx = lambda x: M + (W - 2 * M) * ((x - x0) / (x1 - x0) if x1 > x0 else 0.5)
        sy = lambda y: H - M - (H - 2 * M) * ((y - y0) / (y1 - y0) if y1 > y0 else 0.5)
        out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" '
               f'font-size="12">',
               f'<text x="{W / 2}" y="20" text-anchor="middle">{_esc(self.space.name)}: '
               f'{len(front)} points on the simulated front</text>',
               f'<line x1="{M}" y1="{H - M}" x2="{W - M}" y2="{H - M}" stroke="black"/>',
               f'<line x1="{M}" y1="{M}" x2="{M}" y2="{H - M}" stroke="black"/>',
               f'<text x="{W / 2}" y="{H - 20}" text-anchor="middle">'
               f'{_esc(self.metrics[0]) if two else "point"} ({x0:.4g} .. {x1:.4g})</text>',
               f'<text x="15" y="{H / 2}" transform="rotate(-90 15 {H / 2})" text-anchor="middle">'
               f'{_esc(self.metrics[1 if two else 0])} ({y0:.4g} .. {y1:.4g})</text>']
        for p, f, (x, y) in sorted(pts, key=lambda t: (t[0], t[1])):
            if f == "analytic":
                out.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="3" fill="none" stroke="#999"/>')
            else:
                colour = "#d62728" if p in front else "#555"
                out.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="{5 if p in front else 3}" '
                           f'fill="{colour}"><title>point {p}</title></circle>')
        out.append("</svg>\n")
        return "\n".join(out)


def _natural(v):
    try:
        return (0, float(v), v)
    except ValueError:
        return (1, 0.0, v)


def _esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="tessera explore", description=__doc__.split("\n\n")[0],
        epilog="exit status: 0 the front was written; 1 invalid input (the space, its platform or "
               "workload, an objective no report gives) or a failed study; 2 usage error")
    ap.add_argument("space")
    ap.add_argument("--budget", type=int, help="simulator runs (default: the space's budget)")
    ap.add_argument("--seed", type=int, default=0, help="NSGA-II's seed (default 0)")
    ap.add_argument("-j", type=int, default=1, dest="jobs", help="simulations at once (default 1)")
    ap.add_argument("-o", dest="out", help="output folder (default explore-SPACE-NAME)")
    ap.add_argument("--screen", type=int, help="analytical evaluations (default 50 x budget, at least 200)")
    ap.add_argument("--calibration", help="calibration file for the analytical model (default: the space's)")
    a = ap.parse_args(argv)
    if a.budget is not None and a.budget < 1:
        ap.error("--budget must be at least 1")
    if a.jobs < 1:
        ap.error("-j must be at least 1")
    if a.screen is not None and a.screen < 1:
        ap.error("--screen must be at least 1")
    t0 = time.perf_counter()
    try:
        ex = Explorer(a.space, a.budget, a.seed, a.jobs, a.screen, a.calibration,
                      log=lambda s: print(f"tessera explore: {s}", flush=True))
        front = ex.run()
        out = a.out or f"explore-{ex.space.name}"
        ex.write(out)
    except (ExploreError, tessera.TesseraError) as e:
        print(f"tessera explore: {e}", file=sys.stderr)
        return 1
    print(f"tessera explore: front of {len(front)} points; {out}/evaluations.csv, {out}/front.csv, "
          f"{out}/front.svg; {time.perf_counter() - t0:.2f} s wall")
    return 0


if __name__ == "__main__":
    sys.exit(main())
