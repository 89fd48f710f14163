import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification

from imblab import KerasMLPClassifier


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(n_samples=600, n_features=6, weights=[0.9, 0.1], random_state=3)
    return X, y


def test_same_seed_same_model_different_seed_different_model(data):
    X, y = data
    a = KerasMLPClassifier(random_state=7).fit(X, y).predict_proba(X)
    b = KerasMLPClassifier(random_state=7).fit(X, y).predict_proba(X)
    c = KerasMLPClassifier(random_state=8).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    assert np.abs(a - c).max() > 1e-3


def test_training_lowers_the_loss_and_learns(data):
    X, y = data
    clf = KerasMLPClassifier(epochs=20, random_state=0).fit(X, y)
    assert len(clf.loss_curve_) == 20
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]
    assert (clf.predict(X) == y).mean() > 0.9
    np.testing.assert_allclose(clf.predict_proba(X).sum(axis=1), 1.0, rtol=1e-6)


def test_balanced_class_weight_is_the_practicals_formula(data):
    X, y = data
    clf = KerasMLPClassifier(class_weight="balanced", random_state=0).fit(X, y)
    n, n1 = len(y), int(y.sum())
    assert clf.class_weight_[0] == pytest.approx(n / (2 * (n - n1)))
    assert clf.class_weight_[1] == pytest.approx(n / (2 * n1))
    assert clf.class_counts_ == {0: n - n1, 1: n1}


def test_class_weight_moves_predictions_towards_the_minority(data):
    X, y = data
    plain = KerasMLPClassifier(random_state=0).fit(X, y).predict(X).sum()
    weighted = KerasMLPClassifier(class_weight={0: 1.0, 1: 10.0}, random_state=0).fit(X, y).predict(X).sum()
    assert weighted > plain


def test_string_labels_and_classes(data):
    X, y = data
    labels = np.where(y == 1, "fraud", "ok")
    clf = KerasMLPClassifier(random_state=0).fit(X, labels)
    assert list(clf.classes_) == ["fraud", "ok"]
    assert set(clf.predict(X)) <= {"fraud", "ok"}


def test_clone_params_and_pickle(data):
    X, y = data
    clf = KerasMLPClassifier(hidden_units=8, class_weight="balanced", random_state=1)
    assert clone(clf).get_params() == clf.get_params()
    clf.fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    assert not hasattr(clone(clf), "model_")


def test_rejects_more_than_two_classes():
    X = np.random.RandomState(0).normal(size=(30, 3))
    with pytest.raises(ValueError, match="Only binary classification is supported.*got 3 classes"):
        KerasMLPClassifier().fit(X, np.arange(30) % 3)


def test_rejects_an_unknown_class_weight_string(data):
    X, y = data
    with pytest.raises(ValueError, match="class_weight must be"):
        KerasMLPClassifier(class_weight="heavy").fit(X, y)
