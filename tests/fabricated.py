"""Results of many strategies built from made-up predictions: real tables, no fitting.

Layout tests need 15 or 30 strategies; fitting them would take a minute, and
the layout depends only on names, numbers and their widths. The predictions
are seeded, so every table computed from them is the same on every run.
"""

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin

from imblab import make_synthetic
from imblab.evaluation import Holdout, RepeatedKFold
from imblab.results import Results
from imblab.strategies import PRESETS

ALL_BASIC = list(PRESETS["all-basic"])
#: Fifteen more, with the longer spec-style names people write.
MORE = ["smote+rf", "smote+hgb", "adasyn+lr", "rus+lr", "rus+rf", "smote+lr:balanced@f1", "rf@f1",
        "hgb@f1", "lr@recall=0.9", "rf:balanced@cost=10:1", "adasyn+hgb", "smote+rf@f1", "rus+lr@f1",
        "hgb:balanced@f1", "lr:balanced@0.3"]


def fabricated_results(n_strategies=15, *, protocol="cv", metric="f1_1", failing=(), rows=600, seed=0):
    """A :class:`Results` of ``n_strategies`` strategies whose scores are seeded noise plus signal.

    Strategy ``i`` separates the classes with strength growing in ``i``, so the
    ranking is not the input order. Strategies named in ``failing`` fail on every split.
    """
    names = (ALL_BASIC + MORE)[:n_strategies]
    dataset = make_synthetic(rows, 6, 0.1, random_state=seed)
    chosen = (RepeatedKFold(5, 2, random_state=seed) if protocol == "cv"
              else Holdout(0.25, stratify=True, random_state=seed))
    splits = list(chosen.splits(dataset.y))
    rng = np.random.RandomState(seed)
    strength = rng.permutation(np.linspace(0.2, 1.6, len(names)))
    parts, fits = [], []
    for i, name in enumerate(names):
        for split in splits:
            y_true = dataset.y[split.test]
            record = {"strategy": name, "split_id": split.split_id,
                      "train_counts": _counts(dataset.y[split.train]), "test_counts": _counts(y_true),
                      "fit_seconds": 0.05 * (i + 1) + 0.001 * split.split_id, "predict_seconds": 0.001,
                      "facts": {}, "error": None}
            if name in failing:
                record["error"] = "RuntimeError: the solver diverged"
                fits.append(record)
                continue
            logit = strength[i] * (2 * y_true - 1) + rng.normal(size=len(y_true)) - 1.5
            y_score = 1 / (1 + np.exp(-logit))
            threshold = 0.5
            if "@" in name:
                threshold = float(np.clip(0.3 + 0.02 * split.split_id + 0.01 * i, 0.05, 0.95))
                record["facts"]["threshold"] = threshold
            if ":balanced" in name:
                record["facts"]["class_weight"] = {0: 0.556, 1: 5.0}
            fits.append(record)
            parts.append(pd.DataFrame({
                "strategy": name, "split_id": split.split_id, "row_id": split.test, "y_true": y_true,
                "y_score": y_score, "y_pred": (y_score >= threshold).astype(int), "y_score_prior": np.nan,
            }))
    config = {"strategies": names, "protocol": chosen.describe(), "metric": metric, "random_state": seed,
              "n_jobs": 1, "keras_backend": "jax", "python": "3", "versions": {}}
    notes = {name: {"family": "made up", "summary": name, "how": f"{name}, made up for a layout test"}
             for name in names}
    return Results(predictions=pd.concat(parts, ignore_index=True), fits=fits, config=config,
                   dataset=dataset.describe(), strategy_notes=notes)


def _counts(y):
    return {0: int((y == 0).sum()), 1: int((y == 1).sum())}


class Exploding:
    """A real estimator whose fit fails with ``message``, standing for a strategy that breaks on some data."""

    def __init__(self, message="the solver diverged"):
        self.message = message

    def get_params(self, deep=True):
        return {"message": self.message}

    def set_params(self, **params):
        self.__dict__.update(params)
        return self

    def fit(self, X, y):
        raise RuntimeError(self.message)


def broken_strategy(message="the solver diverged"):
    """A strategy named ``broken`` whose every fit fails with ``message``."""
    from imblab.strategies import registry

    return registry.Strategy("broken", "test", "fails", "fails", lambda rs: [("model", Exploding(message))])



class SlowClassifier(ClassifierMixin, BaseEstimator):
    """A logistic regression whose fit first sleeps ``seconds``: a fit that is still running when a
    test kills its worker."""

    def __init__(self, seconds=1.0, random_state=None):
        self.seconds = seconds
        self.random_state = random_state

    def fit(self, X, y):
        import time

        from sklearn.linear_model import LogisticRegression

        time.sleep(self.seconds)
        self.model_ = LogisticRegression(random_state=self.random_state).fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X):
        return self.model_.predict_proba(X)

    def predict(self, X):
        return self.model_.predict(X)


class WorkerKiller(SlowClassifier):
    """A fit that ends the process it runs in, as a crashing native library would: only ever in a
    child process (a Dask worker), never in the process running the tests."""

    def fit(self, X, y):
        import multiprocessing
        import os

        if multiprocessing.parent_process() is not None:
            os._exit(1)
        raise RuntimeError("WorkerKiller only kills worker processes")
