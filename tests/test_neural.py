import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification

from imblab import KerasMLPClassifier
from imblab._backend import keras


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


@pytest.mark.parametrize("params", [
    {"class_weight": "balanced"},
    {"loss": "focal", "class_weight": {0: 1.0, 1: 4.0}, "output_bias": "prior"},
])
def test_training_takes_the_steps_kerass_own_fit_takes(params):
    """Same initial weights, same row order: imblab's loop and Keras' ``fit`` end at the same weights.

    100 rows in batches of 32 (the last one 4 rows), two epochs: the class
    weights as per-row weights, the focal loss, the output bias and Adam's
    state across steps and epochs must all mean what they mean in Keras.
    """
    X, y = make_classification(n_samples=100, n_features=5, weights=[0.8], random_state=0)
    clf = KerasMLPClassifier(hidden_units=4, epochs=2, random_state=5, **params).fit(X, y)

    rng = np.random.RandomState(5)  # replays the classifier's draws: initial weights, then each epoch's order
    n_pos = y.sum()
    bias = np.log(n_pos / (len(y) - n_pos)) if params.get("output_bias") == "prior" else 0.0
    model = clf._build(X.shape[1], rng, output_bias=bias)
    weights = np.array([clf.class_weight_[0], clf.class_weight_[1]], dtype=np.float32)[y]
    model.compile(optimizer=keras().optimizers.Adam(learning_rate=0.001), loss=clf._keras_loss())
    X32, y32 = X.astype(np.float32), y.astype(np.float32)
    for _ in range(2):
        order = rng.permutation(len(y))
        model.fit(X32[order], y32[order], sample_weight=weights[order], batch_size=32, epochs=1,
                  shuffle=False, verbose=0)
    for ours, theirs in zip(clf.model_.get_weights(), model.get_weights()):
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-6)

    # the fallback for other backends (Keras' fit, shuffled by the classifier's seed) takes the same steps
    rng = np.random.RandomState(5)
    fallback = clone(clf)
    fallback_model = fallback._build(X.shape[1], rng, output_bias=bias)
    curve = fallback._keras_fit(fallback_model, lambda: keras().optimizers.Adam(learning_rate=0.001), X32, y32,
                                weights, epochs=2, batch_size=32, rng=rng)
    assert len(curve) == 2
    for ours, theirs in zip(clf.model_.get_weights(), fallback_model.get_weights()):
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-6)
    assert not np.allclose(clf.model_.get_weights()[0], clf._build(5, np.random.RandomState(5)).get_weights()[0])


def test_fit_leaves_the_global_random_generators_alone(data):
    import random

    X, y = data
    np.random.seed(123)
    random.seed(123)
    numpy_state, python_state = np.random.get_state(), random.getstate()
    KerasMLPClassifier(random_state=0).fit(X, y)
    assert random.getstate() == python_state
    after = np.random.get_state()
    np.testing.assert_array_equal(after[1], numpy_state[1])
    assert after[2:] == numpy_state[2:]


def test_predictions_do_not_depend_on_the_number_of_blas_threads():
    """A fit's predictions must not change with how many fits run beside it (which sizes the
    BLAS pool): BLAS matrix products differ in the last bit between 1 and 2 threads."""
    from threadpoolctl import threadpool_limits

    X, y = make_classification(n_samples=4000, n_features=20, weights=[0.9], random_state=0)
    clf = KerasMLPClassifier(random_state=0).fit(X, y)
    with threadpool_limits(limits=1):
        one = clf.predict_proba(X)
    with threadpool_limits(limits=2):
        two = clf.predict_proba(X)
    np.testing.assert_array_equal(one, two)
