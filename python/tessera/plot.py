"""tessera plot: pictures of Tessera's outputs, drawn with matplotlib (Debian's
python3-matplotlib). Reads files only; never runs a simulation.

    tessera plot sweep CSV --y METRIC [--x PARAM] [--by PARAM] -o FILE
        a metric of a sweep (tessera sweep's CSV) against one parameter, a series per
        value of another; points whose status is not `ok` are left out
    tessera plot front DIR [--x METRIC] [--y METRIC] -o FILE
        an explore run (tessera explore -o DIR): every evaluated point, analytic (open)
        and simulated (filled), and the Pareto front of the simulated ones (a line)
    tessera plot breakdown STATS -o FILE
        one run's time per die (tessera run's DIR/stats.csv, or DIR): compute, memory,
        optimizer, network and pipeline-bubble seconds stacked, a bar per die, labelled
        with its rank and pipeline stage
    tessera plot timeline TRACE -o FILE
        every counter of a trace (tessera run --trace's DIR/trace.json, or DIR) over
        time: a link class's (or memory's) busy share, window by window

FILE ends in .png or .svg. The series drawn are also written into the file, as JSON in its
`Description` metadata (PNG text chunk, SVG Dublin Core description):
{"kind", "title", "x", "y", "series": [{"label", "x": [...], "y": [...]}]}, so that a
script (and the tests) can read back what a figure shows.

Exit status: 0 drawn; 1 invalid input (a missing file, column, metric or parameter: the
message names the file and what is missing); 2 usage; 3 matplotlib missing or the file
cannot be written.
"""
import argparse
import csv
import json
import os
import sys

EXIT_INPUT, EXIT_USAGE, EXIT_FAILED = 1, 2, 3
STAGES = ["compute_s", "memory_s", "optimizer_s", "network_s", "pipeline_bubble_s"]


class PlotError(Exception):
    def __init__(self, message, code=EXIT_INPUT):
        super().__init__(message)
        self.code = code


def read_csv(path):
    try:
        with open(path, newline="") as f:
            rows = list(csv.reader(f))
    except OSError as e:
        raise PlotError(f"{path}: cannot read: {e.strerror}")
    if not rows:
        raise PlotError(f"{path}: empty (no header line)")
    return rows[0], [dict(zip(rows[0], r)) for r in rows[1:] if r]


def number(text, path, line, column):
    try:
        return float(text)
    except ValueError:
        raise PlotError(f"{path}:{line}: column '{column}': '{text}' is not a number")


def require(columns, names, path, what):
    for n in names:
        if n not in columns:
            raise PlotError(f"{path}: no {what} '{n}' (it has: {', '.join(columns)})")


# -- the four figures: each returns (title, x label, y label, series, style) ---------------

def sweep_series(path, x, y, by):
    header, rows = read_csv(path)
    if "point" not in header or "status" not in header:
        raise PlotError(f"{path}: not a sweep CSV (no 'point' and 'status' columns)")
    params = header[header.index("point") + 1:header.index("status")]
    metrics = [c for c in header[header.index("status") + 1:] if c != "error"]
    x = x or (params[0] if params else None)
    if x is None:
        raise PlotError(f"{path}: the sweep has no parameter to plot against")
    require(params, [x] + ([by] if by else []), path, "parameter")
    require(metrics, [y], path, "metric")
    ok = [(i + 2, r) for i, r in enumerate(rows) if r.get("status") == "ok"]
    if not ok:
        raise PlotError(f"{path}: no point with status ok")
    numeric = all(_is_number(r[x]) for _, r in ok)
    series = {}
    for line, r in ok:
        key = r[by] if by else y
        s = series.setdefault(key, {"label": f"{by}={key}" if by else y, "x": [], "y": []})
        s["x"].append(float(r[x]) if numeric else r[x])
        s["y"].append(number(r[y], path, line, y))
    for s in series.values():
        if numeric:
            order = sorted(range(len(s["x"])), key=lambda i: s["x"][i])
            s["x"] = [s["x"][i] for i in order]
            s["y"] = [s["y"][i] for i in order]
    return (f"{y} against {x}: {path}", x, y, list(series.values()), "line")


def front_series(folder, x, y):
    ev_path = os.path.join(folder, "evaluations.csv")
    fr_path = os.path.join(folder, "front.csv")
    header, rows = read_csv(ev_path)
    require(header, ["point", "fidelity", "status", "feasible"], ev_path, "column")
    params = header[1:header.index("fidelity")]
    fheader, frows = read_csv(fr_path)
    objectives = [c for c in fheader if c != "point" and c not in params]
    if not objectives:
        raise PlotError(f"{fr_path}: no objective column")
    x = x or objectives[0]
    y = y or (objectives[1] if len(objectives) > 1 else None)
    require(objectives, [x] + ([y] if y else []), fr_path, "objective")
    series = []
    for fidelity in ("analytic", "simulated"):
        pts = [(i + 2, r) for i, r in enumerate(rows)
               if r["fidelity"] == fidelity and r["status"] == "ok"]
        series.append({
            "label": f"{fidelity} ({len(pts)})",
            "x": [number(r[x], ev_path, line, x) if y else float(r["point"]) for line, r in pts],
            "y": [number(r[y or x], ev_path, line, y or x) for line, r in pts]})
    front = sorted(((number(r[x], fr_path, i + 2, x),
                     number(r[y], fr_path, i + 2, y) if y else None, r) for i, r in enumerate(frows)),
                   key=lambda t: t[0])
    series.append({
        "label": f"front ({len(front)})",
        "x": [t[0] if y else float(t[2]["point"]) for t in front],
        "y": [t[1] if y else t[0] for t in front]})
    return (f"explore run {folder}", x if y else "point", y or x, series, "front")


def breakdown_series(path):
    if os.path.isdir(path):
        path = os.path.join(path, "stats.csv")
    header, rows = read_csv(path)
    require(header, ["kind", "name", "rank", "stage"] + STAGES, path, "column")
    dies = [(i + 2, r) for i, r in enumerate(rows) if r["kind"] == "die"]
    if not dies:
        raise PlotError(f"{path}: no die row")
    labels = [f"{r['rank']}/{r['stage']}" for _, r in dies]
    series = [{"label": s[:-2].replace("_", " "), "x": labels,
               "y": [number(r[s], path, line, s) for line, r in dies]} for s in STAGES]
    return (f"time per die: {path}", "die (rank/stage)", "seconds", series, "stack")


def timeline_series(path):
    if os.path.isdir(path):
        path = os.path.join(path, "trace.json")
    try:
        with open(path) as f:
            trace = json.load(f)
    except OSError as e:
        raise PlotError(f"{path}: cannot read: {e.strerror}")
    except json.JSONDecodeError as e:
        raise PlotError(f"{path}:{e.lineno}: not JSON: {e.msg}")
    events = trace.get("traceEvents") if isinstance(trace, dict) else trace
    if not isinstance(events, list):
        raise PlotError(f"{path}: no traceEvents list")
    series = {}
    for e in events:
        if not isinstance(e, dict) or e.get("ph") != "C":
            continue
        args = e.get("args") or {}
        for key, value in args.items():
            label = e.get("name", key) if len(args) == 1 else f"{e.get('name', '')}: {key}"
            s = series.setdefault(label, {"label": label, "x": [], "y": []})
            s["x"].append(float(e.get("ts", 0)) * 1e-6)
            s["y"].append(float(value))
    if not series:
        raise PlotError(f"{path}: no counter events (ph \"C\") to plot")
    return (f"counters over time: {path}", "time (s)", "busy share", list(series.values()), "step")


def _is_number(text):
    try:
        float(text)
        return True
    except ValueError:
        return False


# -- drawing ----------------------------------------------------------------------------

def draw(out, kind, title, xlabel, ylabel, series, style):
    ext = os.path.splitext(out)[1].lower()
    if ext not in (".png", ".svg"):
        raise PlotError(f"-o {out}: the file must end in .png or .svg", EXIT_USAGE)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise PlotError("python3-matplotlib is not installed (scripts/install-deps.sh installs it)",
                        EXIT_FAILED)
    fig, ax = plt.subplots(figsize=(8, 5))
    if style == "stack":
        bottom = [0.0] * len(series[0]["x"])
        pos = list(range(len(bottom)))
        for s in series:
            ax.bar(pos, s["y"], bottom=bottom, label=s["label"])
            bottom = [b + v for b, v in zip(bottom, s["y"])]
        step = max(1, len(pos) // 32)
        ax.set_xticks(pos[::step], series[0]["x"][::step], rotation=90, fontsize=7)
    elif style == "front":
        marks = [dict(marker="o", linestyle="", markerfacecolor="none", color="0.6"),
                 dict(marker="o", linestyle="", color="0.35"),
                 dict(marker="s", linestyle="-", color="tab:red")]
        for s, m in zip(series, marks):
            ax.plot(s["x"], s["y"], label=s["label"], **m)
    else:
        for s in series:
            if style == "step":
                ax.step(s["x"], s["y"], where="post", label=s["label"])
            else:
                ax.plot(s["x"], s["y"], marker="o", label=s["label"])
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    meta = json.dumps({"kind": kind, "title": title, "x": xlabel, "y": ylabel, "series": series})
    folder = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(folder):
        raise PlotError(f"-o {out}: the folder {folder} does not exist", EXIT_FAILED)
    try:
        fig.savefig(out, metadata={"Description": meta})
    except OSError as e:
        raise PlotError(f"{out}: cannot write: {e.strerror}", EXIT_FAILED)
    finally:
        plt.close(fig)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="tessera plot", description=__doc__.split("\n\n")[0],
                                 epilog="\n\n".join(__doc__.split("\n\n")[1:]),
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="kind", required=True)
    p = sub.add_parser("sweep", help="a sweep CSV: a metric against a parameter")
    p.add_argument("csv")
    p.add_argument("--x")
    p.add_argument("--y", required=True)
    p.add_argument("--by")
    p.add_argument("-o", required=True)
    p = sub.add_parser("front", help="an explore run's points and Pareto front")
    p.add_argument("dir")
    p.add_argument("--x")
    p.add_argument("--y")
    p.add_argument("-o", required=True)
    p = sub.add_parser("breakdown", help="one run's time per die, by stage")
    p.add_argument("stats")
    p.add_argument("-o", required=True)
    p = sub.add_parser("timeline", help="a trace's counters over time")
    p.add_argument("trace")
    p.add_argument("-o", required=True)
    try:
        a = ap.parse_args(argv)
    except SystemExit as e:
        return EXIT_USAGE if e.code else 0
    try:
        if a.kind == "sweep":
            figure = sweep_series(a.csv, a.x, a.y, a.by)
        elif a.kind == "front":
            figure = front_series(a.dir, a.x, a.y)
        elif a.kind == "breakdown":
            figure = breakdown_series(a.stats)
        else:
            figure = timeline_series(a.trace)
        draw(a.o, a.kind, *figure)
    except PlotError as e:
        print(f"tessera plot: {e}", file=sys.stderr)
        return e.code
    print(f"tessera plot: {a.o} ({len(figure[3])} series)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
