"""Time `imblab run` against the course practical as written, side by side.

Usage: python benchmarks/bench.py --reference-python .venv-ref/bin/python [--repeats 5]

Each command runs once untimed (to warm the disk cache and JAX's compilation
cache), then ``--repeats`` times, alternating, in fresh processes. Wall time and
peak resident memory come from the operating system (``os.wait4``). The
network's own training time is measured in-process, warm: 5 epochs on the
15,152 SMOTE-resampled rows of the practical.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import paths  # noqa: E402

REFERENCE = HERE / "reference_practical.py"


def timed(command, env=None):
    """Wall seconds and peak RSS (MB) of one run of ``command``."""
    return measured(command, env)[:2]


def measured(command, env=None):
    """Wall seconds, peak RSS (MB) and CPU seconds of one run of ``command`` (user and system, of the
    command and of every process it started and waited for)."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    stderr = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"benchmark command failed: {' '.join(map(str, command))}\n{stderr}")
    return wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def network_seconds(repeats):
    """Warm training time of the practical's network on the SMOTE-resampled training part."""
    from imblearn.over_sampling import SMOTE

    from imblab import Holdout, KerasMLPClassifier, make_synthetic

    ds = make_synthetic()
    split = next(Holdout().splits(ds.y))
    X_res, y_res = SMOTE(random_state=42).fit_resample(ds.X.to_numpy()[split.train], ds.y[split.train])
    KerasMLPClassifier(random_state=42).fit(X_res, y_res)  # warm: imports, tracing, compilation
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        KerasMLPClassifier(random_state=42).fit(X_res, y_res)
        times.append(time.perf_counter() - start)
    return len(y_res), times


def cross_validation_seconds(repeats, env):
    """Wall and CPU seconds of the 5 × 2 cross-validated practical with one and with two processes:
    ``({jobs: [wall]}, {jobs: [cpu]})``."""
    times, cpu = {1: [], 2: []}, {1: [], 2: []}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(repeats):
            for jobs in (1, 2):
                command = [sys.executable, "-m", "imblab", "run", "--quiet", "--overwrite", "--folds", "5",
                           "--repeats", "2", "--jobs", str(jobs), "--out", str(Path(tmp) / f"cv{jobs}")]
                wall, _, seconds = measured(command, env)
                times[jobs].append(wall)
                cpu[jobs].append(seconds)
        same = (Path(tmp) / "cv1" / "summary.csv").read_bytes() == (Path(tmp) / "cv2" / "summary.csv").read_bytes()
    if not same:
        sys.exit("--jobs 1 and --jobs 2 gave different summaries")
    return times, cpu


FIT_PHASE = """
import sys, time
import imblab, imblearn, sklearn
start = time.perf_counter()
imblab.compare(protocol=imblab.RepeatedKFold(5, 2), n_jobs=int(sys.argv[1]))
print(time.perf_counter() - start)
"""


def fit_phase_seconds(repeats):
    """Wall time of ``compare`` on the 5 × 2 practical, by --jobs: the fits and statistics, with Keras'
    start-up (import and compilation, in whichever process fits a network) but not the other imports."""
    times = {1: [], 2: []}
    for _ in range(repeats):
        for jobs in (1, 2):
            out = subprocess.run([sys.executable, "-c", FIT_PHASE, str(jobs)], check=True,
                                 capture_output=True, text=True).stdout
            times[jobs].append(float(out.strip().splitlines()[-1]))
    return times


def describe(times):
    return f"{statistics.median(times):7.2f} s  (min {min(times):.2f}, max {max(times):.2f})"


SECTIONS = ("practical", "phases", "network", "cv", "cli", "loaded", "large")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reference-python", required=True, help="a Python with TensorFlow installed")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--cv-repeats", type=int, default=5,
                        help="alternating runs of the 5 × 2 cross-validation with --jobs 1 and --jobs 2")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"sections to run, from {', '.join(SECTIONS)}")
    parser.add_argument("--large-rows", default="1000000",
                        help="row counts of the large runs, comma-separated (e.g. 1000000,5000000)")
    args = parser.parse_args()
    only = set(args.only.split(","))
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    if "practical" in only:
        practical(args, env)
    if "phases" in only:
        subprocess.run([sys.executable, str(HERE / "phases.py")], check=True)
        print(flush=True)
    if "network" in only:
        rows, net = network_seconds(args.repeats)
        print(f"network: 5 epochs on {rows} SMOTE rows, warm  {describe(net)}   (target <= 0.25 s)\n", flush=True)
    if "cv" in only:
        cross_validation(args, env)
    if "cli" in only:
        print("the command line's answers, whole processes (5 runs each, median)")
        for label, times in paths.cli_latency().items():
            median = statistics.median(times)
            print(f"  {label:<30} {median:5.2f} s   {'ok ' if median <= 0.3 else 'OFF'} (target <= 0.30 s)")
        print(flush=True)
    if "loaded" in only:
        print("all-basic, 5 folds x 2 repeats, 1,000 rows x 20 features (--no-report)")
        idle, fits_idle = paths.all_basic_cv(1000)
        print(f"  idle machine                 {idle:7.2f} s   (target <= 60 s)", flush=True)
        loaded, fits_loaded = paths.all_basic_cv(1000, load=2)
        print(f"  beside 2 CPU-bound processes {loaded:7.2f} s   = {loaded / idle:.2f}x idle (target <= 2.5x)")
        for label, fits in (("idle", fits_idle), ("loaded", fits_loaded)):
            ratio, worst = paths.worst_fit_ratio(fits)
            print(f"  slowest fit / its strategy's median fit, {label}: {ratio:.1f}x ({worst}; target <= 10x)")
            ratio, worst = paths.worst_fit_ratio(fits, networks=False)
            print(f"    without the networks (whose first fit compiles): {ratio:.1f}x ({worst})")
        print(flush=True)
    if "large" in only:
        for rows in map(int, args.large_rows.split(",")):
            wall, peak, parts = paths.large_run(rows)
            print(f"imblab run --samples {rows:,} (four strategies, holdout, report)")
            print(f"  whole run {wall:7.1f} s (target <= 60 s at 1,000,000)   peak {peak['pss']:,.0f} MB of the "
                  f"process tree, shared pages counted once (target <= 2,048 MB; {peak['rss']:,.0f} MB counting "
                  "them once per process)")
            for label, seconds in parts.items():
                print(f"  {label:<58} {seconds:7.1f} s")
            print(flush=True)


def practical(args, env):
    # `make run` runs plain `imblab run`: the report included; --no-report is shown beside it.
    imblab = [sys.executable, "-m", "imblab", "run", "--quiet", "--overwrite"]
    reference = [args.reference_python, str(REFERENCE)]
    with tempfile.TemporaryDirectory() as tmp:
        imblab += ["--out", str(Path(tmp) / "run")]
        no_report = [*imblab, "--no-report"]
        timed(reference, env)
        timed(imblab, env)
        ref_runs, imb_runs, bare_runs = [], [], []
        for i in range(args.repeats):
            ref_runs.append(timed(reference, env))
            imb_runs.append(timed(imblab, env))
            bare_runs.append(timed(no_report, env))
            print(f"  round {i + 1}: reference {ref_runs[-1][0]:.2f} s, imblab run {imb_runs[-1][0]:.2f} s, "
                  f"--no-report {bare_runs[-1][0]:.2f} s", flush=True)
    ref_wall = [w for w, _ in ref_runs]
    imb_wall = [w for w, _ in imb_runs]
    bare_wall = [w for w, _ in bare_runs]
    ratio = statistics.median(imb_wall) / statistics.median(ref_wall)
    print()
    print(f"practical, end to end ({args.repeats} runs each, alternating, median)")
    print(f"  reference (tf.keras script)  {describe(ref_wall)}   peak {max(m for _, m in ref_runs):6.0f} MB")
    print(f"  imblab run (as make run)     {describe(imb_wall)}   peak {max(m for _, m in imb_runs):6.0f} MB"
          "   (parent process)")
    print(f"  ratio imblab / reference     {ratio:7.2f}x   (target <= 0.30x)")
    print(f"  imblab run --no-report       {describe(bare_wall)}   ratio "
          f"{statistics.median(bare_wall) / statistics.median(ref_wall):.2f}x")
    print(f"  the report adds              {statistics.median(imb_wall) - statistics.median(bare_wall):7.2f} s"
          "   (target <= 1.5 s)\n", flush=True)


def cross_validation(args, env):
    cv, cpu = cross_validation_seconds(args.cv_repeats, env)
    fits = fit_phase_seconds(args.cv_repeats)
    print(f"practical's data, 5 folds × 2 repeats, four strategies ({args.cv_repeats} runs each, median)")
    busy = {}
    for jobs, times in cv.items():
        busy[jobs] = statistics.median(c / w for c, w in zip(cpu[jobs], times))
        print(f"  imblab run --jobs {jobs}             {describe(times)}   {statistics.median(cpu[jobs]):5.2f} CPU s, "
              f"{busy[jobs]:.2f} cores busy on average")
    speedup = statistics.median(cv[1]) / statistics.median(cv[2])
    print(f"  speed-up of --jobs 2, whole run  {speedup:7.2f}x   (target >= 1.6x; the default is --jobs -1)")
    # time = CPU seconds / cores busy: on two cores, --jobs 2 can gain no more than 2 / (--jobs 1's cores busy)
    # times the ratio of their CPU seconds, and only with both cores busy from start to end
    ceiling = 2 / busy[1] * statistics.median(cpu[1]) / statistics.median(cpu[2])
    print(f"  ceiling with both cores always busy {ceiling:5.2f}x   (2 ÷ --jobs 1's cores busy × its CPU s ÷ --jobs 2's)")
    for jobs, times in fits.items():
        print(f"  compare() alone, n_jobs={jobs}       {describe(times)}")
    speedup = statistics.median(fits[1]) / statistics.median(fits[2])
    print(f"  speed-up of compare()            {speedup:7.2f}x\n", flush=True)


if __name__ == "__main__":
    main()
