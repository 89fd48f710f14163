"""The one call that compares strategies on a dataset."""

from __future__ import annotations

import platform
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version

import numpy as np

from ._backend import backend_name, check_backend
from .data.dataset import Dataset
from .checks import check_metric, check_n_jobs, check_rope
from .errors import ImblabError
from .evaluation.protocols import Holdout, RepeatedKFold, as_protocol, protocol_splits
from .evaluation.cores import available_cores, workers_for
from .evaluation.runner import check_feasible, run_tasks
from .strategies import get_strategies

VERSIONED = ["imblab", "numpy", "pandas", "scikit-learn", "imbalanced-learn", "keras", "jax", "scipy"]


def compare(dataset=None, strategies=None, protocol=None, *, metric="f1_1", random_state=42, n_seeds=1,
            n_jobs=1, rope=0.01, on_done=None, store=None, engine=None):
    """Fit each strategy on each split of ``dataset`` and collect the results.

    Parameters
    ----------
    dataset : Dataset, optional
        Defaults to the practical's synthetic 95:5 data.
    strategies : str, list or dict, optional
        Strategy names, presets and specs (or a comma-separated string);
        defaults to the practical's ``naive, smote_ann, weighted_ann, brf``.
        A list may also hold a user's own scikit-learn classifiers (named by
        their class) and :func:`~imblab.strategy` objects; a dict names each
        one: ``{"mine": LogisticRegression(), "brf@f1": "brf@f1"}``.
    protocol : Holdout, RepeatedKFold, GroupKFold, TimeSplits or a scikit-learn splitter, optional
        Defaults to the practical's 80/20 holdout for synthetic data and to
        5 folds × 2 repeats of stratified cross-validation for a user's table.
        A protocol that splits by a column (groups, time) takes that column
        out of the features.
    metric : str, default="f1_1"
        The metric strategies are ranked and tested by (minority-class F1).
    random_state : int, default=42
        Seeds every strategy; the same seed gives the same numbers.
    n_seeds : int, default=1
        Fit every (strategy, split) this many times with seeds derived from
        ``random_state``, so that a network's or forest's seed-to-seed
        variation enters the estimates and tests (a split's metric is averaged
        over its seeds).
    n_jobs : int, default=1
        Fits to run at once (joblib processes); -1 uses every core.
    on_done : callable, optional
        Called with each :class:`FitRecord` as its fit finishes.
    rope : float, default=0.01
        Region of practical equivalence, in the metric's units: a strategy is
        called equivalent to the first-ranked only if their difference lies within
        ±rope with probability ≥ 95%.
    store : RunStore, optional
        Keep every fit in this run folder as soon as it finishes, and reuse the
        fits already kept there whose strategy spec, split, data, seed and
        library versions match (resuming an interrupted run). Finish the folder
        with ``results.save(store.folder)``.
    engine : DaskEngine, optional
        Run the fits on a Dask cluster (see
        :class:`~imblab.evaluation.dask_engine.DaskEngine`) instead of in
        ``n_jobs`` local processes; the predictions are the same as a local
        run's whose fits get as many cores each.

    Returns
    -------
    Results

    Examples
    --------
    >>> from imblab import compare, make_synthetic
    >>> results = compare(make_synthetic(n_samples=500), strategies="naive,brf")
    >>> list(results.summary["strategy"])
    ['naive', 'brf']
    """
    plan = prepare(dataset, strategies, protocol, metric=metric, random_state=random_state, n_jobs=n_jobs,
                   rope=rope)
    dataset, chosen, protocol, splits = plan.dataset, plan.strategies, plan.protocol, plan.splits
    versions = _versions()
    key = {"data": dataset.content_hash, "random_state": int(random_state), "versions": versions,
           "keras_backend": backend_name() if any(s.needs_keras for s in chosen) else None}
    if not isinstance(n_seeds, (int, np.integer)) or isinstance(n_seeds, bool) or n_seeds < 1:
        raise ImblabError(f"n_seeds must be a whole number of at least 1, got {n_seeds!r}", param="n_seeds")
    predictions, fits = run_tasks(
        dataset, chosen, splits, random_state=random_state, n_seeds=n_seeds, n_jobs=n_jobs, on_done=on_done,
        store=store, key=key, engine=engine,
    )
    cluster = engine.describe() if engine is not None else None
    config = {
        "strategies": [s.name for s in chosen],
        # a spec rebuilds the strategy (imblab fit RUN_DIR); None: a user's estimator, from its config
        "strategy_specs": {s.name: s.spec.text if s.spec is not None and s.factory is None else None
                           for s in chosen},
        # what a user's estimator was (its class and every parameter): fit RUN_DIR refits only that
        "strategy_identities": {s.name: s.identity for s in chosen},
        "protocol": protocol.describe(),
        "metric": metric,
        "rope": float(rope),
        "random_state": random_state,
        "n_seeds": n_seeds,
        "n_jobs": n_jobs,
        # how the fits ran: this process's workers, or a Dask cluster's (its workers and their threads)
        "engine": {"kind": "local"} if engine is None else cluster,
        # how many fits ran at once, on how many cores (what -1, every core, came to)
        "workers": workers_for(n_jobs, len(chosen) * len(splits) * n_seeds) if engine is None else cluster["workers"],
        "cores": available_cores() if engine is None else cluster["threads"],
        # the backend Keras actually trained with, as each network recorded it
        "keras_backend": next((f.facts["keras_backend"] for f in fits if "keras_backend" in f.facts),
                              backend_name()),
        "python": platform.python_version(),
        "versions": versions,
    }
    from .results import Results  # its statistics need scikit-learn: imported once there is work

    return Results(
        predictions=predictions,
        fits=fits,
        config=config,
        dataset=dataset.describe(),
        strategy_notes={s.name: {"family": s.family, "summary": s.summary, "how": s.how} for s in chosen},
    )


@dataclass(frozen=True)
class Plan:
    """A comparison checked and ready to run: the data, strategies, protocol and its splits."""

    dataset: Dataset
    strategies: list
    protocol: object
    splits: list


def prepare(dataset=None, strategies=None, protocol=None, *, metric="f1_1", random_state=42, n_jobs=1,
            rope=0.01):
    """Check every argument of :func:`compare` and split the data, fitting nothing.

    Raises ImblabError for anything that would stop the comparison, so that a
    caller can find out before it creates a run folder.
    """
    if not isinstance(random_state, (int, np.integer)) or isinstance(random_state, bool) or random_state < 0:
        raise ImblabError(f"random_state must be a whole number of at least 0, got {random_state!r}",
                          param="random_state")
    if dataset is None:
        from .data.synthetic import make_synthetic

        dataset = make_synthetic(random_state=random_state)
    if not isinstance(dataset, Dataset):
        raise ImblabError(f"dataset must be an imblab Dataset (from make_synthetic, load_table or "
                          f"dataset_from_frame), got {type(dataset).__name__}", param="dataset")
    chosen = get_strategies(strategies)
    check_metric(metric)
    check_n_jobs(n_jobs)
    check_rope(rope)
    if any(s.needs_keras for s in chosen):
        check_backend()  # a backend that cannot start is one line now, not a failure in every fit
    if protocol is None:
        protocol = default_protocol(dataset, random_state=random_state)
    protocol = as_protocol(protocol)
    dataset, splits = protocol_splits(protocol, dataset)
    check_feasible(dataset, chosen, splits, random_state=random_state)
    return Plan(dataset, chosen, protocol, splits)


def default_protocol(dataset, *, random_state=42):
    """The practical's holdout for its synthetic data; 5 × 2 stratified CV for a user's table."""
    if dataset.kind == "synthetic":
        return Holdout(random_state=random_state)
    return RepeatedKFold(folds=5, repeats=2, random_state=random_state)


def _versions():
    found = {}
    for name in VERSIONED:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            pass
    return found
