"""Running a bench: the same strategies and protocol on each dataset, one ordinary run folder each.

Datasets are run one after another; each one's fits go through
:func:`imblab.compare` with a :class:`~imblab.RunStore`, so every fit is kept
as it finishes and an interrupted bench resumes from its kept fits.
:func:`run_dataset` is the one place a dataset's work happens (and where an
engine reaches the runner).
"""

from __future__ import annotations

import threading
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter

from ..errors import ImblabError
from ..evaluation.protocols import RepeatedKFold
from ..strategies import get_strategies
from . import folder as bench_folder
from .suites import BenchDataset, require_extra

OK, PARTIAL, FAILED = "ok", "partial", "failed"
#: Datasets in flight at once on a Dask engine: while one dataset's statistics and report are computed
#: here, the next one's fits keep the cluster's workers busy.
IN_FLIGHT = 2
#: Writing a run folder's report draws its charts in forked processes: one dataset at a time.
_SAVING = threading.Lock()


@dataclass
class DatasetOutcome:
    """What happened to one dataset of a bench."""

    name: str
    source: str
    folder: Path
    status: str  # "ok", "partial" (some strategy failed on some split) or "failed" (no results)
    results: object = field(default=None, repr=False)
    error: str | None = None
    seconds: float = 0.0
    fit_seconds: float = 0.0  # the fits' own time, summed over fits (reused fits included)
    reused: bool = False  # its finished run folder was reused on --resume
    facts: dict = field(default_factory=dict)

    def describe(self):
        """A plain row for ``datasets.csv`` and ``bench.json``."""
        row = {"dataset": self.name, "source": self.source, "status": self.status, "error": self.error,
               "seconds": round(self.seconds, 3), "fit_seconds": round(self.fit_seconds, 3), "reused": self.reused}
        if self.results is not None:
            ds = self.results.dataset
            counts = {int(k): v for k, v in ds["class_counts"].items()}
            row.update(rows=ds["rows"], features=ds["features"], minority=counts.get(1, 0),
                       imbalance_ratio=counts.get(0, 0) / counts[1] if counts.get(1) else None)
        return row


def run_dataset(entry, strategies, protocol, *, folder, metric="f1_1", random_state=42, n_jobs=1, rope=0.01,
                resume=False, report=True, engine=None, on_done=None):
    """Run one dataset of a bench into its run folder ``folder``; return a :class:`DatasetOutcome`.

    Nothing raised here stops a bench: a file that cannot be read, a strategy
    that cannot run on the data, or a run whose every fit failed is returned as
    a ``"failed"`` outcome with the one-line reason. With ``resume``, a finished
    run folder of the same request is reused as it is and an unfinished one
    contributes the fits it kept. ``engine`` is handed to
    :func:`imblab.compare` as it is (``None``: compare's own default).
    """
    from ..experiment import compare, prepare
    from ..results import Results
    from ..store import RunStore, _plain, is_run_folder

    start = perf_counter()
    folder = Path(folder)

    def failed(reason):
        return DatasetOutcome(entry.name, entry.source, folder, FAILED, error=reason,
                              seconds=perf_counter() - start, facts=entry.facts)

    try:
        dataset = entry.load()
        plan = prepare(dataset, strategies, protocol, metric=metric, random_state=random_state, n_jobs=n_jobs,
                       rope=rope)
    except ImblabError as exc:
        return failed(str(exc))
    except Exception as exc:  # noqa: BLE001 - a file that cannot be read is this dataset's failure, not the bench's
        return failed(f"{type(exc).__name__}: {' '.join(str(exc).split())}")
    wanted = {"strategies": [s.name for s in plan.strategies], "protocol": _plain(plan.protocol.describe()),
              "random_state": random_state, "metric": metric, "sha256": dataset.content_hash}
    store = None
    if resume and is_run_folder(folder):
        existing = RunStore(folder)
        if existing.status == "complete":
            try:
                results = Results.load(folder)
                if _request_of(results) == wanted:
                    return _outcome(entry, folder, results, start, reused=True)
            except ImblabError:
                pass  # damaged: run it again below
        elif existing.request.get("bench_request") == wanted:
            store = existing  # its kept fits are reused by compare
    if store is None:
        total = len(plan.strategies) * len(plan.splits)
        try:
            store = RunStore.create(folder, overwrite=True, total=total,  # only imblab's files are replaced
                                    request={"bench_request": wanted, "source": entry.source,
                                             "data_sha256": dataset.content_hash})
        except ImblabError as exc:  # e.g. a folder of the user's own in the dataset's place: left alone
            return failed(str(exc))
    extra = {}
    if engine is not None:
        extra["engine"] = engine  # the one place an engine reaches the runner
    results = compare(dataset, plan.strategies, plan.protocol, metric=metric,
                      random_state=random_state, n_jobs=n_jobs, rope=rope, on_done=on_done, store=store, **extra)
    with _SAVING:
        results.save(folder, report=report)
    return _outcome(entry, folder, results, start)


def _request_of(results):
    from ..store import _plain

    return {"strategies": list(results.strategies), "protocol": _plain(results.config["protocol"]),
            "random_state": results.config["random_state"], "metric": results.metric,
            "sha256": results.dataset.get("sha256")}


def _outcome(entry, folder, results, start, *, reused=False):
    fits = results.fits
    status = OK
    if (fits and all(f["error"] for f in fits)) or results.comparison["rank"].isna().all():
        status = FAILED
    elif results.errors():
        status = PARTIAL
    error = None
    if status != OK:
        error = "; ".join(f"{name} {reason}" for name, reason in results.errors().items())
    return DatasetOutcome(entry.name, entry.source, folder, status, results=results, error=error,
                          seconds=perf_counter() - start, reused=reused, facts=entry.facts,
                          fit_seconds=sum(f.get("fit_seconds") or 0.0 for f in fits))


def compare_datasets(datasets, strategies=None, *, folds=5, repeats=2, metric="f1_1", random_state=42, n_jobs=1,
          baseline=None, out="bench", overwrite=False, resume=False, report=True, engine=None, progress=None,
          on_dataset=None, request=None):
    """Compare the same strategies with the same protocol on many datasets, and across them.

    Parameters
    ----------
    datasets : list
        :class:`BenchDataset` entries (from :func:`bench_suite`,
        :func:`read_manifest` or :func:`bench_files`) and/or imblab
        :class:`~imblab.Dataset` objects.
    strategies : str or list, optional
        As for :func:`imblab.compare`; default: the practical's four.
    folds, repeats : int, default=5, 2
        Repeated stratified k-fold cross-validation on every dataset.
    metric : str, default="f1_1"
        The metric ranked and tested, within and across datasets.
    random_state : int, default=42
    n_jobs : int, default=1
        Fits to run at once within a dataset.
    baseline : str, optional
        The strategy every other one is counted against (win / not separated /
        loss); default: the first strategy.
    out : str or Path, default="bench"
        The bench folder: ``datasets/<name>/`` holds each dataset's run folder.
    overwrite, resume : bool
        Replace an existing bench folder of imblab's, or continue one: finished
        datasets are reused and unfinished ones reuse their kept fits.
    report : bool, default=True
        Write each dataset's ``report.html`` and the bench's.
    engine : DaskEngine, optional
        Passed to :func:`imblab.compare` for every dataset (None: its
        default). With an engine, :data:`IN_FLIGHT` datasets run at once
        (threads sharing its client), so that the cluster fits the next
        dataset while this process scores the last; ``progress`` is then
        not used, since their fits interleave.
    progress : callable, optional
        ``progress(entry, n_fits)`` returns a context manager that yields the
        ``on_done(record)`` callback for that dataset's fits.
    on_dataset : callable, optional
        Called with ``(outcome, index, total)`` as each dataset finishes, in
        this thread (``index`` counts the finished datasets).

    Returns
    -------
    BenchResults

    Examples
    --------
    >>> import tempfile, imblab
    >>> data = [imblab.make_synthetic(200, 4, 0.2, random_state=s) for s in range(2)]
    >>> result = imblab.compare_datasets(data, "naive,lr", folds=2, repeats=1, report=False,
    ...                                  out=tempfile.mkdtemp() + "/b")
    >>> list(result.mean_ranks["strategy"])
    ['lr', 'naive']
    """
    from .results import BenchResults

    require_extra()
    entries = _entries(datasets)
    chosen = get_strategies(strategies)
    names = [s.name for s in chosen]
    baseline = names[0] if baseline is None else baseline
    if baseline not in names:
        raise ImblabError(f"baseline {baseline!r} is not one of the strategies ({', '.join(names)}): "
                          "pass one of them, or leave it out for the first", param="baseline")
    protocol = RepeatedKFold(folds, repeats, random_state=random_state)
    folder = bench_folder.prepare_folder(out, overwrite=overwrite, resume=resume)  # locked from here
    try:
        return _bench_in(folder, entries, chosen, names, baseline, protocol, metric=metric, folds=folds,
                         repeats=repeats, random_state=random_state, n_jobs=n_jobs, resume=resume, report=report,
                         engine=engine, request=request, progress=progress, on_dataset=on_dataset)
    finally:
        from ..locks import unlock_folder

        unlock_folder(folder)


def _bench_in(folder, entries, chosen, names, baseline, protocol, *, metric, folds, repeats, random_state, n_jobs,
              resume, report, engine, request, progress, on_dataset):
    from .results import BenchResults

    config = {"strategies": names, "baseline": baseline, "metric": metric, "folds": folds, "repeats": repeats,
              "random_state": random_state, "n_jobs": n_jobs}
    if resume:
        _check_same_settings(folder, config)
    bench_folder.write_marker(folder, {"status": "incomplete", "config": config, "request": request or {},
                                       "datasets": [e.name for e in entries]})
    outcomes, wall = [], perf_counter()

    def one(entry, on_done=None):
        return run_dataset(entry, chosen, protocol, folder=bench_folder.dataset_folder(folder, entry.name),
                           metric=metric, random_state=random_state, n_jobs=n_jobs, resume=resume,
                           report=report, engine=engine, on_done=on_done)

    if engine is not None and len(entries) > 1:
        outcomes = _in_flight(one, entries, on_dataset)
    else:
        for index, entry in enumerate(entries, start=1):
            n_fits = len(chosen) * folds * repeats
            with (progress(entry, n_fits) if progress is not None else nullcontext(None)) as on_done:
                outcome = one(entry, on_done)
            outcomes.append(outcome)
            if on_dataset is not None:
                on_dataset(outcome, index, len(entries))
    results = BenchResults(outcomes, config=config, folder=folder, wall_seconds=perf_counter() - wall)
    results.save(report=report)
    return results


#: The settings a resumed bench must share with the bench it continues (the others change no result).
SETTINGS = ("strategies", "metric", "folds", "repeats", "random_state")


def _check_same_settings(folder, config):
    """Refuse to resume a bench with other settings: its finished datasets would be run again and
    replaced without a word."""
    before = bench_folder.read_marker(folder).get("config") or {}
    changed = [key for key in SETTINGS if key in before and before[key] != config[key]]
    if changed:
        shown = "; ".join(f"{key} {_shown(before[key])} (now {_shown(config[key])})" for key in changed)
        raise ImblabError(f"bench folder '{folder}' was run with other settings: {shown}; resume it with the same "
                          "ones, or start it again with --overwrite")


def _shown(value):
    return ",".join(map(str, value)) if isinstance(value, list) else str(value)


def _in_flight(one, entries, on_dataset):
    """``one(entry)`` for every entry, :data:`IN_FLIGHT` at a time; the outcomes in the entries' order."""
    from concurrent.futures import ThreadPoolExecutor, as_completed

    outcomes = [None] * len(entries)
    pool = ThreadPoolExecutor(IN_FLIGHT, thread_name_prefix="imblab-bench")
    running = {pool.submit(one, entry): index for index, entry in enumerate(entries)}
    try:
        for finished, future in enumerate(as_completed(running), start=1):
            outcomes[running[future]] = future.result()
            if on_dataset is not None:
                on_dataset(outcomes[running[future]], finished, len(entries))
    except BaseException:  # Ctrl-C or a cluster that failed: drop the datasets not started, wait for none
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return outcomes


def _entries(datasets):
    from ..data import Dataset

    if isinstance(datasets, (str, Path, Dataset, BenchDataset)):
        datasets = [datasets]
    if not datasets:
        raise ImblabError("no datasets to bench: pass --data FILE (with --target), --manifest FILE or --suite NAME")
    entries = []
    for item in datasets:
        if isinstance(item, BenchDataset):
            entries.append((item.name, item.source, item.load, item.facts))
        elif isinstance(item, Dataset):
            entries.append((item.name, f"dataset {item.name}", (lambda d=item: d), {}))
        else:
            raise ImblabError(f"a bench's datasets are imblab Datasets or entries from bench_suite, read_manifest "
                              f"or bench_files; got {type(item).__name__}", param="datasets")
    from .suites import _named

    return _named(entries)

