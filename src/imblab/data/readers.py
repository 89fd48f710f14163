"""Reading the files people have: CSV in any common dialect, compressed or not, Excel and Parquet."""

from __future__ import annotations

import bz2
import codecs
import csv
import gzip
import io
import lzma
import zipfile
from pathlib import Path

from ..errors import ImblabError
from .names import CURRENCY

COMPRESSIONS = {".gz": "gzip", ".bz2": "bz2", ".xz": "xz", ".zip": "zip"}
FORMATS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".parquet": "parquet", ".pq": "parquet",
           ".xlsx": "excel", ".xlsm": "excel"}
#: Delimiters tried when none is given, in order of preference on a tie.
DELIMITERS = [",", ";", "\t", "|"]
#: Tried in turn when no encoding is given. UTF-8 first (it rejects most other text); then
#: Windows-1252, what spreadsheets on Windows save, then Latin-1, which accepts any byte.
ENCODINGS = ["utf-8-sig", "cp1252", "latin-1"]
HEAD_BYTES = 1 << 16
SEP_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}


def read_frame(path, *, sep=None, encoding=None, text_columns=(), sheet=None):
    """Read a table file; return ``(frame, info)`` with how it was read.

    ``info`` holds ``format``, ``compression`` and, for CSV, the ``sep`` and
    ``encoding`` used, plus ``notes`` (one-line remarks worth telling the user).
    Every failure becomes one :class:`ImblabError` line.

    A CSV's columns named in ``text_columns`` are read as text, as are columns
    of zero-padded codes (``02134``, ``000417``), which would lose their zeros
    as numbers. ``sheet`` names an Excel workbook's sheet, or counts it from 1
    (default: the first).

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "d.csv")
    >>> _ = open(path, "w", encoding="latin-1").write("név;y\\nÁrpád;1\\nÉva;0\\n")
    >>> frame, info = read_frame(path)
    >>> list(frame.columns), info["sep"], info["encoding"]
    (['név', 'y'], ';', 'cp1252')
    """
    import pandas as pd

    path = Path(path)
    fmt, compression = check_sheet(path, sheet)
    info = {"format": fmt, "compression": compression, "notes": []}
    try:
        if fmt == "parquet":
            frame = pd.read_parquet(path)
        elif fmt == "excel":
            frame = _read_excel(path, info, sheet)
        else:
            frame = _read_csv(path, compression, sep, encoding, info, text_columns)
    except ImblabError:
        raise
    except pd.errors.EmptyDataError:
        raise ImblabError(f"data file '{path}' is empty: expected a header row and data rows") from None
    except Exception as exc:  # parser, decompression, OS and pyarrow errors alike
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise ImblabError(f"cannot read '{path}' as {fmt.upper()}: {reason}") from None
    if frame.shape[1] == 0:
        raise ImblabError(f"data file '{path}' is empty: expected a header row and data rows")
    if frame.shape[0] == 0:
        raise ImblabError(f"data file '{path}' has a header but no data rows: expected at least one row per class")
    return frame, info


def check_file(path):
    """``(format, compression)`` of a file that exists and has a name imblab can read; else ImblabError."""
    fmt, compression = file_format(path)
    if not Path(path).is_file():
        raise ImblabError(f"data file '{path}' does not exist: check the path")
    return fmt, compression


def peek_columns(path, *, sep=None, encoding=None):
    """The column names of a CSV file's header as :func:`read_frame` will see them, read without
    pandas; ``None`` when that cannot be told cheaply (Excel, Parquet, a header longer than the
    first 64 KiB, a header with blank or repeated names, which the full reader names or refuses itself).

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "d.csv")
    >>> _ = open(path, "w").write('id;"a;b";y\\n1;2;0\\n')
    >>> peek_columns(path)
    ['id', 'a;b', 'y']
    """
    fmt, compression = check_file(path)
    if fmt != "csv":
        return None
    with _open(path, compression) as fh:
        head = fh.read(HEAD_BYTES)
    encodings = [_check_encoding(encoding)] if encoding else _candidate_encodings(head)
    text = head.decode(encodings[0], errors="ignore")
    sep = _check_sep(sep) if sep else sniff_delimiter(text, truncated=len(head) == HEAD_BYTES)
    header = _first_row(text, sep, truncated=len(head) == HEAD_BYTES)
    if not header or any(not name.strip() for name in header) or len(set(header)) != len(header):
        return None
    return header


def file_format(path):
    """``(format, compression)`` from a file name such as ``churn.csv.gz``."""
    suffixes = [s.lower() for s in Path(path).suffixes]
    compression = COMPRESSIONS.get(suffixes[-1]) if suffixes else None
    if compression:
        suffixes = suffixes[:-1]
    last = suffixes[-1] if suffixes else ""
    fmt = FORMATS.get(last)
    if compression == "zip" and fmt is None:
        fmt = "csv"  # data.zip holding one CSV
    if fmt is None or (compression and fmt != "csv"):
        hint = " (save old .xls workbooks as .xlsx)" if last == ".xls" else ""
        raise ImblabError(
            f"cannot read '{path}': expected a .csv (optionally .gz, .bz2, .xz or .zip), .tsv, .xlsx "
            f"or .parquet file{hint}"
        )
    return fmt, compression


def _open(path, compression):
    """The file's bytes, decompressed."""
    if compression == "gzip":
        return gzip.open(path, "rb")
    if compression == "bz2":
        return bz2.open(path, "rb")
    if compression == "xz":
        return lzma.open(path, "rb")
    if compression == "zip":
        with zipfile.ZipFile(path) as archive:  # read whole, so that no archive is left open
            members = [m for m in archive.namelist() if not m.endswith("/") and not m.startswith("__MACOSX/")]
            if len(members) != 1:
                raise ImblabError(
                    f"'{path}' holds {len(members)} files: expected a zip of exactly one CSV; "
                    "unzip it and pass the CSV"
                )
            return io.BytesIO(archive.read(members[0]))
    return open(path, "rb")


def _read_csv(path, compression, sep, encoding, info, text_columns=()):
    import pandas as pd

    with _open(path, compression) as fh:
        head = fh.read(HEAD_BYTES)
    if not head.strip():
        raise ImblabError(f"data file '{path}' is empty: expected a header row and data rows")
    encodings = [_check_encoding(encoding)] if encoding else _candidate_encodings(head)
    sep = _check_sep(sep) if sep else None
    for i, candidate in enumerate(encodings):
        text = head.decode(candidate, errors="ignore")
        chosen_sep = sep or sniff_delimiter(text, truncated=len(head) == HEAD_BYTES)
        try:
            with _open(path, compression) as fh:
                frame = pd.read_csv(fh, sep=chosen_sep, encoding=candidate)
        except UnicodeDecodeError:
            if encoding or i == len(encodings) - 1:
                raise ImblabError(
                    f"cannot read '{path}' as {encoding or candidate} text: it holds bytes that are not "
                    f"{encoding or candidate}; give its encoding (e.g. latin-1)"
                ) from None
            continue
        _check_header(path, text, chosen_sep, frame, truncated=len(head) == HEAD_BYTES)
        options = {}
        if chosen_sep != "," and _decimal_commas(frame):
            options["decimal"] = ","
            info["decimal"] = ","
            info["notes"].append(f"'{path.name}' writes numbers with a decimal comma (1,5); read them as numbers")
        codes = _zero_padded(text, chosen_sep, frame, truncated=len(head) == HEAD_BYTES)
        if codes:
            info["notes"].append(f"'{path.name}' holds zero-padded codes in {_names(codes)} (such as "
                                 f"'{codes[0][1]}'): read as text, not as numbers")
        text_columns = [c for c in {*text_columns, *(name for name, _ in codes)} if c in frame.columns]
        if text_columns:
            options["dtype"] = {c: str for c in text_columns}
        if options:
            with _open(path, compression) as fh:
                frame = pd.read_csv(fh, sep=chosen_sep, encoding=candidate, **options)
        info.update(sep=chosen_sep, encoding="utf-8" if candidate == "utf-8-sig" else candidate)
        if not encoding and candidate != "utf-8-sig":
            info["notes"].append(
                f"'{path.name}' is not valid UTF-8; read it as {candidate} (give the encoding if that is wrong)"
            )
        return frame
    raise AssertionError("unreachable: the last encoding either reads or raises")


def _first_row(text, sep, *, truncated):
    """The first row of CSV ``text`` as a list of cells; None when it cannot be parsed, or when
    ``text`` is the file's head cut short (``truncated``) before that row ends."""
    buffer = io.StringIO(text)
    try:
        row = next(csv.reader(buffer, delimiter=sep), None)
    except csv.Error:
        return None
    if truncated and buffer.tell() >= len(text):  # the row may go on past what was read
        return None
    return row


def _check_header(path, text, sep, frame, *, truncated):
    """Refuse a header that names a column twice: pandas would rename the copy (``churn`` →
    ``churn.1``), and a copy of the label would then be used as a feature without a word."""
    header = _first_row(text, sep, truncated=truncated) or []
    names = [name for name in header if name.strip()]
    repeated = next((name for i, name in enumerate(names) if name in names[:i]), None)
    if repeated is not None and len(header) == frame.shape[1]:
        raise ImblabError(f"column name {repeated!r} appears more than once in the header of '{path.name}': "
                          "give every column a distinct name")


# 1,5 — or 9.081,84 €, 51,2 %: a decimal comma, with thousands dots, a currency or a percent sign
_DECIMAL_COMMA = rf"^\s*[-+]?[{CURRENCY}]?\s*(?:[1-9]\d{{0,2}}(?:\.\d{{3}})+|\d*),\d+\s*%?\s*[{CURRENCY}]?\s*$"
_PLAIN_NUMBER = r"^\s*[-+]?\d+\s*$"
# 74,000, $1,250 or 7,400%: a comma that groups thousands as well as it could mark decimals
_THOUSANDS = rf"^\s*[-+]?[{CURRENCY}]?\s*[1-9]\d{{0,2}}(?:,\d{{3}})+\s*%?\s*[{CURRENCY}]?\s*$"


def _zero_padded(text, sep, frame, *, truncated):
    """``[(column, example)]`` for the numeric columns whose cells in the file's head (``text``) are all
    digit codes of one width (three digits or more), some with leading zeros: zip codes, account numbers
    (``02134``). Two digits (``01``-``12``) are more often months or hours, which are numbers."""
    import pandas as pd

    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=sep))[1:]
    except csv.Error:  # pandas read it; its cells' text is beyond this check
        return []
    if truncated:
        rows = rows[:-1]  # the last row may be cut short
    found = []
    for j, name in enumerate(frame.columns):
        if not pd.api.types.is_numeric_dtype(frame[name]) or pd.api.types.is_bool_dtype(frame[name]):
            continue
        cells = [row[j].strip() for row in rows if j < len(row) and row[j].strip()]
        padded = next((c for c in cells if len(c) > 2 and c.startswith("0")), None)  # 01-12 are months
        if padded and all(c.isdigit() and len(c) == len(padded) for c in cells):
            found.append((str(name), padded))
    return found


def _names(codes):
    return ", ".join(f"'{name}'" for name, _ in codes)


def _decimal_commas(frame):
    """Whether some text column holds only numbers written with a decimal comma (``1,5``), as
    spreadsheets in much of Europe save them, next to their semicolon delimiter."""
    import pandas as pd

    for column in frame.columns:
        series = frame[column]
        if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
            continue
        text = series.dropna().astype(str)
        if len(text) == 0:
            continue
        comma = text.str.match(_DECIMAL_COMMA)
        if comma.any() and (comma | text.str.match(_PLAIN_NUMBER)).all():
            if not text[comma].str.match(_THOUSANDS).all():  # 74,000 or $74,000 everywhere: thousands
                return True
    return False


def _candidate_encodings(head):
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return ["utf-16"]  # spreadsheets' "Unicode text" export
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # not just a character cut at the end of the sample
            return ENCODINGS[1:]
    return ENCODINGS


def sniff_delimiter(text, *, truncated=False):
    """The delimiter that splits the sample's rows into the most columns, the same number on every row.

    Quotes are honoured, so commas inside quoted fields do not count.

    Examples
    --------
    >>> sniff_delimiter('a;b;"c,d"\\n1;2;"3,4"\\n')
    ';'
    >>> sniff_delimiter("only\\n1\\n")
    ','
    """
    lines = text.splitlines(keepends=True)
    if truncated and len(lines) > 1:
        lines = lines[:-1]  # the sample may end mid-row
    sample = "".join(lines[:200])
    best, best_key = ",", (False, 1)
    for delimiter in DELIMITERS:
        try:
            widths = [len(row) for row in csv.reader(io.StringIO(sample), delimiter=delimiter) if row]
        except csv.Error:
            continue
        if not widths:
            continue
        key = (len(set(widths)) == 1 and widths[0] > 1, widths[0])
        if key > best_key:
            best, best_key = delimiter, key
    return best


def _check_sep(sep):
    sep = SEP_NAMES.get(sep.lower(), sep)
    if len(sep) != 1:
        raise ImblabError(f"sep= must be one character (or 'tab'), got {sep!r}", param="sep")
    return sep


def _check_encoding(encoding):
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise ImblabError(f"unknown encoding {encoding!r}: use a Python codec name such as utf-8, latin-1 or cp1252",
                          param="encoding") from None
    return "utf-8-sig" if name == "utf-8" else name  # a byte-order mark is not part of the first column's name


def _read_excel(path, info, sheet=None):
    import pandas as pd

    with pd.ExcelFile(path, engine="openpyxl") as book:
        sheets = book.sheet_names
        chosen = sheets[0] if sheet is None else _sheet(path, sheets, str(sheet))
        frame = pd.read_excel(book, sheet_name=chosen)
    info["sheet"], info["sheets"] = chosen, len(sheets)
    if len(sheets) > 1 and sheet is None:
        info["notes"].append(f"'{path.name}' has {len(sheets)} sheets; read the first, '{sheets[0]}' "
                             "(choose another with sheet=)")
    return frame


def check_sheet(path, sheet):
    """``check_file(path)``, refusing a ``sheet`` for a file that is no Excel workbook (light: no pandas,
    so that the command line refuses it at once)."""
    fmt, compression = check_file(path)
    if sheet is not None and fmt != "excel":
        raise ImblabError(f"sheet= picks a sheet of an Excel workbook, but '{Path(path).name}' is {fmt.upper()}: "
                          "leave it out", param="sheet")
    return fmt, compression


def wrong_sheet(path, info):
    """What to add to an error about missing columns when ``path`` was read from the first of several
    sheets without one being chosen (``info`` from :func:`read_frame`): that sheet may be the wrong one."""
    return (f" (read sheet '{info['sheet']}', the first of {info['sheets']} in '{Path(path).name}'; choose the "
            "sheet with sheet=)")


def _sheet(path, sheets, sheet):
    """The sheet named ``sheet``, or the one it counts (from 1)."""
    if sheet in sheets:
        return sheet
    if sheet.isdigit() and 1 <= int(sheet) <= len(sheets):
        return sheets[int(sheet) - 1]
    shown = ", ".join(f"'{name}'" for name in sheets)
    raise ImblabError(f"'{path.name}' has no sheet {sheet!r}: its sheets are {shown}; give one of their names, "
                      f"or a number from 1 to {len(sheets)}", param="sheet")
