"""imbalanced-learn's Balanced Random Forest, its trees' under-sampler checked once per forest.

``BalancedRandomForestClassifier`` draws each of its trees' rows with a
``RandomUnderSampler`` that it clones (through ``get_params``, which inspects
signatures) and whose ``fit_resample`` validates the whole of X and y again for
every tree: ``type_of_target`` three times, ``check_X_y``, the sampling
strategy. On the practical's 8,000 training rows that was a fifth of the
forest's fit (0.46 s → 0.37 s without it). Here each tree's sampler is made
directly and skips those checks, since the forest validated X and y once, and
it draws its rows as the library's ``_fit_resample`` does, from the same random
state, with the rows of each class found once per forest rather than once per
tree (at 800,000 training rows the library's draw took 0.06 s a tree, most of
it ``np.unique`` of y and ``choice`` turning a ``range`` of each class's rows
into an array; here it takes 0.01 s): the same rows, the same trees, the same
predictions (tests compare them with the library's sampler and forest).

The library's fit also puts a deep copy of every tree and its sampler in
``pipelines_``, doubling the forest's memory at the end of its fit (at 800,000
training rows, 500 MB more for the copies of 100 trees and their rows'
indices). Here ``pipelines_`` holds the forest's own samplers and trees
(during the fit their deep copy is themselves), so refitting one of those
pipelines refits the forest's tree too.

After the fit, whether it succeeded or not, the samplers and trees are the
library's ``RandomUnderSampler`` and ``DecisionTreeClassifier`` again, and the
pipelines' steps have the library's names; a saved model holds this forest as
the library's class (an older imblab reads it).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import clone
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils import _safe_indexing, check_random_state
from imblearn.ensemble import BalancedRandomForestClassifier as _LibraryForest
from imblearn.ensemble._forest import _set_random_states
from imblearn.under_sampling import RandomUnderSampler
from imblearn.utils import check_sampling_strategy


class _TreeSampler(RandomUnderSampler):
    """A tree's under-sampler: the forest's sampling strategy is worked out once, for all its trees,
    and X and y (validated by the forest) are not checked again."""

    def fit_resample(self, X, y):
        if y.ndim > 1 and y.shape[1] > 1:  # several outputs: the library's own checks (and errors)
            return RandomUnderSampler.fit_resample(self, X, y)
        y = y.ravel()  # the forest passes its encoded y as one column
        shared = self.shared_
        if "strategy" not in shared:  # the same y for every tree; threads may both compute it, alike
            shared["strategy"] = check_sampling_strategy(self.sampling_strategy, y, self._sampling_type)
        self.sampling_strategy_ = shared["strategy"]
        self.n_features_in_ = X.shape[1]  # as the library's checks would set it
        try:
            return self._fit_resample(X, y)
        finally:  # drawn: the forest's shared rows are not this sampler's to keep (nor to pickle)
            del self.shared_

    def _fit_resample(self, X, y):
        # RandomUnderSampler._fit_resample, each class's rows found once per forest: the same
        # random draws (``choice(n)`` draws as ``choice(range(n))`` does), the same rows in the same order
        shared = self.shared_
        if "rows" not in shared:
            shared["rows"] = [(label, np.flatnonzero(y == label)) for label in np.unique(y)]
        random_state = check_random_state(self.random_state)
        drawn = [np.empty((0,), dtype=int)]
        for label, rows in shared["rows"]:
            if label in self.sampling_strategy_:
                size = self.sampling_strategy_[label]
                rows = rows[random_state.choice(len(rows), size=size, replace=self.replacement)]
            drawn.append(rows)
        self.sample_indices_ = np.concatenate(drawn)
        return _safe_indexing(X, self.sample_indices_), _safe_indexing(y, self.sample_indices_)

    def __deepcopy__(self, memo):  # the pipelines_ the library builds share it (see the module's description)
        return self


class _Tree(DecisionTreeClassifier):
    """A tree of the forest while it is fitted: its deep copy is itself (see the module's description)."""

    def __deepcopy__(self, memo):
        return self


class BalancedRandomForestClassifier(_LibraryForest):
    """imbalanced-learn's ``BalancedRandomForestClassifier`` (every parameter and attribute its own),
    fitted faster: see the module's description."""

    def fit(self, X, y, sample_weight=None):
        self.shared_ = {}
        try:
            super().fit(X, y, sample_weight)
        finally:  # the library's classes and step names from here on, even after a failure
            del self.shared_
            for sampler in getattr(self, "samplers_", ()):
                if type(sampler) is _TreeSampler:
                    sampler.__dict__.pop("shared_", None)
                    sampler.__class__ = RandomUnderSampler
            for tree in getattr(self, "estimators_", ()):
                if type(tree) is _Tree:  # copied as any tree from here on
                    tree.__class__ = DecisionTreeClassifier
            for pipeline in getattr(self, "pipelines_", ()):  # named as make_pipeline names the library's
                pipeline.steps = [(type(step).__name__.lower(), step) for _, step in pipeline.steps]
        return self

    def _make_sampler_estimator(self, random_state=None):
        # as the library's, with the sampler made directly rather than cloned
        estimator = clone(self.estimator_)
        estimator.set_params(**{p: getattr(self, p) for p in self.estimator_params})
        if type(estimator) is DecisionTreeClassifier:  # the forest's own kind of tree (not a user's)
            estimator.__class__ = _Tree
        sampler = _TreeSampler(sampling_strategy=self._sampling_strategy, replacement=self.replacement)
        sampler.shared_ = self.shared_
        if random_state is not None:
            _set_random_states(estimator, random_state)
            _set_random_states(sampler, random_state)
        return estimator, sampler
