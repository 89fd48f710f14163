"""Probabilities and classes from one pass: the classes equal the estimator's own ``predict``."""

import numpy as np
import pytest
from sklearn.ensemble import RandomForestClassifier

from imblab import make_synthetic
from imblab.strategies import get_strategies
from imblab.strategies.prediction import _classes_rule, probabilities_and_classes


@pytest.fixture(scope="module")
def data():
    ds = make_synthetic(1500, random_state=3)
    return ds, ds.X.iloc[:1000], ds.y[:1000], ds.X.iloc[1000:]


@pytest.mark.parametrize("spec, one_pass", [
    ("brf", True), ("rf:balanced", True), ("hgb", True), ("easy", True), ("bbag", True), ("smote+ann", True),
    ("ann:focal", True), ("lr", False), ("rusboost", False), ("brf@f1", False), ("rf@cost=10:1", False),
])
def test_classes_from_the_probabilities_equal_predict(data, spec, one_pass):
    ds, X, y, X_test = data
    estimator = get_strategies([spec])[0].build(ds, random_state=1).fit(X, y)
    proba, classes = probabilities_and_classes(estimator, X_test)
    assert (_classes_rule(estimator) is not None) == one_pass  # a threshold policy or a linear model: asked
    np.testing.assert_array_equal(proba, estimator.predict_proba(X_test))
    np.testing.assert_array_equal(classes, estimator.predict(X_test))


def test_a_subclass_that_decides_otherwise_is_asked_for_its_classes(data):
    class Cautious(RandomForestClassifier):
        def predict(self, X):  # a positive only above 0.8: not the most likely class
            return self.classes_[(self.predict_proba(X)[:, 1] > 0.8).astype(int)]

    _, X, y, X_test = data
    model = Cautious(n_estimators=10, random_state=0).fit(X, y)
    assert _classes_rule(model) is None
    proba, classes = probabilities_and_classes(model, X_test)
    np.testing.assert_array_equal(classes, model.predict(X_test))
    assert (classes != proba.argmax(axis=1)).any()  # the argmax would have been wrong here
