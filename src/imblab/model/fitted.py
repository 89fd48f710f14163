"""A strategy refitted on all the data: the model a comparison's winner becomes."""

from __future__ import annotations

import time
from contextlib import contextmanager

import numpy as np
import pandas as pd

from ..errors import ImblabError
from .schema import check_frame


class FittedModel:
    """A fitted strategy with the schema of the data it learned from and its model card.

    Get one from :func:`fit_model` or :func:`~imblab.load_model`.

    Attributes
    ----------
    estimator : the fitted scikit-learn / imbalanced-learn estimator
    schema : dict
        The feature columns (names, kinds, dtypes, categories seen).
    card : dict
        What ``model.json`` records: data hash, class counts, threshold, estimates, versions.
    """

    def __init__(self, estimator, card):
        self.estimator = estimator
        self.card = card

    @property
    def schema(self):
        return self.card["data"]["schema"]

    @property
    def labels(self):
        """``(negative_label, positive_label)`` as in the data."""
        return tuple(self.card["data"]["labels"])

    def predict_proba(self, frame, *, extra="error"):
        """Probabilities of the negative and positive class for each row of ``frame``.

        The rows are checked against the schema first (see :func:`check_frame`).
        """
        X = check_frame(frame, self.schema, extra=extra)
        with self._failing_said():
            p1 = self._positive(self.estimator.predict_proba(X))
        return np.column_stack([1.0 - p1, p1])

    @contextmanager
    def _failing_said(self):
        """The estimator failing on checked rows (a user's own estimator's code, say) as one line."""
        try:
            yield
        except Exception as exc:  # noqa: BLE001 - the estimator's own error, not imblab's
            reason = " ".join(str(exc).split())[:300]
            raise ImblabError(f"the model's estimator failed on these rows ({type(exc).__name__}: {reason}); if it "
                              "is your own class, check that its module is the one the model was fitted with, or "
                              "fit the model again") from None

    def _positive(self, proba):
        """The positive class's column of the estimator's probabilities, as float64."""
        from ..strategies.prediction import positive_column

        return positive_column(self.estimator, proba).astype(np.float64)

    def predict(self, frame, *, extra="error"):
        """The decision for each row, as the data's labels, at the model's threshold."""
        X = check_frame(frame, self.schema, extra=extra)
        with self._failing_said():
            return self._labelled(self.estimator.predict(X))

    def _labelled(self, y01):
        """Classes 0/1 as the data's labels."""
        return np.asarray(self.labels, dtype=object)[np.asarray(y01).astype(int)]

    def predictions(self, frame, *, extra="error"):
        """A table of each row's probability, prior-corrected probability and decision.

        ``probability_prior_corrected`` moves a model trained on resampled or
        reweighted classes back to the class shares of the data it was fitted
        on (see :mod:`imblab.evaluation.calibration`); for a model trained at
        the true shares it equals ``probability``.
        """
        from ..evaluation.calibration import prior_shift
        from ..strategies.prediction import probabilities_and_classes

        X = check_frame(frame, self.schema, extra=extra)
        with self._failing_said():
            proba, y01 = probabilities_and_classes(self.estimator, X)  # one pass for both
        p1 = self._positive(proba)
        prior = self.card["training"].get("trained_prior")
        true_prior = self.card["data"]["positive_share"]
        corrected = prior_shift(p1, true_prior, prior) if prior is not None else p1
        return pd.DataFrame({"probability": p1, "probability_prior_corrected": corrected,
                             "decision": self._labelled(y01)})

    def save(self, folder, *, overwrite=False):
        """Write the model folder (see :func:`~imblab.model.save_model`); return its path."""
        from .persist import save_model

        return save_model(self, folder, overwrite=overwrite)

    def __repr__(self):
        return f"FittedModel({self.card['strategy']['name']!r}, {len(self.schema['columns'])} features)"


def fit_model(dataset, strategy, *, random_state=42, estimates=None, source=None):
    """Fit ``strategy`` on all of ``dataset``, threshold policies re-tuned inside it as in evaluation.

    Parameters
    ----------
    dataset : Dataset
    strategy : str, Strategy or estimator
        A name or spec (``"brf@f1"``), a :func:`~imblab.strategy`, or a
        scikit-learn classifier.
    random_state : int, default=42
    estimates : dict, optional
        Out-of-sample estimates from the run the strategy won (for the card).
    source : dict, optional
        Where the choice came from (the run folder), for the card.

    Returns
    -------
    FittedModel

    Examples
    --------
    >>> from imblab import make_synthetic
    >>> model = fit_model(make_synthetic(n_samples=300), "lr:balanced")
    >>> model.predict_proba(make_synthetic(n_samples=300).X.head(2)).shape
    (2, 2)
    """
    from ..evaluation.calibration import trained_prior
    from ..evaluation.cores import limited_threads
    from ..evaluation.runner import training_facts
    from ..strategies import get_strategies
    from .card import make_card

    chosen = get_strategies(strategy if isinstance(strategy, (str, list, dict)) else [strategy])
    if len(chosen) != 1:
        raise ImblabError(f"fit one strategy at a time, got {len(chosen)}: {', '.join(s.name for s in chosen)}")
    chosen = chosen[0]
    estimator = chosen.build(dataset, random_state=random_state)
    _check_feasible(dataset, chosen, estimator)
    start = time.perf_counter()
    try:
        with limited_threads(1):
            estimator.fit(dataset.X, dataset.y)
    except Exception as exc:  # noqa: BLE001 - the estimator's or the data's problem, in one line
        reason = " ".join(str(exc).split())[:300]
        raise ImblabError(f"strategy {chosen.name!r} failed to fit on {dataset.name} ({type(exc).__name__}: "
                          f"{reason}); fix the estimator or the data, or choose another strategy") from None
    seconds = time.perf_counter() - start
    facts = training_facts(estimator)
    prior = trained_prior(facts, dataset.class_counts())
    if prior is not None:
        facts["trained_prior"] = prior
    card = make_card(dataset, chosen, facts, random_state=random_state, estimates=estimates, source=source,
                     fit_seconds=seconds)
    return FittedModel(estimator, card)


def _check_feasible(dataset, strategy, estimator):
    """Refuse, before fitting, a strategy that cannot fit these rows (too few minority rows for its
    sampler's neighbours), as a run refuses it before its fits."""
    from ..strategies.registry import minority_rows_needed, smaller_class

    needed, reason = minority_rows_needed(estimator)
    minority, have = smaller_class(dataset.y)
    if have < needed:
        raise ImblabError(f"strategy {strategy.name!r} cannot be fitted: {reason}, but the data have "
                          f"{have} (class {dataset.labels[minority]!r}); add minority rows or choose another "
                          "strategy")
