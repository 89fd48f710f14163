"""Strategy specs: ``[sampler+]learner[:weighting][@policy]``, parsed and built.

Examples: ``smote+ann``, ``ann:balanced``, ``adasyn+rf``, ``brf@f1``,
``smote(k_neighbors=3,ratio=0.5)+lr:balanced@recall=0.9``, ``rf@cost=10:1``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import ImblabError
from .catalogue import LEARNERS, OPTION_ALIASES, SAMPLERS, WEIGHTINGS

_SAMPLER = re.compile(r"^(?P<name>[a-z]+)(?:\((?P<options>[^()]*)\))?$")
INNER_FOLDS = 5  # threshold tuning's internal cross-validation


@dataclass(frozen=True)
class Spec:
    """A parsed strategy spec."""

    learner: str
    sampler: str | None = None
    sampler_options: tuple = ()
    weighting: str = "none"
    policy: str | None = None  # "f1", "recall", "cost" or "fixed"
    policy_value: tuple = ()

    @property
    def text(self):
        """The canonical spelling."""
        out = self.learner
        if self.sampler:
            options = ",".join(f"{k}={v}" for k, v in self.sampler_options)
            out = f"{self.sampler}{f'({options})' if options else ''}+{out}"
        if self.weighting != "none":
            out += f":{self.weighting}"
        if self.policy == "f1":
            out += "@f1"
        elif self.policy == "recall":
            out += f"@recall={self.policy_value[0]}"
        elif self.policy == "cost":
            out += f"@cost={self.policy_value[0]}:{self.policy_value[1]}"
        elif self.policy == "fixed":
            out += f"@{self.policy_value[0]}"
        return out


def parse_spec(text):
    """Parse ``[sampler+]learner[:weighting][@policy]``; raise ImblabError naming the part at fault.

    Examples
    --------
    >>> parse_spec("smote(k=3)+lr:balanced@recall=0.9").text
    'smote(k_neighbors=3)+lr:balanced@recall=0.9'
    """
    original = text
    text = text.strip().lower()
    body, _, policy_text = text.partition("@")
    policy, policy_value = _parse_policy(policy_text, original) if "@" in text else (None, ())
    sampler_text, plus, rest = body.rpartition("+")
    if not plus:
        sampler_text, rest = "", body
    learner, _, weighting = rest.partition(":")
    weighting = weighting or "none"
    if learner not in LEARNERS:
        raise ImblabError(f"strategy {original!r}: unknown learner {learner!r}; learners are {', '.join(LEARNERS)}")
    if weighting not in WEIGHTINGS:
        raise ImblabError(
            f"strategy {original!r}: unknown weighting {weighting!r}; weightings are {', '.join(WEIGHTINGS)}")
    if weighting not in LEARNERS[learner].weightings:
        raise ImblabError(
            f"strategy {original!r}: learner {learner!r} does not take weighting {weighting!r}; it takes "
            f"{', '.join(LEARNERS[learner].weightings)}")
    sampler, options = _parse_sampler(sampler_text, original) if sampler_text else (None, ())
    return Spec(learner, sampler, options, weighting, policy, policy_value)


def _parse_sampler(text, original):
    match = _SAMPLER.match(text)
    if not match or match["name"] not in SAMPLERS:
        name = match["name"] if match else text
        raise ImblabError(f"strategy {original!r}: unknown sampler {name!r}; samplers are {', '.join(SAMPLERS)}")
    options = []
    for item in filter(None, (match["options"] or "").split(",")):
        key, eq, value = item.partition("=")
        key = OPTION_ALIASES.get(key.strip(), key.strip())
        if not eq or key not in ("k_neighbors", "sampling_strategy"):
            raise ImblabError(
                f"strategy {original!r}: sampler option {item!r} is not understood; use k_neighbors=K "
                "(or k=K) and ratio=R (minority/majority after resampling, e.g. 0.5)")
        options.append((key, _number(value, original, item)))
    if len(set(k for k, _ in options)) != len(options):
        raise ImblabError(f"strategy {original!r}: a sampler option is given twice")
    for key, value in options:
        if key == "k_neighbors" and (not isinstance(value, int) or value < 1):
            raise ImblabError(f"strategy {original!r}: k_neighbors must be a whole number of at least 1")
        if key == "sampling_strategy" and not 0 < value <= 1:
            raise ImblabError(f"strategy {original!r}: ratio must be in (0, 1], the minority/majority ratio wanted")
    return match["name"], tuple(options)


def _parse_policy(text, original):
    if text == "f1":
        return "f1", ()
    if text.startswith("recall="):
        value = _number(text[7:], original, text)
        if not 0 < value < 1:
            raise ImblabError(f"strategy {original!r}: @recall=R needs R between 0 and 1, e.g. @recall=0.9")
        return "recall", (value,)
    if text.startswith("cost="):
        fn, colon, fp = text[5:].partition(":")
        costs = (_number(fn, original, text), _number(fp, original, text)) if colon else ()
        if not costs or min(costs) <= 0:
            raise ImblabError(
                f"strategy {original!r}: @cost=FN:FP needs two positive costs, e.g. @cost=10:1 when a missed "
                "positive costs ten times a false alarm")
        return "cost", costs
    try:
        value = float(text)
    except ValueError:
        raise ImblabError(
            f"strategy {original!r}: unknown threshold policy {'@' + text!r}; use @f1, @recall=R, "
            "@cost=FN:FP or a fixed threshold such as @0.3") from None
    if not 0 < value < 1:
        raise ImblabError(f"strategy {original!r}: a fixed threshold must be between 0 and 1, got {value}")
    return "fixed", (value,)


def _number(text, original, item):
    try:
        value = float(text)
    except ValueError:
        raise ImblabError(f"strategy {original!r}: {item!r} needs a number") from None
    return int(value) if value.is_integer() and "." not in text else value


def build_estimator(spec, dataset, *, random_state, model_steps=None):
    """One unfitted estimator for ``spec``: preprocessing, sampler and learner in an imblearn Pipeline,
    wrapped in a threshold policy where the spec has one.

    ``model_steps`` (pipeline steps ending in a classifier) take the catalogue
    learner's place: that is how a user's own estimator gets imblab's parts.
    """
    from imblearn.pipeline import Pipeline

    from .preprocessing import make_encoder, make_imputer, make_preprocessor
    from .recorder import SeenClassCounts

    if model_steps is None:
        model_steps = [("model", LEARNERS[spec.learner].factory(random_state, spec.weighting))]
    steps = []
    options = dict(spec.sampler_options)
    if spec.sampler == "smote" and dataset.categorical_columns:
        # SMOTENC interpolates numeric columns and votes categorical ones: it needs the categories
        # before one-hot encoding, so impute → SMOTENC → encode.
        from imblearn.over_sampling import SMOTENC

        n_numeric = len(dataset.numeric_columns)
        categorical = list(range(n_numeric, n_numeric + len(dataset.categorical_columns)))
        steps = [
            ("impute", make_imputer(dataset)),
            ("smotenc", SMOTENC(categorical_features=categorical, random_state=random_state, **options)),
            ("encode", make_encoder(n_numeric, categorical)),
        ]
    else:
        preprocessor = make_preprocessor(dataset)
        if preprocessor is not None:
            steps.append(("preprocess", preprocessor))
        if spec.sampler:
            steps.append((spec.sampler, SAMPLERS[spec.sampler].factory(random_state, options)))
    if spec.sampler and "seen" not in dict(model_steps):  # a user's pipeline may record its own, later
        steps.append(("seen", SeenClassCounts()))  # the class counts after resampling
    estimator = Pipeline([*steps, *model_steps])
    return _with_policy(estimator, spec, random_state)


def _with_policy(estimator, spec, random_state):
    if spec.policy is None:
        return estimator
    from sklearn.metrics import make_scorer
    from sklearn.model_selection import FixedThresholdClassifier, StratifiedKFold, TunedThresholdClassifierCV

    if spec.policy == "fixed":
        return FixedThresholdClassifier(estimator, threshold=spec.policy_value[0], response_method="predict_proba")
    if spec.policy == "f1":
        scoring = "f1"
    elif spec.policy == "recall":
        scoring = make_scorer(precision_at_recall, min_recall=spec.policy_value[0])
    else:
        fn_cost, fp_cost = spec.policy_value
        scoring = make_scorer(expected_cost, greater_is_better=False, fn_cost=fn_cost, fp_cost=fp_cost)
    return TunedThresholdClassifierCV(
        estimator, scoring=scoring, response_method="predict_proba",
        cv=StratifiedKFold(INNER_FOLDS, shuffle=True, random_state=random_state),
    )


def precision_at_recall(y_true, y_pred, *, min_recall):
    """Precision where recall reaches ``min_recall``; below it, recall − 1 (< 0), so any threshold
    meeting the target beats every one that misses it, and nearer misses rank higher."""
    from sklearn.metrics import precision_score, recall_score

    recall = recall_score(y_true, y_pred, zero_division=0)
    if recall < min_recall:
        return recall - 1.0
    return precision_score(y_true, y_pred, zero_division=0)


def expected_cost(y_true, y_pred, *, fn_cost, fp_cost):
    """Mean cost per row: ``fn_cost`` per missed positive plus ``fp_cost`` per false alarm."""
    from sklearn.metrics import confusion_matrix

    _, fp, fn, _ = confusion_matrix(y_true, y_pred, labels=[0, 1]).ravel()
    return (fn_cost * fn + fp_cost * fp) / len(y_true)


__all__ = ["Spec", "build_estimator", "parse_spec"]
