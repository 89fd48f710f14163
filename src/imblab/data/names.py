"""Column names in messages, and the errors that name a missing column.

Light on purpose (no pandas): the command line reports a misnamed column
from the file's header before it loads anything large.
"""

from __future__ import annotations

from ..errors import ImblabError

#: Currency signs a number written for people may carry ($9,081.84, 9.081,84 €).
CURRENCY = "$€£¥₹"


def printable(text):
    """``text`` with control characters escaped, so a message naming a column stays one line.

    >>> printable("a\\nb ü")
    'a\\\\nb ü'
    """
    text = str(text)
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def quoted(text):
    """``'text'``, made printable (see :func:`printable`)."""
    return f"'{printable(text)}'"


def target_missing(target, columns):
    """The error for a target column the data does not have."""
    shown = ", ".join(map(printable, columns))
    return ImblabError(f"target column {quoted(target)} is not in the data; its columns are: {shown}", param="target")


def not_a_feature(parameter, name, features):
    """The error for ``drop=``/``keep=`` naming a column that is not a feature."""
    shown = ", ".join(map(printable, features))
    return ImblabError(
        f"{parameter}= names column {quoted(name)}, which is not a feature column; the features are: {shown}",
        param=parameter,
    )


def split_column_missing(column, columns):
    """The error for a group or time column that is not among the features."""
    return ImblabError(f"split column {quoted(column)} is not among the features; its columns are: "
                       f"{', '.join(map(printable, columns))}", param="column")
