"""Every fitted step sees training rows only; parallel runs give the same numbers."""

import numpy as np
import pandas as pd
import pytest
from imblearn import FunctionSampler
from imblearn.over_sampling import SMOTE
from sklearn.dummy import DummyClassifier

import imblab
from imblab import Holdout, RepeatedKFold, dataset_from_frame, make_synthetic
from imblab.strategies import registry


def test_repeated_kfold_splits_are_stratified_and_cover_every_row_once_per_repeat():
    ds = make_synthetic(n_samples=1000)
    splits = list(RepeatedKFold(5, 2, random_state=0).splits(ds.y))
    assert [s.split_id for s in splits] == list(range(10))
    for repeat in (splits[:5], splits[5:]):
        tested = np.concatenate([s.test for s in repeat])
        assert sorted(tested) == list(range(1000))
    positives = [int(ds.y[s.test].sum()) for s in splits]
    assert max(positives) - min(positives) <= 1


def test_a_recording_sampler_sees_only_training_rows(monkeypatch):
    seen = []

    def record(X, y):
        seen.append(np.asarray(X).copy())
        return X, y

    strategy = registry.Strategy(
        "recorded", "test", "records what it is fitted on", "",
        lambda rs: [("record", FunctionSampler(func=record, validate=False)),
                    ("model", DummyClassifier(strategy="prior"))],
    )
    monkeypatch.setitem(registry.STRATEGIES, "recorded", strategy)
    ds = make_synthetic(n_samples=600)
    protocol = RepeatedKFold(3, 2, random_state=1)
    imblab.compare(ds, strategies="recorded", protocol=protocol)

    rows = {tuple(row): i for i, row in enumerate(ds.X.to_numpy())}
    assert len(rows) == ds.n_rows  # rows are unique, so a seen row identifies its index
    splits = list(protocol.splits(ds.y))
    assert len(seen) == len(splits)  # the sampler acts during fit only, once per split
    for split, X_seen in zip(splits, seen):
        indices = {rows[tuple(row)] for row in X_seen}
        assert indices == set(split.train)
        assert not indices & set(split.test)


def test_resampling_before_splitting_would_have_inflated_the_scores():
    """The classic mistake: SMOTE on the whole dataset puts synthetic copies of test rows' neighbours
    in training and synthetic rows in the test parts. imblab's pipeline would show the difference."""
    ds = make_synthetic(n_samples=2000, random_state=0)
    protocol = RepeatedKFold(5, 1, random_state=0)
    proper = imblab.compare(ds, strategies="smote_ann", protocol=protocol).summary.iloc[0]

    X_all, y_all = SMOTE(random_state=0).fit_resample(ds.X, ds.y)
    leaky_ds = dataset_from_frame(pd.DataFrame(X_all).assign(target=y_all), "target", positive=1)
    # balanced weights on already balanced data are all 1: the same network without a sampler
    leaky = imblab.compare(leaky_ds, strategies="weighted_ann", protocol=protocol).summary.iloc[0]
    # measured: F1 0.867 -> 0.971, precision 0.849 -> 0.993
    assert leaky["f1_1"] > proper["f1_1"] + 0.05
    assert leaky["precision_1"] > proper["precision_1"] + 0.1


def test_forked_workers_give_identical_results(tmp_path):
    """In a fresh process JAX has not started, so --jobs 2 forks worker processes."""
    import subprocess
    import sys

    def run(jobs):
        out = tmp_path / f"jobs{jobs}"
        subprocess.run([sys.executable, "-m", "imblab", "run", "--samples", "1500", "--folds", "3",
                        "--repeats", "1", "--strategies", "naive,smote_ann,brf", "--jobs", str(jobs),
                        "--quiet", "--out", str(out)], check=True, capture_output=True)
        return out

    one, two = run(1), run(2)
    for name in ["summary.csv", "folds.csv", "comparison.csv"]:
        assert (one / name).read_bytes() == (two / name).read_bytes(), name
    pd.testing.assert_frame_equal(pd.read_parquet(one / "predictions.parquet"),
                                  pd.read_parquet(two / "predictions.parquet"))


def test_parallel_fits_give_identical_predictions():
    """In this test process JAX is already running, so --jobs uses threads."""
    ds = make_synthetic(n_samples=1500)
    protocol = RepeatedKFold(3, 1, random_state=0)
    kwargs = dict(strategies="naive,weighted_ann,brf", protocol=protocol)
    serial = imblab.compare(ds, n_jobs=1, **kwargs)
    parallel = imblab.compare(ds, n_jobs=2, **kwargs)
    pd.testing.assert_frame_equal(serial.predictions, parallel.predictions)
    pd.testing.assert_frame_equal(serial.summary, parallel.summary)


def test_folds_beyond_the_minority_count_are_refused():
    ds = make_synthetic(n_samples=100, minority_share=0.03)
    with pytest.raises(imblab.ImblabError, match="folds need at least"):
        imblab.compare(ds, strategies="naive", protocol=RepeatedKFold(10, 1))


def test_holdout_test_size_is_validated():
    with pytest.raises(imblab.ImblabError, match="test_size must be between 0 and 1"):
        Holdout(test_size=1.2)
