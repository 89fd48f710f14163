"""Coverage and width of 95% intervals, against the truth measured on held-out population rows.

Cross-validation (5 × 2, logistic regression): does the interval of a strategy's
metric cover the *method's* expected performance (the metric of a model trained
on n·4/5 fresh rows, averaged over many training sets, on held-out rows)?
Every candidate interval is computed from the same out-of-fold predictions:

- ``fold mean, corrected t``: mean of per-fold metrics, Nadeau-Bengio corrected t
  on the fold scores (imblab before this suite);
- ``pooled, fold-score s.e.``: the metric pooled over each repeat's out-of-fold
  predictions, with the fold scores' corrected standard error;
- ``pooled, pseudo-value s.e.``: pooled, with the corrected standard error of the
  per-fold jackknife pseudo-values, ``s²(1/J + n_test/n_train)``, t on J − 1 df;
- ``…, 1/k + ratio``: the same, counting only the k folds of a repeat as
  independent test parts (the repeats re-test the same rows);
- ``…, 1/k + ratio, k-1 df``: and a t quantile on k − 1 degrees of freedom
  (imblab's choice);
- ``pooled, pseudo-value naive s.e.``: the same without the correction.

Holdout (80/20, stratified bootstrap): does the interval cover the *fitted
model's* performance on the population?
"""

from __future__ import annotations

import numpy as np

from common import (FOLDS, cv_predictions, draw, fold_scores, holdout_predictions, line, logistic, metric,
                    population, rate)
from imblab.evaluation import cv, holdout

METRICS_STUDIED = ["f1_1", "average_precision"]


def expected_performance(pool_X, pool_y, held_X, held_y, n_train, *, n_sets, seed, factory=logistic):
    """The method's expected metric: models trained on ``n_sets`` fresh samples, scored on held-out rows."""
    rng = np.random.RandomState(seed)
    values = {m: [] for m in METRICS_STUDIED}
    for _ in range(n_sets):
        X, y = draw(pool_X, pool_y, n_train, rng)
        score = factory(0).fit(X, y).predict_proba(held_X)[:, 1]
        for m in METRICS_STUDIED:
            values[m].append(metric(m, held_y, score, (score >= 0.5).astype(int)))
    return {m: float(np.mean(v)) for m, v in values.items()}


def cv_intervals(predictions, ratio):
    """Every candidate interval of every studied metric: ``{(candidate, metric): (low, high)}``."""
    pooled, pseudo = cv.pooled_and_pseudo(predictions, FOLDS, METRICS_STUDIED)
    folds = fold_scores(predictions, METRICS_STUDIED)
    out = {}
    for m in METRICS_STUDIED:
        scores = folds[m]
        point = cv.pooled_estimate(pooled, m)
        out[("fold mean, corrected t", m)] = cv.corrected_interval(scores, ratio)[2:]
        out[("pooled, fold-score s.e.", m)] = cv.corrected_interval(scores, ratio, center=point)[2:]
        out[("pooled, pseudo-value s.e.", m)] = cv.corrected_interval(pseudo[m], ratio, center=point)[2:]
        out[("pooled, pseudo-value s.e., 1/k + ratio", m)] = cv.corrected_interval(
            pseudo[m], ratio, center=point, n_independent=FOLDS)[2:]
        out[("pooled, pseudo-value s.e., 1/k + ratio, k-1 df", m)] = cv.corrected_interval(
            pseudo[m], ratio, center=point, n_independent=FOLDS, df=FOLDS - 1)[2:]
        out[("pooled, pseudo-value naive s.e.", m)] = cv.corrected_interval(pseudo[m], 0.0, center=point)[2:]
    return out


def cv_coverage(n, reps, *, seed=1, truth_sets=100, data=None):
    pool_X, pool_y, held_X, held_y = population() if data is None else data
    truth = expected_performance(pool_X, pool_y, held_X, held_y, n * (FOLDS - 1) // FOLDS,
                                 n_sets=truth_sets, seed=seed + 10_000)
    rng = np.random.RandomState(seed)
    hits, widths = {}, {}
    for rep in range(reps):
        X, y = draw(pool_X, pool_y, n, rng)
        predictions, fits = cv_predictions(X, y, {"lr": logistic}, seed=rep)
        predictions = predictions.drop(columns="strategy")
        for key, (low, high) in cv_intervals(predictions, 1 / (FOLDS - 1)).items():
            hits.setdefault(key, []).append(low <= truth[key[1]] <= high)
            widths.setdefault(key, []).append(high - low)
    return truth, hits, widths


def holdout_coverage(n, reps, *, seed=2, data=None):
    pool_X, pool_y, held_X, held_y = population() if data is None else data
    rng = np.random.RandomState(seed)
    hits, widths = {m: [] for m in METRICS_STUDIED}, {m: [] for m in METRICS_STUDIED}
    for rep in range(reps):
        X, y = draw(pool_X, pool_y, n, rng)
        predictions, _, models = holdout_predictions(X, y, {"lr": logistic}, seed=rep)
        samples = holdout.bootstrap_samples(predictions, ["lr"], rep, metrics=METRICS_STUDIED)["lr"]
        score = models["lr"].predict_proba(held_X)[:, 1]
        for m in METRICS_STUDIED:
            low, high = holdout.percentile_interval(samples[m])
            true = metric(m, held_y, score, (score >= 0.5).astype(int))
            hits[m].append(low <= true <= high)
            widths[m].append(high - low)
    return hits, widths


def report(reps_cv, reps_holdout, sizes=(2000, 500), *, data=None):
    data = population() if data is None else data
    lines = []
    for n in sizes:
        truth, hits, widths = cv_coverage(n, reps_cv, data=data)
        target, floor = ("≥ 93% (95%)", 0.93) if n >= 2000 else ("≥ 90% (95%)", 0.90)
        lines.append(f"CV 5×2, logistic regression, n = {n}, {reps_cv} replications; "
                     f"expected F1 {truth['f1_1']:.3f}, AP {truth['average_precision']:.3f}")
        for key in hits:
            value, se = rate(hits[key])
            lines.append(line(f"{key[1]:<18} {key[0]}", value, se, target, value >= floor)
                         + f"   mean width {np.mean(widths[key]):.3f}")
    return lines + holdout_report(reps_holdout, data=data)


def holdout_report(reps, n=2000, *, data=None):
    hits, widths = holdout_coverage(n, reps, data=data)
    lines = [f"Holdout 80/20, logistic regression, n = {n}, {reps} replications "
             "(truth: the fitted model on held-out rows)"]
    for m in METRICS_STUDIED:
        value, se = rate(hits[m])
        lines.append(line(f"{m:<18} stratified bootstrap percentile", value, se, "95%",
                          abs(value - 0.95) <= 2 * se + 0.02) + f"   mean width {np.mean(widths[m]):.3f}")
    return lines


if __name__ == "__main__":
    import sys

    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    print("\n".join(report(reps, reps)))
