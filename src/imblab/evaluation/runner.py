"""The runner: fits every (strategy, split) and records out-of-sample predictions.

It is the one place that knows about parallelism and failure isolation: a
strategy that raises while fitting or predicting is recorded as failed and
the others carry on.
"""

from __future__ import annotations

import os
import time
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from functools import partial

import numpy as np
import pandas as pd

from ..errors import ImblabError
from ..strategies import minority_rows_needed
from ..strategies.prediction import positive_column, probabilities_and_classes
from ..strategies.registry import smaller_class
from .calibration import prior_shift, trained_prior
from .cores import available_cores, cores_per_fit, elastic_threads, limited_threads, use_cores, workers_for
from .engines import WorkerLost, completed_map

PREDICTION_COLUMNS = ["strategy", "split_id", "row_id", "y_true", "y_score", "y_pred", "y_score_prior"]


@dataclass
class FitRecord:
    """What happened when one strategy was fitted on one split."""

    strategy: str
    split_id: int
    train_counts: dict
    test_counts: dict
    fit_seconds: float = 0.0
    predict_seconds: float = 0.0
    facts: dict = field(default_factory=dict)
    error: str | None = None
    seed: int | None = None  # which of the run's seeds, when each split is fitted with several


def check_feasible(dataset, strategies, splits, *, random_state):
    """Raise ImblabError before any fitting if a strategy cannot run on some training part (its smaller
    class: see :func:`~imblab.strategies.registry.smaller_class`)."""
    for strategy in strategies:
        needed, reason = minority_rows_needed(strategy.build(dataset, random_state=random_state))
        for split in splits:
            minority, have = smaller_class(dataset.y[split.train])
            if have < needed:
                raise ImblabError(
                    f"strategy '{strategy.name}' cannot run: {reason}, but the training part of "
                    f"split {split.split_id} has {have} (class {dataset.labels[minority]!r}); add minority "
                    f"rows, use fewer folds, or leave '{strategy.name}' out of the strategies"
                )


@dataclass(frozen=True)
class Task:
    """One fit: a strategy on a split's training rows, with the ``random_state`` it is built with.

    ``seed`` numbers the fit among the seeds of its (strategy, split) when a run
    fits each several times (``n_seeds``); it is ``None`` when there is one.
    """

    dataset: object
    strategy: object
    split: object
    random_state: int
    seed: int | None = None
    cores: int = 1
    parent_pid: int = 0  # the process that made the task: a fit there runs alone


def seed_states(random_state, n_seeds, split_id=0):
    """The ``random_state`` of each of ``n_seeds`` fits of one strategy on split ``split_id``.

    Every split gets seeds of its own, derived from the run's (NumPy's
    SeedSequence), so that a network's or forest's dependence on its seed varies
    from split to split and enters the CV interval and test as noise. With one
    seed reused on every split, a seed's lasting mark on the model (a network
    started from the same weights every time) looks like a difference between
    methods: the validity suite measured two copies of the network that differ only
    in their seeds called different 21% of the time at a 5% level that way.
    All strategies share a split's seeds (common random numbers), so an identical
    copy of a strategy still gets identical predictions. Split 0's first seed is the
    run's own, so a holdout (one split) is fitted with exactly ``random_state``.

    Examples
    --------
    >>> seed_states(42, 1)
    [42]
    >>> seed_states(42, 3)[0], len(set(seed_states(42, 3)))
    (42, 3)
    >>> seed_states(42, 1, split_id=1) != seed_states(42, 1, split_id=2) != [42]
    True
    """
    if split_id == 0:
        derived = np.random.SeedSequence(random_state).generate_state(max(n_seeds - 1, 0))
        return [int(random_state), *(int(s) % 2**31 for s in derived)]
    derived = np.random.SeedSequence([random_state, split_id]).generate_state(n_seeds)
    return [int(s) % 2**31 for s in derived]


#: Training rows from which a fit beside others may take spare cores (see cores.spare_cores). A gated
#: second thread pays off whenever a core is spare (Balanced Random Forest, 100 trees, one thread -> a
#: spare core: 8,000 rows 0.43 s -> 0.33 s; 50,000 rows 2.78 s -> 1.53 s; 200,000 rows 14.6 s -> 7.3 s),
#: but while none is, joblib's threads cost small fits more than nothing (8,000 rows 0.52 s -> 0.62 s,
#: medians of 5; 50,000 rows 3.02 s -> 2.95 s), and small fits mostly run while every worker is busy.
ELASTIC_MIN_ROWS = 50_000


def run_tasks(dataset, strategies, splits, *, random_state, n_seeds=1, n_jobs=1, on_done=None, store=None,
              key=None, engine=None):
    """Fit each strategy on each split (``n_seeds`` times, with different seeds); return
    (predictions DataFrame, list of FitRecord).

    ``on_done(record)`` is called in this process as each fit finishes (in
    task order when they run one by one here), and first for each fit reused
    from the ``store``, once any workers have been forked. See
    :mod:`.engines` for how ``n_jobs`` runs them, and :mod:`.cores` for how each fit's thread
    pools are sized to the cores it is given. With ``n_seeds > 1`` the
    predictions have a ``seed`` column numbering the seeds.

    ``engine`` (a :class:`~imblab.evaluation.dask_engine.DaskEngine`) runs the
    fits elsewhere instead, ``n_jobs`` aside: it yields ``(task index, (part,
    record))`` as fits finish, as local workers do.

    With a ``store`` (a :class:`~imblab.store.RunStore`), every fit is kept
    there as soon as it finishes, and a fit already kept under the same key
    (``key`` — data hash, seed, versions — plus the strategy's spec, the
    split's rows and the fit's seed) is reused instead of refitted. Results
    come back in task order either way, so a resumed run's tables equal an
    uninterrupted one's.
    """
    states = {split.split_id: seed_states(random_state, n_seeds, split.split_id) for split in splits}
    n_workers = workers_for(n_jobs, len(strategies) * len(splits) * n_seeds)
    cores = cores_per_fit(n_workers)
    tasks = [Task(dataset, strategy, split, state, seed if n_seeds > 1 else None, cores, os.getpid())
             for strategy in strategies for split in splits
             for seed, state in enumerate(states[split.split_id])]
    keys = [fit_key(key or {}, task) for task in tasks]
    done = {}
    if store is not None:
        for index, task_key in enumerate(keys):
            kept = store.load_fit(task_key)
            if kept is not None:
                done[index] = (kept[0], restore_record(kept[1]))

    def report_kept():  # once any workers are forked: on_done may start threads
        for index in sorted(done) if on_done is not None else ():
            on_done(done[index][1])

    if store is not None:  # a strategy whose fits killed two of imblab's processes fails rather than kill a third
        deaths = {}
        for index in range(len(tasks)):
            if index not in done:
                name = tasks[index].strategy.name
                deaths[name] = deaths.get(name, 0) + store.deaths(keys[index])
        for index in range(len(tasks)):
            if index not in done and deaths[tasks[index].strategy.name] >= 2:
                done[index] = (None, died_here(tasks[index], deaths[tasks[index].strategy.name]))
    pending = [index for index in range(len(tasks)) if index not in done]
    lost = set()
    fit = fit_and_predict
    if store is not None and engine is None and min(n_workers, len(pending)) <= 1:
        # one by one in this process, which a fit's death ends: each fit noted in the store as it runs (in
        # threads, the fits running beside the one that killed the process could not be told from it)
        fit = partial(_fit_noted, store, key or {})

    def died(i, exc):  # the fit's worker process died: a failed fit, not kept (a resume tries it again)
        lost.add(i)
        return None, lost_fit(tasks[pending[i]], exc)

    with limited_threads(cores):  # also for worker threads, which share this process's pools
        if engine is None:
            finished = completed_map(fit, [tasks[i] for i in pending], n_workers=n_workers,
                                     group=start_up, first=lambda task: task.strategy.slow, started=report_kept,
                                     lost=died)
        else:
            report_kept()
            finished = engine.fits([tasks[i] for i in pending])
        try:
            for i, (part, record) in finished:
                index = pending[i]
                if store is not None and i not in lost:
                    store.keep_fit(keys[index], part, asdict(record))
                done[index] = (part, record)
                if on_done is not None:
                    on_done(record)
        except WorkerLost as exc:  # not imblab's bug, nor the fit's own error: say which fit and how
            task = tasks[pending[exc.index]]
            raise ImblabError(f"the process fitting '{task.strategy.name}' on split {task.split.split_id} died "
                              f"({exc.how}: {_DIED_WHY}); leave that strategy out, or give the run more "
                              "memory") from None
    parts = [done[index][0] for index in range(len(tasks)) if done[index][0] is not None]
    records = [done[index][1] for index in range(len(tasks))]
    columns = PREDICTION_COLUMNS + (["seed"] if n_seeds > 1 else [])
    predictions = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    return predictions, records


#: Why a fit's process dies, as far as imblab can tell.
_DIED_WHY = "the system may have run out of memory, or the learner crashed"


def _fit_noted(store, base, task):
    """:func:`fit_and_predict` in this process, its start and end noted in ``store``: a fit whose note
    outlives the process killed it (see :meth:`~imblab.store.RunStore.fit_starting`)."""
    key = fit_key(base, task)
    store.fit_starting(key)
    try:
        return fit_and_predict(task)
    finally:  # finished, failed or interrupted (Ctrl-C): this process did not die of it
        store.fit_ended(key)


def died_here(task, deaths):
    """The record of a fit of a strategy whose fits killed ``deaths`` of imblab's own processes (fits run
    there with --jobs 1): failed, and not fitted again."""
    record = _new_record(task)
    record.error = (f"ProcessDied: imblab's process died {times_said(deaths)} while fitting this strategy "
                    f"({_DIED_WHY}); "
                    "its remaining fits are not tried again in this run: leave it out, or start a new run with "
                    "more memory")
    return record


def times_said(n):
    """``n`` times in words: once, twice, 3 times."""
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


def lost_fit(task, exc):
    """The record of a fit whose process died (``exc``, a :class:`~.engines.WorkerLost`)."""
    record = _new_record(task)
    record.error = f"WorkerLost: the process fitting it died ({exc.how}): {_DIED_WHY}"
    return record


def _new_record(task):
    """A fit's record before it is fitted: which strategy, split and seed, and the class counts."""
    dataset, split = task.dataset, task.split
    return FitRecord(strategy=task.strategy.name, split_id=split.split_id, seed=task.seed,
                     train_counts=dataset.class_counts(split.train), test_counts=dataset.class_counts(split.test))


def start_up(task):
    """What a fit needs started in its process first: Keras (imports, compiling the loop) or nothing."""
    return "keras" if getattr(task.strategy, "needs_keras", False) else None


def fit_key(base, task):
    """What must match for a kept fit to be reused: the run's data, seed and versions (``base``),
    the strategy's spec, the split's rows and the fit's own seed."""
    from ..store import rows_hash

    strategy, split = task.strategy, task.split
    key = {**base, "strategy": strategy.name, "spec": strategy.identity, "split_id": int(split.split_id),
           "train": rows_hash(split.train), "test": rows_hash(split.test)}
    key["fit_random_state"] = task.random_state  # each split's own seeds (see seed_states)
    return key


def restore_record(saved):
    """A FitRecord from its JSON form (class keys back to integers)."""
    record = FitRecord(**saved)
    record.train_counts = int_keys(record.train_counts)
    record.test_counts = int_keys(record.test_counts)
    for name in ("class_counts_seen", "class_weight"):
        if name in record.facts:
            record.facts[name] = int_keys(record.facts[name])
    return record


def int_keys(mapping):
    """JSON turns the class keys 0 and 1 into strings; turn them back."""
    return {int(k): v for k, v in mapping.items()}


def fit_and_predict(task):
    """Fit one task's strategy on its training rows and predict its test rows, in isolation: an
    exception becomes the record's ``error`` and no predictions."""
    dataset, strategy, split, cores = task.dataset, task.strategy, task.split, task.cores
    record = _new_record(task)
    # in a worker beside others, a large fit's learner may also run threads on the cores idle workers leave
    elastic = (cores < available_cores() and os.getpid() != task.parent_pid
               and len(split.train) >= ELASTIC_MIN_ROWS)
    try:
        estimator = use_cores(strategy.build(dataset, random_state=task.random_state), cores, spare=elastic)
        if start_up(task) == "keras":  # starting the backend is the process's start-up, not this fit's time
            from .._backend import start_network_backend

            start_network_backend()
        start = time.perf_counter()
        with limited_threads(cores), (elastic_threads() if elastic else nullcontext()):
            estimator.fit(dataset.X.iloc[split.train], dataset.y[split.train])
        record.fit_seconds = time.perf_counter() - start
        start = time.perf_counter()
        X_test = dataset.X.iloc[split.test]
        with limited_threads(cores), (elastic_threads() if elastic else nullcontext()):
            proba, y_pred = probabilities_and_classes(estimator, X_test)
            y_score = positive_column(estimator, proba)
        record.predict_seconds = time.perf_counter() - start
        if not np.all(np.isfinite(y_score)):
            raise FloatingPointError("the model predicted non-finite probabilities")
    except Exception as exc:  # isolate the failure: the other strategies' results still count
        record.error = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
        return None, record
    record.facts = training_facts(estimator, record.train_counts)
    prior = trained_prior(record.facts, record.train_counts)
    if prior is not None:
        record.facts["trained_prior"] = prior
    true_prior = record.train_counts[1] / sum(record.train_counts.values())
    part = pd.DataFrame({
        "strategy": strategy.name,
        "split_id": split.split_id,
        "row_id": split.test.astype(np.int64),
        "y_true": dataset.y[split.test].astype(np.int8),
        "y_score": y_score.astype(np.float64),
        "y_pred": np.asarray(y_pred).astype(np.int8),
        "y_score_prior": prior_shift(y_score, true_prior, prior) if prior is not None else np.nan,
    })
    if task.seed is not None:
        part["seed"] = np.int64(task.seed)
    return part, record


def training_facts(estimator, train_counts=None):
    """What a fitted estimator learned about the imbalance: resampled counts, class weights, threshold.

    Class weights are those the learner used: its own ``class_weight_`` (the
    network), else, for ``class_weight="balanced"``, scikit-learn's
    N / (2 · n_c) over the rows the learner saw — after any resampling
    (``class_counts_seen``), else the training part's ``train_counts``.
    """
    facts = {}
    if hasattr(estimator, "best_threshold_"):  # TunedThresholdClassifierCV
        facts["threshold"] = float(estimator.best_threshold_)
        estimator = estimator.estimator_
    elif hasattr(estimator, "threshold") and hasattr(estimator, "estimator_"):  # FixedThresholdClassifier
        facts["threshold"] = float(estimator.threshold)
        estimator = estimator.estimator_
    steps = estimator.steps if hasattr(estimator, "steps") else [("model", estimator)]
    model = steps[-1][1]
    samplers = [type(step).__name__ for _, step in steps if hasattr(step, "fit_resample")]
    if samplers:
        facts["samplers"] = samplers
    recorded = dict(steps).get("seen", model)
    if hasattr(recorded, "class_counts_"):
        facts["class_counts_seen"] = {int(k): int(v) for k, v in recorded.class_counts_.items()}
    if (getattr(model, "class_weight", None) == "balanced"
            or any(c.__module__.startswith("imblearn.ensemble") for c in type(model).__mro__)):
        facts["balanced_by_design"] = True
    if getattr(model, "class_weight", None) is not None and hasattr(model, "class_weight_"):
        facts["class_weight"] = {int(k): float(v) for k, v in model.class_weight_.items()}
    elif getattr(model, "class_weight", None) == "balanced":
        seen = facts.get("class_counts_seen") or train_counts
        if seen and all(seen.get(c) for c in (0, 1)):
            total = seen[0] + seen[1]
            facts["class_weight"] = {c: total / (2 * seen[c]) for c in (0, 1)}
    if hasattr(model, "backend_"):
        facts["keras_backend"] = model.backend_
    return facts
