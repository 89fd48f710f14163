"""Protocols: how a dataset is split into training and test parts."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

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
        from sklearn.model_selection import train_test_split

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
        from sklearn.model_selection import RepeatedStratifiedKFold

        cv = RepeatedStratifiedKFold(
            n_splits=self.folds, n_repeats=self.repeats, random_state=self.random_state
        )
        for split_id, (train, test) in enumerate(cv.split(np.zeros(len(y)), y)):
            yield Split(split_id, train, test)

    def describe(self):
        return {"name": "repeated stratified k-fold", **asdict(self)}


@dataclass(frozen=True)
class GroupKFold:
    """Stratified k-fold that keeps each group's rows together (scikit-learn's ``StratifiedGroupKFold``).

    The rows of one customer, patient or machine are either all in training or
    all in test, so a model cannot score well by recognising a group it has
    already seen. Each repeat shuffles the groups with its own seed. The
    ``column`` holding the groups is taken out of the features.
    """

    column: str
    folds: int = 5
    repeats: int = 1
    random_state: int = 42

    def __post_init__(self):
        _check_folds_repeats(self.folds, self.repeats)

    @property
    def n_splits(self):
        return self.folds * self.repeats

    def splits(self, y, groups):
        from sklearn.model_selection import StratifiedGroupKFold

        groups = np.asarray(groups)
        n_groups = len(_unique(groups))
        if n_groups < self.folds:
            raise ImblabError(f"{self.folds} group folds need at least {self.folds} groups, but column "
                              f"'{self.column}' has {n_groups}: use folds={max(n_groups, 2)} or fewer",
                              param="folds")
        split_id = 0
        for repeat in range(self.repeats):
            cv = StratifiedGroupKFold(self.folds, shuffle=True, random_state=self.random_state + repeat)
            for train, test in cv.split(np.zeros(len(y)), y, groups):
                split = Split(split_id, train, test)
                _check_both_classes(split, y, self.describe()["name"])
                yield split
                split_id += 1

    def describe(self):
        return {"name": "stratified group k-fold", **asdict(self),
                "caveat": f"no value of '{self.column}' is in both the training and the test part of a split; "
                          "the intervals treat splits as the unit, and groups of very different sizes make "
                          "the folds unequal in rows and in minority share"}


@dataclass(frozen=True)
class TimeSplits:
    """Forward-chaining splits ordered by a time column: train on the past, test on what follows.

    The distinct times are cut into ``folds + 1`` consecutive blocks (scikit-learn's
    ``TimeSeriesSplit`` over them); split *k* trains on blocks 1…k and tests on
    block k + 1. Rows sharing a time are never on both sides, so every training
    row is strictly earlier than every test row. The ``column`` is taken out of
    the features.
    """

    column: str
    folds: int = 5
    random_state: int = 42  # unused: the splits follow time; kept so every protocol records a seed

    def __post_init__(self):
        _check_folds_repeats(self.folds, 1)

    @property
    def n_splits(self):
        return self.folds

    def splits(self, y, times):
        from sklearn.model_selection import TimeSeriesSplit

        times = np.asarray(times)
        if _has_missing(times):
            raise ImblabError(f"time column '{self.column}' has missing values: fill them in or drop those rows")
        times = _as_times(times, self.column)
        distinct, block_of_row = np.unique(times, return_inverse=True)
        if len(distinct) < self.folds + 1:
            raise ImblabError(f"{self.folds} time splits need at least {self.folds + 1} distinct times, but "
                              f"column '{self.column}' has {len(distinct)}: use folds={max(len(distinct) - 1, 2)} "
                              "or fewer", param="folds")
        order = np.argsort(block_of_row, kind="stable")
        for split_id, (train_times, test_times) in enumerate(
                TimeSeriesSplit(self.folds).split(np.zeros(len(distinct)))):
            train = order[np.isin(block_of_row[order], train_times)]
            test = order[np.isin(block_of_row[order], test_times)]
            split = Split(split_id, train, test)
            _check_both_classes(split, y, "time split")
            yield split

    def describe(self):
        return {"name": "forward-chaining time splits", **asdict(self), "repeats": 1,
                "caveat": f"every training row is earlier (by '{self.column}') than every test row; the splits "
                          "test different periods with growing training parts, so their spread mixes model "
                          "variance with change over time: the intervals and tests across splits describe "
                          "these periods rather than a population of equally likely splits, and a trend in "
                          "the scores is a finding, not noise"}


class SplitterProtocol:
    """Any scikit-learn splitter (``StratifiedKFold``, ``GroupShuffleSplit``, …) as a protocol.

    Parameters
    ----------
    splitter : object with ``split`` and ``get_n_splits``
    column : str, optional
        A column whose values are passed as ``groups`` to ``split``; it is taken
        out of the features.

    Examples
    --------
    >>> from sklearn.model_selection import StratifiedKFold
    >>> protocol = SplitterProtocol(StratifiedKFold(3))
    >>> [len(s.test) for s in protocol.splits(np.array([0, 1] * 6))]
    [4, 4, 4]
    """

    def __init__(self, splitter, column=None):
        if not hasattr(splitter, "split") or not hasattr(splitter, "get_n_splits"):
            raise ImblabError(f"protocol must be an imblab protocol or a scikit-learn splitter (with split and "
                              f"get_n_splits), got {type(splitter).__name__}", param="protocol")
        self.splitter = splitter
        self.column = column
        self.random_state = getattr(splitter, "random_state", None)

    @property
    def n_splits(self):
        return self.splitter.get_n_splits()

    def splits(self, y, groups=None):
        for split_id, (train, test) in enumerate(self.splitter.split(np.zeros(len(y)), y, groups)):
            yield Split(split_id, np.asarray(train), np.asarray(test))

    def describe(self):
        params = {k: v for k, v in self.splitter.get_params().items() if isinstance(v, (int, float, str, bool))} \
            if hasattr(self.splitter, "get_params") else {}
        return {"name": type(self.splitter).__name__, "column": self.column, **params,
                "folds": self.n_splits, "repeats": 1, "random_state": self.random_state,
                "caveat": "splits from a scikit-learn splitter: the intervals assume its splits are "
                          "exchangeable resamples of the data"}


def as_protocol(protocol):
    """An imblab protocol as it is; a scikit-learn splitter wrapped in :class:`SplitterProtocol`."""
    if hasattr(protocol, "splits") and hasattr(protocol, "describe"):
        return protocol
    return SplitterProtocol(protocol)


def split_off_column(dataset, protocol):
    """The dataset without the protocol's column (groups or times), and that column's values.

    A column that decides the splits is never a feature: a model could learn
    the group's identity or the date instead of the signal.
    """
    from dataclasses import replace

    column = getattr(protocol, "column", None)
    if column is None:
        return dataset, None
    if column not in dataset.X.columns:
        from ..data.names import split_column_missing

        raise split_column_missing(column, dataset.X.columns)
    if dataset.X.shape[1] == 1:
        raise ImblabError(f"column '{column}' is the only feature: splitting by it leaves nothing to learn from")
    values = dataset.X[column].to_numpy()
    empty = int(dataset.X[column].isna().sum())
    if empty:
        raise ImblabError(f"column '{column}' decides the splits but has {empty} empty cells: every row needs its "
                          "group or time; fill them in or drop those rows")
    provenance = {**dataset.provenance, "split_column": str(column)}
    return replace(dataset, X=dataset.X.drop(columns=[column]), provenance=provenance), values


def protocol_splits(protocol, dataset):
    """``(dataset without the split column, list of Split)`` for any protocol."""
    dataset, values = split_off_column(dataset, protocol)
    splits = protocol.splits(dataset.y) if values is None else protocol.splits(dataset.y, values)
    return dataset, list(splits)


def _as_times(values, column):
    """Numbers as they are; text parsed as dates, so that '2024-02-01' follows '2024-01-15' by date, not by text."""
    import pandas as pd

    if pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_datetime64_any_dtype(values.dtype):
        return values
    import warnings

    from ..data.columns import date_values

    dates = date_values(pd.Series(values))  # as the loader reads a date column: 05/10/2021 may be day first
    if dates is not None:
        return dates.to_numpy()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "could not infer format": then each is parsed alone
            return pd.to_datetime(pd.Series(values)).to_numpy()
    except (ValueError, TypeError):
        raise ImblabError(f"time column '{column}' must hold numbers or dates, e.g. 2024-01-31; it has values "
                          f"such as {str(values[0])!r}") from None


def _check_folds_repeats(folds, repeats):
    if not isinstance(folds, int) or folds < 2:
        raise ImblabError(f"folds must be a whole number of at least 2, got {folds!r}", param="folds")
    if not isinstance(repeats, int) or repeats < 1:
        raise ImblabError(f"repeats must be a whole number of at least 1, got {repeats!r}", param="repeats")


def _check_both_classes(split, y, name):
    for part, rows in (("training", split.train), ("test", split.test)):
        counts = np.bincount(y[rows], minlength=2)
        if counts.min() == 0:
            raise ImblabError(
                f"{name} {split.split_id} has no rows of class {int(np.argmin(counts))} in its {part} part: "
                "use fewer folds so that each part holds both classes")


def _unique(values):
    return np.unique(values.astype(str)) if values.dtype == object else np.unique(values)


def _has_missing(values):
    import pandas as pd

    return bool(pd.isna(values).any())
