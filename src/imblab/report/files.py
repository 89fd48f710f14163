"""Writing a run folder: all of it or none of it."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import numpy as np

from ..errors import ImblabError


def write_run_folder(results, folder, *, overwrite=False, report=True):
    """Write ``results`` to ``folder`` atomically.

    Files are written to a temporary folder beside the target and moved into
    place at the end, so an interrupted or failed write leaves nothing behind.

    Files: ``summary.csv`` (one row per strategy, with intervals),
    ``folds.csv`` (one row per strategy and split), ``comparison.csv`` (each
    strategy against the best), ``calibration.csv`` and ``reliability.csv``
    (probabilities before and after the prior-shift correction),
    ``predictions.parquet`` (the record), ``results.json`` (configuration,
    versions, dataset, per-strategy reports), ``report.html`` and ``summary.md``.
    """
    folder = check_run_folder(folder, overwrite=overwrite)
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    except OSError as exc:
        raise ImblabError(f"cannot create run folder '{folder}': {exc.strerror or exc}") from None
    try:
        results.summary.to_csv(staging / "summary.csv", index=False)
        results.folds.to_csv(staging / "folds.csv", index=False)
        results.comparison.to_csv(staging / "comparison.csv", index=False)
        results.calibration.to_csv(staging / "calibration.csv", index=False)
        results.reliability.to_csv(staging / "reliability.csv", index=False)
        results.predictions.to_parquet(staging / "predictions.parquet", index=False)
        with open(staging / "results.json", "w", encoding="utf-8") as fh:
            json.dump(_finite(results.to_dict()), fh, indent=2, default=_json_default, allow_nan=False)
            fh.write("\n")
        if report:
            write_report(results, staging)
        if folder.exists():
            shutil.rmtree(folder)
        staging.rename(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return folder


def write_report(results, folder):
    """Write ``report.html`` and ``summary.md`` into ``folder``; return their paths."""
    from .collect import collect
    from .html import render_html
    from .markdown import render_markdown

    folder = Path(folder)
    facts = collect(results)
    html_path, md_path = folder / "report.html", folder / "summary.md"
    html_path.write_text(render_html(results, facts), encoding="utf-8")
    md_path.write_text(render_markdown(results, facts), encoding="utf-8")
    return html_path, md_path


def check_run_folder(folder, *, overwrite=False):
    """Raise ImblabError unless ``folder`` can be written; return it as a Path."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ImblabError(f"--out '{folder}' is a file: give the path of a folder to write the run into")
    if folder.is_dir() and any(folder.iterdir()) and not overwrite:
        raise ImblabError(
            f"run folder '{folder}' already exists and is not empty: choose another --out or pass --overwrite"
        )
    return folder


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
