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
        the same way in every process (a function by its name, not its address). A parameter that
        cannot be written so (a lambda, an object whose repr shows only its address or is cut short)
        makes the identity this object's own (``UNVERIFIABLE`` and a random token): it then matches
        no other, so no kept fit is reused for it and a refit cannot be checked against it."""
        params = self.estimator.get_params(deep=True)
        try:
            shown = sorted((k, _stable(v)) for k, v in params.items() if not _is_estimator(v))
        except (_Unverifiable, RecursionError) as exc:  # a parameter holding itself: no faithful text either
            if getattr(self, "_token", None) is None:
                import uuid

                self._token = f"{UNVERIFIABLE} {exc} {uuid.uuid4().hex}"
            return f"{_qualname(self.estimator)}({self._token})|{self.weighting}"
        return f"{_qualname(self.estimator)}({', '.join(f'{k}={v}' for k, v in shown)})|{self.weighting}"


#: Marks the identity of an estimator with a parameter that cannot be written faithfully.
UNVERIFIABLE = "unverifiable:"


class _Unverifiable(Exception):
    """A parameter's value cannot be written the same way in every process and told from others."""


def _is_estimator(value):
    return hasattr(value, "get_params") and not isinstance(value, type)


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
    """A parameter's value as text that is the same in every process and differs between values:
    ``repr`` where that holds no memory address and is not cut short; a function or class by its
    qualified name; an array by its dtype, shape and a hash of its bytes; a random state by its state.
    Raises ``_Unverifiable`` for a value that cannot be written so (a lambda, a local function, an
    object whose repr shows its address).

    >>> import numpy as np
    >>> from sklearn.feature_selection import f_classif
    >>> _stable(f_classif), _stable([1, "a"]), _stable({"b", "a"})
    ('sklearn.feature_selection._univariate_selection.f_classif', "[1, 'a']", "{'a', 'b'}")
    >>> _stable(np.random.RandomState(0)) == _stable(np.random.RandomState(0)) != _stable(np.random.RandomState(1))
    True
    """
    import functools
    import hashlib

    import numpy as np

    if isinstance(value, np.random.RandomState):
        state = value.get_state()
        return f"RandomState({hashlib.sha256(state[1].tobytes()).hexdigest()[:16]}, {state[2]})"
    if isinstance(value, np.random.Generator):
        return f"Generator({value.bit_generator.state!r})"
    if isinstance(value, np.ndarray):
        if value.dtype.hasobject:  # its bytes would be addresses
            return f"array({_stable(value.tolist())}, {value.shape})"
        digest = hashlib.sha256(np.ascontiguousarray(value).tobytes()).hexdigest()[:16]
        return f"array({value.dtype}, {value.shape}, {digest})"
    if type(value).__module__.split(".")[0] == "pandas" and hasattr(value, "to_numpy"):
        import pandas as pd

        digest = hashlib.sha256(pd.util.hash_pandas_object(value).to_numpy().tobytes()).hexdigest()[:16]
        return f"{type(value).__name__}({value.shape}, {digest})"
    if hasattr(value, "tocsr") and hasattr(value, "nnz"):  # a scipy sparse matrix: its repr has no values
        sparse = value.tocsr()
        parts = b"".join(np.ascontiguousarray(a).tobytes() for a in (sparse.data, sparse.indices, sparse.indptr))
        return f"sparse({sparse.dtype}, {sparse.shape}, {hashlib.sha256(parts).hexdigest()[:16]})"
    if inspect.ismethod(value):  # bound to an object: which one matters (Scorer(1).score, Scorer(2).score)
        return f"{_stable(value.__self__)}.{value.__name__}"
    if isinstance(value, functools.partial):
        return f"partial({_stable(value.func)}, {_stable(value.args)}, {_stable(value.keywords)})"
    if isinstance(value, type) or (callable(value) and hasattr(value, "__qualname__")):
        name = value.__qualname__
        if "<lambda>" in name or "<locals>" in name:
            raise _Unverifiable(f"{name} cannot be told from another of the same name")
        return f"{getattr(value, '__module__', '?')}.{name}"
    if _is_estimator(value):
        params = sorted((k, _stable(v)) for k, v in value.get_params(deep=False).items())
        return f"{_qualname(value)}({', '.join(f'{k}={v}' for k, v in params)})"
    if isinstance(value, (list, tuple)):
        items = ", ".join(_stable(v) for v in value)
        return f"[{items}]" if isinstance(value, list) else f"({items}{',' if len(value) == 1 else ''})"
    if isinstance(value, (set, frozenset)):
        return "{" + ", ".join(sorted(_stable(v) for v in value)) + "}"
    if isinstance(value, dict):
        items = sorted((_stable(k), _stable(v)) for k, v in value.items())
        return "{" + ", ".join(f"{k}: {v}" for k, v in items) + "}"
    text = repr(value)
    if " at 0x" in text or (not isinstance(value, str) and "..." in text):
        raise _Unverifiable(f"a {type(value).__name__} whose repr does not tell it apart")
    return text
