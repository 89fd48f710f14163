"""Generated messy tables: the loader returns a valid Dataset or one ImblabError line, never anything else;
``imblab run`` completes or exits 2 with exactly one line on standard error and no run folder."""

import json

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from imblab import Dataset, ImblabError, load_table
from imblab.cli import main
from imblab.data import dataset_from_frame
from imblab.strategies.preprocessing import make_preprocessor

TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=8)  # any character a file can hold
NAMES = st.one_of(TEXT, st.sampled_from(["a", "a", "id", "y", "Y", "date", "ünï", "x y", "", "1"]))


@st.composite
def cells(draw, kind, n):
    """``n`` values of one column of the given kind, with gaps, infinities and blanks mixed in."""
    if kind == "int":
        values = draw(st.lists(st.integers(-10**6, 10**6), min_size=n, max_size=n))
    elif kind == "float":
        values = draw(st.lists(st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=32),
                                         st.none()), min_size=n, max_size=n))
    elif kind == "key":
        start = draw(st.integers(-5, 5))
        values = list(range(start, start + n))
    elif kind == "bool":
        values = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    elif kind == "date":
        days = draw(st.lists(st.one_of(st.integers(0, 20000), st.none()), min_size=n, max_size=n))
        values = [None if d is None else str(np.datetime64("1990-01-01") + d) for d in days]
    elif kind == "datetime":  # real timestamps (Parquet keeps them; CSV turns them into text)
        stamps = draw(st.lists(st.one_of(st.datetimes(), st.none()), min_size=n, max_size=n))
        values = pd.to_datetime(pd.Series(stamps, dtype=object))
    elif kind == "constant":
        values = [draw(TEXT)] * n
    elif kind == "category":
        levels = draw(st.lists(TEXT, min_size=1, max_size=4))
        values = draw(st.lists(st.one_of(st.sampled_from(levels), st.just(""), st.none()), min_size=n, max_size=n))
    else:  # text, numbers and blanks mixed in one column
        values = draw(st.lists(st.one_of(TEXT, st.integers(-9, 9), st.floats(allow_nan=True), st.none()),
                               min_size=n, max_size=n))
    return values


KINDS = ["int", "float", "key", "bool", "date", "datetime", "constant", "category", "mixed"]


@st.composite
def tables(draw, *, min_rows=1, classes=(1, 2, 2, 2, 3)):
    """A table with a target 'y' of 1–3 classes (often a tiny minority) and up to four feature columns."""
    n = draw(st.integers(min_rows, 40))
    n_classes = draw(st.sampled_from(classes))
    labels = draw(st.sampled_from([[0, 1, 2], [0.0, 1.0, 2.0], ["no", "yes", "maybe"], ["0", "1", "2"],
                                   [False, True, None]]))[:n_classes]
    y = [labels[0]] * n
    minority = draw(st.integers(min(1, n), max(n // 3, 1)))  # often one or two rows
    for i in draw(st.lists(st.integers(0, n - 1), min_size=minority, max_size=minority, unique=True)):
        y[i] = labels[-1]
    if n_classes == 3:
        y[draw(st.integers(0, n - 1))] = labels[1]
    if draw(st.integers(0, 3)) == 0:
        y[draw(st.integers(0, n - 1))] = None  # a missing target
    columns, data = [], []
    for _ in range(draw(st.integers(0, 4) if draw(st.integers(0, 9)) == 0 else st.integers(1, 4))):
        columns.append(draw(NAMES))
        data.append(draw(cells(draw(st.sampled_from(KINDS)), n)))
    columns.append("y")
    data.append(y)
    frame = pd.DataFrame(dict(enumerate(data)))
    frame.columns = columns  # may repeat a name, including the target's
    return frame


def write(frame, path):
    """Write as CSV or Parquet; ``None`` when the writer itself refuses the table (not the loader's concern)."""
    try:
        if path.suffix == ".parquet":
            frame.to_parquet(path, index=False)
        else:
            frame.to_csv(path, index=False)
    except (ValueError, TypeError, OverflowError, UnicodeEncodeError, ImportError) as exc:
        if "pyarrow" in type(exc).__module__ or isinstance(exc, (ValueError, TypeError, OverflowError)):
            return None
        raise
    return path


def check_dataset(ds):
    """What every Dataset the loader returns must satisfy."""
    assert isinstance(ds, Dataset)
    assert ds.X.shape[0] == len(ds.y) > 0 and ds.X.shape[1] > 0
    assert set(np.unique(ds.y)) == {0, 1}
    assert ds.X.columns.is_unique and all(isinstance(c, str) for c in ds.X.columns)
    assert ds.labels[0] != ds.labels[1]
    for column in ds.numeric_columns:
        values = ds.X[column].to_numpy(dtype=float, na_value=np.nan)
        assert not np.isinf(values).any() and not np.isnan(values).all()
    assert len(ds.column_roles) >= ds.X.shape[1] - 4 * sum(r["role"] == "date" for r in ds.column_roles)
    assert all("\n" not in note for note in ds.notes)
    assert len(ds.content_hash) == 64
    json.dumps(ds.describe(), default=str, allow_nan=True)
    encoded = make_preprocessor(ds).fit_transform(ds.X)  # what every strategy does first
    assert encoded.shape[0] == ds.n_rows and np.isfinite(encoded).all()


@settings(max_examples=150, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(frame=tables(), suffix=st.sampled_from([".csv", ".parquet"]))
def test_loader_returns_a_dataset_or_one_line(tmp_path, frame, suffix):
    path = write(frame, tmp_path / f"t{suffix}")
    assume(path is not None)
    try:
        ds = load_table(path, "y")
    except ImblabError as exc:
        message = str(exc)
        assert message and "\n" not in message and "\r" not in message
        event(f"refused: {message.split(':')[0][:40]}")
        return
    check_dataset(ds)
    event("loaded")


@settings(max_examples=150, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(frame=tables())
def test_dataframes_give_a_dataset_or_one_line(frame):
    """In memory a column may mix numbers, text and None, which no file format keeps."""
    try:
        ds = dataset_from_frame(frame, "y")
    except ImblabError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    check_dataset(ds)
    event("built")


@settings(max_examples=10, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(frame=tables(min_rows=8, classes=(1, 2, 2, 2, 2, 3)))
def test_cli_completes_or_exits_2_with_one_line(tmp_path_factory, capsys, frame):
    folder = tmp_path_factory.mktemp("prop")
    path = write(frame, folder / "t.csv")
    assume(path is not None)
    out = folder / "run"
    capsys.readouterr()
    status = main(["run", "--data", str(path), "--target", "y", "--strategies", "naive,lr", "--out", str(out),
                   "--quiet", "--no-report", "--folds", "2", "--repeats", "1"])
    err = capsys.readouterr().err
    assert status in (0, 1, 2)
    event(f"exit {status}")
    if status == 2:
        lines = err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("imblab: error: "), err
        assert not out.exists()
    else:
        assert (out / "results.json").is_file()
