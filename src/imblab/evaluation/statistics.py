"""Intervals and tests that are honest about how the scores were obtained.

Cross-validation: fold scores share training rows, so they are not
independent and the naive standard error is too small. Intervals and paired
tests use the corrected resampled t-test (Nadeau & Bengio, 2003): the variance
of the J split scores is inflated to ``s² · (1/J + n_test/n_train)``.

A single holdout: a seeded stratified bootstrap of the test rows gives
percentile intervals; paired comparisons use the same resamples for both
strategies, so the difference's spread reflects only what differs between them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .bootstrap import stratified_count_chunks, weighted_metrics
from .metrics import LOWER_IS_BETTER, METRICS

CONFIDENCE = 0.95
ALPHA = 0.05
N_BOOT = 1000


def corrected_interval(values, test_train_ratio, confidence=CONFIDENCE):
    """Mean, standard deviation and corrected t-interval of J split scores.

    Examples
    --------
    With s = 0.1, J = 3 and n_test/n_train = 0.25 the standard error is
    sqrt((1/3 + 1/4) · 0.01) = 0.0764 and t(0.975, df=2) = 4.303:

    >>> mean, std, low, high = corrected_interval([0.5, 0.6, 0.7], 0.25)
    >>> round(mean, 3), round(std, 3), round(low, 3), round(high, 3)
    (0.6, 0.1, 0.271, 0.929)
    """
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    if len(values) == 0:
        return (np.nan,) * 4
    mean = values.mean()
    if len(values) == 1:
        return mean, np.nan, np.nan, np.nan
    std = values.std(ddof=1)
    se = np.sqrt((1 / len(values) + test_train_ratio) * std**2)
    half = stats.t.ppf(0.5 + confidence / 2, df=len(values) - 1) * se
    return float(mean), float(std), float(mean - half), float(mean + half)


def corrected_ttest(differences, test_train_ratio):
    """Two-sided corrected resampled t-test of paired split differences; returns (t, p).

    Identical scores on every split (all differences 0) give ``(0.0, 1.0)``.

    Examples
    --------
    t = 0.2 / sqrt((1/3 + 1/4) · 0.01) = 2.619 with 2 degrees of freedom:

    >>> t, p = corrected_ttest([0.1, 0.2, 0.3], 0.25)
    >>> round(t, 3), round(p, 4)
    (2.619, 0.1201)
    """
    d = np.asarray(differences, dtype=float)
    d = d[~np.isnan(d)]
    if len(d) < 2:
        return np.nan, np.nan
    variance = (1 / len(d) + test_train_ratio) * d.var(ddof=1)
    if variance == 0:
        return (0.0, 1.0) if d.mean() == 0 else (np.copysign(np.inf, d.mean()), 0.0)
    t = d.mean() / np.sqrt(variance)
    return float(t), float(2 * stats.t.sf(abs(t), df=len(d) - 1))


def bootstrap_pvalue(differences, observed):
    """Two-sided p-value that a paired difference is 0, from its bootstrap standard error.

    ``z = observed / sd(differences)`` against the normal distribution. Unlike
    counting resamples beyond zero, this does not bottom out at 2/(B + 1), which
    Holm's adjustment over many strategies would push above any usual level.
    A difference that is 0 in every resample gives 1.

    Examples
    --------
    The resampled differences 0.1, 0.2, 0.3 have sd 0.1, so z = 0.2 / 0.1 = 2:

    >>> round(bootstrap_pvalue([0.1, 0.2, 0.3], 0.2), 4)
    0.0455
    """
    d = np.asarray(differences, dtype=float)
    d = d[~np.isnan(d)]
    if len(d) < 2:
        return np.nan
    se = d.std(ddof=1)
    if se == 0:
        return 1.0 if observed == 0 and np.all(d == 0) else 0.0
    return float(2 * stats.norm.sf(abs(observed) / se))


def holm(pvalues):
    """Holm's step-down adjustment of a family of p-values (NaN left alone).

    Examples
    --------
    >>> [round(float(p), 3) for p in holm([0.01, 0.04, 0.03])]
    [0.03, 0.06, 0.06]
    """
    p = np.asarray(pvalues, dtype=float)
    adjusted = np.full_like(p, np.nan)
    valid = np.flatnonzero(~np.isnan(p))
    order = valid[np.argsort(p[valid], kind="mergesort")]
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (len(order) - rank) * p[index]))
        adjusted[index] = running
    return adjusted


def evaluate(folds, predictions, fits, *, protocol, metric, random_state):
    """Interval columns for every metric and the comparison against the best strategy.

    Returns ``(intervals, comparison)``: ``intervals`` has one row per strategy
    with ``{metric}_mean, _std, _ci_low, _ci_high`` for each metric;
    ``comparison`` ranks the strategies by ``metric`` and tests each against
    the best.
    """
    strategies = list(dict.fromkeys(folds["strategy"]))
    if protocol.get("name", "").endswith("holdout"):
        samples = _bootstrap_samples(predictions, strategies, random_state)
        intervals = _bootstrap_intervals(samples, strategies, folds)
        differences = lambda a, b: samples[a][metric] - samples[b][metric]  # noqa: E731
        pvalue = bootstrap_pvalue
        diff_interval = _percentile_interval
    else:
        ratio = _test_train_ratio(fits)
        intervals = _cv_intervals(folds, strategies, ratio)
        by_split = folds.pivot(index="split_id", columns="strategy", values=metric)
        differences = lambda a, b: (by_split[a] - by_split[b]).to_numpy()  # noqa: E731
        pvalue = lambda d, observed: corrected_ttest(d, ratio)[1]  # noqa: E731
        diff_interval = lambda d: corrected_interval(d, ratio)[2:]  # noqa: E731
    comparison = _compare(intervals, strategies, metric, differences, pvalue, diff_interval)
    return intervals, comparison


def _test_train_ratio(fits):
    ok = [f for f in fits if not f["error"]]
    n_test = np.mean([sum(f["test_counts"].values()) for f in ok])
    n_train = np.mean([sum(f["train_counts"].values()) for f in ok])
    return n_test / n_train


def _cv_intervals(folds, strategies, ratio):
    rows = []
    for name in strategies:
        part = folds[folds["strategy"] == name]
        row = {"strategy": name}
        for m in METRICS:
            row.update(zip(_stat_columns(m), corrected_interval(part[m], ratio)))
        rows.append(row)
    return pd.DataFrame(rows)


def _bootstrap_samples(predictions, strategies, random_state):
    """Every metric of every strategy on the same stratified bootstrap resamples of the test rows."""
    parts = {name: predictions[predictions["strategy"] == name].sort_values("row_id") for name in strategies}
    y_true = parts[strategies[0]]["y_true"].to_numpy()  # every strategy is scored on the same rows
    chunks = {name: [] for name in strategies}
    for counts in stratified_count_chunks(y_true, N_BOOT, random_state):
        for name, part in parts.items():
            chunks[name].append(weighted_metrics(
                counts, part["y_true"].to_numpy(), part["y_score"].to_numpy(), part["y_pred"].to_numpy()))
    return {name: {m: np.concatenate([c[m] for c in chunks[name]]) for m in chunks[name][0]}
            for name in strategies}


def _bootstrap_intervals(samples, strategies, folds):
    rows = []
    for name in strategies:
        row = {"strategy": name}
        point = folds[folds["strategy"] == name].iloc[0]  # a holdout has one split
        for m in METRICS:
            values = samples[name][m]
            low, high = _percentile_interval(values)
            row.update(zip(_stat_columns(m), (point[m], values.std(ddof=1), low, high)))
        rows.append(row)
    return pd.DataFrame(rows)


def _percentile_interval(values, confidence=CONFIDENCE):
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    if len(values) == 0:
        return np.nan, np.nan
    tail = (1 - confidence) / 2 * 100
    return tuple(np.percentile(values, [tail, 100 - tail]))


def _stat_columns(metric):
    return [f"{metric}_mean", f"{metric}_std", f"{metric}_ci_low", f"{metric}_ci_high"]


def _compare(intervals, strategies, metric, differences, pvalue, diff_interval):
    means = dict(zip(intervals["strategy"], intervals[f"{metric}_mean"]))
    sign = -1 if metric in LOWER_IS_BETTER else 1
    ranked = sorted((s for s in strategies if not np.isnan(means[s])), key=lambda s: -sign * means[s])
    if not ranked:
        return pd.DataFrame(columns=COMPARISON_COLUMNS)
    best = ranked[0]
    rows = []
    for rank, name in enumerate(ranked, start=1):
        d = np.asarray(differences(name, best), dtype=float)
        low, high = diff_interval(d) if name != best else (0.0, 0.0)
        rows.append({
            "strategy": name, "metric": metric, "rank": rank, "best": best,
            "mean": means[name], "difference": means[name] - means[best],
            "diff_ci_low": low, "diff_ci_high": high,
            "p_value": pvalue(d, means[name] - means[best]) if name != best else np.nan,
        })
    comparison = pd.DataFrame(rows, columns=COMPARISON_COLUMNS[:-2])
    comparison["p_adjusted"] = holm(comparison["p_value"])
    comparison["tied_with_best"] = (comparison["strategy"] == best) | (comparison["p_adjusted"] >= ALPHA)
    return comparison


COMPARISON_COLUMNS = [
    "strategy", "metric", "rank", "best", "mean", "difference", "diff_ci_low", "diff_ci_high",
    "p_value", "p_adjusted", "tied_with_best",
]
