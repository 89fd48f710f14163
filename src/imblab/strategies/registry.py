"""Named strategies: each name builds a fresh, unfitted estimator."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from imblearn.ensemble import BalancedRandomForestClassifier
from imblearn.over_sampling import SMOTE
from imblearn.pipeline import Pipeline
from sklearn.dummy import DummyClassifier

from ..errors import ImblabError
from .neural import KerasMLPClassifier
from .preprocessing import make_preprocessor


@dataclass(frozen=True)
class Strategy:
    """A way of handling imbalance: a name, what it does, and a factory."""

    name: str
    family: str
    summary: str
    how: str
    factory: Callable

    def build(self, dataset, *, random_state):
        """A fresh, unfitted estimator for ``dataset``, preprocessing included."""
        steps = self.factory(random_state)
        preprocessor = make_preprocessor(dataset)
        if preprocessor is not None:
            steps = [("preprocess", preprocessor), *steps]
        return Pipeline(steps)


def _naive(random_state):
    return [("model", DummyClassifier(strategy="most_frequent"))]


def _smote_ann(random_state):
    return [
        ("smote", SMOTE(random_state=random_state)),
        ("model", KerasMLPClassifier(random_state=random_state)),
    ]


def _weighted_ann(random_state):
    return [("model", KerasMLPClassifier(class_weight="balanced", random_state=random_state))]


def _brf(random_state):
    return [("model", BalancedRandomForestClassifier(n_estimators=100, random_state=random_state))]


STRATEGIES = {
    s.name: s
    for s in [
        Strategy(
            "naive", "baseline",
            "always predicts the majority class (the accuracy paradox)",
            "It ignores the features and predicts the majority class for every row. Its accuracy "
            "equals the majority share, yet it finds none of the minority class.",
            _naive,
        ),
        Strategy(
            "smote_ann", "data level",
            "SMOTE oversampling, then the Keras network",
            "SMOTE creates synthetic minority rows by interpolating between a minority row and one "
            "of its 5 nearest minority neighbours until the classes are equal. It resamples the "
            "training part only; the network then trains on balanced data.",
            _smote_ann,
        ),
        Strategy(
            "weighted_ann", "algorithm level",
            "the Keras network with class weights N/(2·n_c) in its loss",
            "Each row's loss is multiplied by its class weight N/(2·n_c), so a minority error costs "
            "about as much as all majority errors together. The data itself is unchanged.",
            _weighted_ann,
        ),
        Strategy(
            "brf", "ensemble",
            "Balanced Random Forest: 100 trees, each on a balanced bootstrap",
            "Each of its 100 trees is grown on a bootstrap sample in which the majority class is "
            "randomly under-sampled to the size of the minority class. The forest averages the "
            "trees' votes.",
            _brf,
        ),
    ]
}

PRACTICAL = ["naive", "smote_ann", "weighted_ann", "brf"]


def get_strategies(names=None):
    """The strategies called ``names`` (all of the practical's when ``None``), in that order."""
    if names is None:
        names = PRACTICAL
    if isinstance(names, str):
        names = [n.strip() for n in names.split(",")]
    names = [n for n in names if n]
    if not names:
        raise ImblabError(f"no strategy given: pass one or more of {', '.join(STRATEGIES)}")
    unknown = [n for n in names if n not in STRATEGIES]
    if unknown:
        raise ImblabError(
            f"unknown strategy {', '.join(map(repr, unknown))}: choose from {', '.join(STRATEGIES)}"
        )
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ImblabError(f"strategy {', '.join(map(repr, duplicates))} is listed twice: name each once")
    return [STRATEGIES[n] for n in names]


def minority_rows_needed(estimator):
    """The fewest minority rows a training part needs for ``estimator`` to fit, and why.

    Neighbour-based samplers (SMOTE and kin) need more minority rows than
    ``k_neighbors``; imbalanced-learn does not shrink ``k`` by itself.
    """
    needed, reason = 1, None
    steps = estimator.steps if hasattr(estimator, "steps") else [("model", estimator)]
    for _, step in steps:
        k = step.get_params().get("k_neighbors") if hasattr(step, "get_params") else None
        if isinstance(k, int) and k + 1 > needed:
            needed = k + 1
            reason = f"{type(step).__name__} (k_neighbors={k}) needs more than {k} minority rows"
    return needed, reason
