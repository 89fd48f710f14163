"""A user's own scikit-learn classifier runs beside the catalogue's strategies and gets what they get."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

import imblab
from imblab import RepeatedKFold, dataset_from_frame, make_synthetic


def _table(n=500, seed=0):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.1).astype(int)
    return pd.DataFrame({
        "amount": rng.normal(size=n) * 100 + 80 * y,
        "age": np.where(rng.random(n) < 0.05, np.nan, rng.normal(40, 10, n)),
        "channel": rng.choice(["web", "shop", "phone"], n),
        "fraud": y,
    })


def test_estimators_and_specs_mixed_in_one_comparison_equal_the_catalogue_learner():
    ds = make_synthetic(n_samples=600)
    protocol = RepeatedKFold(2, 1, random_state=0)
    results = imblab.compare(ds, strategies={"mine": LogisticRegression(max_iter=1000), "lr@f1": "lr@f1",
                                             "lr": "lr"}, protocol=protocol)
    summary = results.summary.set_index("strategy")
    assert list(summary.index) == ["mine", "lr@f1", "lr"]
    # the catalogue's lr is a LogisticRegression(max_iter=1000) too: identical predictions
    mine = results.predictions.query("strategy == 'mine'")["y_score"].to_numpy()
    catalogue = results.predictions.query("strategy == 'lr'")["y_score"].to_numpy()
    np.testing.assert_allclose(mine, catalogue)
    notes = results.strategy_notes["mine"]
    assert notes["family"] == "own estimator"
    assert "Logistic Regression (aka logit, MaxEnt) classifier." in notes["summary"]


def test_a_user_estimator_gets_preprocessing_seeding_and_the_prior_correction():
    ds = dataset_from_frame(_table(), "fraud")  # missing values and a text column: needs preprocessing
    tree = imblab.strategy(DecisionTreeClassifier(max_depth=3), sampler="ros", policy="0.4")
    assert tree.name == "ros+DecisionTreeClassifier@0.4"
    built = imblab.strategy(DecisionTreeClassifier(), policy="f1").build(ds, random_state=7)
    assert built.estimator.named_steps["model"].random_state == 7  # seeded where left at None
    fixed = imblab.strategy(DecisionTreeClassifier(random_state=3)).build(ds, random_state=7)
    assert fixed.named_steps["model"].random_state == 3  # a seed the user set stays
    results = imblab.compare(ds, strategies=[tree, DecisionTreeClassifier(max_depth=2)],
                             protocol=RepeatedKFold(3, 1, random_state=0))
    assert not results.errors()
    facts, train = results.fits[0]["facts"], results.fits[0]["train_counts"]
    assert facts["samplers"] == ["RandomOverSampler"]
    assert facts["class_counts_seen"] == {0: train[0], 1: train[0]}  # balanced by the sampler
    assert facts["trained_prior"] == 0.5
    part = results.predictions.query("strategy == @tree.name")
    assert part["y_score_prior"].notna().all()
    assert list(results.summary["strategy"]) == [tree.name, "DecisionTreeClassifier"]


def test_same_seed_same_numbers_and_a_failing_estimator_is_isolated():
    class Broken(LogisticRegression):
        """A classifier whose fit fails."""

        def fit(self, X, y):
            raise RuntimeError("the solver diverged")

    ds = make_synthetic(n_samples=600)
    kwargs = dict(strategies={"tree": DecisionTreeClassifier(), "broken": Broken(), "naive": "naive"},
                  protocol=RepeatedKFold(2, 1, random_state=0))
    one, two = imblab.compare(ds, **kwargs), imblab.compare(ds, **kwargs)
    pd.testing.assert_frame_equal(one.predictions, two.predictions)
    assert set(one.predictions["strategy"]) == {"tree", "naive"}
    assert "RuntimeError: the solver diverged" in str(one.errors())


def test_a_user_pipeline_with_its_own_sampler_is_recorded():
    from imblearn.pipeline import make_pipeline
    from imblearn.under_sampling import RandomUnderSampler

    ds = make_synthetic(n_samples=800)
    pipeline = make_pipeline(RandomUnderSampler(), LogisticRegression())
    results = imblab.compare(ds, strategies={"rus_lr": pipeline})
    facts = results.fits[0]["facts"]
    assert facts["samplers"] == ["RandomUnderSampler"]
    assert facts["class_counts_seen"][0] == facts["class_counts_seen"][1]
    assert facts["trained_prior"] == 0.5


def test_bad_strategies_are_refused_with_one_clear_line():
    with pytest.raises(imblab.ImblabError, match="is not a scikit-learn classifier"):
        imblab.compare(make_synthetic(n_samples=200), strategies={"x": object()})
    with pytest.raises(imblab.ImblabError, match="pass LogisticRegression\\(\\) instead"):
        imblab.strategy(LogisticRegression)
    with pytest.raises(imblab.ImblabError, match="unknown sampler 'smoot'"):
        imblab.strategy(LogisticRegression(), sampler="smoot")
    with pytest.raises(imblab.ImblabError, match="has no class_weight"):
        from sklearn.neighbors import KNeighborsClassifier

        imblab.strategy(KNeighborsClassifier(), weighting="balanced")


def test_lightgbm_from_the_optional_extra_runs_beside_the_catalogue():
    lightgbm = pytest.importorskip(
        "lightgbm", reason="LightGBM is the optional extra imblab[lightgbm]: pip install 'imblab[lightgbm]'")
    ds = dataset_from_frame(_table(), "fraud")
    model = lightgbm.LGBMClassifier(n_estimators=30, verbose=-1)
    results = imblab.compare(ds, strategies={"lgbm": model, "lgbm:balanced": imblab.strategy(
        model, weighting="balanced"), "naive": "naive"}, protocol=RepeatedKFold(2, 1, random_state=0))
    assert not results.errors()
    summary = results.summary.set_index("strategy")
    assert summary.loc["lgbm", "roc_auc"] > 0.6
    assert results.strategy_notes["lgbm"]["summary"].startswith("your LGBMClassifier: LightGBM classifier.")
    weighted = results.predictions.query("strategy == 'lgbm:balanced'")
    assert weighted["y_score_prior"].notna().all()  # balanced weights: the prior correction applies


def test_a_strategys_identity_is_the_same_in_every_process():
    """What a kept fit and fit RUN_DIR match a user's estimator by: no memory address in it, so a
    function parameter (SelectKBest's score_func) or a RandomState is the same estimator in a new process."""
    import subprocess
    import sys

    code = ("import numpy as np, imblab\nfrom sklearn.pipeline import make_pipeline\n"
            "from sklearn.feature_selection import SelectKBest\nfrom sklearn.linear_model import LogisticRegression\n"
            "pipe = make_pipeline(SelectKBest(k=3), LogisticRegression(random_state=np.random.RandomState(0)))\n"
            "print(imblab.strategy(pipe, name='sel').identity)\n")
    first, second = (subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
                     for _ in range(2))
    assert first == second and " at 0x" not in first
    assert "selectkbest__score_func=sklearn.feature_selection._univariate_selection.f_classif" in first


def test_lightgbm_runs_one_thread_per_fit_beside_others_and_after_it_was_trained_here():
    """LightGBM runs threads of its own that threadpoolctl does not limit: beside another fit it gets
    n_jobs = its one core (it took every core: more threads than cores), and workers forked after this
    process trained LightGBM finish (they hung in LightGBM's first parallel region). In a fresh
    interpreter, with a time limit, so that a hang fails the test instead of stopping the suite."""
    import subprocess
    import sys

    pytest.importorskip("lightgbm", reason="LightGBM is the optional extra imblab[lightgbm]")
    from lightgbm import LGBMClassifier
    from sklearn.ensemble import RandomForestClassifier

    from imblab.evaluation.cores import available_cores, use_cores

    def steps(model):
        return imblab.strategy(model, name="m").build(make_synthetic(n_samples=200), random_state=0)

    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    assert use_cores(steps(LGBMClassifier()), 1).get_params()["model__n_jobs"] == 1
    assert use_cores(steps(LGBMClassifier(n_jobs=8)), 1, spare=True).get_params()["model__n_jobs"] == 1
    # wherever it sits: a user's pipeline's own step name, inside a wrapper, inside a threshold policy
    own = Pipeline([("scale", StandardScaler()), ("clf", LGBMClassifier())])
    assert use_cores(steps(own), 1).get_params()["clf__n_jobs"] == 1
    assert use_cores(steps(CalibratedClassifierCV(LGBMClassifier(), cv=2)), 1).get_params()[
        "model__estimator__n_jobs"] == 1
    tuned = imblab.strategy(LGBMClassifier(), sampler="smote", policy="f1").build(make_synthetic(n_samples=200),
                                                                                 random_state=0)
    assert use_cores(tuned, 1).get_params()["estimator__model__n_jobs"] == 1
    aliased = use_cores(steps(LGBMClassifier(num_threads=4)), 1).get_params()  # LightGBM's own name wins
    assert aliased["model__num_threads"] == 1 and aliased["model__n_jobs"] == 1
    assert use_cores(steps(RandomForestClassifier()), 1).get_params()["model__n_jobs"] is None  # one: its default
    assert use_cores(steps(RandomForestClassifier()), 1, spare=True).get_params()["model__n_jobs"] == \
        available_cores()  # joblib's threads, gated by the spare cores
    code = ("import imblab\nfrom lightgbm import LGBMClassifier\nds = imblab.make_synthetic(n_samples=600)\n"
            "LGBMClassifier(verbose=-1, n_estimators=5).fit(ds.X, ds.y)\n"
            "from sklearn.pipeline import make_pipeline\nfrom sklearn.preprocessing import StandardScaler\n"
            "own = make_pipeline(StandardScaler(), LGBMClassifier(verbose=-1, n_estimators=5))\n"
            "r = imblab.compare(ds, {'lgbm': LGBMClassifier(verbose=-1, n_estimators=5), 'own': own},\n"
            "                   protocol=imblab.RepeatedKFold(2, 1), n_jobs=2)\n"
            "print(sorted(r.errors()), len(r.predictions))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[]", "1200"]  # no errors: each of the 600 rows predicted by both strategies


def test_identities_tell_apart_what_differs_and_never_match_what_they_cannot_write():
    """Different estimators never share an identity (a kept fit of one is never reused for the other);
    a parameter that cannot be written faithfully makes the identity match nothing else."""
    import functools

    from sklearn.feature_selection import SelectKBest, mutual_info_classif
    from sklearn.pipeline import make_pipeline

    from imblab.strategies.estimators import UNVERIFIABLE

    def identity(estimator):
        return imblab.strategy(estimator, name="x").identity

    def select(score_func, k=3):
        return make_pipeline(SelectKBest(score_func, k=k), LogisticRegression())

    near = functools.partial(mutual_info_classif, n_neighbors=3)
    assert identity(select(near)) == identity(select(functools.partial(mutual_info_classif, n_neighbors=3)))
    assert identity(select(near)) != identity(select(functools.partial(mutual_info_classif, n_neighbors=50)))
    weights = np.zeros(2000)
    other = weights.copy()
    other[1000] = 1  # the same truncated repr
    assert identity(LogisticRegression(class_weight={0: 1, 1: 2})) != identity(
        LogisticRegression(class_weight={0: 1, 1: 3}))
    assert identity(DecisionTreeClassifier(ccp_alpha=0.0)) == identity(DecisionTreeClassifier())
    from sklearn.ensemble import BaggingClassifier

    assert identity(BaggingClassifier(LogisticRegression(C=1))) != identity(BaggingClassifier(LogisticRegression(C=2)))
    bagged_lr, bagged_tree = (identity(BaggingClassifier(base))
                              for base in (LogisticRegression, DecisionTreeClassifier))
    assert bagged_lr != bagged_tree  # a class as a parameter is written, not dropped
    from imblab.strategies.estimators import _stable

    assert _stable(weights) != _stable(other)
    first, second = identity(select(lambda X, y: abs(X).mean(0))), identity(select(lambda X, y: -abs(X).mean(0)))
    assert UNVERIFIABLE in first and first != second  # two lambdas: unknowable, so never the same
    import scipy.sparse

    class Scorer:
        def __init__(self, k):
            self.k = k

        def __repr__(self):
            return f"Scorer({self.k})"

        def score(self, X, y):
            return abs(X).mean(0) * self.k

    assert _stable(pd.Series([0.1234567, 0.5])) != _stable(pd.Series([0.1234568, 0.5]))  # pandas rounds its repr
    sparse = [scipy.sparse.csr_matrix([[1.0, 0], [0, value]]) for value in (2.0, 3.0)]
    assert _stable(sparse[0]) != _stable(sparse[1])
    assert _stable(Scorer(1).score) != _stable(Scorer(2).score)
    structured = np.array([(1, "a")], dtype=[("x", "i8"), ("y", "O")])
    assert _stable(structured) == _stable(np.array([(1, "a")], dtype=[("x", "i8"), ("y", "O")]))  # no addresses
    itself = []
    itself.append(itself)
    assert UNVERIFIABLE in identity(LogisticRegression(class_weight=itself))  # not a RecursionError
