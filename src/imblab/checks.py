"""Checks of a comparison's arguments that need no data and no heavy library.

They live apart from the modules that use scikit-learn so that the command
line can refuse a bad argument before it imports anything large.
"""

from __future__ import annotations

from numbers import Integral

from .errors import ImblabError

#: The metrics imblab computes, in the order of its tables (the registry in
#: :mod:`imblab.evaluation.metrics` defines them; a test keeps the two equal).
METRIC_NAMES = (
    "precision_1", "recall_1", "f1_1", "precision_0", "recall_0", "f1_0", "specificity", "accuracy",
    "balanced_accuracy", "geometric_mean", "mcc", "roc_auc", "average_precision", "brier", "log_loss",
)


def check_metric(metric):
    """Raise ImblabError unless ``metric`` is one imblab computes.

    >>> check_metric("f1_1")
    >>> check_metric("f2")
    Traceback (most recent call last):
    imblab.errors.ImblabError: unknown metric 'f2': choose from precision_1, ...
    """
    if metric not in METRIC_NAMES:
        raise ImblabError(f"unknown metric {metric!r}: choose from {', '.join(METRIC_NAMES)}", param="metric")


def check_n_jobs(n_jobs):
    if not isinstance(n_jobs, Integral) or isinstance(n_jobs, bool) or n_jobs == 0 or n_jobs < -1:
        raise ImblabError(f"n_jobs must be a positive whole number, or -1 for every core; got {n_jobs!r}",
                          param="n_jobs")


def check_rope(rope):
    if isinstance(rope, bool) or not isinstance(rope, (int, float)) or not 0 <= rope < 1:
        raise ImblabError(f"rope must be a number from 0 to below 1 in the metric's units (e.g. 0.01), got {rope!r}",
                          param="rope")
