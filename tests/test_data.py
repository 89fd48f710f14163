import numpy as np
import pandas as pd
import pytest

from imblab import Holdout, ImblabError, dataset_from_frame, load_table, make_synthetic


def test_synthetic_matches_the_practical():
    ds = make_synthetic()
    assert (ds.n_rows, ds.n_features) == (10000, 20)
    assert ds.class_counts() == {0: 9460, 1: 540}
    split = next(Holdout().splits(ds.y))
    assert ds.class_counts(split.train) == {0: 7576, 1: 424}
    assert ds.class_counts(split.test) == {0: 1884, 1: 116}


def test_holdout_is_train_test_split_exactly():
    from sklearn.model_selection import train_test_split

    ds = make_synthetic()
    X_train, X_test, _, _ = train_test_split(ds.X.to_numpy(), ds.y, test_size=0.2, random_state=42)
    split = next(Holdout().splits(ds.y))
    np.testing.assert_array_equal(ds.X.to_numpy()[split.train], X_train)
    np.testing.assert_array_equal(ds.X.to_numpy()[split.test], X_test)


def test_synthetic_options():
    ds = make_synthetic(n_samples=2000, n_features=8, minority_share=0.1, random_state=1)
    assert ds.n_features == 8 and ds.n_rows == 2000
    assert 150 < ds.class_counts()[1] < 250


@pytest.mark.parametrize("kwargs, fragment", [
    ({"n_samples": 5}, "^n_samples must be"),
    ({"n_features": 2}, "^n_features must be"),
    ({"minority_share": 0.7}, "^minority_share must be"),
])
def test_synthetic_rejects_bad_options(kwargs, fragment):
    with pytest.raises(ImblabError, match=fragment):
        make_synthetic(**kwargs)


def test_content_hash_is_stable_and_sensitive():
    a, b = make_synthetic(n_samples=500), make_synthetic(n_samples=500)
    assert a.content_hash == b.content_hash
    assert a.content_hash != make_synthetic(n_samples=500, random_state=1).content_hash


def test_load_csv_defaults_positive_to_minority(table, mixed_frame):
    ds = load_table(table(mixed_frame), "churn")
    assert ds.labels == ("no", "yes")
    assert ds.class_counts() == {0: 360, 1: 40}
    assert ds.categorical_columns == ["city"]
    assert ds.n_missing == 50
    assert ds.kind == "file"
    assert ds.provenance["sep"] == "," and ds.provenance["encoding"] == "utf-8"
    assert [r["role"] for r in ds.column_roles] == ["numeric", "numeric", "categorical", "numeric"]
    assert ds.notes == ()


def test_load_parquet_and_explicit_positive(table, mixed_frame):
    ds = load_table(table(mixed_frame, "d.parquet"), "churn", positive="no")
    assert ds.labels == ("yes", "no")
    assert ds.class_counts() == {0: 40, 1: 360}


def test_positive_given_as_text_finds_integer_label():
    frame = pd.DataFrame({"a": range(6), "t": [0, 0, 0, 0, 1, 1]})
    assert dataset_from_frame(frame, "t", positive="0").labels == (1, 0)


@pytest.mark.parametrize("make, target, options, fragment", [
    (lambda: pd.DataFrame({"a": [1, 2, 3], "t": [1, 1, 1]}), "t", {}, "only one class"),
    (lambda: pd.DataFrame({"a": [1, 2, 3], "t": [0, 1, 2]}), "t", {}, "has 3 classes"),
    (lambda: pd.DataFrame({"a": [1, 2, 3], "t": [0, 1, 0]}), "label", {}, "columns are: a, t"),
    (lambda: pd.DataFrame({"a": [1, 2, 3], "t": [0, 1, 0]}), "t", {"positive": "yes"},
     "positive label 'yes' does not occur"),
    (lambda: pd.DataFrame({"a": [1, 2, 3], "t": [0, 1, None]}), "t", {"strict": True}, "1 missing values"),
    (lambda: pd.DataFrame({"a": [1, 2, 3], "t": [None] * 3}), "t", {}, "3 missing values"),
    (lambda: pd.DataFrame({"a": [1.0, np.inf, 3], "t": [0, 1, 0]}), "t", {}, "1 infinite values"),
    (lambda: pd.DataFrame({"a": [np.nan] * 3, "t": [0, 1, 0]}), "t", {}, "no feature columns left: 'a' .constant"),
    (lambda: pd.DataFrame({"a": [1.0, -4.2e281, 3], "t": [0, 1, 0]}), "t", {}, "values as large as 4.2e\\+281"),
    (lambda: pd.DataFrame({"a": [np.nan] * 3, "t": [0, 1, 0]}), "t", {"keep": ["a"]}, "no values at all"),
    (lambda: pd.DataFrame({"t": [0, 1, 0]}), "t", {}, "no feature columns"),
    (lambda: pd.DataFrame([[1, 2, 0], [3, 4, 1]], columns=["a", "a", "t"]), "t", {}, "'a' appears more than once"),
    (lambda: pd.DataFrame([[1, 0], [3, 1]], columns=[1, "1"]), "1", {}, "'1' appears more than once"),
    (lambda: pd.DataFrame({"a": [1, 2, 3], "t": [0, 1, 0]}), "t", {"drop": ["b"]}, "drop= names column 'b'"),
    (lambda: pd.DataFrame({"a": [1, 2, 3], "t": [0, 1, 0]}), "t", {"drop": "a", "keep": "a"}, "both in drop="),
    (lambda: pd.DataFrame({"a": [1, 2, 3], "t": [0, 1, 0]}), "t", {"date_features": "keep"}, "date_features="),
    (lambda: [[1, 0]], "t", {}, "expected a pandas DataFrame, got list"),
])
def test_bad_frames_give_one_line_errors(make, target, options, fragment):
    with pytest.raises(ImblabError, match=fragment) as info:
        dataset_from_frame(make(), target, **options)
    assert "\n" not in str(info.value)


def test_file_errors(tmp_path):
    with pytest.raises(ImblabError, match="does not exist"):
        load_table(tmp_path / "missing.csv", "t")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(ImblabError, match="is empty"):
        load_table(tmp_path / "empty.csv", "t")
    (tmp_path / "header.csv").write_text("a,t\n")
    with pytest.raises(ImblabError, match="no data rows"):
        load_table(tmp_path / "header.csv", "t")
    (tmp_path / "bad.parquet").write_bytes(b"this is not parquet")
    with pytest.raises(ImblabError, match="cannot read .* as PARQUET"):
        load_table(tmp_path / "bad.parquet", "t")
    (tmp_path / "data.json").write_text("x")
    with pytest.raises(ImblabError, match=r"expected a \.csv .*\.xlsx or \.parquet file"):
        load_table(tmp_path / "data.json", "t")
    (tmp_path / "old.xls").write_text("x")
    with pytest.raises(ImblabError, match="save old .xls workbooks as .xlsx"):
        load_table(tmp_path / "old.xls", "t")


def test_a_dataframe_is_a_users_dataset(mixed_frame):
    from sklearn.preprocessing import StandardScaler

    from imblab import RepeatedKFold, compare
    from imblab.experiment import default_protocol
    from imblab.strategies.preprocessing import make_preprocessor

    ds = dataset_from_frame(mixed_frame.drop(columns="city").fillna(0.0), "churn")
    assert ds.kind == "frame" and ds.provenance == {"kind": "frame", "target": "churn"}
    assert default_protocol(ds, random_state=3) == RepeatedKFold(folds=5, repeats=2, random_state=3)
    # scaled even with only numeric columns and nothing missing (the practical's data is not)
    numeric = make_preprocessor(ds).transformers[0][1]
    assert isinstance(numeric.steps[-1][1], StandardScaler)
    assert make_preprocessor(make_synthetic(n_samples=100)) is None
    results = compare(ds, "naive")
    assert results.config["protocol"]["name"] == "repeated stratified k-fold"
    assert results.folds["split_id"].nunique() == 10


def test_a_column_of_mixed_types_becomes_text_and_fits():
    from imblab import RepeatedKFold, compare

    frame = pd.DataFrame({"m": pd.Series([1, "a", 2.5, None] * 10, dtype=object),
                          "x": np.random.RandomState(0).normal(size=40), "y": [0] * 30 + [1] * 10})
    ds = dataset_from_frame(frame, "y")
    assert ds.X["m"].tolist()[:4] == ["1", "a", "2.5", None]
    assert ds.categorical_columns == ["m"]
    assert compare(ds, "lr", RepeatedKFold(2, 1)).errors() == {}
