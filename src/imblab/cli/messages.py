"""Messages on standard error, in the command line's terms."""

from __future__ import annotations

import re
import warnings
from contextlib import contextmanager

#: Library parameters as the command line spells them, for error messages.
FLAGS = {"test_size": "--test-size", "folds": "--folds", "repeats": "--repeats", "n_samples": "--samples",
         "n_features": "--features", "minority_share": "--minority-share", "n_jobs": "--jobs",
         "random_state": "--seed", "n_seeds": "--seeds", "rope": "--rope"}


def error_line(errors, line):
    errors.print(line, style="red", markup=False, highlight=False, soft_wrap=True)


def note_lines(errors, notes):
    """The loader's remarks (what it guessed or left out), one warning line each, in the command line's terms."""
    for note in notes:
        errors.print(f"imblab: warning: {as_flags(note)}", style="yellow", markup=False, highlight=False,
                     soft_wrap=True)


@contextmanager
def warnings_said(errors, shown=lambda warning: True):
    """Run the block recording its warnings, then print each one ``shown`` keeps as one warning line."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for warning in caught:
        if shown(warning):
            errors.print(f"imblab: warning: {warning.message}", style="yellow", markup=False, highlight=False,
                         soft_wrap=True)


def flagged(exc):
    """The error's message in the command line's terms: the parameter at fault named as its flag
    (``test_size`` → ``--test-size``), and the loader's options as flags (``keep=[...]`` → ``--keep``)."""
    message = str(exc)
    flag = FLAGS.get(getattr(exc, "param", None))
    if flag:
        message = re.sub(rf"(?<![\w-]){re.escape(exc.param)}(?= must|=)", flag, message)
    return as_flags(message)


# A library option (``keep=[...]``), or quoted text (a column's name, a value from the file), which is
# the user's and is left as it is: a quote opens only after a non-word character, so that the
# apostrophe in "the file's" does not.
_PARAMETER = re.compile(r"\b(target|positive|drop|keep|date_features|sep|encoding|strict|sheet)=(\[\.\.\.\]|'\w+')?"
                        r"|(?<!\w)('[^']*'|\"[^\"]*\")(?!\w)")


def as_flags(message):
    """A loader message in the command line's terms: ``keep=[...]`` becomes ``--keep``; quoted text is
    the data's and stays as it is.

    >>> as_flags("left out: identifier 'id' (use one anyway with keep=[...]); column 'sep=;' is text")
    "left out: identifier 'id' (use one anyway with --keep); column 'sep=;' is text"
    >>> as_flags("use dates' calendar parts with date_features='expand'")
    "use dates' calendar parts with --date-features expand"
    """
    def flag(match):
        if match.group(1) is None:  # quoted: the user's text
            return match.group(0)
        value = (match.group(2) or "").strip("'")
        return f"--{match.group(1).replace('_', '-')}" + (f" {value}" if value and value != "[...]" else "")
    return _PARAMETER.sub(flag, message)
