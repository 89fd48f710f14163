"""The practical's Keras network as a scikit-learn classifier."""

from __future__ import annotations

import numpy as np
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils import check_random_state
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .._backend import current_backend, keras
from ._jax_training import FOCAL_ALPHA, FOCAL_GAMMA


LOSSES = ("binary_crossentropy", "focal")


class KerasMLPClassifier(ClassifierMixin, BaseEstimator):
    """A small Keras network for binary classification, usable wherever scikit-learn expects a classifier.

    The architecture is the practical's: ``Dense(hidden_units, relu) →
    Dense(1, sigmoid)``, trained with Adam on binary cross-entropy in
    mini-batches, the rows shuffled every epoch. The training loop is compiled
    as a whole on JAX (``jax.jit``, see ``_jax_training``: Keras' layers, loss
    and Adam written in JAX, so a process that only trains never imports Keras)
    and TensorFlow (``tf.function`` over the Keras model, ``_tf_training``); on
    PyTorch it is a loop without autograd over the model's weights in one flat
    buffer, with the loss's gradient written out and Adam as one fused step
    (``_torch_training``); any other backend uses Keras' own ``fit``. Initial
    weights and the shuffling are drawn with NumPy from ``random_state``, so no
    global random generator is seeded. Predictions are the two layers computed
    with NumPy from the trained weights.

    Parameters
    ----------
    hidden_units : int, default=16
        Units of the hidden ReLU layer.
    epochs : int, default=5
        Passes over the training data.
    batch_size : int, default=32
        Rows per gradient step.
    learning_rate : float, default=0.001
        Adam's learning rate (Keras' default).
    class_weight : dict, "balanced" or None, default=None
        Multiplies each row's loss by its class's weight. ``"balanced"`` uses
        ``w_c = N / (2 · n_c)`` computed from the rows passed to ``fit``, the
        practical's formula.
    loss : {"binary_crossentropy", "focal"}, default="binary_crossentropy"
        ``"focal"`` is Keras' ``BinaryFocalCrossentropy`` with γ = 2 and class
        balancing α = 0.75 on the positive class: it down-weights rows the
        network already gets right, so the rare, hard rows drive the gradient.
        (The focal-loss paper's α = 0.25 starved the minority here: minority F1
        0.28 against 0.64 with 0.75 on the practical's holdout.)
    output_bias : {None, "prior"}, default=None
        ``"prior"`` starts the output unit's bias at log(n_pos / n_neg), so the
        untrained network already predicts the base rate instead of 0.5.
    random_state : int, RandomState or None, default=None
        Seeds the initial weights and the shuffling; the same seed gives the
        same model.

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
    class_counts_ : dict
        Rows of each class seen by ``fit`` (after any resampling before it).
    class_weight_ : dict
        The class weights used, keyed by class label.
    loss_curve_ : list of float
        Mean training loss of each epoch.
    backend_ : str
        The Keras backend that trained the model.
    weights_ : list of ndarray
        The trained weights: hidden kernel and bias, output kernel and bias (float32).
    model_ : keras.Model
        The trained network as a Keras model, built from ``weights_`` on first use.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> X, y = make_classification(n_samples=200, random_state=0)
    >>> clf = KerasMLPClassifier(random_state=0).fit(X, y)
    >>> clf.predict_proba(X).shape
    (200, 2)
    """

    def __init__(self, hidden_units=16, *, epochs=5, batch_size=32, learning_rate=0.001,
                 class_weight=None, loss="binary_crossentropy", output_bias=None, random_state=None):
        self.hidden_units = hidden_units
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.class_weight = class_weight
        self.loss = loss
        self.output_bias = output_bias
        self.random_state = random_state

    def fit(self, X, y):
        """Train a fresh network on ``X``, ``y``."""
        X, y = validate_data(self, X, y, dtype=np.float32)
        check_classification_targets(y)
        self.classes_, y01 = np.unique(y, return_inverse=True)
        if len(self.classes_) != 2:
            n = len(self.classes_)
            raise ValueError(
                "Only binary classification is supported: KerasMLPClassifier needs 2 classes in y, "
                f"got {n} class{'' if n == 1 else 'es'}"
            )
        return self._fit(X, y01.astype(np.float32))

    def _fit(self, X, y01):
        self.class_counts_ = {c: int(n) for c, n in zip(self.classes_, np.bincount(y01.astype(int), minlength=2))}
        weights = self._resolve_class_weight(y01)
        self.class_weight_ = dict(zip(self.classes_, weights))
        sample_weight = np.where(y01 == 1, weights[1], weights[0]).astype(np.float32)

        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {', '.join(LOSSES)}, got {self.loss!r}")
        if self.output_bias not in (None, "prior"):
            raise ValueError(f"output_bias must be None or 'prior', got {self.output_bias!r}")
        rng = check_random_state(self.random_state)
        n_pos = float(y01.sum())
        bias = np.log(max(n_pos, 1.0) / max(len(y01) - n_pos, 1.0)) if self.output_bias == "prior" else 0.0
        initial = self._initial_weights(X.shape[1], rng, output_bias=bias)
        self.backend_ = current_backend()
        fit_args = (X, y01, sample_weight)
        fit_kwargs = {"epochs": self.epochs, "batch_size": self.batch_size, "rng": rng}
        self._model = None
        if self.backend_ == "jax":  # imblab's own loop, in JAX alone: Keras is not even imported
            from . import _jax_training

            trained, curve = _jax_training.train(initial, *fit_args, **fit_kwargs, loss=self._loss_spec(),
                                                 learning_rate=self.learning_rate)
        else:
            k = keras()
            model = self._keras_model(initial)
            make_optimizer = lambda: k.optimizers.Adam(learning_rate=self.learning_rate)  # noqa: E731
            curve = None
            if self.backend_ == "tensorflow":
                from . import _tf_training

                make_model = lambda: self._keras_model(initial)  # noqa: E731
                curve = _tf_training.train(model, make_model, make_optimizer, self._keras_loss(reduction=None),
                                           *fit_args, **fit_kwargs, cache_key=self._cache_key())
            elif self.backend_ == "torch":
                from . import _torch_training

                curve = _torch_training.train(model, make_optimizer, self._keras_loss(reduction=None),
                                              *fit_args, **fit_kwargs)
            if curve is None:
                curve = self._keras_fit(model, make_optimizer, *fit_args, **fit_kwargs)
            trained, self._model = model.get_weights(), model
        self.weights_ = [np.asarray(w, dtype=np.float32) for w in trained]
        self.loss_curve_ = curve
        return self

    @property
    def model_(self):
        """The trained network as a Keras model (built from ``weights_`` when first asked for)."""
        check_is_fitted(self, "weights_")
        if getattr(self, "_model", None) is None:
            self._model = self._keras_model(self.weights_)
        return self._model

    def _keras_fit(self, model, make_optimizer, X, y01, sample_weight, *, epochs, batch_size, rng):
        """Keras' own ``fit`` of ``model``, one epoch at a time over rows shuffled by ``rng``.

        Shuffling here rather than with ``shuffle=True`` keeps the order seeded
        without seeding the backend's (process-wide) random generators.
        """
        model.compile(optimizer=make_optimizer(), loss=self._keras_loss())
        curve = []
        for _ in range(epochs):
            order = rng.permutation(len(X))
            history = model.fit(X[order], y01[order], sample_weight=sample_weight[order],
                                batch_size=batch_size, epochs=1, shuffle=False, verbose=0)
            curve.append(float(history.history["loss"][0]))
        return curve

    def _loss_spec(self):
        """The loss as the JAX loop takes it (see ``_jax_training.row_losses``)."""
        return ("focal", FOCAL_ALPHA, FOCAL_GAMMA) if self.loss == "focal" else ("binary_crossentropy",)

    def _keras_loss(self, **kwargs):
        losses = keras().losses
        if self.loss == "focal":
            return losses.BinaryFocalCrossentropy(apply_class_balancing=True, alpha=FOCAL_ALPHA, gamma=FOCAL_GAMMA,
                                                  **kwargs)
        return losses.BinaryCrossentropy(**kwargs)

    def _cache_key(self):
        return ("mlp", self.n_features_in_, self.hidden_units, self.learning_rate, self.loss)

    def _resolve_class_weight(self, y01):
        if self.class_weight is None:
            return np.ones(2)
        if isinstance(self.class_weight, str):
            if self.class_weight != "balanced":
                raise ValueError(
                    f"class_weight must be a dict, 'balanced' or None, got {self.class_weight!r}"
                )
            # compute_class_weight's "balanced" is N / (n_classes · n_c), the practical's formula.
            return compute_class_weight("balanced", classes=np.arange(2), y=y01.astype(int))
        return np.array([float(self.class_weight.get(c, 1.0)) for c in self.classes_])

    def _initial_weights(self, n_features, rng, output_bias=0.0):
        """Glorot-uniform kernels (drawn from ``rng``), zero hidden biases and the output bias:
        ``[kernel, bias, kernel, bias]``, float32.

        Drawn with NumPy: Keras' own ``GlorotUniform`` would run a few small
        programs on the backend, each compiled on first use.
        """
        return [_glorot_uniform(rng, n_features, self.hidden_units), np.zeros(self.hidden_units, np.float32),
                _glorot_uniform(rng, self.hidden_units, 1), np.full(1, output_bias, np.float32)]

    def _keras_model(self, weights):
        """The practical's network as a Keras ``Sequential`` holding ``weights``."""
        k = keras()
        layers = k.layers
        kernel_1, bias_1, kernel_2, bias_2 = (np.asarray(w, dtype=np.float32) for w in weights)
        return k.Sequential([
            k.Input(shape=(kernel_1.shape[0],)),
            layers.Dense(self.hidden_units, activation="relu", kernel_initializer=_given(kernel_1),
                         bias_initializer=_given(bias_1)),
            layers.Dense(1, activation="sigmoid", kernel_initializer=_given(kernel_2),
                         bias_initializer=_given(bias_2)),
        ])

    def _build(self, n_features, rng, output_bias=0.0):
        """A fresh network as ``fit`` starts it (its initial weights drawn from ``rng``), as a Keras model."""
        return self._keras_model(self._initial_weights(n_features, rng, output_bias=output_bias))

    def predict_proba(self, X):
        """Probabilities of each class, in the order of ``classes_``.

        The forward pass is two matrix products on the trained weights,
        computed with NumPy in float32 on every backend. They are ``einsum``'s
        own loops rather than BLAS, whose results change in the last bit with
        its number of threads: a prediction must not depend on how many fits
        ran beside it.
        """
        check_is_fitted(self, "weights_")
        X = validate_data(self, X, dtype=np.float32, reset=False)
        kernel_1, bias_1, kernel_2, bias_2 = self.weights_
        hidden = np.maximum(np.einsum("ij,jk->ik", X, kernel_1) + bias_1, np.float32(0))
        p1 = expit(np.einsum("ij,jk->ik", hidden, kernel_2) + bias_2).astype(np.float64).reshape(-1)
        return np.column_stack([1.0 - p1, p1])

    def predict(self, X):
        """The positive class where its probability exceeds 0.5, as in the practical."""
        return self.classes_from_proba(self.predict_proba(X))

    def classes_from_proba(self, proba):
        """:meth:`predict`'s classes from probabilities already computed by :meth:`predict_proba`."""
        return self.classes_[(proba[:, 1] > 0.5).astype(int)]

    def __getstate__(self):
        # Keras models do not pickle on every backend; the weights are what the model is.
        state = self.__dict__.copy()
        state.pop("_model", None)
        return state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        tags.non_deterministic = self.random_state is None
        return tags


def _glorot_uniform(rng, fan_in, fan_out):
    """Keras' GlorotUniform distribution: U(-l, l) with l = sqrt(6 / (fan_in + fan_out)), as float32."""
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out)).astype(np.float32)


def _given(values):
    """A Keras initializer that returns ``values``."""
    def initializer(shape, dtype=None):
        return np.asarray(values, dtype=dtype or "float32").reshape(shape)

    return initializer
