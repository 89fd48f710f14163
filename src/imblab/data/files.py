"""Reading a user's table into a validated Dataset."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ImblabError
from .columns import assign_roles
from .names import quoted, split_column_missing, target_missing
from .dataset import Dataset
from .readers import read_frame, wrong_sheet


def load_table(path, target, *, positive=None, drop=None, keep=None, date_features="drop", sep=None,
               encoding=None, strict=False, split_column=None, sheet=None):
    """Read ``path`` and split it into features and a binary target.

    Parameters
    ----------
    path : str or Path
        A CSV (``.csv``, ``.tsv``, ``.txt``; plain or ``.gz``, ``.bz2``, ``.xz``,
        ``.zip``), Excel (``.xlsx``; see ``sheet``) or Parquet file.
    target : str
        The name of the target column.
    positive : object, optional
        The positive label. Matched against the target's values directly, by
        their text or as a number, so ``"1"`` from a command line finds the
        integer ``1`` and the float ``1.0``. Defaults to the minority class.
    drop, keep, date_features
        Which columns become features: see :func:`dataset_from_frame`.
    sep : str, optional
        The CSV delimiter (``"tab"`` for tabs); detected when not given.
    encoding : str, optional
        The CSV's text encoding; UTF-8, else Windows-1252, else Latin-1 when not given.
    strict : bool, default=False
        Refuse rows with a missing target instead of dropping them.
    sheet : str or int, optional
        An Excel workbook's sheet: its name, or its number counted from 1.
        Default: the first, with a warning when there are several.

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
    frame, info = read_frame(path, sep=sep, encoding=encoding, sheet=sheet)
    notes = info.pop("notes")
    if info.get("sheets", 1) > 1 and sheet is None and str(target) not in map(str, frame.columns):  # wrong sheet?
        raise ImblabError(f"{target_missing(target, frame.columns)}{wrong_sheet(path, info)}", param="target")
    info.pop("sheets", None)
    name = (path.with_suffix("") if info.get("compression") else path).stem
    provenance = {"kind": "file", "path": str(path), **{k: v for k, v in info.items() if v is not None}}
    return dataset_from_frame(frame, target, positive=positive, name=name, provenance=provenance, drop=drop,
                              keep=keep, date_features=date_features, strict=strict, notes=notes,
                              split_column=split_column)


def dataset_from_frame(frame, target, *, positive=None, name="data", provenance=None, drop=None, keep=None,
                       date_features="drop", strict=False, notes=(), split_column=None):
    """Validate a DataFrame and make a Dataset of it.

    A DataFrame is treated like a file: 5 × 2 stratified cross-validation by
    default, and scaled features for the learners that need them.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table, target column included.
    target : str
        The name of the target column.
    positive : object, optional
        The positive label (see :func:`load_table`); defaults to the minority class.
    name : str, default="data"
        A short name for reports.
    provenance : dict, optional
        Where the table came from; recorded in results.json.
    drop : list of str, optional
        Columns to leave out of the features.
    keep : list of str, optional
        Columns to use as features even if they look like identifiers,
        constants, free text or dates (a date is expanded into calendar parts).
    date_features : {"drop", "expand"}, default="drop"
        Leave date/time columns out, or expand each into year, month, day and weekday.
    strict : bool, default=False
        Refuse rows with a missing target instead of dropping them with a note.
    notes : sequence of str
        Remarks from reading the file, kept with the Dataset's own.
    split_column : str, optional
        The column that will decide the splits (a protocol's groups or times, e.g. a customer ID or
        a date): kept as it is, whatever its role would be, for the protocol to take out of the
        features (see :func:`imblab.evaluation.protocols.split_off_column`).

    Returns
    -------
    Dataset
        With ``column_roles`` (each column's role and whether it is a feature)
        and ``notes`` (one-line warnings: columns left out, rows dropped).

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"id": range(40), "x": [i % 5 for i in range(40)], "y": [0] * 30 + [1] * 10})
    >>> ds = dataset_from_frame(frame, "y")
    >>> list(ds.X.columns), ds.kind
    (['x'], 'frame')
    """
    notes = list(notes)
    if not isinstance(frame, pd.DataFrame):
        raise ImblabError(f"expected a pandas DataFrame, got {type(frame).__name__}: build one with pd.DataFrame(...)")
    if target is None:
        raise ImblabError("no target column given: pass target= with the name of the label column", param="target")
    frame = _unique_names(frame)
    target = str(target)
    if target not in frame.columns:
        raise target_missing(target, frame.columns)
    y_raw = frame[target]
    if y_raw.dtype == object or pd.api.types.is_string_dtype(y_raw):
        y_raw = y_raw.where(~y_raw.astype(str).str.strip().eq(""), None)  # a blank label is a missing one
    missing = y_raw.isna().to_numpy()
    if missing.any():
        if strict or missing.all():
            raise ImblabError(
                f"target column {quoted(target)} has {int(missing.sum())} missing values: "
                "drop those rows or fill in their labels"
            )
        notes.append(f"dropped {int(missing.sum())} of {len(missing)} rows whose target {quoted(target)} is missing")
        frame, y_raw = frame.loc[~missing], y_raw[~missing]
    counts = y_raw.value_counts(sort=False)
    if len(counts) < 2:
        raise ImblabError(
            f"target column {quoted(target)} has only one class ({_show(counts.index[0])}): "
            "a binary problem needs rows of two classes"
        )
    if len(counts) > 2:
        shown = ", ".join(_show(v) for v in sorted(counts.index, key=str)[:10])
        raise ImblabError(
            f"target column {quoted(target)} has {len(counts)} classes ({shown}{', …' if len(counts) > 10 else ''}): "
            "imblab compares binary problems; map the classes to two first"
        )
    pos_label = _find_positive(counts, positive, target)
    neg_label = next(v for v in counts.index if v != pos_label)

    candidates = _normalise_columns(frame.drop(columns=[target]).reset_index(drop=True))
    held = None
    if split_column is not None:  # an ID or a date: what the splits need, whatever its role as a feature
        if str(split_column) not in candidates.columns:
            raise split_column_missing(split_column, candidates.columns)
        held = candidates.pop(str(split_column))
        drop = [c for c in drop or () if c != held.name]
        keep = [c for c in keep or () if c != held.name]
    if candidates.shape[1] == 0:
        raise ImblabError(f"the data has no feature columns besides the target {quoted(target)}")
    X, roles, role_notes = assign_roles(candidates, drop=drop, keep=keep, date_features=date_features,
                                        decimal=(provenance or {}).get("decimal", "."))
    if held is not None:
        X = X.assign(**{held.name: held.to_numpy()})
        roles.append({"column": held.name, "role": "split", "used": False, "features": [],
                      "distinct": int(held.nunique(dropna=True)), "missing": int(held.isna().sum()),
                      "why": "decides the splits (groups or times), never a feature"})
    if X.shape[1] == 0:
        left = ", ".join(f"{quoted(r['column'])} ({r['role']})" for r in roles)
        dates = " (or date_features='expand')" if any(r["role"] == "date" for r in roles) else ""
        raise ImblabError(f"no feature columns left: {left}; name the ones to use with keep=[...]{dates}")
    _check_finite(X)
    y = (y_raw.to_numpy() == pos_label).astype(np.int64)
    return Dataset(
        X=X.reset_index(drop=True),
        y=y,
        labels=(_py(neg_label), _py(pos_label)),
        name=str(name),
        provenance={"kind": "frame", **(provenance or {}), "target": target},
        column_roles=tuple(roles),
        notes=tuple(role_notes + notes),
    )


def _unique_names(frame):
    names = [str(c) for c in frame.columns]
    seen = set()
    for column in names:
        if "\x00" in column:  # pandas' indexes cut such a name short, and the features could not be found
            raise ImblabError(f"column name {column!r} holds a NUL character: rename the column")
        if column in seen:
            raise ImblabError(
                f"column name {quoted(column)} appears more than once: give every column a distinct name"
            )
        seen.add(column)
    if list(frame.columns) != names:
        frame = frame.set_axis(names, axis=1)
    return frame


def _find_positive(counts, positive, target):
    if positive is None:
        # The minority class; on a tie, the label that sorts last (e.g. 1 over 0).
        return max(counts.index, key=lambda v: (-counts[v], str(v)))
    for value in counts.index:
        if value == positive or str(value) == str(positive):
            return value
    number = _number(positive)
    if number is not None:  # "1" finds 1.0, and "1.0" finds 1
        for value in counts.index:
            if _number(value) == number:
                return value
    shown = ", ".join(_show(v) for v in counts.index)
    raise ImblabError(
        f"positive label {_show(positive)} does not occur in target column {quoted(target)}; "
        f"its labels are: {shown}", param="positive",
    )


def _number(value):
    if isinstance(value, (bool, np.bool_)):
        return float(value)  # "1" finds True
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    return number if np.isfinite(number) else None


def _normalise_columns(X):
    X = X.copy()
    for column in X.columns:
        series = X[column]
        if pd.api.types.is_bool_dtype(series):  # a nullable boolean's missing cells stay missing
            X[column] = series.astype("float64") if series.isna().any() else series.astype(np.int64)
        elif pd.api.types.is_datetime64_any_dtype(series):
            continue
        elif not pd.api.types.is_numeric_dtype(series):
            # one type per column: scikit-learn's encoders refuse a mix such as 1, "a" and 2.5
            text = series.map(lambda v: v if isinstance(v, str) else str(v), na_action="ignore")
            X[column] = text.astype("object").where(series.notna(), None)
    return X


#: Scaling squares values (a variance); beyond this their squares overflow float64.
MAX_MAGNITUDE = 1e150


def _check_finite(X):
    for column in X.columns:
        series = X[column]
        if pd.api.types.is_numeric_dtype(series):
            values = series.to_numpy(dtype=float, na_value=np.nan)
            n_inf = int(np.isinf(values).sum())
            if n_inf:
                raise ImblabError(
                    f"feature column {quoted(column)} has {n_inf} infinite values, which cannot be imputed: "
                    "replace them with a number or leave those cells empty"
                )
            if np.isnan(values).all():
                raise ImblabError(
                    f"feature column {quoted(column)} has no values at all: drop it or fill it in"
                )
            largest = float(np.nanmax(np.abs(values)))
            if largest > MAX_MAGNITUDE:
                raise ImblabError(
                    f"feature column {quoted(column)} has values as large as {largest:.3g}, beyond the "
                    f"{MAX_MAGNITUDE:.0e} that scaling can square without overflow: rescale or drop it"
                )


def _py(value):
    return value.item() if isinstance(value, np.generic) else value


def _show(value):
    return repr(_py(value))
