"""Protocols: how a dataset is split into training and test parts."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from sklearn.model_selection import RepeatedStratifiedKFold, train_test_split

from ..errors import ImblabError


@dataclass(frozen=True)
class Split:
    split_id: int
    train: np.ndarray
    test: np.ndarray


@dataclass(frozen=True)
class Holdout:
    """One train/test split, as the practical's ``train_test_split``.

    With ``stratify=False`` the split is exactly
    ``train_test_split(X, y, test_size=test_size, random_state=random_state)``.
    """

    test_size: float = 0.2
    stratify: bool = False
    random_state: int = 42

    def __post_init__(self):
        if not isinstance(self.test_size, (int, float)) or not 0 < self.test_size < 1:
            raise ImblabError(f"test_size must be between 0 and 1 (e.g. 0.2), got {self.test_size!r}",
                              param="test_size")

    @property
    def n_splits(self):
        return 1

    def splits(self, y):
        rows = np.arange(len(y))
        train, test = train_test_split(
            rows, test_size=self.test_size, random_state=self.random_state,
            stratify=y if self.stratify else None,
        )
        # Kept in train_test_split's order: SMOTE and the network's shuffling depend on it.
        yield Split(0, train, test)

    def describe(self):
        return {"name": "stratified holdout" if self.stratify else "holdout", **asdict(self)}


@dataclass(frozen=True)
class RepeatedKFold:
    """Repeated stratified k-fold cross-validation (scikit-learn's ``RepeatedStratifiedKFold``)."""

    folds: int = 5
    repeats: int = 2
    random_state: int = 42

    def __post_init__(self):
        if not isinstance(self.folds, int) or self.folds < 2:
            raise ImblabError(f"folds must be a whole number of at least 2, got {self.folds!r}", param="folds")
        if not isinstance(self.repeats, int) or self.repeats < 1:
            raise ImblabError(f"repeats must be a whole number of at least 1, got {self.repeats!r}", param="repeats")

    @property
    def n_splits(self):
        return self.folds * self.repeats

    def splits(self, y):
        minority = int(np.bincount(y, minlength=2).min())
        if minority < self.folds:
            raise ImblabError(
                f"{self.folds} folds need at least {self.folds} rows of each class, but the minority "
                f"class has {minority}: use folds={max(minority, 2)} or fewer", param="folds"
            )
        cv = RepeatedStratifiedKFold(
            n_splits=self.folds, n_repeats=self.repeats, random_state=self.random_state
        )
        for split_id, (train, test) in enumerate(cv.split(np.zeros(len(y)), y)):
            yield Split(split_id, train, test)

    def describe(self):
        return {"name": "repeated stratified k-fold", **asdict(self)}
