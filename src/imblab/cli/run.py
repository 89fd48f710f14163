"""``imblab run`` and ``imblab resume``: a comparison from the command line's arguments into a run folder."""

from __future__ import annotations

import gc
import os
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from ..checks import check_metric
from ..errors import ImblabError
from ..strategies import get_strategies
from .interrupts import remembered
from .messages import error_line, note_lines
from .parser import build_parser
from .preflight import check_data_arguments

FOLDS, REPEATS, TEST_SIZE = 5, 2, 0.2  # a protocol's defaults on the command line


def run_command(args, console, errors, *, resume_from=None):
    try:
        return _run(args, console, errors, resume_from=resume_from)
    finally:
        from ..evaluation.engines import stop_warm_workers
        from ..evaluation.helper import stop_helper

        stop_warm_workers()  # one started for networks the run never reached (an error, all fits kept)
        stop_helper()
        gc.unfreeze()  # a caller in this process (a test, a notebook) gets its collector back as it was


def _run(args, console, errors, *, resume_from=None):
    settings = _apply_config(args, errors)  # the file's settings first: the checks below see them
    file_options = [flag for flag, value in [
        ("--target", args.target), ("--positive", args.positive), ("--drop", args.drop), ("--keep", args.keep),
        ("--date-features", args.date_features != "drop"), ("--sep", args.sep), ("--encoding", args.encoding),
        ("--strict", args.strict), ("--sheet", args.sheet)] if value]
    if args.data is None and file_options:
        raise ImblabError(f"{', '.join(file_options)} describe a file: pass --data FILE as well")
    if args.holdout and (args.folds or args.repeats):
        raise ImblabError("--holdout and --folds/--repeats exclude each other: pick one protocol")
    if args.test_size is not None and (args.folds or args.repeats):
        raise ImblabError("--test-size sets a holdout's test share: drop it when using --folds")
    if args.groups and args.time:
        raise ImblabError("--groups and --time exclude each other: pick the structure the splits must respect")
    if (args.groups or args.time) and (args.holdout or args.test_size is not None):
        raise ImblabError("--groups/--time choose their own splits: drop --holdout and --test-size")
    if args.time and args.repeats:
        raise ImblabError("--time splits follow the time order, so there is nothing to repeat: drop --repeats")
    if settings is not None:
        from ..config import choose_strategies

        strategies = get_strategies(choose_strategies(settings, args.strategies))
    else:
        strategies = get_strategies(args.strategies)  # fail fast, before reading any data
    check_metric(args.metric)
    dask = _check_dask(args)
    if args.data is not None:
        if args.target is None:
            raise ImblabError("--data needs --target COLUMN: the name of the label column")
        check_data_arguments(args)

    # Every check that needs no library has passed: now the work, and the imports it needs.
    _warm_up_networks(strategies, args)
    from .. import load_table
    from ..evaluation import GroupKFold, Holdout, RepeatedKFold, TimeSplits
    from ..experiment import default_protocol, prepare

    _freeze_heap()
    if args.data is not None:
        dataset = load_table(args.data, args.target, positive=args.positive, drop=args.drop, keep=args.keep,
                             date_features=args.date_features, sep=args.sep, encoding=args.encoding,
                             strict=args.strict, split_column=args.groups or args.time, sheet=args.sheet)
    else:
        from .. import make_synthetic

        dataset = make_synthetic(args.samples, args.features, args.minority_share, random_state=args.seed)

    wants_holdout = args.holdout or args.test_size is not None
    if args.groups:
        protocol = GroupKFold(args.groups, args.folds or FOLDS, args.repeats or REPEATS, random_state=args.seed)
    elif args.time:
        protocol = TimeSplits(args.time, args.folds or FOLDS, random_state=args.seed)
    elif args.folds is not None or args.repeats is not None:
        protocol = RepeatedKFold(args.folds or FOLDS, args.repeats or REPEATS, random_state=args.seed)
    elif wants_holdout or dataset.kind == "synthetic":
        protocol = Holdout(args.test_size or TEST_SIZE, stratify=dataset.kind != "synthetic", random_state=args.seed)
    else:
        protocol = default_protocol(dataset, random_state=args.seed)
    n_jobs = 1 if dask else -1 if args.jobs is None else args.jobs  # a cluster's workers decide for themselves
    plan = prepare(dataset, strategies, protocol, metric=args.metric, random_state=args.seed,
                   n_jobs=n_jobs, rope=args.rope)  # every check before the folder is made

    engine = _start_engine(*dask) if dask else None  # a scheduler that cannot be reached: before the folder
    try:
        return _run_plan(args, console, errors, plan, dataset, resume_from, engine, n_jobs)
    finally:
        if engine is not None:
            engine.close()


def _run_plan(args, console, errors, plan, dataset, resume_from, engine, n_jobs):
    from ..locks import lock_folder, unlock_folder
    from ..store import RunStore

    total = len(plan.strategies) * len(plan.splits) * args.seeds
    if resume_from is None:
        request = {"args": {k: v for k, v in vars(args).items() if k not in ("command", "out", "overwrite")},
                   "cwd": os.getcwd(), "data_sha256": dataset.content_hash}
        store = RunStore.create(args.out or _default_run_folder(dataset.name), overwrite=args.overwrite,
                                request=request, total=total)
    else:
        store = resume_from
        lock_folder(store.folder)  # not while the run it resumes still writes there
        if store.request.get("data_sha256") not in (None, dataset.content_hash):
            errors.print("imblab: warning: the data differ from when this run started: every fit is done again",
                         style="yellow", markup=False, highlight=False, soft_wrap=True)
        else:  # once the data are known to be the same (a fit is reused only if its key matches too)
            console.print(f"Resuming {store.folder}: {store.n_stored} finished fits are kept and reused; "
                          "only the missing ones are fitted", highlight=False)
            from ..evaluation.runner import times_said

            for name, deaths in store.noted_deaths().items():  # fits run in imblab's own process (--jobs 1)
                errors.print(f"imblab: warning: imblab's process died while fitting '{name}' "
                             f"({times_said(deaths)}); a strategy whose fits have ended two processes is not "
                             "fitted again in this run",
                             style="yellow", markup=False, highlight=False, soft_wrap=True)
    try:
        return _fit_and_write(args, console, errors, plan, dataset, store, engine, n_jobs, total)
    finally:
        unlock_folder(store.folder)


def _fit_and_write(args, console, errors, plan, dataset, store, engine, n_jobs, total):
    """Fit what the store lacks, then write the run folder and show the comparison; the exit status."""
    from ..evaluation.cores import workers_for

    parallel = engine is not None or workers_for(n_jobs, total) > 1
    with _report_process(wanted=not args.no_report and not parallel) as drawer:
        return _fit_and_write_with(args, console, errors, plan, dataset, store, engine, n_jobs, total, parallel,
                                   drawer)


def _fit_and_write_with(args, console, errors, plan, dataset, store, engine, n_jobs, total, parallel, drawer):
    from .. import compare
    from ..report.progress import fit_progress

    folder = store.folder
    note_lines(errors, dataset.notes)  # once every check has passed, so that an error stays the only line
    try:
        progress = fit_progress(errors, strategies=plan.strategies, n_splits=len(plan.splits),
                                n_seeds=args.seeds, lines=not args.quiet)
        preload = _Preload(report=not args.no_report, active=parallel)
        _freeze_heap()  # the data, the strategies and what preparing them imported
        with progress as on_done, remembered() as check_interrupt:
            def done(record):  # a Ctrl-C swallowed during the fit is raised here, once it is kept
                on_done(record)
                check_interrupt()

            results = compare(dataset, plan.strategies, plan.protocol,  # compare prepares it again
                              metric=args.metric, random_state=args.seed, n_seeds=args.seeds,
                              n_jobs=n_jobs, rope=args.rope,
                              on_done=preload.after_first(done), store=store, engine=engine)
            check_interrupt()
        preload.join()
        _freeze_heap()  # the report's libraries, loaded while the fits ran, and the predictions
    except KeyboardInterrupt:
        error_line(errors, f"imblab: interrupted: {store.n_stored} of {total} fits are kept in {folder}; "
                       f"finish the run with: imblab resume {folder}")
        return 130
    except ImblabError as exc:  # the cluster failed mid-run: what it finished is kept
        raise ImblabError(f"{exc}; {store.n_stored} of {total} fits are kept in {folder}: finish the run with "
                          f"imblab resume {folder}") from None
    try:
        results.save(folder, report=not args.no_report, drawer=drawer)  # the record first
    except ImblabError as exc:  # e.g. the disk filled up: every fit is kept
        raise ImblabError(f"{exc}; all {total} fits are kept in {folder}: finish the run with imblab resume "
                          f"{folder}") from None
    except KeyboardInterrupt:  # every fit is kept: only the tables and the report are missing
        if store.status == "complete":
            error_line(errors, f"imblab: interrupted once the run folder was written: {folder} is complete")
        else:
            error_line(errors, f"imblab: interrupted while writing the tables and the report: all {total} fits "
                               f"are kept in {folder}; finish the run with: imblab resume {folder}")
        return 130
    from ..report.terminal import render_run

    render_run(results, console, quiet=args.quiet, verbose=args.verbose)
    _warn_failures(results, errors)
    if not args.quiet:
        report = "" if args.no_report else f" (open {folder / 'report.html'})"
        console.print(f"Run folder: {folder}{report}", highlight=False, soft_wrap=True)
    return 1 if results.errors() else 0


@contextmanager
def _report_process(wanted):
    """A :class:`~imblab.report.ahead.ReportProcess` where ``wanted`` and one can start, else None;
    stopped on leaving.

    Wanted when the fits run here one by one: the report's libraries then load on the core they
    leave idle rather than after them (6.83 s → 6.43 s for the 5 × 2 practical with ``--jobs 1``,
    medians of 6). Fits in worker processes gain nothing from it (4.72 s → 4.74 s with
    ``--jobs 2``; the practical 0.15 s slower): this process loads those libraries while they fit
    (:class:`_Preload`), and the report process's extra work then competes with theirs.
    """
    drawer = None
    if wanted:
        from ..report.ahead import ReportProcess

        drawer = ReportProcess.start()  # before the progress display starts its thread
    try:
        yield drawer
    finally:
        if drawer is not None:
            drawer.stop()


def _freeze_heap():
    """Put every object alive now out of the garbage collector's reach (``gc.freeze``).

    The imports leave some 300,000 long-lived objects (modules, classes,
    functions), and each full collection walked them all again: 0.1 s a time,
    0.69 s of the 5 × 2 practical with ``--jobs 1`` and 0.38 s of the main
    process's with ``--jobs 2`` (measured with ``gc.callbacks``); frozen at
    these three points, 0.27 s and 0.16 s. Workers forked afterwards skip them
    too. The command line's process ends with its run, so nothing frozen needs
    collecting before then; :func:`run_command` unfreezes them when it returns
    (for a caller in the same process), and the library leaves the collector alone.
    """
    gc.freeze()


def _warm_up_networks(strategies, args):
    """Start what the networks need in another process now, beside this one's imports and data.

    JAX keeps its compiled programs on disk (the command line's choice: the library leaves JAX's
    settings alone). With more than one core and more than one fit at a time:

    - on JAX, a helper process is forked first thing: it starts JAX and compiles the network's
      program while this process imports pandas and scikit-learn, then runs every network's
      training steps for the fits (see :func:`imblab.evaluation.helper.start_helper`), so no
      worker imports JAX;
    - on the other backends, a worker forked once the shared libraries are imported imports Keras
      and its backend while this process reads the data; the fits then send it the networks (see
      :func:`imblab.evaluation.engines.start_warm_worker`).
    """
    if not any(s.needs_keras for s in strategies):
        return
    from .._backend import check_backend, current_backend, enable_compilation_cache, start_networks
    from ..evaluation.cores import available_cores
    from ..evaluation.engines import start_warm_worker

    check_backend()  # a backend that cannot start is one line, before any process is started
    enable_compilation_cache()
    if args.jobs == 1 or args.dask or available_cores() < 2:
        return
    if current_backend() == "jax":
        from ..evaluation.helper import call_helper, start_helper
        from ..strategies import _jax_training

        if _fewest_training_rows(args) > _jax_training.REMOTE_MAX_ROWS:
            return  # every network trains in its worker: a helper would only hold memory
        if start_helper(_jax_training.serve, _networks_to_compile(strategies, args)):
            _jax_training.REMOTE = call_helper
        return
    import pandas  # noqa: F401 - what this process needs next anyway, imported once for both processes
    import imblearn.pipeline  # noqa: F401
    from ..strategies import neural  # noqa: F401

    start_warm_worker("keras", start_networks)


def _fewest_training_rows(args):
    """The fewest rows any split trains on, where known before the data are read (synthetic data: a
    holdout's training share, or all but one fold); 0 for a file. Resampling only adds rows."""
    if args.data is not None:
        return 0
    if args.folds is None and args.repeats is None:
        return int(args.samples * (1 - (args.test_size or TEST_SIZE)))
    return args.samples - -(-args.samples // (args.folds or FOLDS))


def _networks_to_compile(strategies, args):
    """``(n_features, hidden_units, loss)`` of the run's networks, where they are known before the
    data are read: for synthetic data (a file's columns are known once it is read and encoded)."""
    if args.data is not None:
        return []
    from ..strategies._jax_training import FOCAL_ALPHA, FOCAL_GAMMA  # light: numpy alone, not the network

    losses = [("binary_crossentropy",)]
    if any("focal" in s.name for s in strategies if s.needs_keras):
        losses.append(("focal", FOCAL_ALPHA, FOCAL_GAMMA))
    return [(args.features, 16, loss) for loss in losses]


class _Preload:
    """Imports what the statistics and the report need while worker processes fit.

    This process only waits while its workers fit, so a thread here costs the fits
    nothing. It starts with the first finished fit, once every worker has been forked
    (a fork during an import could leave the child's import lock held), and must be
    joined before anything forks again (the report draws its charts in forked processes);
    a worker forked mid-map in place of one that died waits for it (``engines.IMPORTING``).
    """

    def __init__(self, report, active):
        self.report, self.active, self.thread = report, active, None

    def after_first(self, on_done):
        def wrapped(record):
            if self.active and self.thread is None:
                import threading

                self.thread = threading.Thread(target=self._imports, daemon=True)
                self.thread.start()
            on_done(record)
        return wrapped

    def _imports(self):
        from ..evaluation.engines import IMPORTING

        with IMPORTING:  # a worker forked in place of one that died waits for these imports
            from .. import results  # noqa: F401 - the statistics: scipy, scikit-learn's metrics
            from ..report import terminal  # noqa: F401
            if self.report:
                from ..report import html, plots

                html.warm_up()
                plots.warm_up()

    def join(self):
        if self.thread is not None:
            self.thread.join()


def _check_dask(args, *, jobs_default=None):
    """``(kind, value)`` of a valid ``--dask`` (see :func:`parse_dask`), None without it; checked, with
    distributed's presence, before any work. ``--jobs`` other than its default conflicts with it."""
    if args.dask is None:
        return None
    from ..evaluation.dask_engine import parse_dask, require_distributed

    dask = parse_dask(args.dask)
    if args.jobs not in (None, jobs_default):
        raise ImblabError("--dask and --jobs exclude each other: the cluster's workers decide how many fits run "
                          "at once (start local:N with N workers); drop --jobs")
    require_distributed()
    return dask


def _start_engine(kind, value):
    from ..evaluation.dask_engine import DaskEngine

    return DaskEngine.local(value) if kind == "local" else DaskEngine.connect(value)


def _warn_failures(results, errors):
    """One line on standard error for each strategy that failed on some split, and one when a test
    part held too few minority rows for the verdict to be stable."""
    from ..evaluation.statistics import few_minority_caveat

    for name, error in results.errors().items():
        error = " ".join(str(error).split())  # an exception's message may span lines
        error_line(errors, f"imblab: warning: {name} {error}")
    few = few_minority_caveat(results.fits)
    if few:
        error_line(errors, f"imblab: warning: {few}")


def _apply_config(args, errors):
    """Fill the run's flags left at their defaults from the config file; return its settings (or None)."""
    from ..config import find_config, read_config

    path = args.config or find_config()
    if path is None:
        return None
    settings = read_config(path)
    if args.config is None:
        errors.print(f"imblab: warning: using the settings in {path} [tool.imblab]", style="yellow",
                     markup=False, highlight=False, soft_wrap=True)
    args.config = settings["path"]  # absolute, so that 'imblab resume' finds it from anywhere
    defaults = vars(build_parser().parse_args(["run"]))
    for key, value in settings.items():
        if key in defaults and key not in ("strategies", "config") and getattr(args, key) == defaults[key]:
            if key == "data":
                value = str(Path(settings["path"]).parent / value)
            setattr(args, key, value)
    return settings


def resume_command(args, console, errors):
    from ..store import RunStore

    store = RunStore.open(args.folder)
    if store.status == "complete":
        console.print(f"Run folder {store.folder} is complete: nothing to resume")
        return 0
    saved = store.request.get("args")
    if not saved:
        raise ImblabError(f"run folder '{store.folder}' does not record how it was started, so it cannot be "
                          "resumed: run 'imblab run' again with --out and --overwrite")
    run_args = build_parser().parse_args(["run"])
    for name, value in saved.items():
        setattr(run_args, name, value)
    if run_args.data is not None and not Path(run_args.data).is_absolute():
        run_args.data = str(Path(store.request.get("cwd", ".")) / run_args.data)
    if run_args.data is not None and not Path(run_args.data).exists():
        raise ImblabError(f"run folder '{store.folder}' was started on '{run_args.data}', which no longer exists: "
                          "put the file back there to resume it (its kept fits are reused if the data are the "
                          "same), or start a new run")
    if args.jobs is not None:  # the missing fits run here, as asked
        run_args.jobs, run_args.dask = args.jobs, None
    if args.dask is not None:
        run_args.jobs, run_args.dask = None, args.dask
    run_args.out, run_args.overwrite = str(store.folder), False
    return run_command(run_args, console, errors, resume_from=store)


def _default_run_folder(name):
    return new_folder("runs", name)


def new_folder(parent, name):
    """``parent/<time>-<name>`` (with ``-2``, ``-3``… if it exists): where a run or bench goes by default."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = Path(parent) / f"{stamp}-{name}"
    n = 2
    while folder.exists():
        folder = Path(parent) / f"{stamp}-{name}-{n}"
        n += 1
    return folder
