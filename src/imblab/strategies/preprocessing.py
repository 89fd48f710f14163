"""Preprocessing for a user's table, fitted inside each training part."""

from __future__ import annotations

from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler


def make_preprocessor(dataset):
    """Impute, one-hot encode and scale a file's columns; ``None`` for the practical's data.

    The practical feeds ``make_classification``'s features to its models as they
    are, so the synthetic data is left untouched to stay faithful to it. A
    user's table gets median imputation and scaling for numeric columns, and
    most-frequent imputation and one-hot encoding (unknown categories ignored)
    for the others.
    """
    if dataset.kind == "synthetic" and not dataset.categorical_columns and not dataset.n_missing:
        return None
    transformers = []
    if dataset.numeric_columns:
        transformers.append((
            "numeric",
            make_pipeline(SimpleImputer(strategy="median"), StandardScaler()),
            dataset.numeric_columns,
        ))
    if dataset.categorical_columns:
        transformers.append((
            "categorical",
            make_pipeline(
                SimpleImputer(strategy="most_frequent"),
                OneHotEncoder(handle_unknown="ignore", sparse_output=False),
            ),
            dataset.categorical_columns,
        ))
    return ColumnTransformer(transformers, verbose_feature_names_out=False)


def make_imputer(dataset):
    """Imputation only, numeric columns first, then categorical ones (for SMOTENC, which needs
    the categories before they are one-hot encoded)."""
    transformers = []
    if dataset.numeric_columns:
        transformers.append(("numeric", SimpleImputer(strategy="median"), dataset.numeric_columns))
    transformers.append(("categorical", SimpleImputer(strategy="most_frequent"), dataset.categorical_columns))
    return ColumnTransformer(transformers)


def make_encoder(n_numeric, categorical):
    """Scale the first ``n_numeric`` columns and one-hot encode the ``categorical`` ones."""
    transformers = []
    if n_numeric:
        transformers.append(("numeric", StandardScaler(), list(range(n_numeric))))
    transformers.append(("categorical", OneHotEncoder(handle_unknown="ignore", sparse_output=False), categorical))
    return ColumnTransformer(transformers)
