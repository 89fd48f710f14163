"""Size and power of the CV test of two strategies (5 × 2 CV, n = 2,000, α = 5%).

Strategies with a known true difference: one logistic regression per split,
read at different decision thresholds. The expected F1 of the method at each
threshold (models trained on 1,600 fresh rows, scored on held-out population
rows) fixes the truth: strategy A uses the F1-best threshold; B a lower
threshold whose expected F1 is 0.05 or 0.10 below A's; for the size, B's
threshold lies on the other side of the peak with the same expected F1 as A's.

Tests compared on the same predictions: the corrected resampled t-test on
per-fold F1 differences (imblab before) and on per-fold jackknife pseudo-value
differences of the pooled F1 (imblab now); and, as a candidate, a paired
stratified bootstrap of the rows of the pooled out-of-fold predictions (each row
keeps its predictions from every repeat), which holds the fold models fixed.
The size is also measured where two strategies differ only in their seed (two
small random forests): there fitted models differ though the methods do not.
"""

from __future__ import annotations

import numpy as np

from common import FOLDS, cv_predictions, draw, fold_scores, line, logistic, population, rate, small_forest
from imblab.evaluation import cv
from imblab.evaluation.bootstrap import stratified_counts, weighted_metrics
from imblab.evaluation.holdout import bootstrap_pvalue

N_BOOT = 400


def row_bootstrap_pvalue(part_a, part_b, seed):
    """Paired stratified bootstrap of the rows; each resample's F1 pooled per repeat, averaged over repeats."""
    values = []
    for part in (part_a, part_b):
        wide = part.assign(repeat=part["split_id"] // FOLDS).sort_values(["repeat", "row_id"])
        repeats = [g for _, g in wide.groupby("repeat")]
        y = repeats[0]["y_true"].to_numpy()
        values.append((y, [(g["y_score"].to_numpy(), g["y_pred"].to_numpy()) for g in repeats]))
    y = values[0][0]
    W = stratified_counts(y, N_BOOT, seed)
    f1 = []
    for _, per_repeat in values:
        f1.append(np.mean([weighted_metrics(W, y, s, p, names=["f1_1"])["f1_1"] for s, p in per_repeat], axis=0))
    ones = np.ones((1, len(y)))
    observed = [np.mean([weighted_metrics(ones, y, s, p, names=["f1_1"])["f1_1"][0] for s, p in per_repeat])
                for _, per_repeat in values]
    return bootstrap_pvalue(f1[0] - f1[1], observed[0] - observed[1])

GRID = np.round(np.arange(0.04, 0.80, 0.0025), 4)


def f1_curve(pool_X, pool_y, held_X, held_y, n_train, *, n_sets, seed):
    """Expected F1 of the method at each threshold of :data:`GRID`."""
    rng = np.random.RandomState(seed)
    curve = np.zeros(len(GRID))
    for _ in range(n_sets):
        X, y = draw(pool_X, pool_y, n_train, rng)
        score = logistic().fit(X, y).predict_proba(held_X)[:, 1]
        predicted = score[None, :] >= GRID[:, None]
        tp = (predicted & (held_y == 1)).sum(axis=1)
        curve += 2 * tp / (predicted.sum(axis=1) + (held_y == 1).sum())
    return curve / n_sets


def thresholds(curve, gaps=(0.05, 0.10), null_gap=0.02):
    """A's threshold, B's for each gap (below A's), and a null pair either side of the peak."""
    peak = int(np.argmax(curve))
    top = curve[peak]

    def below(level, side):
        idx = range(peak, -1, -1) if side == "low" else range(peak, len(GRID))
        for i in idx:
            if curve[i] <= level:
                return float(GRID[i]), float(curve[i])
        raise ValueError("threshold grid too narrow")

    chosen = {"A": (float(GRID[peak]), float(top))}
    for gap in gaps:
        chosen[f"A-{gap:.2f}"] = below(top - gap, "low")
    chosen["null-low"] = below(top - null_gap, "low")
    chosen["null-high"] = below(chosen["null-low"][1], "high")
    return chosen


def power(reps, *, n=2000, seed=5, truth_sets=100, data=None):
    pool_X, pool_y, held_X, held_y = population() if data is None else data
    curve = f1_curve(pool_X, pool_y, held_X, held_y, n * (FOLDS - 1) // FOLDS, n_sets=truth_sets, seed=seed + 1)
    chosen = thresholds(curve)
    pairs = {f"ΔF1 = {chosen['A'][1] - chosen[b][1]:.3f}": ("A", b) for b in chosen if b.startswith("A-")}
    pairs[f"ΔF1 = {chosen['null-low'][1] - chosen['null-high'][1]:.3f} (size)"] = ("null-low", "null-high")
    rng = np.random.RandomState(seed)
    rejected = {}
    ratio = 1 / (FOLDS - 1)
    for rep in range(reps):
        X, y = draw(pool_X, pool_y, n, rng)
        predictions, _ = cv_predictions(X, y, {"lr": logistic}, seed=rep,
                                        thresholds={name: ("lr", t) for name, (t, _) in chosen.items()})
        per = {name: predictions[predictions["strategy"] == name] for name in chosen}
        folds = {name: fold_scores(part, ["f1_1"])["f1_1"] for name, part in per.items()}
        pseudo = {name: cv.pooled_and_pseudo(part, FOLDS, ["f1_1"])[1]["f1_1"].to_numpy()
                  for name, part in per.items()}
        for label, (a, b) in pairs.items():
            old = cv.corrected_ttest(folds[a] - folds[b], ratio)[1] < 0.05
            new = cv.corrected_ttest(pseudo[a] - pseudo[b], ratio)[1] < 0.05
            boot = row_bootstrap_pvalue(per[a], per[b], rep) < 0.05
            rejected.setdefault((label, "corrected t, per-fold F1 (before)"), []).append(old)
            rejected.setdefault((label, "corrected t, pseudo-values of pooled F1 (now)"), []).append(new)
            rejected.setdefault((label, "row bootstrap of pooled F1 (candidate)"), []).append(boot)
    return chosen, rejected


def seed_null_size(reps, *, n=2000, seed=6, data=None):
    """Rejection rates when two strategies are the same small forest with different seeds."""
    pool_X, pool_y, _, _ = population() if data is None else data
    rng = np.random.RandomState(seed)
    learners = {"rf0": lambda s: small_forest(2 * s), "rf1": lambda s: small_forest(2 * s + 1)}
    rejected = {}
    for rep in range(reps):
        X, y = draw(pool_X, pool_y, n, rng)
        predictions, _ = cv_predictions(X, y, learners, seed=rep)
        per = {name: predictions[predictions["strategy"] == name] for name in learners}
        folds = {name: fold_scores(part, ["f1_1"])["f1_1"] for name, part in per.items()}
        pseudo = {name: cv.pooled_and_pseudo(part, FOLDS, ["f1_1"])[1]["f1_1"].to_numpy()
                  for name, part in per.items()}
        label = "seed null (size)"
        rejected.setdefault((label, "corrected t, per-fold F1 (before)"), []).append(
            cv.corrected_ttest(folds["rf0"] - folds["rf1"], 0.25)[1] < 0.05)
        rejected.setdefault((label, "corrected t, pseudo-values of pooled F1 (now)"), []).append(
            cv.corrected_ttest(pseudo["rf0"] - pseudo["rf1"], 0.25)[1] < 0.05)
        rejected.setdefault((label, "row bootstrap of pooled F1 (candidate)"), []).append(
            row_bootstrap_pvalue(per["rf0"], per["rf1"], rep) < 0.05)
    return rejected


def report(reps, *, data=None, seed_reps=None):
    chosen, rejected = power(reps, data=data)
    rejected.update(seed_null_size(seed_reps or reps, data=data))
    lines = [f"Power, CV 5×2, n = 2000, logistic regression at thresholds "
             + ", ".join(f"{k} {t:.2f} (E[F1] {f:.3f})" for k, (t, f) in chosen.items())
             + f"; {reps} replications ({seed_reps or reps} for the seed null)"]
    for (label, test), hits in rejected.items():
        value, se = rate(hits)
        target = "≤ 5%" if "size" in label else "higher is better"
        ok = value - 2 * se <= 0.05 if "size" in label else True
        lines.append(line(f"{label:<22} {test}", value, se, target, ok))
    return lines


if __name__ == "__main__":
    import sys

    print("\n".join(report(int(sys.argv[1]) if len(sys.argv) > 1 else 300)))
