"""Reading a user's table (CSV or Parquet) into a validated Dataset."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ImblabError
from .dataset import Dataset

READERS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


def load_table(path, target, *, positive=None):
    """Read ``path`` and split it into features and a binary target.

    Parameters
    ----------
    path : str or Path
        A ``.csv`` or ``.parquet`` file.
    target : str
        The name of the target column.
    positive : object, optional
        The positive label. Matched against the target's values directly or by
        their text, so ``"1"`` from a command line finds the integer ``1``.
        Defaults to the minority class.

    Returns
    -------
    Dataset

    Examples
    --------
    >>> import pandas as pd, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "d.csv")
    >>> pd.DataFrame({"a": [1, 2, 3, 4], "label": ["no", "no", "no", "yes"]}).to_csv(path, index=False)
    >>> ds = load_table(path, "label")
    >>> ds.labels, ds.class_counts()
    (('no', 'yes'), {0: 3, 1: 1})
    """
    path = Path(path)
    frame = read_frame(path)
    return dataset_from_frame(frame, target, positive=positive, name=path.stem,
                              provenance={"kind": "file", "path": str(path)})


def read_frame(path):
    """Read a CSV or Parquet file, turning every failure into one clear line."""
    path = Path(path)
    fmt = READERS.get(path.suffix.lower())
    if fmt is None:
        raise ImblabError(
            f"cannot read '{path}': expected a .csv or .parquet file; convert it to one of those"
        )
    if not path.is_file():
        raise ImblabError(f"data file '{path}' does not exist: check the path given to --data")
    try:
        frame = pd.read_csv(path) if fmt == "csv" else pd.read_parquet(path)
    except pd.errors.EmptyDataError:
        raise ImblabError(f"data file '{path}' is empty: expected a header row and data rows") from None
    except Exception as exc:  # parser, decoding, OS and pyarrow errors alike
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise ImblabError(f"cannot read '{path}' as {fmt.upper()}: {reason}") from None
    if frame.shape[0] == 0:
        raise ImblabError(f"data file '{path}' has a header but no data rows: expected at least one row per class")
    return frame


def dataset_from_frame(frame, target, *, positive=None, name="data", provenance=None):
    """Validate a DataFrame and make a Dataset of it (see :func:`load_table`)."""
    if target is None:
        raise ImblabError("no target column given: pass --target COLUMN with the name of the label column")
    if target not in frame.columns:
        columns = ", ".join(map(str, frame.columns))
        raise ImblabError(f"target column '{target}' is not in the data; its columns are: {columns}")
    y_raw = frame[target]
    if y_raw.isna().any():
        raise ImblabError(
            f"target column '{target}' has {int(y_raw.isna().sum())} missing values: "
            "drop those rows or fill in their labels"
        )
    counts = y_raw.value_counts(sort=False)
    if len(counts) < 2:
        raise ImblabError(
            f"target column '{target}' has only one class ({_show(counts.index[0])}): "
            "a binary problem needs rows of two classes"
        )
    if len(counts) > 2:
        shown = ", ".join(_show(v) for v in sorted(counts.index, key=str)[:10])
        raise ImblabError(
            f"target column '{target}' has {len(counts)} classes ({shown}{', …' if len(counts) > 10 else ''}): "
            "imblab compares binary problems; map the classes to two first"
        )
    pos_label = _find_positive(counts, positive, target)
    neg_label = next(v for v in counts.index if v != pos_label)

    X = frame.drop(columns=[target])
    if X.shape[1] == 0:
        raise ImblabError(f"the data has no feature columns besides the target '{target}'")
    X = _normalise_columns(X)
    _check_finite(X)
    y = (y_raw.to_numpy() == pos_label).astype(np.int64)
    return Dataset(
        X=X.reset_index(drop=True),
        y=y,
        labels=(_py(neg_label), _py(pos_label)),
        name=str(name),
        provenance={**(provenance or {}), "target": str(target)},
    )


def _find_positive(counts, positive, target):
    if positive is None:
        # The minority class; on a tie, the label that sorts last (e.g. 1 over 0).
        return max(counts.index, key=lambda v: (-counts[v], str(v)))
    for value in counts.index:
        if value == positive or str(value) == str(positive):
            return value
    shown = ", ".join(_show(v) for v in counts.index)
    raise ImblabError(
        f"positive label {_show(positive)} does not occur in target column '{target}'; "
        f"its labels are: {shown}"
    )


def _normalise_columns(X):
    X = X.copy()
    X.columns = [str(c) for c in X.columns]
    for column in X.columns:
        series = X[column]
        if pd.api.types.is_bool_dtype(series):
            X[column] = series.astype(np.int64)
        elif not pd.api.types.is_numeric_dtype(series):
            X[column] = series.astype("object").where(series.notna(), None)
    return X


def _check_finite(X):
    for column in X.columns:
        series = X[column]
        if pd.api.types.is_numeric_dtype(series):
            values = series.to_numpy(dtype=float, na_value=np.nan)
            n_inf = int(np.isinf(values).sum())
            if n_inf:
                raise ImblabError(
                    f"feature column '{column}' has {n_inf} infinite values, which cannot be imputed: "
                    "replace them with a number or leave those cells empty"
                )
            if np.isnan(values).all():
                raise ImblabError(
                    f"feature column '{column}' has no values at all: drop it or fill it in"
                )


def _py(value):
    return value.item() if isinstance(value, np.generic) else value


def _show(value):
    return repr(_py(value))
