"""Metrics from predictions: one registry entry per metric, scikit-learn's functions behind each.

A metric is one :class:`Metric`: its scikit-learn (or imbalanced-learn) function,
whether higher is better, its bounds and, optionally, a vectorised form for
many bootstrap resamples at once (in :mod:`.bootstrap`, tested equal to the
scikit-learn function given the resample counts as ``sample_weight``). Point
estimates use the vectorised form too, with every row counted once (tested
equal to the scikit-learn function); a metric without one is computed by
calling its function, once per resample.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd
from imblearn.metrics import geometric_mean_score
from sklearn import metrics as skm

from . import bootstrap as vec

EPS = vec.EPS


@dataclass(frozen=True)
class Metric:
    """One metric: how to compute it, which way is better and its range.

    ``score(y_true, y_score, y_pred, sample_weight=None)`` returns a float;
    ``vectorised(resamples)``, if given, returns one value per row of a
    :class:`.bootstrap.Resamples`.
    """

    name: str
    score: Callable
    higher_is_better: bool = True
    bounds: tuple = (0.0, 1.0)
    vectorised: Callable | None = None
    needs_both_classes: bool = False


def _label_metric(function, **kwargs):
    def score(y_true, y_score, y_pred, sample_weight=None):
        return function(y_true, y_pred, sample_weight=sample_weight, **kwargs)
    return score


def _mcc(y_true, y_score, y_pred, sample_weight=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # MCC of a constant prediction warns and is 0 by definition
        return skm.matthews_corrcoef(y_true, y_pred, sample_weight=sample_weight)


def _log_loss(y_true, y_score, y_pred, sample_weight=None):
    clipped = np.clip(np.asarray(y_score, dtype=float), EPS, 1 - EPS)
    return skm.log_loss(y_true, clipped, labels=[0, 1], sample_weight=sample_weight)


def _brier(y_true, y_score, y_pred, sample_weight=None):
    return skm.brier_score_loss(y_true, y_score, pos_label=1, sample_weight=sample_weight)


def _ranking(function):
    def score(y_true, y_score, y_pred, sample_weight=None):
        return function(y_true, y_score, sample_weight=sample_weight)
    return score


_ZERO = {"zero_division": 0}
REGISTRY = {m.name: m for m in [
    Metric("precision_1", _label_metric(skm.precision_score, pos_label=1, **_ZERO), vectorised=vec.precision_1),
    Metric("recall_1", _label_metric(skm.recall_score, pos_label=1, **_ZERO), vectorised=vec.recall_1),
    Metric("f1_1", _label_metric(skm.f1_score, pos_label=1, **_ZERO), vectorised=vec.f1_1),
    Metric("precision_0", _label_metric(skm.precision_score, pos_label=0, **_ZERO), vectorised=vec.precision_0),
    Metric("recall_0", _label_metric(skm.recall_score, pos_label=0, **_ZERO), vectorised=vec.recall_0),
    Metric("f1_0", _label_metric(skm.f1_score, pos_label=0, **_ZERO), vectorised=vec.f1_0),
    Metric("specificity", _label_metric(skm.recall_score, pos_label=0, **_ZERO), vectorised=vec.recall_0),
    Metric("accuracy", _label_metric(skm.accuracy_score), vectorised=vec.accuracy),
    Metric("balanced_accuracy", _label_metric(skm.balanced_accuracy_score), vectorised=vec.balanced_accuracy),
    Metric("geometric_mean", _label_metric(geometric_mean_score, labels=[0, 1]), vectorised=vec.geometric_mean),
    Metric("mcc", _mcc, bounds=(-1.0, 1.0), vectorised=vec.mcc),
    Metric("roc_auc", _ranking(skm.roc_auc_score), vectorised=vec.roc_auc, needs_both_classes=True),
    Metric("average_precision", _ranking(skm.average_precision_score), vectorised=vec.average_precision,
           needs_both_classes=True),
    Metric("brier", _brier, higher_is_better=False, vectorised=vec.brier),
    Metric("log_loss", _log_loss, higher_is_better=False, bounds=(0.0, np.inf), vectorised=vec.log_loss),
]}

#: Metric names in display order (higher-is-better ones first).
METRICS = list(REGISTRY)
LOWER_IS_BETTER = {name for name, m in REGISTRY.items() if not m.higher_is_better}
COUNTS = ["support_0", "support_1", "tn", "fp", "fn", "tp"]


def compute_metrics(y_true, y_score, y_pred, sample_weight=None):
    """Every metric for one set of predictions, as a dict.

    Parameters
    ----------
    y_true, y_pred : array of 0/1
    y_score : array of float
        Probability of the positive class.
    sample_weight : array of float, optional

    Examples
    --------
    >>> m = compute_metrics([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9], [0, 1, 0, 1])
    >>> m["precision_1"], m["recall_1"], m["tp"], m["fp"]
    (0.5, 0.5, 1, 1)
    """
    y_true = np.asarray(y_true).astype(int)
    y_score = np.asarray(y_score, dtype=float)
    y_pred = np.asarray(y_pred).astype(int)
    both_classes = len(np.unique(y_true)) == 2
    if both_classes:
        # each metric's vectorised form with these weights is its scikit-learn function (tested), without
        # the input checks that make a call cost milliseconds: 40 splits × 15 metrics took seconds
        weights = np.ones(len(y_true)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        computed = vec.weighted_metrics(weights[None, :], y_true, y_score, y_pred)
        values = {name: float(computed[name][0]) for name in REGISTRY}
    else:  # a test part with one class: scikit-learn's own conventions (e.g. balanced accuracy's)
        values = {name: (float(m.score(y_true, y_score, y_pred, sample_weight=sample_weight))
                         if not m.needs_both_classes else np.nan) for name, m in REGISTRY.items()}
    tn, fp, fn, tp = np.bincount(2 * (y_true == 1) + (y_pred == 1), minlength=4)[:4]
    return {**values, "support_0": int(tn + fp), "support_1": int(fn + tp),
            "tn": int(tn), "fp": int(fp), "fn": int(fn), "tp": int(tp)}


def score_predictions(predictions):
    """One row of metrics per (strategy, split) of a predictions table.

    ``predictions`` has the columns ``strategy``, ``split_id``, ``y_true``,
    ``y_score`` and ``y_pred`` (and optionally ``seed``: then one row per
    strategy, split and seed); strategies keep the order they first appear in.
    """
    keys = ["strategy", "split_id"] + (["seed"] if "seed" in predictions else [])
    rows = []
    for key, part in predictions.groupby(keys, sort=False):
        rows.append({
            **dict(zip(keys, key)),
            **compute_metrics(part["y_true"], part["y_score"], part["y_pred"]),
        })
    frame = pd.DataFrame(rows, columns=[*keys, *METRICS, *COUNTS])
    frame["split_id"] = frame["split_id"].astype(int)
    return frame
