"""Intervals, tests and the comparison of strategies, honest about how the scores were obtained.

Cross-validation (:mod:`.cv`): the metric pooled over each repeat's
out-of-fold predictions is the point estimate; intervals and paired tests use
jackknife pseudo-values per fold with the corrected resampled t variance.

A single holdout (:mod:`.holdout`): a seeded stratified bootstrap of the test
rows, shared by every strategy; the fitted models are held fixed.

Multiple comparisons: every pair of strategies is tested and Holm's step-down
adjustment runs over *all* pairs. Picking the best by its observed mean and
then adjusting only the k − 1 tests against it does not control the
family-wise error (the best is chosen by the same data); Holm over all pairs
does, for any number of strategies (the validity suite measures it).

Equivalence is never read from a non-significant test: it needs the posterior
probability (Bayesian correlated t-test on CV; bootstrap share on a holdout)
that the difference lies within a region of practical equivalence ``rope``.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd

from . import cv, holdout
from .cv import corrected_interval, corrected_ttest, correlated_bayes  # noqa: F401  (public here)
from .holdout import bootstrap_pvalue  # noqa: F401  (public here)
from .metrics import METRICS, REGISTRY

ALPHA = 0.05
ROPE = 0.01  #: default region of practical equivalence, in the metric's units
EQUIVALENCE = 0.95  #: posterior probability within ±rope needed to call two strategies equivalent
MIN_MINORITY = 20  #: test parts with fewer minority rows than this get a warning

COMPARISON_COLUMNS = [
    "strategy", "metric", "rank", "best", "mean", "difference", "diff_ci_low", "diff_ci_high",
    "p_value", "p_adjusted", "prob_better", "prob_equivalent", "prob_worse", "rope", "status",
]


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


def is_holdout(protocol):
    return protocol.get("name", "").endswith("holdout")


def evaluate(folds, predictions, fits, *, protocol, metric, random_state, strategies=None, rope=ROPE):
    """Interval columns for every metric and the comparison of the strategies by ``metric``.

    Returns ``(intervals, comparison)``: ``intervals`` has one row per strategy
    with ``{metric}_mean, _std, _ci_low, _ci_high, _ci_clipped, _ci_half`` for each metric
    (``_mean`` is the point estimate: the holdout value, or the CV pooled
    estimate); ``comparison`` ranks the strategies by ``metric`` and compares
    each with the best (see :data:`COMPARISON_COLUMNS`). Strategies without
    predictions get NaN intervals and the status ``failed``; those that failed on
    some splits only, the status ``partly failed`` (see :func:`compare_strategies`).
    """
    strategies = list(dict.fromkeys(folds["strategy"])) if strategies is None else list(strategies)
    if is_holdout(protocol):
        evidence = HoldoutEvidence(predictions, strategies, random_state)
    else:
        evidence = CVEvidence(predictions, strategies, protocol, fits)
    intervals = pd.DataFrame([{"strategy": name, **evidence.interval_columns(name)} for name in strategies])
    comparison = compare_strategies(evidence, strategies, metric, rope=rope, incomplete=partly_failed(fits))
    return intervals, comparison


def partly_failed(fits):
    """The strategies that failed on some of their fits and not on all of them.

    >>> partly_failed([{"strategy": "a", "error": None}, {"strategy": "a", "error": "ValueError: x"},
    ...                {"strategy": "b", "error": "ValueError: x"}, {"strategy": "c", "error": None}])
    ['a']
    """
    outcomes = {}
    for fit in fits:
        outcomes.setdefault(fit["strategy"], set()).add(not fit["error"])
    return [name for name, seen in outcomes.items() if seen == {True, False}]


def compare_strategies(evidence, strategies, metric, *, rope=ROPE, incomplete=()):
    """Rank by ``metric``; test every pair, Holm over all pairs; describe each strategy against the best.

    A strategy in ``incomplete`` (it failed on some splits) is scored on the splits it
    survived, which may be the easy ones, so it is neither ranked nor tested: its
    status is ``partly failed``, after the ranked strategies.
    """
    sign = 1 if REGISTRY[metric].higher_is_better else -1
    means = {name: evidence.point(name, metric) for name in strategies}
    ranked = sorted((s for s in strategies if not np.isnan(means[s]) and s not in incomplete),
                    key=lambda s: -sign * means[s])
    pairs = list(combinations(ranked, 2))
    raw = [evidence.pvalue(a, b, metric) for a, b in pairs]
    adjusted = dict(zip(pairs, holm(raw)))
    adjusted.update({(b, a): p for (a, b), p in list(adjusted.items())})
    raw = dict(zip(pairs, raw))
    raw.update({(b, a): p for (a, b), p in list(raw.items())})
    rows = []
    best = ranked[0] if ranked else None
    for rank, name in enumerate(ranked, start=1):
        row = {"strategy": name, "metric": metric, "rank": rank, "best": best, "mean": means[name],
               "difference": means[name] - means[best], "rope": rope}
        if name == best:
            row.update(diff_ci_low=0.0, diff_ci_high=0.0, p_value=np.nan, p_adjusted=np.nan,
                       prob_better=np.nan, prob_equivalent=np.nan, prob_worse=np.nan, status="best")
        else:
            low, high = evidence.difference_interval(name, best, metric)
            lower, equal, higher = evidence.probabilities(name, best, metric, rope)
            better, worse = (higher, lower) if sign > 0 else (lower, higher)
            p_adj = adjusted[(name, best)]
            row.update(diff_ci_low=low, diff_ci_high=high, p_value=raw[(name, best)], p_adjusted=p_adj,
                       prob_better=better, prob_equivalent=equal, prob_worse=worse,
                       status=_status(p_adj, equal))
        rows.append(row)
    for name in strategies:
        if name not in ranked:
            status = ("failed" if not evidence.has_predictions(name) else
                      "partly failed" if name in incomplete else "n/a")
            rows.append({"strategy": name, "metric": metric, "rank": np.nan, "best": best, "mean": means[name],
                         "rope": rope, "status": status})
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)


def _status(p_adjusted, prob_equivalent):
    if np.isnan(p_adjusted):
        return "n/a"
    if p_adjusted < ALPHA:
        return "worse"
    if prob_equivalent >= EQUIVALENCE:
        return "equivalent"
    return "not separated"


def caveats(fits, protocol):
    """Sentences that qualify the statistics of a run: what a holdout's intervals are about,
    and test parts with too few minority rows for stable metrics."""
    notes = []
    if is_holdout(protocol):
        notes.append("On a holdout, intervals and tests describe these fitted models on this test set, "
                     "not the methods; use repeated cross-validation to choose a method.")
    few = few_minority_caveat(fits)
    return notes + ([few] if few else [])


def few_minority_caveat(fits):
    """The sentence for test parts with too few minority rows for stable metrics, or None."""
    minority = [f["test_counts"].get(1, 0) for f in fits if f.get("test_counts")]
    if minority and min(minority) < MIN_MINORITY:
        fewest = min(minority)
        return (f"A test part holds only {fewest} minority row{'' if fewest == 1 else 's'} (fewer than "
                f"{MIN_MINORITY}): per-split metrics are noisy and intervals wide; use fewer folds or more data.")
    return None


def bounded(low, high, metric):
    """``(low, high, clipped, half)``: the interval clipped to the metric's bounds, whether it was, and
    half the width it had before (what the tables show beside the value, a clipped one marked ``*``).

    >>> bounded(-0.269, 1.396, "f1_1")
    (0.0, 1.0, True, 0.8325)
    """
    lo_bound, hi_bound = REGISTRY[metric].bounds
    if np.isnan(low) or np.isnan(high):
        return low, high, False, np.nan
    clipped = low < lo_bound or high > hi_bound
    return max(low, lo_bound), min(high, hi_bound), bool(clipped), (high - low) / 2


_NO_INTERVAL = (np.nan, np.nan, np.nan, np.nan, False, np.nan)


def _stat_columns(metric):
    return [f"{metric}_mean", f"{metric}_std", f"{metric}_ci_low", f"{metric}_ci_high", f"{metric}_ci_clipped",
            f"{metric}_ci_half"]


class HoldoutEvidence:
    """Bootstrap resamples of the one test set."""

    def __init__(self, predictions, strategies, random_state, metrics=None):
        self.samples = holdout.bootstrap_samples(predictions, strategies, random_state, metrics=metrics)
        self.points = {}
        for name in self.samples:
            part = predictions[predictions["strategy"] == name]
            self.points[name] = _point_metrics(part)

    def has_predictions(self, name):
        return name in self.samples

    def point(self, name, metric):
        return self.points[name][metric] if name in self.points else np.nan

    def interval_columns(self, name):
        row = {}
        for m in METRICS:
            if name not in self.samples:
                row.update(zip(_stat_columns(m), _NO_INTERVAL))
                continue
            values = self.samples[name][m]
            low, high = holdout.percentile_interval(values)
            std = float(np.nanstd(values, ddof=1)) if np.isfinite(values).sum() > 1 else np.nan
            row.update(zip(_stat_columns(m), (self.point(name, m), std, *bounded(low, high, m))))
        return row

    def _differences(self, a, b, metric):
        return self.samples[a][metric] - self.samples[b][metric]

    def pvalue(self, a, b, metric):
        return holdout.bootstrap_pvalue(self._differences(a, b, metric), self.point(a, metric) - self.point(b, metric))

    def difference_interval(self, a, b, metric):
        return holdout.percentile_interval(self._differences(a, b, metric))

    def probabilities(self, a, b, metric, rope):
        return holdout.bootstrap_shares(self._differences(a, b, metric), rope)


class CVEvidence:
    """Pooled estimates and per-fold pseudo-values of repeated k-fold cross-validation."""

    def __init__(self, predictions, strategies, protocol, fits, metrics=METRICS):
        self.ratio = _test_train_ratio(fits)
        self.metrics = list(metrics)
        k = self.folds = _folds(protocol, predictions)
        self.points, self.pseudo = {}, {}
        for name in strategies:
            part = predictions[predictions["strategy"] == name]
            if len(part):
                pooled, self.pseudo[name] = cv.pooled_and_pseudo(part, k, metrics)
                self.points[name] = {m: cv.pooled_estimate(pooled, m) for m in metrics}

    @classmethod
    def from_scores(cls, scores, test_train_ratio, metric):
        """Evidence from per-split scores (a split × strategy table) taken as the pseudo-values
        themselves, their mean as the point estimate: for simulations of the comparison rule."""
        evidence = cls.__new__(cls)
        evidence.ratio = test_train_ratio
        evidence.metrics, evidence.folds = [metric], len(scores)
        evidence.pseudo = {name: scores[[name]].rename(columns={name: metric}) for name in scores}
        evidence.points = {name: {metric: float(scores[name].mean())} for name in scores}
        return evidence

    def has_predictions(self, name):
        return name in self.points

    def point(self, name, metric):
        return self.points[name][metric] if name in self.points else np.nan

    def interval_columns(self, name):
        row = {}
        for m in self.metrics:
            if name not in self.points:
                row.update(zip(_stat_columns(m), _NO_INTERVAL))
                continue
            point = self.point(name, m)
            # The repeats re-test the same rows, so only the k folds of a repeat hold independent test
            # rows: the test-noise term is s²/k, and the t quantile has k − 1 degrees of freedom. The
            # validity suite measured 96% coverage this way; 88% with s²/J and J − 1 (benchmarks/validity).
            _, std, low, high = corrected_interval(self.pseudo[name][m], self.ratio, center=point,
                                                   n_independent=self.folds, df=self.folds - 1)
            row.update(zip(_stat_columns(m), (point, std, *bounded(low, high, m))))
        return row

    def _differences(self, a, b, metric):
        # pseudo-values share the split index; subtraction aligns them and leaves NaN where one is missing
        return (self.pseudo[a][metric] - self.pseudo[b][metric]).to_numpy()

    def pvalue(self, a, b, metric):
        return corrected_ttest(self._differences(a, b, metric), self.ratio)[1]

    def difference_interval(self, a, b, metric):
        center = self.point(a, metric) - self.point(b, metric)
        return tuple(corrected_interval(self._differences(a, b, metric), self.ratio, center=center)[2:])

    def probabilities(self, a, b, metric, rope):
        center = self.point(a, metric) - self.point(b, metric)
        return correlated_bayes(self._differences(a, b, metric), self.ratio, rope, center=center)


def constant_accuracy(counts, protocol):
    """The accuracy column's point estimate for a prediction that is right on a known number of rows
    of each test part: ``counts`` maps ``(split_id, seed)`` to ``(rows right, rows)``.

    The shares are averaged as the tables average a strategy's accuracy (over seeds, and under
    cross-validation pooled over each repeat's folds, then over repeats), so a constant strategy's
    accuracy column holds the same number, to the last bit.
    """
    frame = pd.DataFrame([(split_id, 0 if seed is None else seed, right, rows)
                          for (split_id, seed), (right, rows) in counts.items()],
                         columns=["split_id", "seed", "right", "rows"])
    if is_holdout(protocol):
        per_seed = frame.groupby("seed", sort=True)[["right", "rows"]].sum()
        return float(np.mean((per_seed["right"] / per_seed["rows"]).tolist()))
    frame["repeat"] = cv.repeat_of(frame["split_id"], _folds(protocol, frame))
    pooled = frame.groupby(["repeat", "seed"], sort=True)[["right", "rows"]].sum().reset_index()
    pooled["accuracy"] = pooled["right"] / pooled["rows"]
    return cv.pooled_estimate(pooled, "accuracy")


def _folds(protocol, predictions):
    return protocol.get("folds") or max(1, int(predictions["split_id"].max()) + 1 if len(predictions) else 1)


def _point_metrics(part):
    """Every metric of one strategy's holdout predictions, averaged over seeds."""
    per_seed = [p for _, p in part.groupby("seed", sort=True)] if "seed" in part else [part]
    values = [cv._metrics(p, METRICS) for p in per_seed]
    return {m: float(np.mean([v[m] for v in values])) for m in METRICS}


def _test_train_ratio(fits):
    ok = [f for f in fits if not f["error"]]
    if not ok:
        return np.nan
    n_test = np.mean([sum(f["test_counts"].values()) for f in ok])
    n_train = np.mean([sum(f["train_counts"].values()) for f in ok])
    return n_test / n_train
