"""The bench folder: ``bench.json`` (imblab's marker), one run folder per dataset, the cross-dataset files.

The rule is the run folder's: a bench folder is imblab's when it holds the
marker; ``--overwrite`` refuses any other non-empty folder and, in one of
imblab's, removes only the files imblab writes there (and, under
``datasets/``, only imblab's run folders, each by its own rule).
"""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import ImblabError
from ..store import _json_default, _read_json, is_run_folder
from ..writing import atomic_write_text

MARKER = "bench.json"
FORMAT = "imblab-bench"
VERSION = 1
DATASETS = "datasets"
TABLES = ["ranks.csv", "mean_ranks.csv", "pairwise.csv", "wtl.csv", "datasets.csv"]
REPORT = ["summary.md", "report.html"]
#: Every name imblab writes at the top of a bench folder (``datasets/`` is handled run by run).
OWNED = [MARKER, *TABLES, *REPORT]


def is_bench_folder(folder):
    marker = _read_json(Path(folder) / MARKER)
    return isinstance(marker, dict) and marker.get("format") == FORMAT


def read_marker(folder):
    marker = _read_json(Path(folder) / MARKER)
    return marker if isinstance(marker, dict) and marker.get("format") == FORMAT else {}


def write_marker(folder, fields):
    marker = {**read_marker(folder), **fields, "format": FORMAT, "version": VERSION}
    atomic_write_text(Path(folder) / MARKER, json.dumps(marker, indent=2, default=_json_default) + "\n")


def prepare_folder(folder, *, overwrite=False, resume=False):
    """Check and create the bench folder; return it as a Path.

    A new or empty folder is used as it is. An existing bench folder is
    continued with ``resume`` (its kept fits and finished datasets are reused)
    or, with ``overwrite``, emptied of imblab's files first; anything else is
    refused with one line.
    """
    folder = Path(folder)
    for parent in folder.parents:
        if parent.exists() and not parent.is_dir():
            raise ImblabError(f"--out '{folder}': '{parent}' is a file, not a folder; give a path whose parents are folders")
    if folder.exists() and not folder.is_dir():
        raise ImblabError(f"--out '{folder}' is a file: give the path of a folder to write the bench into")
    if folder.is_dir() and any(folder.iterdir()):
        if not is_bench_folder(folder):
            raise ImblabError(f"--out '{folder}' is not empty and was not written by imblab (it has no {MARKER}): "
                              "choose another folder; --overwrite only replaces imblab's own bench folders")
        from ..locks import lock_folder

        lock_folder(folder)  # not a bench another process is writing, nor one to empty under it
        if resume:
            return folder
        if not overwrite:
            hint = (", or continue it with --resume" if read_marker(folder).get("status") != "complete" else "")
            raise ImblabError(f"bench folder '{folder}' already exists: choose another --out, pass --overwrite "
                              f"to replace it{hint}")
        _remove_owned(folder)
    try:
        (folder / DATASETS).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ImblabError(f"cannot write bench folder '{folder}': {exc.strerror or exc}") from None
    from ..locks import lock_folder

    lock_folder(folder)
    return folder


def _remove_owned(folder):
    from ..store import RunStore

    for name in OWNED:
        (folder / name).unlink(missing_ok=True)
    datasets = folder / DATASETS
    if not datasets.is_dir():
        return
    for child in datasets.iterdir():
        if child.is_dir() and not child.is_symlink() and is_run_folder(child):
            if RunStore(child).holds_only_its_own():
                RunStore(child)._remove_owned()
                child.rmdir()
            # else the user's files are there too: the folder stays imblab's, and the dataset's new run
            # replaces only imblab's files in it (RunStore.create with overwrite)


def dataset_folder(bench_folder, name):
    return Path(bench_folder) / DATASETS / name

