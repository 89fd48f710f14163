"""Family-wise error of "worse than the best" claims under a global null.

k strategies are the same algorithm (a small random forest) with different
seeds: no method is better than another, so any "worse" claim is an error. The
rule imblab used before (pick the best by observed mean, then Holm over the
k − 1 tests against it; CV tests on per-fold scores) is measured beside the
rule it uses now (every pair tested, Holm over all pairs; CV tests on
pseudo-values), on the same data.
"""

from __future__ import annotations

import numpy as np

from common import (FOLDS, cv_predictions, draw, fold_scores, holdout_predictions, line, metric, population, rate,
                    small_forest)
from imblab.evaluation import cv
from imblab.evaluation.statistics import ALPHA, CVEvidence, HoldoutEvidence, compare_strategies, holm

METRICS_STUDIED = ["f1_1", "average_precision"]
HELD_ROWS = 50_000  # held-out population rows on which a fitted model's true performance is measured


def metric_value(name, model, held):
    X, y = held
    score = model.predict_proba(X)[:, 1]
    return metric(name, y, score, (score >= 0.5).astype(int))


def _learners(k):
    return {f"rf{i}": (lambda i: lambda seed: small_forest(seed * 100 + i))(i) for i in range(k)}


def _old_rule_holdout(evidence, names, metric):
    means = {s: evidence.point(s, metric) for s in names}
    best = max(names, key=means.get)
    p = [evidence.pvalue(s, best, metric) for s in names if s != best]
    return bool(np.any(holm(p) < ALPHA))


def _old_rule_cv(predictions, names, metric, ratio):
    scores = {s: fold_scores(predictions[predictions["strategy"] == s], [metric])[metric] for s in names}
    best = max(names, key=lambda s: scores[s].mean())
    p = [cv.corrected_ttest(scores[s] - scores[best], ratio)[1] for s in names if s != best]
    return bool(np.any(holm(p) < ALPHA))


def family_wise_error(k, protocol, reps, *, n=2000, seed=3, data=None):
    """``{(rule, metric): [claimed any 'worse', …]}`` over ``reps`` replications."""
    pool_X, pool_y, held_X, held_y = population() if data is None else data
    held = (held_X[:HELD_ROWS], held_y[:HELD_ROWS]) if protocol == "holdout" else None
    rng = np.random.RandomState(seed + k)
    learners = _learners(k)
    names = list(learners)
    errors = {}
    for rep in range(reps):
        X, y = draw(pool_X, pool_y, n, rng)
        if protocol == "holdout":
            predictions, fits, models = holdout_predictions(X, y, learners, seed=rep)
            evidence = HoldoutEvidence(predictions, names, rep, metrics=METRICS_STUDIED)
        else:
            predictions, fits = cv_predictions(X, y, learners, seed=rep)
            evidence = CVEvidence(predictions, names, {"folds": FOLDS}, fits, metrics=METRICS_STUDIED)
        for metric in METRICS_STUDIED:
            comparison = compare_strategies(evidence, names, metric)
            errors.setdefault(("Holm over all pairs (now)", metric), []).append(
                bool((comparison["status"] == "worse").any()))
            if protocol == "holdout" and held is not None:
                # What a holdout claims is about the fitted models: a 'worse' claim is false when that
                # model is not worse than the first-ranked one on the held-out population rows.
                truth = {s: metric_value(metric, models[s], held) for s in names}
                best = comparison.loc[comparison["rank"] == 1, "strategy"].iloc[0]
                worse = comparison.loc[comparison["status"] == "worse", "strategy"]
                errors.setdefault(("Holm over all pairs (now), a false claim about the fitted models",
                                   metric), []).append(bool(any(truth[s] >= truth[best] for s in worse)))
            old = (_old_rule_holdout(evidence, names, metric) if protocol == "holdout"
                   else _old_rule_cv(predictions, names, metric, 1 / (FOLDS - 1)))
            errors.setdefault(("best, then Holm over k-1 (before)", metric), []).append(old)
    return errors


def report(reps_small, reps_large, *, data=None, protocols=("holdout", "cv")):
    """Lines of the report, yielded as each block finishes."""
    data = population() if data is None else data
    for k, reps in ((4, reps_small), (15, reps_large)):
        if not reps:
            continue
        for protocol in protocols:
            label = "holdout 80/20" if protocol == "holdout" else "CV 5×2"
            yield (f"Global null, {k} equal strategies (random forests, different seeds), {label}, "
                   f"n = 2000, {reps} replications: family-wise error")
            for (rule, metric), hits in family_wise_error(k, protocol, reps, data=data).items():
                value, se = rate(hits)
                ok = value <= 0.05  # the old rule is judged by the same bound
                yield line(f"{metric:<18} {rule}", value, se, "≤ 5%", ok)


if __name__ == "__main__":
    import sys

    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    for text in report(reps, max(reps // 2, 1)):
        print(text, flush=True)
