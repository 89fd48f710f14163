"""Fast versions of the validity suite (benchmarks/validity): rates measured by simulation, held to bounds."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import RepeatedStratifiedKFold

from imblab.evaluation.metrics import REGISTRY
from imblab.evaluation.statistics import ALPHA, CVEvidence, compare_strategies


def _pairwise_pvalues(scores):
    """Paired t-test p-values of every pair of strategies: ``scores`` is (replications, k, J)."""
    k, j = scores.shape[1], scores.shape[2]
    pairs = [(a, b) for a in range(k) for b in range(a + 1, k)]
    d = np.stack([scores[:, a] - scores[:, b] for a, b in pairs], axis=1)  # (R, pairs, J)
    t = d.mean(axis=2) / (d.std(axis=2, ddof=1) / np.sqrt(j))
    return pairs, 2 * stats.t.sf(np.abs(t), df=j - 1)


def _family_wise_errors(k, replications=10_000, j=10, seed=0):
    """Global null: k equal strategies, J normal split scores each (a shared split effect plus noise).

    The paired t-test is exact here, so any excess over 5% comes from the multiplicity rule alone.
    Returns (error of Holm over all pairs, error of "best by mean, then Holm over its k − 1 tests").
    """
    rng = np.random.RandomState(seed)
    scores = rng.normal(size=(replications, 1, j)) + 0.5 * rng.normal(size=(replications, k, j))
    pairs, p = _pairwise_pvalues(scores)
    # under a global null any rejection is an error; Holm rejects something iff min p < α / m
    all_pairs = (p.min(axis=1) < ALPHA / len(pairs))
    best = scores.mean(axis=2).argmax(axis=1)
    against_best = np.array([[(a == b_) or (b == b_) for a, b in pairs] for b_ in range(k)])[best]
    p_best = np.where(against_best, p, np.inf)
    old_rule = (p_best.min(axis=1) < ALPHA / (k - 1))
    return scores, all_pairs, old_rule


@pytest.mark.parametrize("k", [4, 15])
def test_family_wise_error_of_the_comparison_rule(k):
    scores, new, old = _family_wise_errors(k)
    se = np.sqrt(0.05 * 0.95 / len(new))
    assert new.mean() <= ALPHA + 2 * se, f"Holm over all pairs: family-wise error {new.mean():.3f}"
    if k == 4:  # the rule it replaces breaks its bound: the simulation can tell the two apart
        assert old.mean() > ALPHA + 3 * se, f"best-then-Holm: {old.mean():.3f}"
    # imblab's own comparison makes the same claims as the vectorised rule, replication by replication
    for r in range(40 if k == 4 else 8):
        table = pd.DataFrame(scores[r].T, columns=[f"s{i}" for i in range(k)])
        evidence = CVEvidence.from_scores(table, 0.0, "f1_1")
        comparison = compare_strategies(evidence, list(table), "f1_1")
        assert (comparison["status"] == "worse").any() == new[r], r


def test_cv_interval_coverage_small_study():
    """Logistic regression, 5 × 2 CV on fresh samples of 1,000 rows (95:5, the suite's population
    on a smaller scale): the 95% interval of F1 covers the method's expected F1 (held-out rows)."""
    X, y = make_classification(n_samples=40_000, n_features=20, n_informative=5, n_redundant=5,
                               weights=[0.95], flip_y=0.01, class_sep=0.8, random_state=0)
    pool, held = slice(0, 20_000), slice(20_000, None)
    rng = np.random.RandomState(1)
    model = LogisticRegression(solver="liblinear")
    truth = []
    for _ in range(20):
        rows = rng.choice(20_000, 800, replace=False)
        score = model.fit(X[pool][rows], y[pool][rows]).predict_proba(X[held])[:, 1]
        truth.append(REGISTRY["f1_1"].score(y[held], score, (score >= 0.5).astype(int)))
    truth = np.mean(truth)
    hits = []
    for rep in range(25):
        rows = rng.choice(20_000, 1000, replace=False)
        Xs, ys = X[pool][rows], y[pool][rows]
        parts, fits = [], []
        cv = RepeatedStratifiedKFold(n_splits=5, n_repeats=2, random_state=rep)
        for split_id, (train, test) in enumerate(cv.split(Xs, ys)):
            score = model.fit(Xs[train], ys[train]).predict_proba(Xs[test])[:, 1]
            parts.append(pd.DataFrame({"strategy": "lr", "split_id": split_id, "row_id": test, "y_true": ys[test],
                                       "y_score": score, "y_pred": (score >= 0.5).astype(int)}))
            fits.append({"error": None, "train_counts": {0: len(train)}, "test_counts": {0: len(test)}})
        evidence = CVEvidence(pd.concat(parts), ["lr"], {"folds": 5}, fits, metrics=["f1_1"])
        row = evidence.interval_columns("lr")
        hits.append(row["f1_1_ci_low"] <= truth <= row["f1_1_ci_high"])
    coverage = np.mean(hits)
    assert coverage >= 0.95 - 3 * np.sqrt(0.05 * 0.95 / len(hits)), f"coverage {coverage:.2f}"


def test_the_validity_suite_runs_the_blocks_the_readme_names():
    """`python benchmarks/validity/run.py --only …` at a tiny scale: each block prints its lines and
    its time (the figures themselves need the full counts; see the README)."""
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "benchmarks" / "validity" / "run.py"
    out = subprocess.run([sys.executable, str(script), "--scale", "0.005", "--only",
                          "coverage-holdout,multiplicity-holdout"], check=True, capture_output=True, text=True,
                         timeout=300).stdout
    assert "Holdout 80/20, logistic regression, n = 2000, 2 replications" in out
    assert "stratified bootstrap percentile" in out
    assert "Global null, 4 equal strategies" in out and "holdout 80/20" in out
    assert "(coverage-holdout: " in out and "(multiplicity-holdout: " in out
