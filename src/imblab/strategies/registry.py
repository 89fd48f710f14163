"""Strategies by name: the practical's aliases, presets, and any spec."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Callable

from ..errors import ImblabError
from .catalogue import LEARNERS, POLICIES, SAMPLERS, WEIGHTINGS
from .spec import INNER_FOLDS, Spec, build_estimator, parse_spec

ENSEMBLES = {"brf", "easy", "rusboost", "bbag"}


#: Catalogue learners whose fits are the slowest: ensembles of trees.
SLOW_LEARNERS = {"rf", "hgb", "brf", "easy", "rusboost", "bbag"}


@dataclass(frozen=True)
class Strategy:
    """A way of handling imbalance: a name, what it does, and how to build it.

    A strategy has a parsed :class:`Spec` (sampler, weighting, threshold
    policy and a catalogue learner), a ``factory(random_state)`` returning the
    pipeline steps that end in the classifier, or both: then the factory's
    steps take the catalogue learner's place, which is how a user's own
    estimator gets a sampler before it and a threshold policy after it (see
    :func:`strategy`). Either way the file's preprocessing goes in front.
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
    def slow(self):
        """Whether its fits are expected to be among a run's slowest (a tree ensemble, or a threshold
        tuned by internal cross-validation): they are started first, so that the quick ones fill in
        around them. Unknown (a user's estimator): False."""
        return self.spec is not None and self.factory is None and (
            self.spec.learner in SLOW_LEARNERS or self.spec.policy is not None)

    @property
    def needs_keras(self):
        if self.factory is not None:
            final = getattr(self.factory, "classifier", None)
            return type(final).__name__ == "KerasMLPClassifier"
        return self.spec is not None and self.spec.learner == "ann"

    @property
    def identity(self):
        """What must match for a kept fit of this strategy to be reused: its spec, and its estimator."""
        own = getattr(self.factory, "identity", None)
        spec = self.spec.text if self.spec is not None else None
        return spec if own is None else f"{spec}|{own}"

    def build(self, dataset, *, random_state):
        """A fresh, unfitted estimator for ``dataset``, preprocessing included."""
        model_steps = self.factory(random_state) if self.factory is not None else None
        spec = self.spec if self.spec is not None else Spec(learner=self.name)
        return build_estimator(spec, dataset, random_state=random_state, model_steps=model_steps)

    def renamed(self, name):
        return replace(self, name=name)


def strategy(estimator, *, name=None, sampler=None, weighting="none", policy=None):
    """A user's scikit-learn classifier as a strategy, optionally with imblab's parts around it.

    Parameters
    ----------
    estimator : classifier
        Any unfitted estimator with ``fit`` and ``predict_proba`` (a Pipeline
        too). Each split gets a fresh clone, behind the file's preprocessing;
        every ``random_state`` left at ``None`` is set to the run's seed.
    name : str, optional
        Defaults to the class name, with the parts added as in a spec
        (``smote+LogisticRegression@f1``).
    sampler : str, optional
        A sampler as in a spec, e.g. ``"smote"`` or ``"smote(k=3,ratio=0.5)"``.
    weighting : {"none", "balanced"}, default="none"
        ``"balanced"`` sets the classifier's ``class_weight="balanced"``.
    policy : str, optional
        A threshold policy as in a spec: ``"f1"``, ``"recall=0.9"``,
        ``"cost=10:1"`` or a fixed threshold such as ``"0.3"``.

    Returns
    -------
    Strategy

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> s = strategy(LogisticRegression(), sampler="smote", policy="f1")
    >>> s.name, s.family
    ('smote+LogisticRegression@f1', 'own estimator + data level + decision level')
    """
    from .estimators import EstimatorSteps, check_estimator_like, default_name, docstring_line

    shown = name or (default_name(estimator) if hasattr(estimator, "get_params") else type(estimator).__name__)
    check_estimator_like(estimator, shown)
    if weighting not in ("none", "balanced"):
        raise ImblabError(f"strategy {shown!r}: weighting must be 'none' or 'balanced', got {weighting!r}")
    final = estimator.steps[-1][1] if hasattr(estimator, "steps") else estimator
    if weighting == "balanced" and "class_weight" not in final.get_params():
        raise ImblabError(f"strategy {shown!r}: {type(final).__name__} has no class_weight parameter, so it "
                          "cannot be weighted: drop weighting='balanced' or use a sampler instead")
    spec = _parse_parts(sampler, policy, shown)
    spec = replace(spec, learner=default_name(estimator), weighting=weighting)
    name = name or spec.text
    line = docstring_line(estimator)
    parts = [SAMPLERS[spec.sampler]] if spec.sampler else []
    parts += [WEIGHTINGS["balanced"]] if weighting == "balanced" else []
    parts += [POLICIES[spec.policy]] if spec.policy else []
    summary = "; ".join([p.summary for p in parts] + [f"your {type(final).__name__}: {line}"])
    how = " ".join([p.how for p in parts] + [
        f"Your own estimator, {type(final).__name__} ({line.rstrip('.')}), fitted behind imblab's preprocessing."])
    levels = ["own estimator"] + _levels(spec)
    return Strategy(name, " + ".join(levels), summary, how, factory=EstimatorSteps(estimator, weighting),
                    spec=spec)


def _parse_parts(sampler, policy, shown):
    """A Spec holding ``sampler`` and ``policy``, parsed as a spec's parts with errors naming ``shown``."""
    text = (f"{sampler}+" if sampler else "") + "lr" + (f"@{policy}" if policy else "")
    try:
        return parse_spec(text)
    except ImblabError as exc:
        raise ImblabError(str(exc).replace(repr(text), repr(shown), 1)) from None


def _levels(spec):
    levels = []
    if spec.sampler:
        levels.append("data level")
    if spec.weighting != "none":
        levels.append("algorithm level")
    if spec.learner in ENSEMBLES:
        levels.append("ensemble")
    if spec.policy:
        levels.append("decision level")
    return levels


def _family(spec):
    levels = _levels(spec)
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
    """Strategies for ``names``: aliases, presets, specs or a user's own estimators.

    ``names`` is a comma-separated string, a list, or a dict of name → what.
    A list may hold names, specs, :class:`Strategy` objects and estimators
    (named by their class); a dict's values may be any of these, named by
    their key (``{"forest": "brf@f1", "mine": LogisticRegression()}``).
    With ``None``, the practical's four.

    Examples
    --------
    >>> [s.name for s in get_strategies("brf,smote+lr@f1")]
    ['brf', 'smote+lr@f1']
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> [s.name for s in get_strategies({"tree": DecisionTreeClassifier(max_depth=3), "brf@f1": "brf@f1"})]
    ['tree', 'brf@f1']
    """
    if names is None:
        names = PRACTICAL
    if isinstance(names, str):
        names = split_list(names)
    if isinstance(names, dict):
        items = list(names.items())
    else:
        items = [(None, n) for n in names]
    items = [(key, n.strip() if isinstance(n, str) else n) for key, n in items]
    items = [(key, n) for key, n in items if not (isinstance(n, str) and not n)]
    if not items:
        raise ImblabError(
            f"no strategy given: pass names such as {', '.join(STRATEGIES)}, a preset "
            f"({', '.join(PRESETS)}) or a spec like smote+ann (see 'imblab strategies')")
    strategies = []
    for key, what in items:
        if isinstance(what, Strategy):
            strategies.append(what if key is None else what.renamed(key))
        elif not isinstance(what, str):
            strategies.append(strategy(what, name=key))
        elif key is not None and key != what and what not in PRESETS:
            strategies.append(_named(what).renamed(str(key)))
        else:
            strategies.extend(_named(member) for member in PRESETS.get(what, [what]))
    seen = [s.name for s in strategies]
    duplicates = sorted({n for n in seen if seen.count(n) > 1})
    if duplicates:
        raise ImblabError(f"strategy {', '.join(map(repr, duplicates))} is listed twice: name each once")
    return strategies


def _named(name):
    if name in STRATEGIES:
        return STRATEGIES[name]
    try:
        return Strategy.from_spec(name, parse_spec(name))
    except ImblabError as exc:
        if any(c in name for c in "+:@("):
            raise
        raise ImblabError(
            f"unknown strategy {name!r}: choose from {', '.join(STRATEGIES)}, a preset "
            f"({', '.join(PRESETS)}) or a spec such as smote+ann (see 'imblab strategies')"
        ) from exc


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


def smaller_class(y):
    """``(class, rows)`` of the smaller class of ``y`` (0/1): the one samplers over-sample, which is the
    positive class usually but not always (``--positive`` may name the majority).

    >>> smaller_class([0, 1, 1])
    (0, 1)
    """
    import numpy as np  # here: the command line's help and checks start without NumPy

    counts = np.bincount(y, minlength=2)
    minority = int(np.argmin(counts))
    return minority, int(counts[minority])


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
