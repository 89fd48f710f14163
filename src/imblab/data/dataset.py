"""The Dataset: features, a binary target and where they came from."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd


@dataclass(frozen=True, eq=False)
class Dataset:
    """Features and a binary target, validated once.

    Parameters
    ----------
    X : pandas.DataFrame
        Feature columns, one row per sample.
    y : numpy.ndarray of int
        The target encoded as 0/1, where 1 is the positive (usually rare) class.
    labels : tuple
        The original labels as ``(negative_label, positive_label)``.
    name : str
        A short name used in reports.
    provenance : dict
        How the data was made or where it was read from.
    column_roles : tuple of dict
        For a user's table, each original column's role (numeric, categorical,
        date, identifier, text, constant), whether it became a feature and why
        not (see :func:`imblab.data.columns.assign_roles`).
    notes : tuple of str
        One-line warnings from building the dataset: columns left out, rows
        dropped, how the file was read.
    """

    X: pd.DataFrame
    y: np.ndarray
    labels: tuple
    name: str
    provenance: dict = field(default_factory=dict)
    column_roles: tuple = ()
    notes: tuple = ()

    @property
    def kind(self):
        """``"synthetic"`` (the practical's data), ``"file"`` or ``"frame"`` (a user's DataFrame).

        Only the practical's data keeps the practical's holdout and unscaled
        features; a file and a frame are both a user's data.
        """
        return self.provenance.get("kind", "synthetic")

    @property
    def n_rows(self):
        return len(self.y)

    @property
    def n_features(self):
        return self.X.shape[1]

    @property
    def pos_label(self):
        return self.labels[1]

    @cached_property
    def categorical_columns(self):
        return [c for c in self.X.columns if not pd.api.types.is_numeric_dtype(self.X[c])]

    @cached_property
    def numeric_columns(self):
        return [c for c in self.X.columns if pd.api.types.is_numeric_dtype(self.X[c])]

    @cached_property
    def n_missing(self):
        return int(self.X.isna().sum().sum())

    def class_counts(self, rows=None):
        """Counts of the negative and positive class, as ``{0: n0, 1: n1}``."""
        y = self.y if rows is None else self.y[rows]
        counts = np.bincount(y, minlength=2)
        return {0: int(counts[0]), 1: int(counts[1])}

    @cached_property
    def content_hash(self):
        """SHA-256 of the features and target, to tell whether two runs saw the same data."""
        digest = hashlib.sha256()
        digest.update(pd.util.hash_pandas_object(self.X, index=False).to_numpy().tobytes())
        digest.update(",".join(map(str, self.X.columns)).encode())
        digest.update(np.ascontiguousarray(self.y).tobytes())
        return digest.hexdigest()

    def describe(self):
        """A plain description for results.json and reports."""
        counts = self.class_counts()
        return {
            "name": self.name,
            "rows": self.n_rows,
            "features": self.n_features,
            "columns": [str(c) for c in self.X.columns],
            "numeric_features": len(self.numeric_columns),
            "categorical_features": len(self.categorical_columns),
            "missing_values": self.n_missing,
            "negative_label": _plain(self.labels[0]),
            "positive_label": _plain(self.labels[1]),
            "class_counts": counts,
            "minority_share": counts[1] / self.n_rows,
            "majority_accuracy": max(counts.values()) / self.n_rows,
            "sha256": self.content_hash,
            "provenance": self.provenance,
            "column_roles": [dict(role) for role in self.column_roles],
            "notes": list(self.notes),
        }


def _plain(value):
    """A label as a JSON-friendly Python value."""
    return value.item() if isinstance(value, np.generic) else value
