"""Probabilities after resampling or class weighting, and their prior-shift correction.

A model trained where the positive class has prior π_s (0.5 after SMOTE to
balance, or with balanced class weights) predicts probabilities for that world.
Bayes' rule moves them back to the true prior π of the training part:

    p' = p·π/π_s / (p·π/π_s + (1 − p)·(1 − π)/(1 − π_s))

(Saerens, Latinne & Decaestecker, 2002; Elkan, 2001). The correction is a
monotone map, so rankings (ROC-AUC, PR-AUC) are unchanged; Brier score and
reliability are what it can repair.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

N_BINS = 10


def prior_shift(y_score, true_prior, trained_prior):
    """Move positive-class probabilities from ``trained_prior`` to ``true_prior``.

    Examples
    --------
    A 0.5 from a model trained on balanced classes, when positives are 5%:

    >>> round(float(prior_shift([0.5], 0.05, 0.5)[0]), 4)
    0.05
    """
    p = np.asarray(y_score, dtype=float)
    up = p * true_prior / trained_prior
    down = (1 - p) * (1 - true_prior) / (1 - trained_prior)
    return up / (up + down)


def trained_prior(facts, train_counts):
    """The positive-class prior the model effectively learned under, or None if it is the true one."""
    if facts.get("balanced_by_design"):
        return 0.5
    seen = facts.get("class_counts_seen")
    if not seen:
        return None
    prior = seen[1] / (seen[0] + seen[1])
    true = train_counts[1] / (train_counts[0] + train_counts[1])
    return None if np.isclose(prior, true) else prior


def calibration_summary(predictions):
    """Brier score before and after the prior-shift correction, per strategy.

    Strategies trained at their true prior have no corrected scores and get NaN.
    """
    from sklearn.metrics import brier_score_loss

    rows = []
    for strategy, part in predictions.groupby("strategy", sort=False):
        corrected = part["y_score_prior"]
        rows.append({
            "strategy": strategy,
            "brier": brier_score_loss(part["y_true"], part["y_score"]),
            "brier_prior_corrected": (brier_score_loss(part["y_true"], corrected)
                                      if corrected.notna().all() else np.nan),
            "mean_score": part["y_score"].mean(),
            "mean_score_prior_corrected": corrected.mean() if corrected.notna().all() else np.nan,
            "positive_rate": part["y_true"].mean(),
        })
    # named columns, so that a run where every strategy failed still has the table's shape
    return pd.DataFrame(rows, columns=["strategy", "brier", "brier_prior_corrected", "mean_score",
                                       "mean_score_prior_corrected", "positive_rate"])


def reliability_table(predictions, n_bins=N_BINS):
    """Observed positive rate against mean predicted probability in ``n_bins`` equal-width bins.

    One row per strategy, variant (``raw`` or ``prior_corrected``) and non-empty bin.
    """
    from sklearn.calibration import calibration_curve  # imported here: only reports need it

    rows = []
    edges = np.linspace(0, 1, n_bins + 1)
    for strategy, part in predictions.groupby("strategy", sort=False):
        variants = [("raw", part["y_score"])]
        if part["y_score_prior"].notna().all():
            variants.append(("prior_corrected", part["y_score_prior"]))
        for variant, scores in variants:
            bins = np.searchsorted(edges[1:-1], scores)  # sklearn's calibration_curve binning
            observed, predicted = calibration_curve(part["y_true"], scores, n_bins=n_bins, strategy="uniform")
            counts = np.bincount(bins, minlength=n_bins)
            for b, (obs, pred) in zip(np.flatnonzero(counts), zip(observed, predicted)):
                rows.append({"strategy": strategy, "variant": variant, "bin": int(b),
                             "bin_low": edges[b], "bin_high": edges[b + 1], "rows": int(counts[b]),
                             "mean_predicted": pred, "observed_rate": obs})
    return pd.DataFrame(rows, columns=["strategy", "variant", "bin", "bin_low", "bin_high", "rows",
                                       "mean_predicted", "observed_rate"])
