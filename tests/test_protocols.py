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
    # measured (each split its own network seeds): F1 0.894 -> 0.972, precision 0.907 -> 0.996
    assert leaky["f1_1"] > proper["f1_1"] + 0.05
    assert leaky["precision_1"] > proper["precision_1"] + 0.05


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
    with pytest.raises(imblab.ImblabError, match="test_size must be between 0 and 1") as caught:
        Holdout(test_size=1.2)
    assert caught.value.param == "test_size"  # the command line names it --test-size


def _structured_frame(n=600, seed=0):
    """Rows of 60 customers over 100 days; a customer's rows share a label tendency."""
    rng = np.random.default_rng(seed)
    customer = rng.integers(0, 60, n)
    day = rng.integers(0, 100, n)
    risky = customer % 6 == 0
    y = (rng.random(n) < np.where(risky, 0.5, 0.05)).astype(int)
    return pd.DataFrame({"x1": rng.normal(size=n) + y, "x2": rng.normal(size=n),
                         "customer": customer.astype(str), "day": day, "label": y})


def test_no_group_is_on_both_sides_of_any_split_and_the_column_is_not_a_feature(monkeypatch):
    frame = _structured_frame()
    ds = dataset_from_frame(frame, "label")
    protocol = imblab.GroupKFold("customer", folds=4, repeats=2, random_state=3)
    seen = []

    def record(X, y):
        seen.append(X.shape[1])  # after the preprocessing: three scaled numeric features
        return X, y

    strategy = registry.Strategy(
        "columns", "test", "records the columns it is fitted on", "",
        lambda rs: [("record", FunctionSampler(func=record, validate=False)),
                    ("model", DummyClassifier(strategy="prior"))],
    )
    results = imblab.compare(ds, strategies=[strategy], protocol=protocol)
    assert not results.errors()
    assert seen and all(n_columns == 3 for n_columns in seen)
    assert results.dataset["columns"] == ["x1", "x2", "day"]
    splits = list(protocol.splits(ds.y, frame["customer"].to_numpy()))
    assert len(splits) == 8
    customers = frame["customer"].to_numpy()
    for split in splits:
        assert not set(customers[split.train]) & set(customers[split.test])
        assert len(split.train) + len(split.test) == len(frame)
    # the two repeats shuffle the groups differently
    assert [set(s.test) for s in splits[:4]] != [set(s.test) for s in splits[4:]]
    assert "no value of 'customer'" in results.config["protocol"]["caveat"]


def test_time_splits_train_only_on_rows_strictly_before_every_test_row():
    frame = _structured_frame()
    ds = dataset_from_frame(frame, "label")
    protocol = imblab.TimeSplits("day", folds=4)
    days = frame["day"].to_numpy()
    splits = list(protocol.splits(ds.y, days))
    assert len(splits) == 4
    for earlier, later in zip(splits, splits[1:]):
        assert len(later.train) > len(earlier.train)  # forward chaining: the past grows
    for split in splits:
        assert days[split.train].max() < days[split.test].min()
    # the last test block ends with the latest day; every row is in some training part or test part
    assert days[splits[-1].test].max() == days.max()
    results = imblab.compare(ds, strategies="lr", protocol=protocol)
    assert results.dataset["columns"] == ["x1", "x2", "customer"]
    assert "earlier" in results.config["protocol"]["caveat"]


def test_time_given_as_dates_is_ordered_by_date_not_by_text():
    dates = np.array(["2024-01-15", "2024-02-01", "2023-12-31", "2024-01-02", "2024-03-09", "2023-11-30"] * 4,
                     dtype=object)
    y = np.repeat([0, 1, 0, 1], 6)  # each date has rows of both classes
    order = pd.to_datetime(pd.Series(dates))
    for split in imblab.TimeSplits("date", folds=3).splits(y, dates):
        assert order[split.train].max() < order[split.test].min()
    with pytest.raises(imblab.ImblabError, match="must hold numbers or dates"):
        list(imblab.TimeSplits("date", folds=3).splits(y, np.array(["soon", "later", "now", "x"] * 6, dtype=object)))
    # day-first dates, read as the loader reads a date column: the first, 01/02/2024, could be either way,
    # 15/01/2024 only day first (a parser guessing from the first value alone refused them)
    first = np.roll(dates, -1)
    day_first = pd.Series(first).map(lambda d: f"{d[8:10]}/{d[5:7]}/{d[:4]}").to_numpy(dtype=object)
    assert day_first[0] == "01/02/2024"
    ordered = pd.to_datetime(pd.Series(first))
    for split in imblab.TimeSplits("date", folds=3).splits(y, day_first):
        assert ordered[split.train].max() < ordered[split.test].min()


def test_time_splits_with_too_few_distinct_times_are_refused():
    y = np.array([0, 1] * 10)
    with pytest.raises(imblab.ImblabError, match="need at least 6 distinct times"):
        list(imblab.TimeSplits("t", folds=5).splits(y, np.repeat([1, 2, 3], [6, 7, 7])))


def test_any_scikit_learn_splitter_is_a_protocol():
    from sklearn.model_selection import GroupShuffleSplit, StratifiedKFold

    frame = _structured_frame()
    ds = dataset_from_frame(frame, "label")
    results = imblab.compare(ds, strategies="lr", protocol=StratifiedKFold(3, shuffle=True, random_state=0))
    assert sorted(results.predictions["row_id"]) == list(range(len(frame)))
    assert results.config["protocol"]["name"] == "StratifiedKFold"
    grouped = imblab.SplitterProtocol(GroupShuffleSplit(3, test_size=0.3, random_state=0), column="customer")
    results = imblab.compare(ds, strategies="lr", protocol=grouped)
    customers = frame["customer"].to_numpy()
    for split_id, part in results.predictions.groupby("split_id"):
        tested = set(customers[part["row_id"]])
        assert tested and len(tested) < 60
    assert "customer" not in results.dataset["columns"]


def test_cli_groups_and_time_flags(table, tmp_path, capsys):
    import json

    from imblab.cli import main

    path = table(_structured_frame())
    status = main(["run", "--data", str(path), "--target", "label", "--groups", "customer", "--folds", "3",
                   "--repeats", "1", "--strategies", "lr", "--quiet", "--no-report", "--out", str(tmp_path / "g")])
    assert status == 0, capsys.readouterr().err
    saved = json.loads((tmp_path / "g" / "results.json").read_text())
    assert saved["config"]["protocol"]["name"] == "stratified group k-fold"
    assert "customer" not in saved["dataset"]["columns"]
    status = main(["run", "--data", str(path), "--target", "label", "--time", "day", "--folds", "3",
                   "--strategies", "lr", "--quiet", "--no-report", "--out", str(tmp_path / "t")])
    assert status == 0, capsys.readouterr().err
    saved = json.loads((tmp_path / "t" / "results.json").read_text())
    assert saved["config"]["protocol"]["name"] == "forward-chaining time splits"
    assert main(["report", str(tmp_path / "t")]) == 0  # the report says what such splits can claim
    assert "than every test row" in " ".join((tmp_path / "t" / "summary.md").read_text().split())
    assert main(["run", "--data", str(path), "--target", "label", "--groups", "customer", "--time", "day"]) == 2
    assert "exclude each other" in capsys.readouterr().err
    assert main(["run", "--data", str(path), "--target", "label", "--groups", "shop"]) == 2
    assert "split column 'shop' is not among the features" in capsys.readouterr().err


def test_cli_groups_by_an_id_column_and_time_by_a_date_column(tmp_path, capsys):
    """The columns --groups and --time exist for — a customer ID, a signup date — are ones the loader
    would leave out of the features; they still decide the splits (and stay out of the features), and a
    group column with empty cells is one clear error before anything is written."""
    import json

    from test_columns import churn_frame

    from imblab.cli import main

    frame = churn_frame(600, seed=3)
    frame["customer_id"] = [f"C-{i // 4}" for i in range(600)]  # 150 customers, 4 rows each
    frame.to_csv(tmp_path / "churn.csv", index=False)
    common = ["--data", str(tmp_path / "churn.csv"), "--target", "churn", "--strategies", "lr", "--folds", "3",
              "--quiet", "--no-report"]
    assert main(["run", *common, "--groups", "customer_id", "--repeats", "1", "--out", str(tmp_path / "g")]) == 0
    saved = json.loads((tmp_path / "g" / "results.json").read_text())
    assert saved["config"]["protocol"]["name"] == "stratified group k-fold"
    assert saved["dataset"]["columns"] == ["tenure", "monthly_charges", "plan"]
    roles = {r["column"]: r["role"] for r in saved["dataset"]["column_roles"]}
    assert roles["customer_id"] == "split" and roles["signup_date"] == "date"
    predictions = pd.read_parquet(tmp_path / "g" / "predictions.parquet")
    customers = frame["customer_id"].to_numpy()
    for (_, test_rows) in predictions.groupby("split_id")["row_id"]:
        train_customers = set(customers) - set(customers[test_rows])
        assert not train_customers & set(customers[test_rows])
    assert main(["run", *common, "--time", "signup_date", "--out", str(tmp_path / "t")]) == 0
    saved = json.loads((tmp_path / "t" / "results.json").read_text())
    assert saved["config"]["protocol"]["name"] == "forward-chaining time splits"
    assert "signup_date" not in saved["dataset"]["columns"]
    dates = pd.to_datetime(frame["signup_date"]).to_numpy()
    predictions = pd.read_parquet(tmp_path / "t" / "predictions.parquet")
    first_test = predictions.groupby("split_id")["row_id"].min()
    assert all(dates[first_test] > dates[0]) and predictions["row_id"].nunique() < len(frame)
    frame.loc[5, "customer_id"] = None
    frame.to_csv(tmp_path / "blank.csv", index=False)
    capsys.readouterr()
    assert main(["run", "--data", str(tmp_path / "blank.csv"), "--target", "churn", "--groups", "customer_id",
                 "--strategies", "lr", "--quiet", "--out", str(tmp_path / "b")]) == 2
    assert "column 'customer_id' decides the splits but has 1 empty cells" in capsys.readouterr().err
    assert not (tmp_path / "b").exists()
