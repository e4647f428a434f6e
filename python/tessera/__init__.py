"""Tessera from Python: a ctypes binding of the C API (include/tessera/tessera.h).

    import tessera
    with tessera.Job("platforms/default.xml", "workloads/default.xml",
                     {"workload.micro-batch": "2"}) as job:
        sim = job.evaluate()                       # simulated (a child process)
        est = job.estimate("results/calibration/default.cal")   # analytical model
        print(sim.metric("iteration_time_s"), est.metric("iteration_time_s"))

The library is libtessera.so: $TESSERA_LIB when set, else the build folder beside this
package (build/libtessera.so), else the system's library path. Errors raise TesseraError
with the library's status and its file:line messages. Nothing here simulates: every
figure comes from the C library.
"""
import ctypes
import ctypes.util
import json
import os

__all__ = ["TesseraError", "Job", "Evaluation", "Space", "metric_names", "version", "FIDELITIES",
           "MEMORY_FIDELITIES"]

FIDELITIES = {"packet": 0, "flow": 1, "flit": 2, "mixed": 3}
MEMORY_FIDELITIES = {"rate": 0, "burst": 1, "cycle": 2}
_API_VERSION = 7


class TesseraError(Exception):
    """A failed library call: .status is the TESS_E* code, .message the library's text."""

    def __init__(self, status, message):
        super().__init__(message or f"tessera status {status}")
        self.status = status
        self.message = message


class _EvalOptions(ctypes.Structure):
    _fields_ = [("api_version", ctypes.c_uint), ("time_limit_s", ctypes.c_double), ("fidelity", ctypes.c_int),
                ("symmetry", ctypes.c_int), ("memory_fidelity", ctypes.c_int)]


def _load():
    chosen = os.environ.get("TESSERA_LIB")
    if chosen:  # the user's choice, or an error: never another library in its place
        if not os.path.exists(chosen):
            raise OSError(f"TESSERA_LIB={chosen}: no such file (unset it to use the build's library)")
        return ctypes.CDLL(chosen)
    candidates = []
    here = os.path.dirname(os.path.abspath(__file__))
    candidates.append(os.path.join(here, "..", "..", "build", "libtessera.so"))
    found = ctypes.util.find_library("tessera")
    if found:
        candidates.append(found)
    for path in candidates:
        if os.path.exists(path) or path == found:
            return ctypes.CDLL(path)
    raise OSError("libtessera.so not found: build it (scripts/build.sh) or set TESSERA_LIB")


_lib = _load()
_c = ctypes
_P = _c.c_void_p
_S = _c.c_char_p
_sig = {
    "tess_version": (_S, []),
    "tess_strerror": (_S, [_c.c_int]),
    "tess_free": (None, [_P]),
    "tess_job_open": (_c.c_int, [_S, _S, _P, _c.c_size_t, _c.POINTER(_P), _c.POINTER(_P)]),
    "tess_job_open_xml": (_c.c_int, [_S, _S, _S, _P, _c.c_size_t, _c.POINTER(_P), _c.POINTER(_P)]),
    "tess_job_close": (None, [_P]),
    "tess_evaluate": (_c.c_int, [_P, _c.POINTER(_EvalOptions), _c.POINTER(_P), _c.POINTER(_P)]),
    "tess_estimate": (_c.c_int, [_P, _S, _c.POINTER(_P), _c.POINTER(_P)]),
    "tess_estimate_memory": (_c.c_int, [_P, _S, _c.c_int, _c.POINTER(_P), _c.POINTER(_P)]),
    "tess_metric": (_c.c_int, [_P, _S, _c.POINTER(_c.c_double)]),
    "tess_metric_name": (_S, [_c.c_size_t]),
    "tess_report_json": (_S, [_P]),
    "tess_evaluation_free": (None, [_P]),
    "tess_space_open": (_c.c_int, [_S, _c.POINTER(_P), _c.POINTER(_P)]),
    "tess_space_close": (None, [_P]),
    "tess_space_text": (_S, [_P, _S]),
    "tess_space_points": (_c.c_size_t, [_P]),
    "tess_space_params": (_c.c_size_t, [_P]),
    "tess_space_param": (_S, [_P, _c.c_size_t]),
    "tess_space_value": (_S, [_P, _c.c_size_t, _c.c_size_t]),
    "tess_space_keeps": (_c.c_int, [_P, _c.c_size_t, _c.POINTER(_P)]),
    "tess_space_choices": (_c.c_size_t, [_P, _c.c_size_t]),
    "tess_space_choice": (_S, [_P, _c.c_size_t, _c.c_size_t]),
    "tess_space_find_point": (_c.c_size_t, [_P, _c.POINTER(_S)]),
    "tess_space_objectives": (_c.c_size_t, [_P]),
    "tess_space_objective": (_S, [_P, _c.c_size_t, _c.POINTER(_c.c_int)]),
    "tess_space_limits": (_c.c_size_t, [_P]),
    "tess_space_limit": (_S, [_P, _c.c_size_t, _c.POINTER(_c.c_double), _c.POINTER(_c.c_double)]),
    "tess_space_budget": (_c.c_uint, [_P]),
    "tess_space_time_limit": (_c.c_double, [_P]),
    "tess_space_memory_fidelity": (_c.c_int, [_P]),
}
for _name, (_res, _args) in _sig.items():
    _f = getattr(_lib, _name)
    _f.restype = _res
    _f.argtypes = _args


def _text(b):
    return b.decode() if b is not None else None


def _open(obj):
    """The object's library handle, or TesseraError when it has been closed."""
    h = getattr(obj, "_h", None)
    if not h:
        raise TesseraError(-1, f"this {type(obj).__name__} is closed")
    return h


def _check(status, error):
    """Raises TesseraError for a non-zero status, taking (and freeing) the message."""
    message = None
    if error.value:
        message = ctypes.string_at(error.value).decode(errors="replace")
        _lib.tess_free(error)
    if status != 0:
        raise TesseraError(status, message or _text(_lib.tess_strerror(status)))


def _overrides(overrides):
    """dict {name: value} or an iterable of "name=value" -> (C array, count, keepalive)."""
    if not overrides:
        return None, 0, None
    items = [f"{k}={v}" for k, v in overrides.items()] if isinstance(overrides, dict) else list(overrides)
    arr = (_S * len(items))(*[s.encode() for s in items])
    return ctypes.cast(arr, _P), len(items), arr


def version():
    return _text(_lib.tess_version())


def metric_names():
    """Every name Evaluation.metric reads."""
    names, i = [], 0
    while True:
        n = _lib.tess_metric_name(i)
        if n is None:
            return names
        names.append(n.decode())
        i += 1


class Evaluation:
    """One evaluation's figures: simulated (Job.evaluate) or analytic (Job.estimate)."""

    def __init__(self, handle):
        self._h = _P(handle)

    def metric(self, name):
        v = ctypes.c_double()
        if _lib.tess_metric(_open(self), name.encode(), ctypes.byref(v)) != 0:
            raise TesseraError(-1, f"no metric named '{name}' (metrics: {', '.join(metric_names())})")
        return v.value

    def metrics(self):
        return {n: self.metric(n) for n in metric_names()}

    @property
    def report_json(self):
        return _text(_lib.tess_report_json(_open(self)))

    @property
    def report(self):
        return json.loads(self.report_json)

    @property
    def fidelity(self):
        return self.report["fidelity"]

    def close(self):
        if getattr(self, "_h", None):
            _lib.tess_evaluation_free(self._h)
            self._h = None

    def __del__(self):
        self.close()


class Job:
    """A platform and a workload with overrides, parsed and validated (bad input raises
    here, with file:line messages)."""

    def __init__(self, platform, workload, overrides=None, *, _handle=None):
        if _handle is not None:
            self._h = _handle
            return
        h, err = _P(), _P()
        arr, n, keep = _overrides(overrides)
        st = _lib.tess_job_open(platform.encode(), workload.encode(), arr, n, ctypes.byref(h), ctypes.byref(err))
        del keep
        _check(st, err)
        self._h = h

    @classmethod
    def from_xml(cls, platform_xml, workload_xml, model_xml=None, overrides=None):
        h, err = _P(), _P()
        arr, n, keep = _overrides(overrides)
        st = _lib.tess_job_open_xml(platform_xml.encode(), workload_xml.encode(),
                                    model_xml.encode() if model_xml else None, arr, n, ctypes.byref(h),
                                    ctypes.byref(err))
        del keep
        _check(st, err)
        return cls(None, None, _handle=h)

    def evaluate(self, fidelity="mixed", time_limit_s=0.0, symmetry=False, memory_fidelity="burst"):
        """Simulates one iteration in a child process (thread-safe: threads run at once);
        time_limit_s: the child is killed past it (0: the default, TESSERA_CHILD_TIME_LIMIT
        or 6 hours); symmetry: simulate one data-parallel replica and mirror the others;
        memory_fidelity: "burst" (the default: DMA over the network to each die's memory,
        queued at its controller), "rate" (constant DMA rates) or "cycle" (burst's traffic
        served by each memory's DRAM model: slow, the reference), as `tessera run
        --memory-fidelity`."""
        if fidelity not in FIDELITIES:
            raise ValueError(f"fidelity must be one of {', '.join(FIDELITIES)}")
        if memory_fidelity not in MEMORY_FIDELITIES:
            raise ValueError(f"memory_fidelity must be one of {', '.join(MEMORY_FIDELITIES)}")
        opt = _EvalOptions(_API_VERSION, float(time_limit_s), FIDELITIES[fidelity], 1 if symmetry else 0,
                           MEMORY_FIDELITIES[memory_fidelity])
        ev, err = _P(), _P()
        _check(_lib.tess_evaluate(_open(self), ctypes.byref(opt), ctypes.byref(ev), ctypes.byref(err)), err)
        return Evaluation(ev.value)

    def estimate(self, calibration=None, memory_fidelity="burst"):
        """The analytical model (microseconds); calibration: a `tessera calibrate` file;
        memory_fidelity: the memory view, as `tessera estimate --memory-fidelity` (burst by
        default)."""
        if memory_fidelity not in MEMORY_FIDELITIES:
            raise ValueError(f"memory_fidelity must be one of {', '.join(MEMORY_FIDELITIES)}")
        ev, err = _P(), _P()
        cal = calibration.encode() if calibration else None
        _check(_lib.tess_estimate_memory(_open(self), cal, MEMORY_FIDELITIES[memory_fidelity],
                                         ctypes.byref(ev), ctypes.byref(err)), err)
        return Evaluation(ev.value)

    def close(self):
        if getattr(self, "_h", None):
            _lib.tess_job_close(self._h)
            self._h = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()


class Space:
    """A design space file (spaces/README.md): its job, points, objectives, limits and budget.

    Nothing is enumerated: `size` is the number of point ids (the grid's points, the first
    param slowest, then the listed points; up to 1e15), `point(i)` a point's values,
    `kept(i)` whether the constraints keep it (they drop points without renumbering the
    others), `kept_points()` the kept ids in order, `choices[param]` the values a
    parameter takes, `find(values)` the id of a point by its values."""

    def __init__(self, path):
        h, err = _P(), _P()
        _check(_lib.tess_space_open(path.encode(), ctypes.byref(h), ctypes.byref(err)), err)
        self._h = h
        t = lambda k: _text(_lib.tess_space_text(h, k.encode()))
        self.path = path
        self.name, self.platform, self.workload = t("name"), t("platform"), t("workload")
        self.calibration = t("calibration") or None
        self.params = [_text(_lib.tess_space_param(h, i)) for i in range(_lib.tess_space_params(h))]
        self.size = _lib.tess_space_points(h)
        self.choices = {p: [_text(_lib.tess_space_choice(h, i, k)) for k in range(_lib.tess_space_choices(h, i))]
                        for i, p in enumerate(self.params)}
        self.objectives = []
        for i in range(_lib.tess_space_objectives(h)):
            mx = ctypes.c_int()
            name = _text(_lib.tess_space_objective(h, i, ctypes.byref(mx)))
            self.objectives.append((name, bool(mx.value)))
        self.limits = []  # (metric, min, max): a point whose evaluation breaks one is infeasible
        for i in range(_lib.tess_space_limits(h)):
            lo, hi = ctypes.c_double(), ctypes.c_double()
            name = _text(_lib.tess_space_limit(h, i, ctypes.byref(lo), ctypes.byref(hi)))
            self.limits.append((name, lo.value, hi.value))
        self.budget = _lib.tess_space_budget(h) or None
        self.time_limit_s = _lib.tess_space_time_limit(h)
        self.memory_fidelity = {v: k for k, v in MEMORY_FIDELITIES.items()}[_lib.tess_space_memory_fidelity(h)]

    def _id(self, point):
        if not 0 <= point < self.size:
            raise IndexError(f"{self.path}: no point {point} (ids 0 to {self.size - 1})")
        return point

    def point(self, point):
        """A point's values {param: text}, "" where it leaves a parameter unset."""
        h, i = _open(self), self._id(point)
        return {p: _text(_lib.tess_space_value(h, i, k)) for k, p in enumerate(self.params)}

    def kept(self, point):
        """Whether every constraint holds at the point (TesseraError when one cannot be evaluated)."""
        h, i, err = _open(self), self._id(point), _P()
        r = _lib.tess_space_keeps(h, i, ctypes.byref(err))
        _check(min(r, 0), err)
        return r == 1

    def kept_points(self):
        """The ids the constraints keep, in order (a scan: as long as the space is)."""
        return (i for i in range(self.size) if self.kept(i))

    def find(self, values):
        """The id of the point with these values ({param: text}, missing = unset), or None."""
        h = _open(self)
        arr = (_S * max(1, len(self.params)))(*[str(values.get(p, "")).encode() for p in self.params])
        i = _lib.tess_space_find_point(h, arr)
        return None if i == ctypes.c_size_t(-1).value else i

    def overrides(self, point):
        """The point's overrides (the names it sets) as "name=value" strings."""
        return [f"{k}={v}" for k, v in self.point(point).items() if v != ""]

    def open_job(self, point):
        return Job(self.platform, self.workload, self.overrides(point))

    def close(self):
        if getattr(self, "_h", None):
            _lib.tess_space_close(self._h)
            self._h = None

    def __del__(self):
        self.close()
