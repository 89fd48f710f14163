"""The other paths of issue 11, timed: the command line's answers, a loaded machine, a million rows.

Each function runs ``imblab`` as a user would (a fresh process) and returns
plain numbers; ``bench.py`` prints them beside their targets.
"""

from __future__ import annotations

import json
import multiprocessing
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

IMBLAB = [sys.executable, "-m", "imblab"]


def timed_tree(command, env=None):
    """Wall seconds and peak memory (MB) of ``command`` and every process it forks: ``(wall, peak)``,
    ``peak`` a dict with ``"pss"`` and ``"rss"``, each summed over the processes.

    The process tree's resident sets are sampled every 50 ms and its
    proportional sets every 0.5 s, so a shorter peak can be missed. Forked workers share the pages they inherited: the summed resident
    sets (``rss``) count such a page once per process, which overstates the
    machine's memory in use; the summed proportional sets (``pss``, from
    ``/proc/PID/smaps_rollup``) count each page once, split between the
    processes sharing it, which is the memory the run takes from the machine.
    """
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                            start_new_session=True)
    peak, tick = {"pss": 0, "rss": 0}, 0
    while proc.poll() is None:
        # the proportional sets cost the kernel a walk of the page tables: every 0.5 s only
        for kind, kb in _tree_memory(proc.pid, pss=tick % 10 == 0).items():
            peak[kind] = max(peak[kind], kb)
        tick += 1
        time.sleep(0.05)
    wall = time.perf_counter() - start
    stderr = proc.stderr.read().decode(errors="replace")
    if proc.returncode != 0:
        sys.exit(f"benchmark command failed: {' '.join(map(str, command))}\n{stderr}")
    return wall, {kind: kb / 1024 for kind, kb in peak.items()}


def _tree_memory(session, pss=True):
    """Summed resident (and, with ``pss``, proportional) kB of every process in the session
    ``session`` (the command and what it forked)."""
    total = {"pss": 0, "rss": 0} if pss else {"rss": 0}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[3]) != session:  # field 6 of /proc/PID/stat: the session id
                continue
            for line in (entry / ("smaps_rollup" if pss else "status")).read_text().splitlines():
                if line.startswith(("Rss:", "Pss:", "VmRSS:")):
                    total["rss" if line.startswith("VmRSS") else line.split(":")[0].lower()] += int(line.split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return total


#: What a newcomer types first, and the mistakes the command line must answer at once.
CLI_COMMANDS = {
    "imblab --help": ["--help"],
    "imblab run --help": ["run", "--help"],
    "imblab strategies": ["strategies"],
    "missing data file": ["run", "--data", "no-such-file.csv", "--target", "y"],
    "misspelt target column": ["run", "--data", "{csv}", "--target", "labels"],
    "unknown strategy": ["run", "--strategies", "smote+forest"],
    "unknown metric": ["run", "--metric", "f2"],
    "bad --folds": ["run", "--folds", "1"],
    "fit: misspelt target column": ["fit", "--data", "{csv}", "--target", "labels", "--strategy", "lr"],
    "fit: no such run folder": ["fit", "no-such-run"],
    "predict: no such model folder": ["predict", "no-such-model", "{csv}"],
    "resume: no such run folder": ["resume", "no-such-run"],
    "rescore: no such run folder": ["rescore", "no-such-run", "--metric", "f1_1"],
    "bench: unknown suite": ["bench", "--suite", "huge"],
}


def cli_latency(repeats=5):
    """``{label: [wall seconds]}`` of each of :data:`CLI_COMMANDS`, as whole processes."""
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "churn.csv"
        csv.write_text("id,tenure,plan,label\n" + "".join(f"{i},{i % 40},{'ab'[i % 2]},{int(i % 9 == 0)}\n"
                                                         for i in range(200)))
        times = {}
        for label, args in CLI_COMMANDS.items():
            command = [*IMBLAB, *[a.format(csv=csv) for a in args]]
            subprocess.run(command, capture_output=True)  # warm the disk cache
            times[label] = []
            for _ in range(repeats):
                start = time.perf_counter()
                subprocess.run(command, capture_output=True)
                times[label].append(time.perf_counter() - start)
    return times


def _spin(stop):
    while not stop.is_set():
        sum(i * i for i in range(10_000))


def all_basic_cv(rows=1000, *, load=0):
    """Wall seconds of ``all-basic``, 5 × 2 CV on ``rows`` × 20 features, with ``load`` CPU-bound
    processes running beside it, and each fit's seconds by strategy."""
    context = multiprocessing.get_context("spawn")  # this process may have started JAX: do not fork it
    stop = context.Event()
    spinners = [context.Process(target=_spin, args=(stop,), daemon=True) for _ in range(load)]
    for spinner in spinners:
        spinner.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "run"
            command = [*IMBLAB, "run", "--quiet", "--no-report", "--strategies", "all-basic", "--samples",
                       str(rows), "--folds", "5", "--repeats", "2", "--out", str(out)]
            wall, _ = timed_tree(command)
            fits = json.loads((out / "results.json").read_text())["fits"]
    finally:
        stop.set()
        for spinner in spinners:
            spinner.join()
    by_strategy = {}
    for fit in fits:
        by_strategy.setdefault(fit["strategy"], []).append(fit["fit_seconds"])
    return wall, by_strategy


def worst_fit_ratio(by_strategy, *, networks=True):
    """The largest (slowest fit / that strategy's median fit) over the strategies, and whose it is;
    ``networks=False`` leaves out the strategies with a network (``ann`` in their name), whose first fit in
    a worker compiles its training loop."""
    ratios = {name: max(times) / max(statistics.median(times), 1e-3) for name, times in by_strategy.items()
              if networks or "ann" not in name}
    worst = max(ratios, key=ratios.get)
    return ratios[worst], worst


def large_run(rows):
    """The practical's four strategies on ``rows`` rows (holdout, report included): wall seconds, peak MB
    of the process tree, and where the time went (each strategy's fit, the statistics)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        wall, peak = timed_tree([*IMBLAB, "run", "--quiet", "--samples", str(rows), "--out", str(out)])
        fits = json.loads((out / "results.json").read_text())["fits"]
        parts = {f"fit {f['strategy']}": f["fit_seconds"] for f in fits}
        probe = subprocess.run([sys.executable, "-c", STATISTICS_PROBE, str(out)], check=True,
                               capture_output=True, text=True).stdout.split()
        parts["statistics (bootstrap of the test rows)"] = float(probe[0])
        parts["report charts"] = float(probe[1])
        parts.update(smote_seconds(rows))
    return wall, peak, parts


STATISTICS_PROBE = """
import sys, time
from imblab import Results
from imblab.report.plots import all_plots
results = Results.load(sys.argv[1])  # the tables are recomputed from the predictions, on first use
start = time.perf_counter(); results.comparison; results.summary; middle = time.perf_counter()
all_plots(results)
print(middle - start, time.perf_counter() - middle)
"""


def smote_seconds(rows):
    """SMOTE's resampling of the practical's training part at ``rows`` rows, in a fresh process."""
    code = ("import sys, time\nfrom imblearn.over_sampling import SMOTE\nfrom imblab import make_synthetic, Holdout\n"
            "ds = make_synthetic(int(sys.argv[1])); split = next(Holdout().splits(ds.y))\n"
            "X, y = ds.X.to_numpy()[split.train], ds.y[split.train]\nstart = time.perf_counter()\n"
            "X_res, y_res = SMOTE(random_state=42).fit_resample(X, y)\n"
            "print(time.perf_counter() - start, len(y_res))")
    seconds, resampled = subprocess.run([sys.executable, "-c", code, str(rows)], check=True, capture_output=True,
                                        text=True).stdout.split()
    return {f"SMOTE's neighbour search and resampling ({int(resampled):,} rows out)": float(seconds)}


if __name__ == "__main__":  # a quick look: python benchmarks/paths.py
    for label, times in cli_latency(1).items():
        print(f"{label:<28} {min(times):.2f} s")
    wall, by = all_basic_cv(300)
    print(f"all-basic 5x2 on 300 rows: {wall:.1f} s; worst fit/median {worst_fit_ratio(by)}")
    print(large_run(20_000))
