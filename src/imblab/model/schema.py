"""The columns a model was fitted on, and the check that new rows have the same ones.

pandas is imported where a frame is checked, so that :func:`check_columns` can
refuse a file's header before any library loads.
"""

from __future__ import annotations

import numpy as np

from ..errors import ImblabError

MAX_SHOWN = 5


def make_schema(dataset):
    """Column names, kinds, dtypes and categories seen, in the order the model expects them.

    Examples
    --------
    >>> import pandas as pd
    >>> from imblab import dataset_from_frame
    >>> ds = dataset_from_frame(pd.DataFrame({"a": [1.0, 2, 3, 4], "c": list("xyxy"), "t": [0, 0, 0, 1]}), "t")
    >>> [(c["name"], c["kind"], c.get("categories")) for c in make_schema(ds)["columns"]]
    [('a', 'numeric', None), ('c', 'categorical', ['x', 'y'])]
    """
    columns = []
    for name in dataset.X.columns:
        series = dataset.X[name]
        column = {"name": str(name), "dtype": str(series.dtype), "missing_seen": int(series.isna().sum())}
        if name in dataset.categorical_columns:
            column["kind"] = "categorical"
            column["categories"] = sorted({_plain(v) for v in series.dropna()}, key=str)
        else:
            column["kind"] = "numeric"
        columns.append(column)
    roles = [dict(role) for role in getattr(dataset, "column_roles", ())]
    return {
        "columns": columns,
        # columns of the file the loader left out (identifiers, constants, text, dropped dates, --drop):
        # new rows may carry them, as the training file did
        "left_out": [role["column"] for role in roles if not role["used"]],
        # date columns the loader expanded into calendar parts: new rows give the date itself
        "dates": {role["column"]: role["features"] for role in roles if role["role"] == "date" and role["used"]},
        # how each of those was read from text (its format, day first or not): new rows' dates are read alike
        "date_readings": {role["column"]: role["reading"] for role in roles
                          if role.get("reading") and role["used"] and role["role"] == "date"},
        # numbers the loader read from text ($9,081.84, 45.3%): new rows' are read alike
        "number_readings": {role["column"]: role["reading"] for role in roles
                            if role.get("reading") and role["used"] and role["role"] == "numeric"},
        "target": dataset.provenance.get("target"),
        "split_column": dataset.provenance.get("split_column"),
        # a file's numeric columns are imputed inside the pipeline; the practical's data is fed as it is
        "imputes_missing": not (dataset.kind == "synthetic" and not dataset.n_missing),
    }


def check_frame(frame, schema, *, extra="error"):
    """``frame``'s feature columns in the model's order and types; ImblabError on any mismatch.

    The target column and the split column (groups or time) are dropped if
    present. Other columns the model did not see are an error, or with
    ``extra="ignore"`` dropped. A category the model never saw is an error:
    the one-hot encoding would silently treat it as "none of the known ones".
    """
    import pandas as pd

    if not isinstance(frame, pd.DataFrame):
        raise ImblabError(f"rows to predict must be a pandas DataFrame, got {type(frame).__name__}")
    frame = _with_calendar_parts(frame.rename(columns=str), schema.get("dates", {}), schema.get("date_readings", {}))
    expected = check_columns(frame.columns, schema, extra=extra)
    X = frame[expected].copy()
    for name, reading in schema.get("number_readings", {}).items():
        X[name] = _formatted_numbers(X[name], reading)
    for column in schema["columns"]:
        name = column["name"]
        X[name] = _numeric(X[name], name, schema) if column["kind"] == "numeric" else _categorical(X[name], column)
    return X.reset_index(drop=True)


def check_columns(columns, schema, *, extra="error"):
    """The model's feature columns in its order; ImblabError when ``columns`` (a frame's or a file
    header's names) lack one of them, or (``extra="error"``) have one it was not fitted with.

    A date column the model was fitted on counts as the calendar parts it is expanded into.

    Examples
    --------
    >>> schema = {"columns": [{"name": "a"}, {"name": "b"}], "target": "y"}
    >>> check_columns(["b", "y", "a"], schema)
    ['a', 'b']
    >>> check_columns(["a"], schema)
    Traceback (most recent call last):
    ...
    imblab.errors.ImblabError: the rows lack 1 column the model was fitted with: 'b'; add it (empty cells are imputed where the model imputes)
    """
    columns = [str(c) for c in columns]
    present = set(columns)
    for column, features in schema.get("dates", {}).items():
        if column in present:
            present.update(features)
    expected = [c["name"] for c in schema["columns"]]
    missing = [c for c in expected if c not in present]
    if missing:
        raise ImblabError(f"the rows lack {_count(missing, 'column')} the model was fitted with: "
                          f"{_show(missing)}; add {'it' if len(missing) == 1 else 'them'} (empty cells are "
                          "imputed where the model imputes)")
    ignorable = {schema.get("target"), schema.get("split_column"), *schema.get("left_out", ()),
                 *schema.get("dates", {})}
    unknown = [c for c in columns if c not in expected and c not in ignorable]
    if unknown and extra != "ignore":
        raise ImblabError(f"the rows have {_count(unknown, 'column')} the model was not fitted with: "
                          f"{_show(unknown)}; drop {'it' if len(unknown) == 1 else 'them'}, or ignore extra "
                          "columns (--ignore-extra, extra='ignore')")
    return expected


def _with_calendar_parts(frame, dates, readings):
    """Expand each date column into the calendar parts the model was fitted on, as the loader did
    (:func:`imblab.data.columns.expand_dates`: year, month, day, weekday, then hour if there was one),
    its text read as the loader read the training file's (``readings``: the format, day first or not)."""
    import pandas as pd

    from ..data.columns import as_text, date_reading, read_dates

    for column, features in dates.items():
        if column in frame.columns and not set(features) <= set(frame.columns):
            values = frame[column]
            reading = readings.get(column, {})
            if not pd.api.types.is_datetime64_any_dtype(values):  # as text, as the loader reads it
                values = as_text(values)
                if column not in readings:  # the training data held dates, not text: read as the loader would
                    reading = _text_dates_reading(column, values, date_reading)
            parsed = read_dates(values, reading)
            if parsed is None:
                raise ImblabError(f"column '{column}' holds dates the model cannot read as it read the training "
                                  f"file's (e.g. mixed time zones): write them as in that file")
            written = values.notna() & (values.astype(str).str.strip() != "")
            unread = values[written & parsed.isna()].unique()
            if len(unread):  # left missing, they would be imputed: predictions on made-up dates
                how = readings.get(column, {}).get("format")
                how = f" ({how})" if how and how != "mixed" else ""
                raise ImblabError(f"column '{column}' has {_count(unread, 'value')} that the model cannot read as "
                                  f"dates as it read the training file's{how}, such as {_show(unread)}: write "
                                  "them as in that file, or empty those cells")
            parts = [parsed.dt.year, parsed.dt.month, parsed.dt.day, parsed.dt.day_of_week, parsed.dt.hour]
            frame = frame.assign(**{name: values.astype(float) for name, values in zip(features, parts)})
    return frame


def _text_dates_reading(column, values, date_reading):
    """How to read text dates in a column whose training data held dates (a Parquet or Excel file): as
    the loader reads a text column; refused when every value reads both day first and month first."""
    _, reading = date_reading(values)
    written = values.dropna().astype(str)
    parts = written.str.extract(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-]\d{2,4}\b").astype(float)
    either = written[(parts[0] <= 12) & (parts[1] <= 12) & (parts[0] != parts[1])]
    if reading and (reading.get("either_way") or (reading.get("format") == "mixed" and len(either))):
        example = either.iloc[0] if len(either) else written.iloc[0]
        raise ImblabError(f"column '{column}' has dates written as text, such as {example!r}, that read both day "
                          "first and month first, and the model was fitted on dates, not text: write them as "
                          "YYYY-MM-DD")
    return reading or {}


def _formatted_numbers(series, reading):
    """Text such as ``$9,081.84`` read as the loader read the training file's; a value that does not
    read so is left as it is, for :func:`_numeric` to report."""
    import pandas as pd

    from ..data.columns import read_numbers

    if reading.get("percent"):  # 45.3% was read as 45.3: a plain 0.453 would be a hundred times off
        plain = series.dropna()
        plain = plain[~plain.astype(str).str.contains("%", regex=False)]
        if len(plain):
            raise ImblabError(f"column '{series.name}' held percentages written with % (such as 45.3%, read as "
                              f"45.3) when the model was fitted, but here {len(plain)} value"
                              f"{'s have' if len(plain) > 1 else ' has'} no % sign, such as {_show(plain.unique())}: "
                              "write them as percentages with % as in the training file")
    if pd.api.types.is_numeric_dtype(series):
        return series
    numbers = read_numbers(series, reading)
    return series.astype("object").where(numbers.isna() | series.isna(), numbers)


def _numeric(series, name, schema):
    import pandas as pd

    if pd.api.types.is_bool_dtype(series):
        series = series.astype(np.int64)
    if not pd.api.types.is_numeric_dtype(series):
        converted = pd.to_numeric(series, errors="coerce")
        bad = series[converted.isna() & series.notna()]
        if len(bad):
            raise ImblabError(f"column '{name}' held numbers when the model was fitted, but here it has "
                              f"{_count(bad.unique(), 'non-numeric value')} such as {_show(bad.unique())}: "
                              "fix or empty those cells")
        series = converted
    values = series.to_numpy(dtype=float, na_value=np.nan)
    if np.isinf(values).any():
        raise ImblabError(f"column '{name}' has infinite values: replace them with numbers or empty cells")
    if np.isnan(values).any() and not schema.get("imputes_missing", True):
        raise ImblabError(f"column '{name}' has {int(np.isnan(values).sum())} empty cells, but this model "
                          "was fitted on data without missing values and does not impute: fill them in")
    return series


def _categorical(series, column):
    known = column["categories"]
    as_text = all(isinstance(v, str) for v in known)
    values = series.astype("object").where(series.notna(), None)
    if as_text:
        values = values.map(lambda v: v if v is None or isinstance(v, str) else _text(v))
    present = values.dropna()
    unseen = present[~present.isin(known)].unique()
    if len(unseen):
        raise ImblabError(f"column '{column['name']}' has {_count(unseen, 'category', 'categories')} the model "
                          f"never saw: {_show(unseen)} (it knows {_show(known)}); map them to known ones or "
                          "refit on data that has them")
    return values


def _text(value):
    """A number read from a file as it would read as text (3.0 → '3')."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _count(items, word, plural=None):
    n = len(items)
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def _show(items):
    items = list(items)
    shown = ", ".join(repr(_plain(v)) for v in items[:MAX_SHOWN])
    return shown + (", …" if len(items) > MAX_SHOWN else "")


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value
