"""The parts a strategy is composed of: samplers, learners, weightings, threshold policies.

Each part has a one-line summary (for ``imblab strategies``), a plain sentence
on how it handles imbalance (for reports), and a factory.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Callable


@dataclass(frozen=True)
class Part:
    name: str
    summary: str
    how: str
    factory: Callable = None
    use_when: str = ""
    weightings: tuple = field(default=())  # for learners: the weightings they accept


def _load(cls_path):
    """The class at a dotted path, imported when a strategy is first built, not at start-up."""
    module, name = cls_path.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


def _sampler(cls_path):
    def make(random_state, options):
        return _load(cls_path)(random_state=random_state, **options)
    return make


def _smote_combination(cls_path):
    def make(random_state, options):
        from imblearn.over_sampling import SMOTE

        cls = _load(cls_path)
        k = options.pop("k_neighbors", 5)
        return cls(smote=SMOTE(k_neighbors=k, random_state=random_state), random_state=random_state, **options)
    return make


SAMPLERS = {p.name: p for p in [
    Part("smote", "SMOTE: synthetic minority rows interpolated between minority neighbours",
         "SMOTE creates synthetic minority rows on the line between a minority row and one of its "
         "k nearest minority neighbours (SMOTENC where the data has categorical columns).",
         _sampler("imblearn.over_sampling.SMOTE"), "a first choice for numeric features"),
    Part("adasyn", "ADASYN: like SMOTE, but more synthetic rows where the minority is hard to learn",
         "ADASYN generates more synthetic minority rows near rows whose neighbours are mostly majority.",
         _sampler("imblearn.over_sampling.ADASYN"), "when the minority class sits along a hard boundary"),
    Part("borderline", "Borderline-SMOTE: SMOTE only from minority rows near the class boundary",
         "Borderline-SMOTE interpolates only from minority rows whose neighbourhood is contested.",
         _sampler("imblearn.over_sampling.BorderlineSMOTE"), "when the boundary matters more than the core"),
    Part("ros", "random over-sampling: duplicate minority rows",
         "Random over-sampling duplicates minority rows until the classes are balanced.",
         _sampler("imblearn.over_sampling.RandomOverSampler"), "a simple baseline; fine for trees"),
    Part("rus", "random under-sampling: drop majority rows",
         "Random under-sampling drops majority rows until the classes are balanced.",
         _sampler("imblearn.under_sampling.RandomUnderSampler"), "with plenty of data; fastest"),
    Part("smoteenn", "SMOTE, then Edited Nearest Neighbours cleaning",
         "SMOTE over-samples the minority, then Edited Nearest Neighbours removes rows of either class "
         "that disagree with their neighbours.",
         _smote_combination("imblearn.combine.SMOTEENN"), "noisy, overlapping classes"),
    Part("smotetomek", "SMOTE, then removal of Tomek links",
         "SMOTE over-samples the minority, then pairs of opposite-class nearest neighbours (Tomek links) "
         "are removed to clear the boundary.",
         _smote_combination("imblearn.combine.SMOTETomek"), "to sharpen a blurred boundary"),
]}

#: Sampler options that may be set in a spec, e.g. smote(k_neighbors=3,ratio=0.5).
OPTION_ALIASES = {"k": "k_neighbors", "ratio": "sampling_strategy"}


def _ann(random_state, weighting):
    from .neural import KerasMLPClassifier

    return KerasMLPClassifier(
        class_weight="balanced" if weighting == "balanced" else None,
        loss="focal" if weighting == "focal" else "binary_crossentropy",
        output_bias="prior" if weighting == "bias" else None,
        random_state=random_state,
    )


def _weighted(cls_path, **fixed):
    def make(random_state, weighting):
        cls = _load(cls_path)
        params = dict(fixed)
        if "random_state" in cls().get_params():
            params["random_state"] = random_state
        if weighting == "balanced":
            params["class_weight"] = "balanced"
        return cls(**params)
    return make


LEARNERS = {p.name: p for p in [
    Part("ann", "the practical's Keras network: Dense(16, relu) → Dense(1, sigmoid), 5 epochs",
         "A small Keras network trained with Adam on binary cross-entropy.",
         _ann, "the practical's model", weightings=("none", "balanced", "focal", "bias")),
    Part("lr", "logistic regression",
         "Logistic regression, a linear model of the log-odds.",
         _weighted("sklearn.linear_model.LogisticRegression", max_iter=1000), "a fast, well-calibrated baseline",
         weightings=("none", "balanced")),
    Part("rf", "random forest, 100 trees",
         "A random forest of 100 trees on bootstrap samples.",
         _weighted("sklearn.ensemble.RandomForestClassifier", n_estimators=100), "tabular data",
         weightings=("none", "balanced")),
    Part("hgb", "histogram gradient boosting",
         "Histogram gradient boosting: trees added one by one to correct the errors so far.",
         _weighted("sklearn.ensemble.HistGradientBoostingClassifier"), "larger tabular data; strong default",
         weightings=("none", "balanced")),
    Part("brf", "Balanced Random Forest: 100 trees, each on a balanced bootstrap",
         "Each of 100 trees is grown on a bootstrap sample in which the majority class is randomly "
         "under-sampled to the size of the minority class.",
         _weighted("imblab.strategies.forest.BalancedRandomForestClassifier", n_estimators=100),
         "tabular data; the practical's best", weightings=("none",)),
    Part("easy", "EasyEnsemble: AdaBoost on 10 balanced under-samples",
         "Ten AdaBoost ensembles are each trained on all minority rows and an equal random share of "
         "the majority, and their votes averaged.",
         _weighted("imblearn.ensemble.EasyEnsembleClassifier"), "very rare minority classes",
         weightings=("none",)),
    Part("rusboost", "RUSBoost: boosting with random under-sampling at every round",
         "Boosting in which every round trains on a randomly under-sampled, balanced set.",
         _weighted("imblearn.ensemble.RUSBoostClassifier"), "when boosting over-fits the majority",
         weightings=("none",)),
    Part("bbag", "Balanced Bagging: bagged trees, each bag under-sampled to balance",
         "Bagging of decision trees in which every bag is under-sampled to balance the classes.",
         _weighted("imblearn.ensemble.BalancedBaggingClassifier"), "a robust ensemble baseline",
         weightings=("none",)),
    Part("naive", "always predicts the majority class (the accuracy paradox)",
         "It ignores the features and predicts the majority class for every row: its accuracy equals "
         "the majority share, yet it finds none of the minority class.",
         _weighted("sklearn.dummy.DummyClassifier", strategy="most_frequent"), "as the baseline to beat",
         weightings=("none",)),
]}

WEIGHTINGS = {p.name: p for p in [
    Part("none", "no weighting", "", use_when="with a sampler or an imbalance-aware ensemble"),
    Part("balanced", "class weights w_c = N / (2 · n_c) in the loss",
         "Each row's loss is multiplied by its class weight N/(2·n_c), so minority errors cost about as "
         "much in total as majority errors.", use_when="cheap and often as good as resampling"),
    Part("focal", "focal loss (network only): hard rows count more",
         "The focal loss (γ = 2, α = 0.75 on the minority class) shrinks the loss of rows the network already "
         "gets right, so rare, hard rows drive learning.", use_when="many easy majority rows"),
    Part("bias", "output bias starts at log(pos/neg) (network only)",
         "The output bias starts at log(n_pos/n_neg), so training begins from the base rate instead of 0.5.",
         use_when="short training runs; calibrated starting point"),
]}

POLICIES = {p.name: p for p in [
    Part("f1", "@f1: the threshold that maximises F1 in internal cross-validation",
         "The decision threshold is tuned to maximise minority F1 by 5-fold cross-validation inside the "
         "training part.", use_when="when precision and recall matter equally"),
    Part("recall", "@recall=R: the best precision with recall at least R",
         "The decision threshold is the one with the best precision among those keeping recall at least "
         "the target, chosen inside the training part.", use_when="when missing positives has a floor"),
    Part("cost", "@cost=FN:FP: the threshold with the lowest expected cost",
         "The decision threshold minimises the expected cost of errors, a missed positive costing FN and a "
         "false alarm FP, chosen inside the training part.", use_when="when the costs of errors are known"),
    Part("fixed", "@T (a number): a fixed threshold on the positive-class probability",
         "Rows whose positive-class probability exceeds the fixed threshold are predicted positive.",
         use_when="a threshold decided elsewhere"),
]}
