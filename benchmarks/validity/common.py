"""Shared pieces of the validity suite: a population with known truth, fast learners, CV runs.

The population is a large ``make_classification`` table (95:5); each replication
draws a fresh sample of ``n`` rows from its first half, and "truth" (a fitted
model's or a method's expected performance) is measured on the held-out second
half, which no sample ever touches.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import RepeatedStratifiedKFold, train_test_split

from imblab.evaluation.bootstrap import weighted_metrics
from imblab.evaluation.metrics import REGISTRY

POPULATION = 200_000
FOLDS, REPEATS = 5, 2


def population(random_state=0, n_samples=POPULATION):
    """``(X_pool, y_pool, X_held, y_held)``: samples come from the pool, truth from the held-out half."""
    X, y = make_classification(n_samples=n_samples, n_features=20, n_informative=5, n_redundant=5,
                               weights=[0.95], flip_y=0.01, class_sep=0.8, random_state=random_state)
    half = n_samples // 2
    return X[:half], y[:half], X[half:], y[half:]


def logistic(seed=0):
    return LogisticRegression(solver="liblinear")


def small_forest(seed=0):
    return RandomForestClassifier(n_estimators=10, max_depth=8, min_samples_leaf=2, random_state=seed, n_jobs=1)


def draw(pool_X, pool_y, n, rng):
    rows = rng.choice(len(pool_y), size=n, replace=False)
    return pool_X[rows], pool_y[rows]


def metric(name, y_true, y_score, y_pred):
    return float(REGISTRY[name].score(y_true, y_score, y_pred))


def cv_predictions(X, y, learners, *, seed, thresholds=None, pass_split=False):
    """Out-of-fold predictions of each learner on 5 × 2 stratified CV, in imblab's format.

    ``learners`` maps a strategy name to a factory ``seed → estimator`` (``(seed, split_id) →
    estimator`` with ``pass_split``); ``thresholds``
    maps further names to ``(learner name, threshold)``: the same fitted model,
    another decision threshold. Returns ``(predictions, fits)``.
    """
    cv = RepeatedStratifiedKFold(n_splits=FOLDS, n_repeats=REPEATS, random_state=seed)
    parts, fits = [], []
    for split_id, (train, test) in enumerate(cv.split(X, y)):
        scores = {}
        for name, factory in learners.items():
            model = (factory(seed, split_id) if pass_split else factory(seed)).fit(X[train], y[train])
            scores[name] = model.predict_proba(X[test])[:, 1]
            parts.append(_frame(name, split_id, test, y[test], scores[name], 0.5))
        for name, (base, threshold) in (thresholds or {}).items():
            parts.append(_frame(name, split_id, test, y[test], scores[base], threshold))
        fits.append({"strategy": "-", "split_id": split_id, "error": None,
                     "train_counts": _counts(y[train]), "test_counts": _counts(y[test])})
    return pd.concat(parts, ignore_index=True), fits


def holdout_predictions(X, y, learners, *, seed, test_size=0.2):
    """Predictions on one stratified holdout, plus the fitted models (for their true performance)."""
    train, test = train_test_split(np.arange(len(y)), test_size=test_size, stratify=y, random_state=seed)
    parts, models = [], {}
    for name, factory in learners.items():
        models[name] = factory(seed).fit(X[train], y[train])
        parts.append(_frame(name, 0, test, y[test], models[name].predict_proba(X[test])[:, 1], 0.5))
    fits = [{"strategy": "-", "split_id": 0, "error": None,
             "train_counts": _counts(y[train]), "test_counts": _counts(y[test])}]
    return pd.concat(parts, ignore_index=True), fits, models


def fold_scores(predictions, metrics):
    """Each studied metric on each test fold (weights select a fold's rows): ``{metric: array}``."""
    split = predictions["split_id"].to_numpy()
    weights = (split[None, :] == np.unique(split)[:, None]).astype(float)
    return weighted_metrics(weights, predictions["y_true"].to_numpy(), predictions["y_score"].to_numpy(),
                            predictions["y_pred"].to_numpy(), names=metrics)


def _frame(name, split_id, rows, y_true, y_score, threshold):
    return pd.DataFrame({"strategy": name, "split_id": split_id, "row_id": rows, "y_true": y_true,
                         "y_score": y_score, "y_pred": (y_score >= threshold).astype(int)})


def _counts(y):
    return {0: int((y == 0).sum()), 1: int((y == 1).sum())}


def rate(hits):
    """``(rate, Monte-Carlo standard error)`` of a list of 0/1 outcomes."""
    hits = np.asarray(hits, dtype=float)
    p = hits.mean()
    return p, np.sqrt(p * (1 - p) / len(hits))


def line(what, value, se, target, ok):
    mark = "ok " if ok else "OFF"
    return f"[{mark}] {what:<62} {value:6.1%} ± {se:.1%} (MC s.e.)   target {target}"
