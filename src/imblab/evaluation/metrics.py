"""Metrics from predictions: scikit-learn's and imbalanced-learn's functions, one row per split."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from imblearn.metrics import geometric_mean_score
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    balanced_accuracy_score,
    brier_score_loss,
    confusion_matrix,
    log_loss,
    matthews_corrcoef,
    precision_recall_fscore_support,
    roc_auc_score,
)

#: Metrics where higher is better, in display order; then the lower-is-better ones.
METRICS = [
    "precision_1", "recall_1", "f1_1", "precision_0", "recall_0", "f1_0", "specificity",
    "accuracy", "balanced_accuracy", "geometric_mean", "mcc", "roc_auc", "average_precision",
    "brier", "log_loss",
]
LOWER_IS_BETTER = {"brier", "log_loss"}
COUNTS = ["support_0", "support_1", "tn", "fp", "fn", "tp"]


def compute_metrics(y_true, y_score, y_pred):
    """Every metric for one set of predictions, as a dict.

    Parameters
    ----------
    y_true, y_pred : array of 0/1
    y_score : array of float
        Probability of the positive class.

    Examples
    --------
    >>> m = compute_metrics([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9], [0, 1, 0, 1])
    >>> m["precision_1"], m["recall_1"], m["tp"], m["fp"]
    (0.5, 0.5, 1, 1)
    """
    y_true = np.asarray(y_true)
    y_score = np.asarray(y_score, dtype=float)
    y_pred = np.asarray(y_pred)
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=[0, 1], zero_division=0
    )
    tn, fp, fn, tp = confusion_matrix(y_true, y_pred, labels=[0, 1]).ravel()
    both_classes = len(np.unique(y_true)) == 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # MCC of a constant prediction warns and is 0 by definition
        mcc = matthews_corrcoef(y_true, y_pred)
    return {
        "precision_1": float(precision[1]),
        "recall_1": float(recall[1]),
        "f1_1": float(f1[1]),
        "precision_0": float(precision[0]),
        "recall_0": float(recall[0]),
        "f1_0": float(f1[0]),
        "specificity": float(recall[0]),
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "balanced_accuracy": float(balanced_accuracy_score(y_true, y_pred)),
        "geometric_mean": float(geometric_mean_score(y_true, y_pred, labels=[0, 1])),
        "mcc": float(mcc),
        "roc_auc": float(roc_auc_score(y_true, y_score)) if both_classes else np.nan,
        "average_precision": float(average_precision_score(y_true, y_score)) if both_classes else np.nan,
        "brier": float(brier_score_loss(y_true, y_score, pos_label=1)),
        "log_loss": float(log_loss(y_true, np.clip(y_score, 1e-15, 1 - 1e-15), labels=[0, 1])),
        "support_0": int(support[0]),
        "support_1": int(support[1]),
        "tn": int(tn), "fp": int(fp), "fn": int(fn), "tp": int(tp),
    }


def score_predictions(predictions):
    """One row of metrics per (strategy, split) of a predictions table.

    ``predictions`` has the columns ``strategy``, ``split_id``, ``y_true``,
    ``y_score`` and ``y_pred``; strategies keep the order they first appear in.
    """
    rows = []
    for (strategy, split_id), part in predictions.groupby(["strategy", "split_id"], sort=False):
        rows.append({
            "strategy": strategy,
            "split_id": int(split_id),
            **compute_metrics(part["y_true"], part["y_score"], part["y_pred"]),
        })
    return pd.DataFrame(rows, columns=["strategy", "split_id", *METRICS, *COUNTS])
