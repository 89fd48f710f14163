"""The run store: reading and writing a run folder, one fit at a time.

A run folder is imblab's when it holds ``run.json``, a marker with a format
version. While a run is going, every finished (strategy, split) fit is kept in
``fits/`` the moment it finishes, and ``INCOMPLETE.txt`` says how many there
are and how to resume; a run that dies for any reason leaves exactly that.
When the run finishes, the tables, the record (``predictions.parquet``,
``results.json``) and the report are written, each file replaced atomically
(written beside its place, then renamed), and the marker says ``complete``.

imblab deletes nothing it did not write: ``--overwrite`` refuses a folder
without the marker and, in one with it, removes only the files in
:data:`OWNED`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from pathlib import Path

import numpy as np

from .errors import ImblabError
from .locks import lock_folder, unlock_folder
from .writing import atomic_write, atomic_write_text

MARKER = "run.json"
FORMAT = "imblab-run"
VERSION = 1
FITS = "fits"
INCOMPLETE = "INCOMPLETE.txt"
TABLES = ["summary.csv", "folds.csv", "comparison.csv", "calibration.csv", "reliability.csv"]
RECORD = ["predictions.parquet", "results.json"]
REPORT = ["report.html", "summary.md"]
#: Every name imblab writes in a run folder (plus ``comparison-<metric>.csv`` from ``rescore``).
OWNED = [MARKER, INCOMPLETE, FITS, *TABLES, *RECORD, *REPORT]


def is_run_folder(folder):
    """Whether ``folder`` was written by imblab: it has the marker, or is a run folder from
    before the marker existed (``results.json`` with a configuration and fits, and predictions)."""
    folder = Path(folder)
    marker = _read_json(folder / MARKER)
    if isinstance(marker, dict) and marker.get("format") == FORMAT:
        return True
    legacy = _read_json(folder / "results.json")
    return (isinstance(legacy, dict) and {"config", "fits"} <= set(legacy)
            and (folder / "predictions.parquet").is_file())


def check_new_run_folder(folder, *, overwrite=False, flag="--out"):
    """Raise ImblabError unless a new run may be written to ``folder``; return it as a Path.

    It may when it does not exist, is empty, or (with ``overwrite``) is a run
    folder imblab wrote. Nothing is changed on disk.
    """
    folder = Path(folder)
    for parent in folder.parents:
        if parent.exists() and not parent.is_dir():
            raise ImblabError(f"{flag} '{folder}': '{parent}' is a file, not a folder; "
                              "give a path whose parents are folders")
    if folder.exists() and not folder.is_dir():
        raise ImblabError(f"{flag} '{folder}' is a file: give the path of a folder to write the run into")
    if folder.is_dir() and any(folder.iterdir()):
        if not is_run_folder(folder):
            raise ImblabError(
                f"{flag} '{folder}' is not empty and was not written by imblab (it has no {MARKER}): "
                "choose another folder; --overwrite only replaces imblab's own run folders")
        if not overwrite:
            hint = f", or resume it with 'imblab resume {folder}'" if _status(folder) == "incomplete" else ""
            raise ImblabError(f"run folder '{folder}' already exists: choose another {flag}, "
                              f"pass --overwrite to replace it{hint}")
    return folder


class RunStore:
    """One run folder on disk.

    Make one with :meth:`create` (a new run) or :meth:`open` (an existing
    run, to resume, rescore or re-render it).

    Examples
    --------
    >>> import tempfile, os
    >>> store = RunStore.create(os.path.join(tempfile.mkdtemp(), "run"), total=4)
    >>> store.status, store.n_stored
    ('incomplete', 0)
    """

    def __init__(self, folder):
        self.folder = Path(folder)

    @classmethod
    def create(cls, folder, *, overwrite=False, request=None, total=None):
        """Start a new run in ``folder`` (see :func:`check_new_run_folder`): with ``overwrite``,
        first remove the files a previous run wrote there, and only those."""
        folder = check_new_run_folder(folder, overwrite=overwrite)
        store = cls(folder)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            lock_folder(folder)  # before anything of a run that may still be writing there is removed
            store._remove_owned()
            store._write_marker({"status": "incomplete", "fits_total": total, "fits_stored": 0,
                                 "request": request or {}})
            store._write_incomplete_note()
        except OSError as exc:
            raise ImblabError(f"cannot write run folder '{folder}': {exc.strerror or exc}") from None
        return store

    @classmethod
    def open(cls, folder):
        """An existing run folder written by imblab."""
        folder = Path(folder)
        if folder.exists() and not folder.is_dir():
            raise ImblabError(f"'{folder}' is a file, not a run folder: give a folder written by 'imblab run'")
        if not folder.is_dir():
            raise ImblabError(f"run folder '{folder}' does not exist: give a folder written by 'imblab run'")
        if not is_run_folder(folder):
            if (folder / MARKER).is_file():
                raise ImblabError(f"'{folder / MARKER}' is damaged (not the JSON imblab writes): restore it, or "
                                  "run the comparison again into a new folder")
            raise ImblabError(f"'{folder}' is not an imblab run folder (it has no {MARKER}): "
                              "give a folder written by 'imblab run'")
        return cls(folder)

    @classmethod
    def open_complete(cls, folder):
        """An existing run folder whose run has finished (``imblab resume`` finishes the others)."""
        store = cls.open(folder)
        if store.status == "incomplete":
            raise ImblabError(f"run folder '{store.folder}' is incomplete ({store.n_stored} fits kept): "
                              f"finish it with 'imblab resume {store.folder}'")
        return store

    # -- the marker ------------------------------------------------------------------------

    @property
    def marker(self):
        marker = _read_json(self.folder / MARKER)
        return marker if isinstance(marker, dict) and marker.get("format") == FORMAT else {}

    @property
    def status(self):
        """``"incomplete"`` while fits are missing, ``"complete"`` once the run folder is whole."""
        return _status(self.folder)

    @property
    def request(self):
        """What the run was asked to do (the command line's arguments), for resuming it."""
        return self.marker.get("request", {})

    def _write_marker(self, fields):
        marker = {**self.marker, **fields, "format": FORMAT, "version": VERSION}
        atomic_write_text(self.folder / MARKER, json.dumps(marker, indent=2, default=_json_default) + "\n")

    def _write_incomplete_note(self):
        marker = self.marker
        total = marker.get("fits_total")
        of = f" of {total}" if total else ""
        atomic_write_text(self.folder / INCOMPLETE, (
            f"This run has not finished: {marker.get('fits_stored', 0)}{of} fits are kept in {FITS}/.\n"
            f"Resume it with: imblab resume {self.folder}\n"
            "(only the missing fits are fitted; the finished ones are reused)\n"))

    # -- fits as they finish -----------------------------------------------------------------

    @property
    def n_stored(self):
        """How many fits are kept in ``fits/``."""
        fits = self.folder / FITS
        return sum(1 for _ in fits.glob("*.json")) if fits.is_dir() else 0

    def load_fit(self, key):
        """The kept ``(predictions part or None, record dict)`` for ``key``, or None."""
        import pandas as pd

        stem = self.folder / FITS / fit_id(key)
        saved = _read_json(stem.with_suffix(".json"))
        if not isinstance(saved, dict) or saved.get("key") != _plain(key):
            return None
        part = None
        if saved["record"].get("error") is None:
            try:
                part = pd.read_parquet(stem.with_suffix(".parquet"))
            except Exception:  # a damaged or missing file is a fit to redo, not an error
                return None
        return part, saved["record"]

    def keep_fit(self, key, part, record):
        """Keep one finished fit: its predictions (if it produced any), then its record.

        The record is written last, so a fit counts as kept only once both files are whole.
        """
        stem = self.folder / FITS / fit_id(key)
        stem.parent.mkdir(exist_ok=True)
        if part is not None:
            atomic_write(stem.with_suffix(".parquet"), lambda path: part.to_parquet(path, index=False))
        atomic_write_text(stem.with_suffix(".json"), json.dumps(
            {"key": _plain(key), "record": record}, default=_json_default, allow_nan=True) + "\n")
        self._write_marker({"fits_stored": self.n_stored})
        self._write_incomplete_note()

    # -- fits run in imblab's own process --------------------------------------------------------
    # A fit that kills the process running it (the out-of-memory killer, a crash in compiled code) takes
    # imblab with it when it runs in imblab's own process (--jobs 1). Its ``.started`` note, marked
    # running as it starts and no longer running as it ends, is what is left: a note still marked
    # running counts a death, and a resume tries the fit again until its strategy has ended two processes.

    def fit_starting(self, key):
        """Note that the fit ``key`` starts in this process, with the deaths counted before."""
        self._note(key, self.deaths(key), running=True)

    def fit_ended(self, key):
        """The fit ``key`` ended (finished, failed or interrupted) without its process dying: its note
        goes, or keeps only the deaths of earlier attempts."""
        deaths = self.deaths(key) - 1  # its own attempt did not die
        if deaths > 0:
            self._note(key, deaths, running=False)
        else:
            self._note_path(key).unlink(missing_ok=True)

    def deaths(self, key):
        """How many processes died while fitting ``key`` (0 without a note)."""
        saved = _read_json(self._note_path(key))
        if not isinstance(saved, dict) or saved.get("key") != _plain(key):
            return 0
        return _deaths_in(saved)

    def noted_deaths(self):
        """``{strategy: deaths}`` over the notes of fits not kept (see :meth:`fit_starting`), whatever
        their keys."""
        found = {}
        fits = self.folder / FITS
        for path in sorted(fits.glob("*.started")) if fits.is_dir() else ():
            saved = _read_json(path)
            kept = path.with_suffix(".json").exists()
            if isinstance(saved, dict) and isinstance(saved.get("key"), dict) and not kept:
                name = str(saved["key"].get("strategy"))
                found[name] = found.get(name, 0) + _deaths_in(saved)
        return {name: deaths for name, deaths in found.items() if deaths}

    def _note_path(self, key):
        return (self.folder / FITS / fit_id(key)).with_suffix(".started")

    def _note(self, key, deaths, *, running):
        path = self._note_path(key)
        path.parent.mkdir(exist_ok=True)
        atomic_write_text(path, json.dumps({"key": _plain(key), "deaths": deaths, "running": running},
                                           default=_json_default) + "\n")

    # -- the finished run --------------------------------------------------------------------

    def finish(self, results, *, report=True, drawer=None):
        """Write the tables, the record and (``report=True``) the report, then mark the run
        complete and drop the kept fits, which the record now holds. ``drawer``: a started
        :class:`~imblab.report.ahead.ReportProcess` that draws the report meanwhile."""
        rendered = drawer.render(results) if report and drawer is not None else None
        self.rewrite_tables(results)
        atomic_write(self.folder / "predictions.parquet",
                     lambda path: results.predictions.to_parquet(path, index=False))
        atomic_write_text(self.folder / "results.json", json.dumps(
            _finite(results.to_dict()), indent=2, default=_json_default, allow_nan=False) + "\n")
        if report:
            write_report(results, self.folder, rendered() if rendered is not None else None)
        self._write_marker({"status": "complete", "fits_stored": len(results.fits)})
        (self.folder / INCOMPLETE).unlink(missing_ok=True)
        _remove_fits(self.folder)
        unlock_folder(self.folder)  # the run is whole: the folder is anyone's to read or rescore
        return self.folder

    def rewrite_tables(self, results):
        """Replace the tables computed from the predictions, each atomically."""
        for name, frame in [("summary.csv", results.summary), ("folds.csv", results.folds),
                            ("comparison.csv", results.comparison), ("calibration.csv", results.calibration),
                            ("reliability.csv", results.reliability)]:
            atomic_write(self.folder / name, lambda path, frame=frame: frame.to_csv(path, index=False))

    def holds_only_its_own(self):
        """Whether every file in the folder is one imblab writes (so removing them empties it)."""
        for path in self.folder.iterdir():
            if path.name == FITS and path.is_dir() and not path.is_symlink():
                if any(not (_FIT_FILE.match(f.name) and f.is_file()) for f in path.iterdir()):
                    return False
            elif path.name not in OWNED and not re.fullmatch(r"comparison-.+\.csv", path.name):
                return False
        return True

    def _remove_owned(self):
        for name in OWNED:
            path = self.folder / name
            if name == FITS:
                _remove_fits(self.folder)
            elif path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            elif path.exists() or path.is_symlink():
                path.unlink()
        for path in self.folder.glob("comparison-*.csv"):
            path.unlink()


def _deaths_in(note):
    """The deaths a fit's note counts: those before its last attempt, and that attempt's if it was running."""
    return int(note.get("deaths", 0)) + bool(note.get("running", True))


#: What imblab writes in ``fits/``: each fit's record and predictions, and the temporary file of a
#: write that was killed (see :func:`atomic_write`).
_FIT_FILE = re.compile(r"^[0-9a-f]{24}\.(?:json|parquet|started)$"
                       r"|^\.[0-9a-f]{24}\.(?:json|parquet|started)\..+\.tmp$")


def _remove_fits(folder):
    """Remove imblab's files from ``folder/fits`` (a symbolic link there: the link alone), then the
    folder itself if that empties it; a user's own files there, and the folder holding them, stay."""
    fits = Path(folder) / FITS
    if fits.is_symlink():
        fits.unlink()
        return
    if not fits.is_dir():
        return
    for path in fits.iterdir():
        if _FIT_FILE.match(path.name) and path.is_file() and not path.is_symlink():
            path.unlink()
    try:
        fits.rmdir()
    except OSError:  # not empty: what is left is not imblab's
        pass


def write_report(results, folder, rendered=None):
    """Write ``report.html`` and ``summary.md`` into ``folder``, each replaced atomically;
    return their paths. ``rendered``: their text, drawn elsewhere; None: drawn here."""
    from .report.ahead import render_report

    folder = Path(folder)
    html_path, md_path = folder / "report.html", folder / "summary.md"
    html, markdown = render_report(results) if rendered is None else rendered
    atomic_write_text(html_path, html)
    atomic_write_text(md_path, markdown)
    return html_path, md_path


def fit_id(key):
    """A file name for a fit: the SHA-256 of its key (strategy, split, data, seed, versions)."""
    text = json.dumps(_plain(key), sort_keys=True, default=_json_default)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def rows_hash(rows):
    """A short hash of a split's row indices, so that a kept fit is reused only for the same rows."""
    return hashlib.sha256(np.ascontiguousarray(rows, dtype=np.int64).tobytes()).hexdigest()[:16]


def _status(folder):
    marker = _read_json(Path(folder) / MARKER)
    if isinstance(marker, dict) and marker.get("format") == FORMAT:
        return marker.get("status", "incomplete")
    return "complete" if is_run_folder(folder) else None


def _read_json(path):
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None


def _plain(value):
    """JSON's view of a value (tuples become lists), so that keys compare equal after a round trip."""
    return json.loads(json.dumps(value, default=_json_default))


def _finite(value):
    """NaN (an undefined metric) becomes JSON's null."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    if isinstance(value, (float, np.floating)) and not np.isfinite(value):
        return None
    return value


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")
