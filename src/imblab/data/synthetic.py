"""The practical's synthetic data: scikit-learn's make_classification."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.datasets import make_classification

from ..errors import ImblabError
from .dataset import Dataset

#: make_classification's defaults use 2 informative and 2 redundant features.
MIN_FEATURES = 4


def make_synthetic(n_samples=10000, n_features=20, minority_share=0.05, *, random_state=42):
    """The practical's imbalanced dataset.

    ``make_classification(n_samples, n_features, n_classes=2,
    weights=[1 - minority_share, minority_share], random_state)``, exactly as
    the course practical calls it.

    Examples
    --------
    >>> from imblab import make_synthetic
    >>> ds = make_synthetic()
    >>> ds.n_rows, ds.n_features, ds.class_counts()
    (10000, 20, {0: 9460, 1: 540})
    """
    if not isinstance(n_samples, (int, np.integer)) or n_samples < 20:
        raise ImblabError(f"n_samples must be a whole number of at least 20, got {n_samples!r}", param="n_samples")
    if not isinstance(n_features, (int, np.integer)) or n_features < MIN_FEATURES:
        raise ImblabError(
            f"n_features must be a whole number of at least {MIN_FEATURES}, got {n_features!r}", param="n_features"
        )
    if not isinstance(minority_share, (int, float)) or not 0 < minority_share < 0.5:
        raise ImblabError(
            f"minority_share must be between 0 and 0.5 (e.g. 0.05 for 95:5), got {minority_share!r}",
            param="minority_share",
        )
    X, y = make_classification(
        n_samples=n_samples,
        n_features=n_features,
        n_classes=2,
        weights=[1 - minority_share, minority_share],
        random_state=random_state,
    )
    columns = [f"x{i}" for i in range(n_features)]
    provenance = {
        "kind": "synthetic",
        "generator": "sklearn.datasets.make_classification",
        "n_samples": n_samples,
        "n_features": n_features,
        "weights": [1 - minority_share, minority_share],
        "random_state": random_state,
    }
    return Dataset(
        X=pd.DataFrame(X, columns=columns, copy=False),  # the array is this frame's alone: no copy
        y=y.astype(np.int64),
        labels=(0, 1),
        name="synthetic",
        provenance=provenance,
    )
