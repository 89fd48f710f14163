"""A user's own scikit-learn classifier as a strategy.

Whatever a catalogue learner gets, a user's estimator gets too: the file's
preprocessing in front of it, a fresh seeded clone for every split, a sampler
before it and a threshold policy after it where asked for, the class counts
it trained on (for the prior-shift correction) and a plain explanation.
"""

from __future__ import annotations

import inspect

from ..errors import ImblabError

PLACEHOLDER = "lr"  # a catalogue learner that stands in while a spec's other parts are parsed


class EstimatorSteps:
    """``factory(random_state)`` for a user's estimator: pipeline steps ending in a fresh, seeded clone.

    A pipeline is spread into its steps, so that its samplers are seen (and
    recorded) like imblab's own. ``random_state`` is set on every part of the
    estimator whose ``random_state`` is ``None``; a seed the user set stays.
    """

    def __init__(self, estimator, weighting="none"):
        self.estimator = estimator
        self.weighting = weighting

    def __call__(self, random_state):
        from sklearn.base import clone

        estimator = clone(self.estimator)
        unseeded = {key: random_state for key, value in estimator.get_params(deep=True).items()
                    if (key == "random_state" or key.endswith("__random_state")) and value is None}
        if unseeded:
            estimator.set_params(**unseeded)
        steps = list(estimator.steps) if _is_pipeline(estimator) else [("model", estimator)]
        # imblab's own steps in front have these names; a user's step keeps its name otherwise
        reserved = {"preprocess", "impute", "smotenc", "encode", "seen"}
        steps = [(f"{name}_own" if name in reserved else name, step) for name, step in steps]
        if self.weighting == "balanced":
            steps[-1][1].set_params(class_weight="balanced")
        if any(hasattr(step, "fit_resample") for _, step in steps[:-1]):
            from .recorder import SeenClassCounts

            steps.insert(len(steps) - 1, ("seen", SeenClassCounts()))  # the counts after its resampling
        return steps

    @property
    def classifier(self):
        """The estimator's final classifier (the last step of a pipeline)."""
        return self.estimator.steps[-1][1] if _is_pipeline(self.estimator) else self.estimator

    @property
    def identity(self):
        """What tells two estimators apart in a kept run: their class and every parameter, each written
        the same way in every process (a function by its name, not its address)."""
        params = self.estimator.get_params(deep=True)
        shown = sorted((k, _stable(v)) for k, v in params.items() if not hasattr(v, "get_params"))
        return f"{_qualname(self.estimator)}({', '.join(f'{k}={v}' for k, v in shown)})|{self.weighting}"


def check_estimator_like(estimator, name):
    """Raise ImblabError unless ``estimator`` can be used as a binary classifier."""
    missing = [m for m in ("fit", "predict_proba", "get_params") if not hasattr(estimator, m)]
    if missing == ["predict_proba"]:  # a classifier that only decides (LinearSVC, RidgeClassifier, SVC())
        raise ImblabError(
            f"strategy {name!r}: {type(estimator).__name__} has no predict_proba, and imblab scores "
            "probabilities (PR-AUC, Brier, thresholds); wrap it in sklearn.calibration.CalibratedClassifierCV, "
            "or give one that has predict_proba (SVC(probability=True))")
    if missing:
        raise ImblabError(
            f"strategy {name!r}: {type(estimator).__name__} is not a scikit-learn classifier (it has no "
            f"{', '.join(missing)}); pass an estimator with fit and predict_proba, or a strategy name or spec")
    if inspect.isclass(estimator):
        raise ImblabError(f"strategy {name!r}: got the class {estimator.__name__}, not an estimator: "
                          f"pass {estimator.__name__}() instead")


def docstring_line(estimator):
    """The first line of the final classifier's docstring, or its class name."""
    final = estimator.steps[-1][1] if _is_pipeline(estimator) else estimator
    doc = inspect.getdoc(type(final)) or ""
    first = doc.strip().split("\n\n", 1)[0]
    return " ".join(first.split()) or type(final).__name__


def default_name(estimator):
    final = estimator.steps[-1][1] if _is_pipeline(estimator) else estimator
    return type(final).__name__


def _is_pipeline(estimator):
    return hasattr(estimator, "steps") and isinstance(getattr(estimator, "steps"), list)


def _qualname(obj):
    return f"{type(obj).__module__}.{type(obj).__qualname__}"


def _stable(value):
    """A parameter's value as text that is the same in every process: ``repr`` where that holds no
    memory address; a function or class by its qualified name; a random state by its state.

    >>> import numpy as np
    >>> from sklearn.feature_selection import f_classif
    >>> _stable(f_classif), _stable([1, "a"]), _stable(np.random.RandomState(0)) == _stable(np.random.RandomState(0))
    ('sklearn.feature_selection._univariate_selection.f_classif', "[1, 'a']", True)
    """
    import hashlib

    import numpy as np

    if isinstance(value, np.random.RandomState):
        state = value.get_state()
        return f"RandomState({hashlib.sha256(state[1].tobytes()).hexdigest()[:16]}, {state[2]})"
    if isinstance(value, np.random.Generator):
        return f"Generator({value.bit_generator.state!r})"
    if callable(value) and hasattr(value, "__qualname__"):
        return f"{getattr(value, '__module__', '?')}.{value.__qualname__}"
    if isinstance(value, (list, tuple)):
        items = ", ".join(_stable(v) for v in value)
        return f"[{items}]" if isinstance(value, list) else f"({items}{',' if len(value) == 1 else ''})"
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda item: repr(item[0]))
        return "{" + ", ".join(f"{k!r}: {_stable(v)}" for k, v in items) + "}"
    text = repr(value)
    return f"{_qualname(value)}(…)" if " at 0x" in text else text
