"""The strategy catalogue: specs, every part through `imblab run`, and scikit-learn's estimator checks."""

import json
import pickle
from copy import deepcopy

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils.estimator_checks import parametrize_with_checks

import imblab
from imblab import ImblabError
from imblab.cli import main
from imblab.strategies import KerasMLPClassifier, get_strategies, parse_spec
from imblab.strategies.catalogue import LEARNERS, SAMPLERS


@pytest.mark.parametrize("text, canonical", [
    ("smote+ann", "smote+ann"),
    ("ANN:Balanced", "ann:balanced"),
    ("adasyn+rf", "adasyn+rf"),
    ("brf@f1", "brf@f1"),
    ("smote(k=3,ratio=0.5)+lr:balanced@recall=0.9", "smote(k_neighbors=3,sampling_strategy=0.5)+lr:balanced@recall=0.9"),
    ("rf@cost=10:1", "rf@cost=10:1"),
    ("hgb@0.3", "hgb@0.3"),
])
def test_specs_parse_to_their_canonical_form(text, canonical):
    assert parse_spec(text).text == canonical


def test_the_practicals_names_are_aliases():
    assert [s.spec.text for s in get_strategies()] == ["naive", "smote+ann", "ann:balanced", "brf"]
    assert [s.name for s in get_strategies("practical")] == ["naive", "smote_ann", "weighted_ann", "brf"]
    assert len(get_strategies("all-basic")) >= 12


@pytest.mark.parametrize("text, fragment", [
    ("smote+xgb", "unknown learner 'xgb'; learners are ann, lr, rf, hgb, brf"),
    ("smoot+ann", "unknown sampler 'smoot'; samplers are smote, adasyn, borderline"),
    ("ann:heavy", "unknown weighting 'heavy'; weightings are none, balanced, focal, bias"),
    ("brf:balanced", "learner 'brf' does not take weighting 'balanced'; it takes none"),
    ("lr:focal", "learner 'lr' does not take weighting 'focal'; it takes none, balanced"),
    ("brf@best", "unknown threshold policy '@best'; use @f1, @recall=R, @cost=FN:FP"),
    ("brf@recall=1.5", "@recall=R needs R between 0 and 1"),
    ("brf@cost=10", "@cost=FN:FP needs two positive costs"),
    ("smote(k=0)+lr", "k_neighbors must be a whole number of at least 1"),
    ("smote(colour=red)+lr", "sampler option 'colour=red' is not understood"),
    ("xgboost", "unknown strategy 'xgboost': choose from naive, smote_ann, weighted_ann, brf"),
])
def test_invalid_specs_name_the_part_at_fault(text, fragment):
    with pytest.raises(ImblabError, match=None) as info:
        get_strategies(text)
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


def test_invalid_spec_on_the_command_line_exits_2(capsys, tmp_path):
    assert main(["run", "--strategies", "smote+xgb", "--out", str(tmp_path / "never")]) == 2
    err = capsys.readouterr().err
    assert "unknown learner 'xgb'" in err and err.count("\n") == 1
    assert not (tmp_path / "never").exists()


EVERY_PART = (
    [f"{name}+lr" for name in SAMPLERS]
    + [name for name in LEARNERS if name != "lr"]
    + ["lr:balanced", "rf:balanced", "hgb:balanced", "ann:balanced", "ann:focal", "ann:bias"]
    + ["lr@f1", "lr@recall=0.9", "lr@cost=10:1", "lr@0.3"]
)


def test_every_part_runs_on_the_practicals_data(tmp_path, capsys):
    # not --quiet: that prints the table alone, and the thresholds are checked in the full output
    status = main(["run", "--strategies", ",".join(EVERY_PART), "--samples", "3000", "--out", str(tmp_path / "r")])
    out = capsys.readouterr().out
    assert status == 0, out
    summary = pd.read_csv(tmp_path / "r" / "summary.csv").set_index("strategy")
    assert list(summary.index) == EVERY_PART
    assert summary["error"].isna().all()
    assert (summary.drop("naive")["roc_auc"] > 0.85).all()
    saved = json.loads((tmp_path / "r" / "results.json").read_text())
    thresholds = {f["strategy"]: f["facts"].get("threshold") for f in saved["fits"]}
    assert thresholds["lr@0.3"] == 0.3
    for tuned in ["lr@f1", "lr@recall=0.9", "lr@cost=10:1"]:
        assert 0 < thresholds[tuned] < 1
    assert "lr@f1: decision threshold" in out


def test_every_part_runs_on_a_csv_with_categories_and_missing_values(table, mixed_frame, tmp_path, capsys):
    status = main(["run", "--data", str(table(mixed_frame)), "--target", "churn", "--holdout",
                   "--strategies", ",".join(EVERY_PART), "--quiet", "--out", str(tmp_path / "r")])
    out = capsys.readouterr().out
    assert status == 0, out
    summary = pd.read_csv(tmp_path / "r" / "summary.csv")
    assert summary["error"].isna().all(), summary[["strategy", "error"]]


def test_smote_becomes_smotenc_with_categorical_columns(table, mixed_frame):
    ds = imblab.load_table(table(mixed_frame), "churn")
    estimator = get_strategies("smote+lr")[0].build(ds, random_state=0)
    assert [name for name, _ in estimator.steps] == ["impute", "smotenc", "encode", "seen", "model"]
    estimator.fit(ds.X, ds.y)
    smotenc = estimator.named_steps["smotenc"]
    assert smotenc.categorical_features == [3]  # after the three numeric columns
    numeric_only = imblab.make_synthetic(n_samples=300)
    assert [n for n, _ in get_strategies("smote+lr")[0].build(numeric_only, random_state=0).steps] == ["smote", "seen", "model"]


@pytest.fixture(scope="module")
def catalogue_run():
    """The practical's data with the strategies the issue names, seeded."""
    return imblab.compare(strategies="naive,smote_ann,brf,brf@f1,ann:focal")


def test_tuning_brfs_threshold_for_f1_beats_brf(catalogue_run):
    summary = catalogue_run.summary.set_index("strategy")
    assert summary.loc["brf@f1", "f1_1"] > summary.loc["brf", "f1_1"] + 0.05  # 0.683 vs 0.604 measured
    assert 0.5 < catalogue_run.fit_facts("brf@f1")["threshold"] < 0.95


def test_focal_loss_and_smote_networks_beat_naive(catalogue_run):
    summary = catalogue_run.summary.set_index("strategy")
    for name in ["ann:focal", "smote_ann"]:
        assert summary.loc[name, "f1_1"] > summary.loc["naive", "f1_1"] + 0.4
    comparison = catalogue_run.comparison.set_index("strategy")
    assert comparison.loc["naive", "p_adjusted"] < 0.01


def test_composed_estimator_clones_and_pickles():
    ds = imblab.make_synthetic(n_samples=600)
    estimator = get_strategies("smote+ann@f1")[0].build(ds, random_state=0)
    assert clone(estimator).get_params().keys() == estimator.get_params().keys()
    estimator.fit(ds.X, ds.y)
    restored = pickle.loads(pickle.dumps(estimator))
    np.testing.assert_array_equal(restored.predict_proba(ds.X), estimator.predict_proba(ds.X))
    assert restored.best_threshold_ == estimator.best_threshold_


def _composed(spec):
    return get_strategies(spec)[0].build(imblab.make_synthetic(n_samples=200), random_state=0)


EXPECTED_FAILURES = {
    "KerasMLPClassifier": {
        "check_class_weight_classifiers": "the practical's 5 epochs of a 16-unit network do not reach the "
                                          "check's accuracy bar on its 100-row toy problem",
    },
    "Pipeline": {
        "check_estimators_overwrite_params": "imbalanced-learn's Pipeline fits its steps in place, as "
                                             "scikit-learn's Pipeline does",
        "check_dont_overwrite_parameters": "imbalanced-learn's Pipeline fits its steps in place",
        "check_supervised_y_2d": "imbalanced-learn's samplers accept a column-vector y without "
                                 "scikit-learn's DataConversionWarning",
    },
    "FixedThresholdClassifier": {
        "check_supervised_y_2d": "the wrapped sampler accepts a column-vector y without a warning",
        "check_classifiers_train": "a moved threshold makes predict differ from argmax(predict_proba) by design",
    },
}


@parametrize_with_checks(
    [KerasMLPClassifier(random_state=0), _composed("ros+lr:balanced"), _composed("ros+lr:balanced@0.3")],
    expected_failed_checks=lambda est: EXPECTED_FAILURES.get(type(est).__name__, {}),
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_class_weights_are_recorded_for_every_weighted_learner():
    ds = imblab.make_synthetic(1000, 6, 0.05, random_state=0)
    results = imblab.compare(ds, "lr:balanced,rf:balanced,hgb:balanced,weighted_ann,lr:balanced@f1,smote+lr")
    for fit in results.fits:
        counts = fit["train_counts"]
        expected = {c: (counts[0] + counts[1]) / (2 * counts[c]) for c in (0, 1)}  # N / (2 · n_c)
        if fit["strategy"] == "smote+lr":
            assert "class_weight" not in fit["facts"]
        else:
            assert fit["facts"]["class_weight"] == pytest.approx(expected), fit["strategy"]


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_the_balanced_random_forest_is_the_librarys_own_tree_for_tree(n_jobs):
    """imblab's BalancedRandomForestClassifier only skips the per-tree sampler's repeated checks: the rows
    each tree saw, the trees and the probabilities equal imbalanced-learn's forest with the same seed, and
    the fitted samplers are the library's own RandomUnderSampler."""
    from imblearn.ensemble import BalancedRandomForestClassifier as LibraryForest
    from imblearn.under_sampling import RandomUnderSampler

    from imblab.strategies.forest import BalancedRandomForestClassifier

    data = imblab.make_synthetic(3000, 8, 0.05, random_state=1)
    X, y, X_new = data.X.iloc[:2400], data.y[:2400], data.X.iloc[2400:]
    ours = BalancedRandomForestClassifier(n_estimators=30, random_state=7, n_jobs=n_jobs).fit(X, y)
    theirs = LibraryForest(n_estimators=30, random_state=7, n_jobs=n_jobs).fit(X, y)
    np.testing.assert_array_equal(ours.predict_proba(X_new), theirs.predict_proba(X_new))
    for a, b in zip(ours.samplers_, theirs.samplers_):
        assert type(a) is RandomUnderSampler and not hasattr(a, "shared_")
        np.testing.assert_array_equal(a.sample_indices_, b.sample_indices_)
        assert sorted(vars(a)) == sorted(vars(b)) and a.n_features_in_ == b.n_features_in_ == 8
        assert a.sampling_strategy_ == b.sampling_strategy_
    assert [t.tree_.node_count for t in ours.estimators_] == [t.tree_.node_count for t in theirs.estimators_]
    assert not hasattr(ours, "shared_") and ours.get_params() == theirs.get_params()
    # pipelines_ holds the forest's own samplers and trees (the library's holds deep copies of them)
    assert [p.steps[0][1] for p in ours.pipelines_] == ours.samplers_
    assert [p.steps[1][1] for p in ours.pipelines_] == ours.estimators_
    assert [p.steps[0][1] for p in theirs.pipelines_] != theirs.samplers_
    for a, b in zip(ours.pipelines_, theirs.pipelines_):
        assert [type(step) for _, step in a.steps] == [type(step) for _, step in b.steps]
        assert [type(step) for _, step in a.steps] == [RandomUnderSampler, DecisionTreeClassifier]
        assert [name for name, _ in a.steps] == [name for name, _ in b.steps]
        np.testing.assert_array_equal(a.predict_proba(X_new.to_numpy()), b.predict_proba(X_new.to_numpy()))
    # and once fitted they are copied as the library's are
    copy = deepcopy(ours)
    assert copy.estimators_[0] is not ours.estimators_[0] and copy.samplers_[0] is not ours.samplers_[0]
    np.testing.assert_array_equal(copy.predict_proba(X_new), theirs.predict_proba(X_new))


def test_the_balanced_random_forest_is_the_librarys_after_a_failed_fit_and_for_several_outputs():
    """A fit that fails once the trees are grown (here the out-of-bag warning, made an error) leaves the
    library's classes and step names; a one-hot y is fitted as the library fits it, and a y of several
    outputs gets the library's error."""
    import warnings

    from imblearn.ensemble import BalancedRandomForestClassifier as LibraryForest
    from imblearn.under_sampling import RandomUnderSampler

    from imblab.strategies.forest import BalancedRandomForestClassifier

    data = imblab.make_synthetic(600, 6, 0.1, random_state=2)
    X, y = data.X.to_numpy(), data.y
    forest = BalancedRandomForestClassifier(n_estimators=2, random_state=0, oob_score=True, bootstrap=True)
    with warnings.catch_warnings(), pytest.raises(UserWarning, match="OOB"):
        warnings.simplefilter("error")
        forest.fit(X[:30], y[:30])
    assert [type(t) for t in forest.estimators_] == [DecisionTreeClassifier] * 2
    assert [type(s) for s in forest.samplers_] == [RandomUnderSampler] * 2
    assert not any(hasattr(s, "shared_") for s in forest.samplers_) and not hasattr(forest, "shared_")
    assert [name for name, _ in forest.pipelines_[0].steps] == ["randomundersampler", "decisiontreeclassifier"]

    one_hot = np.eye(2)[y]
    ours = BalancedRandomForestClassifier(n_estimators=3, random_state=0).fit(X, one_hot)
    theirs = LibraryForest(n_estimators=3, random_state=0).fit(X, one_hot)
    np.testing.assert_array_equal(np.asarray(ours.predict_proba(X)), np.asarray(theirs.predict_proba(X)))
    with pytest.raises(ValueError, match="[Mm]ultioutput targets are not supported") as raised:
        BalancedRandomForestClassifier(n_estimators=2).fit(X, np.c_[y, 1 - y, y])
    with pytest.raises(ValueError, match="[Mm]ultioutput targets are not supported") as expected:
        LibraryForest(n_estimators=2).fit(X, np.c_[y, 1 - y, y])
    assert str(raised.value) == str(expected.value)


def test_the_balanced_random_forest_keeps_a_users_tree_and_its_copies():
    """Given a tree of another kind (the library's ``estimator`` attribute, not a parameter), the forest
    builds the pipelines_ as the library does, copies included."""
    from sklearn.tree import ExtraTreeClassifier

    from imblab.strategies.forest import BalancedRandomForestClassifier

    data = imblab.make_synthetic(600, 6, 0.1, random_state=2)
    forest = BalancedRandomForestClassifier(n_estimators=3, random_state=0)
    forest.estimator = ExtraTreeClassifier()
    forest.fit(data.X, data.y)
    assert [type(t) for t in forest.estimators_] == [ExtraTreeClassifier] * 3
    assert [p.steps[1][1] is t for p, t in zip(forest.pipelines_, forest.estimators_)] == [False] * 3


@pytest.mark.parametrize("replacement", [True, False])
@pytest.mark.parametrize("strategy", ["all", "auto", "not minority", {0: 40, 1: 25, 2: 10}])
def test_the_forests_tree_sampler_draws_the_librarys_rows(replacement, strategy):
    """Each tree's sampler finds the classes' rows once per forest and draws from them as the library's
    RandomUnderSampler does: the same indices in the same order, the same rows, for three classes,
    with and without replacement, for every kind of sampling strategy, tree after tree."""
    from imblearn.under_sampling import RandomUnderSampler

    from imblab.strategies.forest import _TreeSampler

    rng = np.random.RandomState(0)
    y = rng.choice([0.0, 1.0, 2.0], size=300, p=[0.7, 0.2, 0.1])
    X = rng.normal(size=(300, 3)).astype(np.float32)
    shared = {}
    for seed in range(5):
        ours = _TreeSampler(sampling_strategy=strategy, replacement=replacement, random_state=seed)
        ours.shared_ = shared
        theirs = RandomUnderSampler(sampling_strategy=strategy, replacement=replacement, random_state=seed)
        X_ours, y_ours = ours.fit_resample(X, y)
        X_theirs, y_theirs = theirs.fit_resample(X, y)
        np.testing.assert_array_equal(ours.sample_indices_, theirs.sample_indices_)
        assert ours.sample_indices_.dtype == theirs.sample_indices_.dtype
        np.testing.assert_array_equal(X_ours, X_theirs)
        np.testing.assert_array_equal(y_ours, y_theirs)
        assert not hasattr(ours, "shared_")  # drawn: the forest's rows are not kept (nor pickled) with it
    assert sorted(shared) == ["rows", "strategy"]
