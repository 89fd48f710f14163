"""The one call that compares strategies on a dataset."""

from __future__ import annotations

import platform
from importlib.metadata import PackageNotFoundError, version

from ._backend import backend_name, check_backend
from .data import make_synthetic
from .errors import ImblabError
from .evaluation.metrics import METRICS
from .evaluation.protocols import Holdout, RepeatedKFold
from .evaluation.runner import check_feasible, run_tasks
from .results import Results
from .strategies import get_strategies

VERSIONED = ["imblab", "numpy", "pandas", "scikit-learn", "imbalanced-learn", "keras", "jax", "scipy"]


def compare(dataset=None, strategies=None, protocol=None, *, metric="f1_1", random_state=42, n_jobs=1,
            on_done=None):
    """Fit each strategy on each split of ``dataset`` and collect the results.

    Parameters
    ----------
    dataset : Dataset, optional
        Defaults to the practical's synthetic 95:5 data.
    strategies : list of str or str, optional
        Strategy names (or a comma-separated string); defaults to the
        practical's ``naive, smote_ann, weighted_ann, brf``.
    protocol : Holdout or RepeatedKFold, optional
        Defaults to the practical's 80/20 holdout for synthetic data and to
        5 folds × 2 repeats of stratified cross-validation for a user's table.
    metric : str, default="f1_1"
        The metric strategies are ranked and tested by (minority-class F1).
    random_state : int, default=42
        Seeds every strategy; the same seed gives the same numbers.
    n_jobs : int, default=1
        Fits to run at once (joblib processes); -1 uses every core.
    on_done : callable, optional
        Called with each :class:`FitRecord` as its fit finishes.

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
    dataset = make_synthetic(random_state=random_state) if dataset is None else dataset
    chosen = get_strategies(strategies)
    check_metric(metric)
    if protocol is None:
        protocol = default_protocol(dataset, random_state=random_state)
    if any(s.needs_keras for s in chosen):
        check_backend()  # a backend that cannot start is one line now, not a failure in every fit
    splits = list(protocol.splits(dataset.y))
    check_feasible(dataset, chosen, splits, random_state=random_state)
    predictions, fits = run_tasks(
        dataset, chosen, splits, random_state=random_state, n_jobs=n_jobs, on_done=on_done
    )
    config = {
        "strategies": [s.name for s in chosen],
        "protocol": protocol.describe(),
        "metric": metric,
        "random_state": random_state,
        "n_jobs": n_jobs,
        # the backend Keras actually trained with, as each network recorded it
        "keras_backend": next((f.facts["keras_backend"] for f in fits if "keras_backend" in f.facts),
                              backend_name()),
        "python": platform.python_version(),
        "versions": _versions(),
    }
    return Results(
        predictions=predictions,
        fits=fits,
        config=config,
        dataset=dataset.describe(),
        strategy_notes={s.name: {"family": s.family, "summary": s.summary, "how": s.how} for s in chosen},
    )


def default_protocol(dataset, *, random_state=42):
    """The practical's holdout for its synthetic data; 5 × 2 stratified CV for a user's table."""
    if dataset.kind == "synthetic":
        return Holdout(random_state=random_state)
    return RepeatedKFold(folds=5, repeats=2, random_state=random_state)


def check_metric(metric):
    if metric not in METRICS:
        raise ImblabError(f"unknown metric {metric!r}: choose from {', '.join(METRICS)}")


def _versions():
    found = {}
    for name in VERSIONED:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            pass
    return found
