"""Column roles: which of a table's columns are features, and which only look like them.

An identifier, a constant or a column of free text carries no signal a model
could use on new rows, yet one-hot encoding turns it into hundreds of columns
that a flexible learner memorises, and the comparison's verdict then rests on
it. Each column gets a role before anything is fitted; only numeric,
categorical and (expanded) date columns become features.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
from pandas.tseries.api import guess_datetime_format

from ..errors import ImblabError
from .names import CURRENCY, not_a_feature, printable, quoted  # noqa: F401 - printable and quoted are used here and re-exported

#: Roles whose columns are features.
FEATURE_ROLES = ("numeric", "categorical")
#: Every role, in the order the Columns table lists them.
ROLES = ("numeric", "categorical", "date", "identifier", "text", "constant")
DATE_FEATURES = ("drop", "expand")

#: Below this many non-missing values a column is too short to call an identifier or free text.
MIN_ROWS_TO_JUDGE = 20
#: Share of distinct values (among non-missing ones) that makes a column "nearly unique".
NEARLY_UNIQUE = 0.95
#: A text column with more distinct values than this, and on average fewer than MIN_ROWS_PER_LEVEL
#: rows per value, is high-cardinality: one-hot encoded, its rare levels would only be memorised.
MAX_LEVELS = 100
MIN_ROWS_PER_LEVEL = 10
#: Share of values that must parse as dates for a text column to count as one.
DATE_SHARE = 0.95

_ID_NAME = re.compile(r"(?:^|[^a-z0-9])(?:id|uuid|guid|key|index)$|^(?:unnamed: ?0|rownum|row)$", re.I)
_CAMEL_ID = re.compile(r"[a-z](?:Id|ID)$")
_DATE_TEXT = re.compile(
    r"^\s*(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?\s*$"
)
_DATE_PARTS = ("year", "month", "day", "weekday")


def assign_roles(X, *, drop=(), keep=(), date_features="drop", decimal="."):
    """Give every column of ``X`` a role and return the feature table.

    Parameters
    ----------
    X : pandas.DataFrame
        The candidate feature columns (the target already removed), with
        string column names.
    drop : sequence of str
        Columns to leave out whatever their role.
    keep : sequence of str
        Columns to use as features whatever their role (a date is expanded).
    date_features : {"drop", "expand"}
        Leave date/time columns out, or replace each with its calendar parts
        (year, month, day, weekday, and hour when times vary).
    decimal : {".", ","}
        The file's decimal mark: how numbers written as text with thousands
        separators (``$9,081.84``, or ``9.081,84 €``) are read.

    Returns
    -------
    features : pandas.DataFrame
        The columns models are given.
    roles : list of dict
        One per column of ``X``: ``column, role, used, features, distinct, missing, why``.
    notes : list of str
        One-line warnings naming the columns left out.

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"customer_id": range(100), "plan": ["a", "b"] * 50,
    ...                   "tenure": [i % 7 for i in range(100)], "source": ["web"] * 100})
    >>> features, roles, notes = assign_roles(X)
    >>> list(features.columns)
    ['plan', 'tenure']
    >>> [(r["column"], r["role"], r["used"]) for r in roles]  # doctest: +NORMALIZE_WHITESPACE
    [('customer_id', 'identifier', False), ('plan', 'categorical', True),
     ('tenure', 'numeric', True), ('source', 'constant', False)]
    >>> notes
    ["left out of the features: identifier 'customer_id'; constant 'source' (use one anyway with keep=[...])"]
    """
    if date_features not in DATE_FEATURES:
        raise ImblabError(f"date_features= must be 'expand' or 'drop', got {date_features!r}",
                          param="date_features")
    drop, keep = _names(X, drop, "drop"), _names(X, keep, "keep")
    both = [c for c in drop if c in keep]
    if both:
        raise ImblabError(f"column {quoted(both[0])} is both in drop= and in keep=: give it to one of them",
                          param="drop")

    roles, parts = [], []
    for column in X.columns:
        series = X[column]
        role, why, read, reading = guess_role(series, column, decimal=decimal)
        used = role in FEATURE_ROLES or (role == "date" and date_features == "expand")
        if column in drop:
            used, why = False, "dropped on request"
        elif column in keep and not used:
            used, why = True, f"kept on request; {why}" if why else "kept on request"
        if not used:
            produced = []
        elif role == "date" or pd.api.types.is_datetime64_any_dtype(series):
            # a kept constant date too: models take numbers, not timestamps
            expanded = expand_dates(series if read is None else read, column, taken=set(X.columns))
            produced = list(expanded.columns)
            parts.append(expanded)
        else:
            produced = [column]
            parts.append((series if read is None else read).rename(column).to_frame())
        roles.append({
            "column": column, "role": role, "used": used, "features": produced,
            "distinct": int(series.nunique(dropna=True)), "missing": int(series.isna().sum()), "why": why,
        })
        if used and reading is not None:  # dates or numbers read from text: new rows' are read the same way
            roles[-1]["reading"] = reading
    features = pd.concat(parts, axis=1) if parts else X.iloc[:, :0]
    return features, roles, _notes(roles, drop)


def guess_role(series, name="", *, decimal="."):
    """``(role, why, values, reading)`` of one column; ``values`` is the column as datetimes if it
    holds dates, or as numbers if it holds numbers written as text (``$9,081.84``, ``45.3%``), and
    ``reading`` how they were read (see :func:`read_dates` and :func:`read_numbers`)."""
    values = series.dropna()
    n, distinct = len(values), int(values.nunique())
    if distinct <= 1:
        return "constant", "no values" if n == 0 else "one value", None, None
    if pd.api.types.is_datetime64_any_dtype(series):
        return "date", "date/time values", series, None
    if pd.api.types.is_bool_dtype(series):
        return "numeric", "", None, None
    id_name = bool(_ID_NAME.search(name) or _CAMEL_ID.search(name))
    if pd.api.types.is_numeric_dtype(series):
        identifier = _numeric_identifier(values, id_name)
        return ("identifier", identifier, None, None) if identifier else ("numeric", "", None, None)

    text = values.astype(str)
    dates, reading = _as_dates(series, text)
    if dates is not None:
        return "date", f"dates such as {_example(text)}", dates, reading
    numbers, reading, unread = _as_numbers(series, text, decimal)
    if numbers is not None:
        example = _example(text[numbers[text.index].notna()])  # a number, not a dash
        identifier = _numeric_identifier(numbers.dropna(), id_name)  # 1,000 … 1,399 counts rows all the same
        if identifier:
            return "identifier", f"{identifier}, written such as {example}", None, None
        if reading["decimal"] != decimal:
            return "numeric", f"decimal points such as {example} in a file of decimal commas", numbers, reading
        return "numeric", f"numbers written as text such as {example}", numbers, reading
    if unread is not None:  # numbers but for a few cells: say which, rather than guess a role for text
        read = text[~text.index.isin(unread.index) & ~text.str.strip().isin(_NOTHING)]
        return ("text", f"numbers written as text such as {_example(read)}, but {len(unread)} "
                        f"cell{'s are' if len(unread) > 1 else ' is'} not, such as '{_example(unread)}'", None, None)
    if n >= MIN_ROWS_TO_JUDGE:
        share = distinct / n
        if share >= NEARLY_UNIQUE:
            if id_name or _code_like(text):
                return "identifier", f"{share:.0%} distinct, such as {_example(text)}", None, None
            return "text", f"free text, {share:.0%} distinct", None, None
        if distinct > MAX_LEVELS and n / distinct < MIN_ROWS_PER_LEVEL:
            return "text", f"{distinct} distinct values, {n / distinct:.1f} rows each", None, None
    return "categorical", "", None, None


def expand_dates(dates, column, *, taken=()):
    """Calendar parts of a datetime column: year, month, day, weekday, and hour if times vary.

    Missing dates give missing parts, which the imputer fills like any other gap.

    Examples
    --------
    >>> import pandas as pd
    >>> expand_dates(pd.Series(pd.to_datetime(["2024-03-01", None])), "signup")
       signup_year  signup_month  signup_day  signup_weekday
    0       2024.0           3.0         1.0             4.0
    1          NaN           NaN         NaN             NaN
    """
    dates = pd.Series(dates).reset_index(drop=True)
    parts = {"year": dates.dt.year, "month": dates.dt.month, "day": dates.dt.day,
             "weekday": dates.dt.day_of_week}
    hours = dates.dt.hour
    if hours.nunique(dropna=True) > 1:
        parts["hour"] = hours
    frame = pd.DataFrame({_free_name(f"{column}_{part}", taken): values.astype(float)
                          for part, values in parts.items()})
    frame.index = pd.RangeIndex(len(frame))
    return frame


def _example(text):
    example = printable(text.iloc[0]).strip()
    return example if len(example) <= 24 else example[:23] + "…"


def _free_name(name, taken):
    while name in taken:
        name = f"{name}_"
    return name


def _names(X, names, parameter):
    if names is None:
        return []
    if isinstance(names, str):
        names = [names]
    names = [str(n) for n in names]
    for name in names:
        if name not in X.columns:
            raise not_a_feature(parameter, name, X.columns)
    return names


def _numeric_identifier(values, id_name):
    """Why numbers are an identifier (they count rows, or are nearly unique and named like an ID), or None."""
    n, distinct = len(values), int(values.nunique())
    if _whole_numbers(values) and n >= MIN_ROWS_TO_JUDGE:
        if distinct == n and _key_like(values):
            return "unique integers in sequence"
        if id_name and distinct >= NEARLY_UNIQUE * n:
            return f"{distinct / n:.0%} distinct, named like an ID"
    return None


def _whole_numbers(values):
    if pd.api.types.is_integer_dtype(values):
        return True
    array = values.to_numpy(dtype=float, na_value=np.nan)
    return bool(np.isfinite(array).all() and (array == np.round(array)).all())


def _key_like(values):
    """Unique integers that count rows: in increasing or decreasing order, or exactly a range."""
    array = values.to_numpy(dtype=float)
    steps = np.diff(array)
    return bool((steps > 0).all() or (steps < 0).all() or array.max() - array.min() + 1 == len(array))


def _code_like(text):
    """Most values are single tokens (no spaces), like ``C-10293`` or a UUID, rather than sentences."""
    return float(text.str.contains(r"\s", regex=True).mean()) < 0.5


def _as_dates(series, text):
    if not pd.api.types.is_object_dtype(series) and not pd.api.types.is_string_dtype(series):
        return None, None
    if text.str.match(_DATE_TEXT).mean() < DATE_SHARE:
        return None, None
    whole = as_text(series)
    first = text.iloc[0]
    # A format inferred from the first value parses fast; "mixed" (per value) is the slow fallback.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "%Y-%m-%d when dayfirst=True": both readings are tried
        month_first = {"format": guess_datetime_format(first), "dayfirst": False}
        day_first = {"format": guess_datetime_format(first, dayfirst=True), "dayfirst": True}
    needed = DATE_SHARE * len(text)
    chosen, (dates, read) = month_first, _read_count(whole, month_first)
    if _both_readings(month_first, day_first):  # 03/04/2024: the reading that reads more rows wins
        other, other_read = _read_count(whole, day_first)
        if other_read > read:
            chosen, dates, read = day_first, other, other_read
        elif other_read == read >= needed:
            chosen = {**month_first, "either_way": True}
    elif read < needed:
        chosen, (dates, read) = day_first, _read_count(whole, day_first)
    if read >= needed:
        return dates, chosen
    mixed = {"format": "mixed", "dayfirst": False}  # a format per value: the slow fallback
    dates = read_dates(whole, mixed)
    if dates is not None and dates.notna().sum() >= needed:
        return dates, mixed
    return None, None


def date_values(series):
    """``series`` (text) read as dates as the loader reads a date column (its format; day first where
    that reads more rows, so 05/10/2021 can be 5 October), or None unless every value reads so.

    >>> date_values(pd.Series(["13/10/2021", "05/10/2021"])).dt.month.tolist()
    [10, 10]
    """
    dates, _ = date_reading(series)
    if dates is None or dates[series.notna()].isna().any():
        return None
    return dates


def date_reading(series):
    """``(dates, reading)`` of text read as the loader reads a date column (see :func:`read_dates`;
    ``reading["either_way"]`` when every value reads both day first and month first); ``(None, None)``
    when it does not hold dates."""
    values = series.dropna()
    if values.empty:
        return None, None
    return _as_dates(series, values.astype(str))


def _read_count(whole, reading):
    """``(dates, how many were read)`` of ``whole`` read as ``reading``; -1 when it cannot be read so."""
    dates = read_dates(whole, reading)
    return dates, (-1 if dates is None else int(dates.notna().sum()))


def _both_readings(month_first, day_first):
    """Whether dates could be read month first or day first (03/04/2024: 4 March or 3 April). Year-first
    dates (2024-03-04) are month first by convention."""
    formats = month_first["format"], day_first["format"]
    return None not in formats and formats[0] != formats[1] and not formats[0].startswith("%Y")


def _number_pattern(decimal):
    """A number written with a currency sign, thousands separators or a percent sign, in a file whose
    decimal mark is ``decimal``, negative also in accountants' brackets: groups open bracket, sign,
    currency, sign, whole part, fraction, percent, currency, close bracket. A thousands group never
    starts with 0 (0,125 is no grouped number)."""
    thousands, mark = (",", r"\.") if decimal == "." else (r"[.\s]", ",")
    return (rf"^\s*[{CURRENCY}]?\s*(\()?\s*([-+]?)\s*([{CURRENCY}]?)\s*([-+]?)"
            rf"([1-9]\d{{0,2}}(?:{thousands}\d{{3}})+|\d+)(?:{mark}(\d+))?\s*(%?)\s*([{CURRENCY}]?)\s*(\))?\s*$")


#: What spreadsheets write for "nothing" in a column of numbers.
_NOTHING = ("-", "–", "—")


def _as_numbers(series, text, decimal):
    """``(numbers, reading, None)`` when every value is a number written with a currency sign, thousands
    separators or a percent sign (and at least one has one of them); ``(None, None, unread)`` when all
    but a few (``unread``: those values) are; else ``(None, None, None)``."""
    if not pd.api.types.is_object_dtype(series) and not pd.api.types.is_string_dtype(series):
        return None, None, None
    formatted = text.str.contains(rf"[{CURRENCY}%()]|\d[,.\s]\d{{3}}(?!\d)", regex=True)
    if formatted.any():
        reading = {"decimal": decimal}
        numbers = read_numbers(series, reading)
        unread = text[numbers[text.index].isna() & ~text.str.strip().isin(_NOTHING)]
        if unread.empty:
            if text[~text.str.strip().isin(_NOTHING)].str.contains("%", regex=False).all():
                reading["percent"] = True  # 45.3% is 45.3: new rows must say % too (see model.schema)
            return numbers, reading, None
        if len(unread) <= (1 - DATE_SHARE) * len(text):
            return None, None, unread
    # decimal points in a file of decimal commas (3.57 beside 1,5): numbers, unless each could be a
    # thousands group (1.234) as well
    if (decimal == "," and text.str.match(_number_pattern(".")).all()
            and not text.str.fullmatch(r"\s*[-+]?[1-9]\d{0,2}(?:\.\d{3})+\s*").all()):
        reading = {"decimal": "."}
        return read_numbers(series, reading), reading, None
    return None, None, None


def read_numbers(values, reading):
    """``values`` (text) as numbers, each written with an optional currency sign, thousands separators
    and percent sign in the file's convention (``reading["decimal"]``: the decimal mark), a negative
    one also in brackets; a value written otherwise, or as a dash, is missing. A percentage keeps its
    figure: ``45.3%`` is 45.3.

    New rows' numbers are read this way when a model predicts, as the training file's were.

    Examples
    --------
    >>> import pandas as pd
    >>> read_numbers(pd.Series(["$9,081.84", "-$12", "(1,234.00)", "$ (5.50)", "45.3%", "15,313", None, "-",
    ...                         "0,125", "--5", "(-5)"]), {"decimal": "."}).tolist()
    [9081.84, -12.0, -1234.0, -5.5, 45.3, 15313.0, nan, nan, nan, nan, nan]
    >>> read_numbers(pd.Series(["9.081,84 €", "1 234,5"]), {"decimal": ","}).tolist()
    [9081.84, 1234.5]
    """
    decimal = reading.get("decimal", ".")
    parts = as_text(pd.Series(values)).str.extract(_number_pattern(decimal))
    whole = parts[4].str.replace(r"[^\d]", "", regex=True)
    numbers = pd.to_numeric(whole + "." + parts[5].fillna("0"), errors="coerce")
    minus = parts[0].eq("(").astype(int) + parts[1].eq("-") + parts[3].eq("-")
    numbers = numbers.where((parts[0].isna() == parts[8].isna()) & (minus <= 1))  # (1) is -1; --1, (-1) unread
    return numbers.where(minus == 0, -numbers).astype(float)


def as_text(series):
    """``series`` as text, its missing cells None: what :func:`read_dates` reads dates from."""
    return series.astype("object").where(series.notna(), None).astype(str).where(series.notna(), None)


def read_dates(values, reading):
    """``values`` as datetimes, read as ``reading`` says (``format``: a strftime format, ``"mixed"``
    or None, and ``dayfirst``), each value that does not fit missing; None when they cannot be read
    that way at all (e.g. mixed time zones).

    A file's date column is read this way when the data are loaded, and new rows' dates the same way
    when a model predicts, so that ``02/12/2021`` means one day in both.

    Examples
    --------
    >>> import pandas as pd
    >>> read_dates(pd.Series(["02/12/2021", "13/12/2021"]), {"format": "%d/%m/%Y", "dayfirst": True}).dt.month.tolist()
    [12, 12]
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "could not infer format": the caller measures the parsed share
        try:
            return pd.to_datetime(values, errors="coerce", dayfirst=reading.get("dayfirst", False),
                                  format=reading.get("format"))
        except (ValueError, OverflowError, TypeError):
            return None


def _notes(roles, dropped):
    notes = []
    numbers = [r for r in roles if r["used"] and r["role"] == "numeric" and r.get("reading")]
    points = [r for r in numbers if r["why"].startswith("decimal points")]
    numbers = [r for r in numbers if r not in points]
    if points:
        notes.append("read as numbers: " + "; ".join(f"{quoted(r['column'])} ({r['why']})" for r in points))
    if numbers:
        named = "; ".join(f"{quoted(r['column'])} ({r['why'].replace('numbers written as text ', '')})"
                          for r in numbers)
        notes.append(f"read as numbers without their currency signs, thousands separators and percent signs "
                     f"(45.3% is 45.3): {named}")
    either = [r for r in roles if r["used"] and r["role"] == "date" and r.get("reading", {}).get("either_way")]
    if either:
        named = "; ".join(f"{quoted(r['column'])} ({r['why'].replace('dates ', '')})" for r in either)
        notes.append(f"dates read month first, though every day is 12 or less and day first would read too; "
                     f"write them as 2024-03-04 if they are day first: {named}")
    for r in roles:
        if not r["used"] and r["role"] == "text" and r["why"].startswith("numbers written as text"):
            notes.append(f"{quoted(r['column'])} holds {r['why']}: left out; fix or empty those cells to use it")
    left_out = [r for r in roles if not r["used"] and r["column"] not in dropped]
    if not left_out:
        return notes
    named = "; ".join(f"{r['role']} {quoted(r['column'])}" for r in left_out)
    hint = "use one anyway with keep=[...]"
    if any(r["role"] == "date" for r in left_out):
        hint += "; use dates' calendar parts with date_features='expand'"
    return [*notes, f"left out of the features: {named} ({hint})"]
