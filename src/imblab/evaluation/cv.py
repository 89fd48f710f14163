"""Cross-validation: point estimates, intervals and paired tests from out-of-fold predictions.

Point estimate: each metric computed on a repeat's pooled out-of-fold
predictions (every row scored once per repeat), averaged over the repeats.
Metrics like F1 and average precision computed per test fold are biased when a
fold holds few minority rows (F1 downwards, AP upwards); pooled they are not.

Spread: the jackknife pseudo-values of the pooled metric, one per fold
(``K·θ − (K−1)·θ₋ₖ`` where ``θ₋ₖ`` leaves fold ``k`` out of its repeat). For a
mean-like metric such as accuracy they equal the fold scores; for F1 or AP they
are what each fold contributes to the pooled value. Their variance is inflated
as in the corrected resampled t-test (Nadeau & Bengio, 2003), because folds
share training rows; and since the repeats re-test the same rows, the interval
of a strategy's metric counts only the k folds of a repeat as independent:
``s² · (1/k + n_test/n_train)`` with a t quantile on k − 1 degrees of freedom.
Paired tests keep Nadeau & Bengio's ``s² · (1/J + n_test/n_train)`` on J − 1
degrees of freedom: on differences its size stayed ≤ 1% in the validity suite.

Equivalence: the Bayesian correlated t-test (Benavoli et al., 2017) on the
same pseudo-value differences gives the posterior probabilities that one
strategy is better, practically equivalent (within ``rope``) or worse.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .bootstrap import weighted_metrics
from .metrics import METRICS, REGISTRY, compute_metrics

CONFIDENCE = 0.95


def corrected_interval(values, test_train_ratio, confidence=CONFIDENCE, *, center=None, n_independent=None,
                       df=None):
    """Mean, standard deviation and corrected t-interval of J split scores.

    The variance of the mean is ``s² · (1/J + n_test/n_train)`` (Nadeau & Bengio).
    ``n_independent`` replaces J in the first term: with repeated k-fold, the
    repeats re-test the same rows, so their test-row noise does not average out
    over the J = k · repeats splits, only over the k folds of a repeat.
    ``center`` replaces the mean as the interval's centre (e.g. the pooled
    estimate when ``values`` are pseudo-values); ``df`` the t quantile's
    degrees of freedom (J − 1 by default).

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
    mean = float(values.mean()) if center is None else float(center)
    if len(values) == 1:
        return mean, np.nan, np.nan, np.nan
    std = values.std(ddof=1)
    n_independent = len(values) if n_independent is None else min(n_independent, len(values))
    se = np.sqrt((1 / n_independent + test_train_ratio) * std**2)
    df = len(values) - 1 if df is None else max(1, min(df, len(values) - 1))
    half = stats.t.ppf(0.5 + confidence / 2, df=df) * se
    return mean, float(std), float(mean - half), float(mean + half)


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


def correlated_bayes(differences, test_train_ratio, rope, *, center=None):
    """Posterior probabilities that a paired difference is < −rope, within ±rope, > rope.

    The Bayesian correlated t-test (Benavoli, Corani, Demšar & Zaffalon, 2017):
    under a non-informative prior the mean difference has a Student t posterior
    with J − 1 degrees of freedom, location the mean difference (or ``center``)
    and scale ``sqrt((1/J + n_test/n_train) · s²)``. Returns ``(P(lower),
    P(equivalent), P(higher))``; NaNs with fewer than two differences.

    Examples
    --------
    Differences all 0.1 above a rope of 0.01 put all the mass above the rope:

    >>> correlated_bayes([0.1, 0.1, 0.1], 0.25, 0.01)
    (0.0, 0.0, 1.0)
    >>> [round(p, 3) for p in correlated_bayes([-0.01, 0.0, 0.01, 0.0], 0.25, 0.05)]
    [0.002, 0.997, 0.002]
    """
    d = np.asarray(differences, dtype=float)
    d = d[~np.isnan(d)]
    if len(d) < 2:
        return (np.nan,) * 3
    mean = d.mean() if center is None else float(center)
    scale = np.sqrt((1 / len(d) + test_train_ratio) * d.var(ddof=1))
    if scale == 0:
        return (float(mean < -rope), float(abs(mean) <= rope), float(mean > rope))
    posterior = stats.t(df=len(d) - 1, loc=mean, scale=scale)
    lower, upper = float(posterior.cdf(-rope)), float(posterior.sf(rope))
    return lower, max(0.0, 1.0 - lower - upper), upper


def repeat_of(split_id, folds):
    """The repeat a split belongs to: scikit-learn's repeated k-fold yields repeat after repeat."""
    return np.asarray(split_id) // folds


def pooled_and_pseudo(predictions, folds, metrics=METRICS):
    """Pooled metrics per repeat and jackknife pseudo-values per split, for one strategy.

    ``predictions`` holds one strategy's out-of-fold rows (``split_id``,
    ``y_true``, ``y_score``, ``y_pred`` and optionally ``seed``). Returns
    ``(pooled, pseudo)``: ``pooled`` has one row per repeat (and seed) with each
    metric on that repeat's pooled rows; ``pseudo`` one row per split with each
    metric's pseudo-value, averaged over seeds. A repeat with a single usable
    fold gives no pseudo-values.

    The pooled and leave-one-fold-out metrics are weighted metrics (weight 0 for
    the rows left out), computed together by :func:`.bootstrap.weighted_metrics`.

    Examples
    --------
    For accuracy (a mean over rows) with equal folds, pseudo-values are the fold accuracies:

    >>> import pandas as pd
    >>> p = pd.DataFrame({"split_id": [0, 0, 1, 1], "y_true": [0, 1, 0, 1],
    ...                   "y_score": [.2, .7, .6, .4], "y_pred": [0, 1, 1, 0]})
    >>> pooled, pseudo = pooled_and_pseudo(p, 2, ["accuracy"])
    >>> pooled["accuracy"].tolist(), pseudo["accuracy"].tolist()
    ([0.5], [1.0, 0.0])
    """
    seeds = predictions["seed"] if "seed" in predictions else pd.Series(0, index=predictions.index)
    frame = predictions.assign(_repeat=repeat_of(predictions["split_id"], folds), _seed=seeds)
    pooled_rows, pseudo_rows = [], []
    for (repeat, seed), part in frame.groupby(["_repeat", "_seed"], sort=True):
        split_of_row = part["split_id"].to_numpy()
        split_ids = np.unique(split_of_row)
        weights = np.ones((len(split_ids) + 1, len(part)))
        for i, split_id in enumerate(split_ids):
            weights[i + 1, split_of_row == split_id] = 0.0
        values = _weighted(weights, part, metrics)
        pooled_rows.append({"repeat": repeat, "seed": seed, **{m: values[m][0] for m in metrics}})
        k = len(split_ids)
        if k < 2:
            continue
        for i, split_id in enumerate(split_ids):
            pseudo_rows.append({"split_id": int(split_id), "seed": seed,
                                **{m: k * values[m][0] - (k - 1) * values[m][i + 1] for m in metrics}})
    pooled = pd.DataFrame(pooled_rows, columns=["repeat", "seed", *metrics])
    pseudo = pd.DataFrame(pseudo_rows, columns=["split_id", "seed", *metrics])
    pseudo = pseudo.groupby("split_id", sort=True)[list(metrics)].mean()
    return pooled, pseudo


def _weighted(weights, part, metrics):
    """Each metric for each row of ``weights``; NaN where a metric needs both classes and a row lacks one."""
    y_true = part["y_true"].to_numpy().astype(int)
    values = weighted_metrics(weights, y_true, part["y_score"].to_numpy(dtype=float),
                              part["y_pred"].to_numpy().astype(int), names=metrics)
    has_both = (weights @ (y_true == 1) > 0) & (weights @ (y_true == 0) > 0)
    for m in metrics:
        if REGISTRY[m].needs_both_classes:
            values[m] = np.where(has_both, values[m], np.nan)
    return values


def pooled_estimate(pooled, metric):
    """The point estimate: the pooled metric averaged over seeds within a repeat, then over repeats."""
    if pooled.empty:
        return np.nan
    return float(pooled.groupby("repeat")[metric].mean().mean())


def _metrics(part, metrics):
    y_true, y_score, y_pred = part["y_true"].to_numpy(), part["y_score"].to_numpy(), part["y_pred"].to_numpy()
    values = compute_metrics(y_true, y_score, y_pred)
    return {m: values[m] for m in metrics}
