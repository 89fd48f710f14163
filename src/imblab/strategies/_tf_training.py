"""A compiled training loop for Keras models on the TensorFlow backend.

Keras' ``fit`` runs the practical's 2,370 small steps one graph call at a time,
with callbacks and data handling between them. Here the whole run (epochs ×
batches) is one XLA-compiled ``tf.function``: a loop whose every step calls the
Keras model, the Keras loss and the Keras optimizer, so the arithmetic is
Keras' own.

XLA needs fixed shapes, so the rows and batches are padded (see
:func:`batch_plan`): datasets of similar size share one compiled program,
padded rows carry a zero mask, and the loop stops at the last real batch of
each epoch.

Tracing that graph costs far more than running it, so it is traced once per
configuration (``cache_key``) around a *template* model and optimizer: each fit
copies its model's initial weights into the template, resets the optimizer to
its fresh state, runs the graph and copies the trained weights back.

Semantics follow ``Model.fit(x, y, batch_size, epochs, shuffle=True,
sample_weight=...)``: every epoch visits the rows in a fresh random order, in
batches of ``batch_size``, the last one smaller; a batch's loss is the sum of
its rows' weighted losses divided by its row count.
"""

from __future__ import annotations

import threading

import numpy as np

BATCH_BUCKET = 16  # batches per epoch are rounded up to a multiple of this

_compiled = {}  # cache key -> _Compiled
_lock = threading.Lock()  # a template serves one fit at a time


def train(model, make_model, make_optimizer, loss, X, y, sample_weight, *, epochs, batch_size, rng, cache_key):
    """Train ``model`` in place; return the mean training loss of each epoch.

    ``make_model()`` builds a model of the same architecture (the template) and
    ``cache_key`` identifies architecture, optimizer and loss.
    """
    n_batches = -(-len(X) // batch_size)
    index, mask = batch_plan(len(X), epochs=epochs, batch_size=batch_size, rng=rng)
    padded = pad_rows(index.size // epochs, X, y, sample_weight)
    with _lock:
        compiled = _compiled.get(cache_key)
        if compiled is None:
            compiled = _compiled[cache_key] = _Compiled(make_model(), make_optimizer(), loss)
        epoch_sums = compiled.fit(model, *padded, index, mask, n_batches)
    return (epoch_sums / n_batches).tolist()


def batch_plan(n_rows, *, epochs, batch_size, rng):
    """Each epoch's rows in a fresh random order, in batches, padded to a bucketed number of batches.

    Returns ``index`` and ``mask`` of shape (epochs, padded_batches, batch_size):
    row numbers, and 1.0 where a row is real, 0.0 where it pads.

    Examples
    --------
    >>> index, mask = batch_plan(5, epochs=1, batch_size=2, rng=np.random.RandomState(0))
    >>> index.shape, mask[0, :4].tolist()
    ((1, 16, 2), [[1.0, 1.0], [1.0, 1.0], [1.0, 0.0], [0.0, 0.0]])
    >>> sorted(index[0, :3].ravel()[:5].tolist())
    [0, 1, 2, 3, 4]
    """
    n_batches = -(-n_rows // batch_size)
    padded_batches = -(-n_batches // BATCH_BUCKET) * BATCH_BUCKET
    padded_rows = padded_batches * batch_size
    index = np.zeros((epochs, padded_rows), dtype=np.int32)
    mask = np.zeros((epochs, padded_rows), dtype=np.float32)
    for epoch in range(epochs):
        index[epoch, :n_rows] = rng.permutation(n_rows)
        mask[epoch, :n_rows] = 1.0
    return (index.reshape(epochs, padded_batches, batch_size),
            mask.reshape(epochs, padded_batches, batch_size))


def pad_rows(padded_rows, X, y, sample_weight):
    """``X``, ``y`` (as a column) and the weights, zero-padded to ``padded_rows`` rows."""
    n_rows = len(X)
    X_pad = np.zeros((padded_rows, X.shape[1]), dtype=np.float32)
    X_pad[:n_rows] = X
    y_pad = np.zeros((padded_rows, 1), dtype=np.float32)
    y_pad[:n_rows, 0] = y
    w_pad = np.zeros(padded_rows, dtype=np.float32)
    w_pad[:n_rows] = sample_weight
    return X_pad, y_pad, w_pad


class _Compiled:
    def __init__(self, template, optimizer, loss):
        import tensorflow as tf

        optimizer.build(template.trainable_variables)
        self.template, self.optimizer = template, optimizer
        self.fresh_optimizer = [v.numpy() for v in optimizer.variables]
        variables = template.trainable_variables

        def run(X, y, w, index, mask, n_batches):
            epochs = tf.shape(index)[0]
            epoch_sums = tf.zeros([epochs])
            for step in tf.range(epochs * n_batches):
                epoch, batch = step // n_batches, step % n_batches
                rows, mb = index[epoch, batch], mask[epoch, batch]
                xb, yb, wb = tf.gather(X, rows), tf.gather(y, rows), tf.gather(w, rows)
                with tf.GradientTape() as tape:
                    per_row = loss(yb, template(xb, training=True))
                    value = tf.reduce_sum(per_row * wb * mb) / tf.maximum(tf.reduce_sum(mb), 1.0)
                optimizer.apply(tape.gradient(value, variables), variables)
                epoch_sums = tf.tensor_scatter_nd_add(epoch_sums, [[epoch]], [value])
            return epoch_sums

        n_features = template.inputs[0].shape[-1]
        self.run = tf.function(
            run,
            input_signature=[
                tf.TensorSpec([None, n_features], tf.float32),
                tf.TensorSpec([None, 1], tf.float32),
                tf.TensorSpec([None], tf.float32),
                tf.TensorSpec([None, None, None], tf.int32),
                tf.TensorSpec([None, None, None], tf.float32),
                tf.TensorSpec([], tf.int32),
            ],
            jit_compile=True,
        )
        self.constant = tf.constant

    def fit(self, model, X, y, w, index, mask, n_batches):
        for target, source in zip(self.template.weights, model.weights):
            target.assign(source.value)
        for variable, value in zip(self.optimizer.variables, self.fresh_optimizer):
            variable.assign(value)
        epoch_sums = self.run(*(self.constant(a) for a in (X, y, w, index, mask, np.int32(n_batches))))
        for target, source in zip(model.weights, self.template.weights):
            target.assign(source.value)
        return epoch_sums.numpy()
