"""Where the practical's `imblab run` spends its wall time, phase by phase (the README's profile table).

Usage: python benchmarks/phases.py [--repeats 3]

Each run is a fresh process running the console script's code with timestamps
taken around imblab's own phases (wrapping them, changing nothing); the medians
over ``--repeats`` runs are printed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile

PROBE = r"""
import json, sys, time
T0 = time.perf_counter()
marks = {}
def wrap(module, name, label):
    original = getattr(module, name)
    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            marks[label] = marks.get(label, 0.0) + time.perf_counter() - start
    setattr(module, name, timed)
from imblab.cli import main
marks["start-up: Python, argparse, imblab's command line"] = time.perf_counter() - T0
import imblab.cli.run as cli_run
wrap(cli_run, "_run", "the run")
warm_up = cli_run._warm_up_networks
def warm_up_then_wrap(*args, **kwargs):  # the run imports these next: wrap them once it has
    warm_up(*args, **kwargs)
    import imblab.experiment as experiment, imblab.store as store
    wrap(experiment, "prepare", "data checks and splits (prepare)")
    wrap(experiment, "run_tasks", "the four fits (two workers; the networks' steps in the JAX helper)")
    wrap(store.RunStore, "rewrite_tables", "statistics and tables (bootstrap, CSV, JSON)")
    wrap(store, "write_report", "report.html and summary.md (charts)")
cli_run._warm_up_networks = warm_up_then_wrap
status = main(sys.argv[1:])
total = time.perf_counter() - T0
marks["total (in-process)"] = total
print("PHASES" + json.dumps(marks))
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeats + 1):  # the first warms the disk and JAX's compilation caches
            out = subprocess.run([sys.executable, "-c", PROBE, "run", "--quiet", "--overwrite", "--out", f"{tmp}/r"],
                                 check=True, capture_output=True, text=True).stdout
            if i:
                runs.append(json.loads(out.split("PHASES", 1)[1]))
    print(f"imblab run (the practical, report included): median of {args.repeats} runs, wall seconds")
    median = {label: statistics.median(r.get(label, 0.0) for r in runs) for label in runs[0]}
    inside = ["data checks and splits (prepare)", "the four fits (two workers; the networks' steps in the JAX helper)",
              "statistics and tables (bootstrap, CSV, JSON)", "report.html and summary.md (charts)"]
    print(f"  {'imblab' + chr(39) + 's command line imported':<62} "
          f"{median[next(iter(runs[0]))]:6.2f} s")
    rest = median["the run"] - sum(median[label] for label in inside)
    for label in inside:
        print(f"  {label:<62} {median[label]:6.2f} s")
    print(f"  {'the rest of the run: imports, the data, the run folder, terminal':<62} {rest:6.2f} s")
    print(f"  {'total in the process':<62} {median['total (in-process)']:6.2f} s")


if __name__ == "__main__":
    main()
