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
    ({"n_samples": 5}, "--samples"),
    ({"n_features": 2}, "--features"),
    ({"minority_share": 0.7}, "--minority-share"),
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


def test_load_parquet_and_explicit_positive(table, mixed_frame):
    ds = load_table(table(mixed_frame, "d.parquet"), "churn", positive="no")
    assert ds.labels == ("yes", "no")
    assert ds.class_counts() == {0: 40, 1: 360}


def test_positive_given_as_text_finds_integer_label():
    frame = pd.DataFrame({"a": range(6), "t": [0, 0, 0, 0, 1, 1]})
    assert dataset_from_frame(frame, "t", positive="0").labels == (1, 0)


@pytest.mark.parametrize("make, target, positive, fragment", [
    (lambda: pd.DataFrame({"a": [1, 2, 3], "t": [1, 1, 1]}), "t", None, "only one class"),
    (lambda: pd.DataFrame({"a": [1, 2, 3], "t": [0, 1, 2]}), "t", None, "has 3 classes"),
    (lambda: pd.DataFrame({"a": [1, 2, 3], "t": [0, 1, 0]}), "label", None, "columns are: a, t"),
    (lambda: pd.DataFrame({"a": [1, 2, 3], "t": [0, 1, 0]}), "t", "yes", "positive label 'yes' does not occur"),
    (lambda: pd.DataFrame({"a": [1, 2, 3], "t": [0, 1, None]}), "t", None, "1 missing values"),
    (lambda: pd.DataFrame({"a": [1.0, np.inf, 3], "t": [0, 1, 0]}), "t", None, "1 infinite values"),
    (lambda: pd.DataFrame({"a": [np.nan] * 3, "t": [0, 1, 0]}), "t", None, "no values at all"),
    (lambda: pd.DataFrame({"t": [0, 1, 0]}), "t", None, "no feature columns"),
])
def test_bad_frames_give_one_line_errors(make, target, positive, fragment):
    with pytest.raises(ImblabError, match=fragment) as info:
        dataset_from_frame(make(), target, positive=positive)
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
    (tmp_path / "data.xlsx").write_text("x")
    with pytest.raises(ImblabError, match="expected a .csv or .parquet"):
        load_table(tmp_path / "data.xlsx", "t")
