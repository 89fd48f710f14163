"""A compiled training loop for Keras models on the JAX backend.

Keras' ``fit`` spends ~1 s dispatching the practical's 2,370 small steps one by
one. Here the whole run (epochs × batches) is one ``jax.jit``-compiled
``lax.scan`` that calls the Keras model's ``stateless_call`` and the Keras
optimizer's ``stateless_apply``, so the arithmetic is Keras' own: the same
layers, loss (with its clipping), class weighting and Adam update.

Semantics follow ``Model.fit(x, y, batch_size, epochs, shuffle=True,
class_weight=...)``: every epoch visits the rows in a fresh random order in
batches of ``batch_size``, the last one smaller; a batch's loss is the mean of
its rows' weighted losses.

Shapes are rounded up (rows and batches) so that datasets of similar size share
one compiled program; padded rows carry a zero mask and padded batches leave
the weights untouched.
"""

from __future__ import annotations

import numpy as np

BATCH_BUCKET = 16  # batches per epoch are rounded up to a multiple of this

_compiled_runs = {}  # cache key -> (jitted training run, fresh optimizer state)
_compiled_forward = {}  # cache key -> jitted forward pass


def train(model, make_optimizer, loss, X, y, sample_weight, *, epochs, batch_size, rng, cache_key):
    """Train ``model`` in place; return the mean training loss of each epoch.

    ``cache_key`` identifies the architecture, optimizer and loss: models that
    share it share one compiled program and one fresh optimizer state, made
    by ``make_optimizer()`` the first time.
    """
    import jax.numpy as jnp

    n_rows = len(X)
    n_batches = -(-n_rows // batch_size)
    index, mask = batch_plan(n_rows, epochs=epochs, batch_size=batch_size, rng=rng)
    X_pad, y_pad, w_pad = pad_rows(index.size // epochs, X, y, sample_weight)

    run, optimizer_state = _compiled(cache_key, model, make_optimizer, loss)
    trainable = [v.value for v in model.trainable_variables]
    non_trainable = [v.value for v in model.non_trainable_variables]
    trainable, _, batch_losses = run(
        trainable, non_trainable, optimizer_state,
        jnp.asarray(X_pad), jnp.asarray(y_pad), jnp.asarray(w_pad),
        jnp.asarray(index), jnp.asarray(mask),
    )
    for variable, value in zip(model.trainable_variables, trainable):
        variable.assign(value)
    batch_losses = np.asarray(batch_losses)[:, :n_batches]
    return batch_losses.mean(axis=1).tolist()


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


def predict(model, X, *, cache_key):
    """The model's outputs for ``X``, from one compiled program per architecture."""
    import jax.numpy as jnp

    forward = _compiled_forward.get(cache_key)
    if forward is None:
        forward = _compiled_forward[cache_key] = _make_forward(model)
    trainable = [v.value for v in model.trainable_variables]
    non_trainable = [v.value for v in model.non_trainable_variables]
    return np.asarray(forward(trainable, non_trainable, jnp.asarray(X, dtype=jnp.float32)))


def _make_forward(model):
    import jax

    @jax.jit
    def forward(trainable, non_trainable, X):
        return model.stateless_call(trainable, non_trainable, X, training=False)[0]

    return forward


def _compiled(key, model, make_optimizer, loss):
    """One jitted training run and one initial optimizer state per key.

    ``stateless_call`` and ``stateless_apply`` are pure functions of the
    variables passed in, so a program traced with one model serves every model
    of the same configuration. Building an optimizer runs small JAX programs
    eagerly (each compiled on first use), so its fresh state is kept too.
    """
    if key not in _compiled_runs:
        optimizer = make_optimizer()
        optimizer.build(model.trainable_variables)
        initial_state = [v.value for v in optimizer.variables]
        _compiled_runs[key] = (_make_run(model, optimizer, loss), initial_state)
    return _compiled_runs[key]


def _make_run(model, optimizer, loss):
    import jax
    import jax.numpy as jnp

    def batch_loss(trainable, non_trainable, xb, yb, wb, mb):
        out, _ = model.stateless_call(trainable, non_trainable, xb, training=True)
        per_row = loss(yb, out)
        return jnp.sum(per_row * wb * mb) / jnp.maximum(jnp.sum(mb), 1.0)

    grad_fn = jax.value_and_grad(batch_loss)

    def step(carry, batch, X, y, w, non_trainable):
        trainable, opt_state = carry
        rows, mb = batch
        value, grads = grad_fn(trainable, non_trainable, X[rows], y[rows], w[rows], mb)
        new_trainable, new_opt_state = optimizer.stateless_apply(opt_state, grads, trainable)
        is_real = jnp.sum(mb) > 0
        keep = lambda new, old: jnp.where(is_real, new, old)  # noqa: E731
        carry = (
            jax.tree_util.tree_map(keep, new_trainable, trainable),
            jax.tree_util.tree_map(keep, new_opt_state, opt_state),
        )
        return carry, value

    @jax.jit
    def run(trainable, non_trainable, opt_state, X, y, w, index, mask):
        def epoch(carry, epoch_batches):
            return jax.lax.scan(
                lambda c, b: step(c, b, X, y, w, non_trainable), carry, epoch_batches
            )

        (trainable, opt_state), losses = jax.lax.scan(epoch, (trainable, opt_state), (index, mask))
        return trainable, opt_state, losses

    return run
