"""One dataset's own verdict on each strategy against the bench's baseline.

A run compares every strategy with its *best*. A bench counts wins and losses
against a fixed *baseline*, so the same family of tests is read for other
pairs: every pair of strategies tested with the run's own test (the corrected
resampled t-test on cross-validation, the bootstrap on a holdout) and Holm's
adjustment over all pairs, exactly the family behind the run's
``comparison.csv``. A difference is a win or a loss only where that adjusted
p-value is below 0.05; everything else is "not separated", never a tie.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

from ..evaluation.metrics import REGISTRY
from ..evaluation.statistics import ALPHA, CVEvidence, HoldoutEvidence, holm, is_holdout, partly_failed

BETTER, WORSE, NOT_SEPARATED, NO_VERDICT, BASELINE = "better", "worse", "not separated", "n/a", "baseline"


def pair_pvalues(results, metric=None):
    """``{(a, b): Holm-adjusted p-value}`` for every ordered pair of strategies with predictions on every
    split, adjusted over all pairs as the run's comparison is; and each strategy's point estimate."""
    metric = metric or results.metric
    strategies = results.strategies
    protocol = results.config["protocol"]
    if is_holdout(protocol):
        evidence = HoldoutEvidence(results.predictions, strategies, results.config["random_state"],
                                   metrics=[metric])
    else:
        evidence = CVEvidence(results.predictions, strategies, protocol, results.fits, metrics=[metric])
    points = {name: evidence.point(name, metric) for name in strategies}
    partly = partly_failed(results.fits)  # scored on the splits it survived: not tested, as in the run
    ranked = [name for name in strategies if not np.isnan(points[name]) and name not in partly]
    pairs = list(combinations(ranked, 2))
    adjusted = holm([evidence.pvalue(a, b, metric) for a, b in pairs]) if pairs else []
    found = {}
    for (a, b), p in zip(pairs, adjusted):
        found[(a, b)] = found[(b, a)] = float(p)
    return found, points


def verdicts_against(results, baseline, metric=None):
    """``{strategy: "better" | "worse" | "not separated" | "n/a" | "baseline"}`` against ``baseline``.

    Examples
    --------
    >>> import imblab
    >>> data = imblab.make_synthetic(300, 5, 0.2, random_state=0)
    >>> results = imblab.compare(data, "naive,lr", imblab.RepeatedKFold(2, 2))
    >>> verdicts_against(results, "naive")["naive"]
    'baseline'
    """
    metric = metric or results.metric
    adjusted, points = pair_pvalues(results, metric)
    sign = 1 if REGISTRY[metric].higher_is_better else -1
    found = {}
    for name in results.strategies:
        if name == baseline:
            found[name] = BASELINE
            continue
        p = adjusted.get((name, baseline), np.nan)
        if np.isnan(p):
            found[name] = NO_VERDICT
        elif p < ALPHA:
            found[name] = BETTER if sign * (points[name] - points[baseline]) > 0 else WORSE
        else:
            found[name] = NOT_SEPARATED
    return found
