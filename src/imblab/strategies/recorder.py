"""A pass-through step that remembers the class counts the model after it was fitted on."""

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin


class SeenClassCounts(TransformerMixin, BaseEstimator):
    """Records ``class_counts_`` of the ``y`` it is fitted with and passes ``X`` through unchanged.

    Placed just before the learner in an imbalanced-learn Pipeline, it sees the
    training part after any resampling, which is what a prior-shift correction
    needs to know.
    """

    def fit(self, X, y=None):
        values, counts = np.unique(np.asarray(y), return_counts=True)
        self.class_counts_ = {v.item() if hasattr(v, "item") else v: int(c) for v, c in zip(values, counts)}
        return self

    def transform(self, X):
        return X

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.input_tags.sparse = True  # it passes anything through
        return tags
