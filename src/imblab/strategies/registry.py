"""Strategies by name: the practical's aliases, presets, and any spec."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

from ..errors import ImblabError
from .catalogue import LEARNERS, POLICIES, SAMPLERS, WEIGHTINGS
from .spec import INNER_FOLDS, Spec, build_estimator, parse_spec

ENSEMBLES = {"brf", "easy", "rusboost", "bbag"}


@dataclass(frozen=True)
class Strategy:
    """A way of handling imbalance: a name, what it does, and how to build it.

    A strategy is either a parsed :class:`Spec`, or a ``factory(random_state)``
    returning pipeline steps (for strategies assembled by hand in Python).
    """

    name: str
    family: str
    summary: str
    how: str
    factory: Callable = None
    spec: Spec = None

    @classmethod
    def from_spec(cls, name, spec):
        parts = []
        if spec.sampler:
            parts.append(SAMPLERS[spec.sampler])
        if spec.weighting != "none":
            parts.append(WEIGHTINGS[spec.weighting])
        if spec.policy:
            parts.append(POLICIES[spec.policy])
        learner = LEARNERS[spec.learner]
        summary = "; ".join([p.summary for p in parts] + [learner.summary]) if parts else learner.summary
        how = " ".join([p.how for p in parts] + [learner.how])
        return cls(name, _family(spec), summary, how, spec=spec)

    @property
    def needs_keras(self):
        return self.spec is not None and self.spec.learner == "ann"

    def build(self, dataset, *, random_state):
        """A fresh, unfitted estimator for ``dataset``, preprocessing included."""
        if self.spec is not None:
            return build_estimator(self.spec, dataset, random_state=random_state)
        from imblearn.pipeline import Pipeline

        from .preprocessing import make_preprocessor

        steps = self.factory(random_state)
        preprocessor = make_preprocessor(dataset)
        if preprocessor is not None:
            steps = [("preprocess", preprocessor), *steps]
        return Pipeline(steps)


def _family(spec):
    levels = []
    if spec.sampler:
        levels.append("data level")
    if spec.weighting != "none":
        levels.append("algorithm level")
    if spec.learner in ENSEMBLES:
        levels.append("ensemble")
    if spec.policy:
        levels.append("decision level")
    if not levels:
        return "baseline" if spec.learner == "naive" else "plain"
    return " + ".join(levels)


#: The practical's four strategies, by their names in the practical.
ALIASES = {
    "naive": "naive",
    "smote_ann": "smote+ann",
    "weighted_ann": "ann:balanced",
    "brf": "brf",
}
STRATEGIES = {name: Strategy.from_spec(name, parse_spec(spec)) for name, spec in ALIASES.items()}

PRACTICAL = list(ALIASES)
PRESETS = {
    "practical": PRACTICAL,
    "all-basic": [
        "naive", "smote_ann", "weighted_ann", "brf", "ann:focal", "brf@f1",
        "lr", "lr:balanced", "smote+lr", "rf:balanced", "hgb:balanced", "rus+hgb",
        "easy", "rusboost", "bbag",
    ],
}


def get_strategies(names=None):
    """Strategies for ``names``: aliases, presets or specs (all of the practical's when ``None``).

    Examples
    --------
    >>> [s.name for s in get_strategies("brf,smote+lr@f1")]
    ['brf', 'smote+lr@f1']
    """
    if names is None:
        names = PRACTICAL
    if isinstance(names, str):
        names = split_list(names)
    names = [n.strip() for n in names if n.strip()]
    if not names:
        raise ImblabError(
            f"no strategy given: pass names such as {', '.join(STRATEGIES)}, a preset "
            f"({', '.join(PRESETS)}) or a spec like smote+ann (see 'imblab strategies')")
    expanded = [member for n in names for member in PRESETS.get(n, [n])]
    strategies = []
    for name in expanded:
        if name in STRATEGIES:
            strategies.append(STRATEGIES[name])
        else:
            try:
                strategies.append(Strategy.from_spec(name, parse_spec(name)))
            except ImblabError as exc:
                if any(c in name for c in "+:@("):
                    raise
                raise ImblabError(
                    f"unknown strategy {name!r}: choose from {', '.join(STRATEGIES)}, a preset "
                    f"({', '.join(PRESETS)}) or a spec such as smote+ann (see 'imblab strategies')"
                ) from exc
    seen = [s.name for s in strategies]
    duplicates = sorted({n for n in seen if seen.count(n) > 1})
    if duplicates:
        raise ImblabError(f"strategy {', '.join(map(repr, duplicates))} is listed twice: name each once")
    return strategies


def split_list(text):
    """Split a comma-separated list of strategies on the commas outside parentheses.

    Examples
    --------
    >>> split_list("brf, smote(k=3,ratio=0.5)+lr")
    ['brf', 'smote(k=3,ratio=0.5)+lr']
    """
    items, depth, current = [], 0, []
    for char in text:
        if char == "," and depth == 0:
            items.append("".join(current).strip())
            current = []
            continue
        depth += {"(": 1, ")": -1}.get(char, 0)
        current.append(char)
    items.append("".join(current).strip())
    return [item for item in items if item]


def minority_rows_needed(estimator):
    """The fewest minority rows a training part needs for ``estimator`` to fit, and why.

    Neighbour-based samplers (SMOTE and kin) need more minority rows than
    ``k_neighbors``; imbalanced-learn does not shrink ``k`` by itself. Threshold
    tuning's internal cross-validation leaves the sampler a fifth fewer rows.
    """
    from sklearn.model_selection import TunedThresholdClassifierCV

    tuned = isinstance(estimator, TunedThresholdClassifierCV)
    factor = INNER_FOLDS / (INNER_FOLDS - 1) if tuned else 1.0
    inner = getattr(estimator, "estimator", estimator)
    steps = inner.steps if hasattr(inner, "steps") else [("model", inner)]
    needed, reason = 1, None
    for _, step in steps:
        if not hasattr(step, "fit_resample"):
            continue
        for key, k in step.get_params(deep=True).items():
            if (key.endswith("k_neighbors") or key == "n_neighbors") and isinstance(k, int):
                rows = math.ceil((k + 1) * factor)
                if rows > needed:
                    needed = rows
                    reason = f"{type(step).__name__} ({key}={k}) needs more than {rows - 1} minority rows"
                    if factor > 1:
                        reason += " (threshold tuning fits it on 4/5 of the training part)"
    return needed, reason
