"""A compiled training loop in JAX for the practical's network, without importing Keras.

Keras' ``fit`` spends ~1 s dispatching the practical's 2,370 small steps one by
one, and importing Keras costs more than a second in every process that
trains. On the JAX backend the whole run (epochs × batches) is instead one
``jax.jit``-compiled ``lax.scan`` over the network's four weight arrays,
written with the operations Keras itself runs on this backend:

- each layer is ``activation(x @ kernel + bias)``, with ``jax.nn.relu`` and
  ``jax.nn.sigmoid`` (Keras' ``Dense`` and activations);
- the loss is Keras' binary cross-entropy on the sigmoid's output clipped to
  ``[ε, 1 − ε]``, or its binary focal cross-entropy with class balancing
  (:func:`row_losses`), differentiated with ``jax.value_and_grad``;
- the update is Keras' Adam step (:func:`adam_step`): float32 step size
  ``lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ)``, ε added to ``√v``.

``tests/test_neural.py`` checks that the weights reached equal those of Keras'
own ``fit`` from the same start.

Semantics follow ``Model.fit(x, y, batch_size, epochs, sample_weight=...)`` on
rows shuffled every epoch: batches of ``batch_size``, the last one smaller; a
batch's loss is the sum of its rows' weighted losses divided by its row count.

The steps run in chunks of ``CHUNK``, each one call of a compiled ``lax.scan``
handed that chunk's rows, so one program (per feature count) serves datasets of
every size: a new dataset costs no tracing or compilation. Padded rows carry a
zero mask, and the padding steps that complete the last chunk leave the
weights and the optimizer's state untouched.
"""

from __future__ import annotations

import functools

import numpy as np

CHUNK = 64  # steps per call of the compiled program
LONG_CHUNK = 1024  # steps per call when a training has more than LONG_CHUNK chunks' worth of steps
EPSILON = 1e-7  # Keras' backend epsilon (the loss's clipping) and Adam's default epsilon
BETA_1, BETA_2 = 0.9, 0.999  # Adam's defaults in Keras
FOCAL_ALPHA, FOCAL_GAMMA = 0.75, 2.0  # the network's focal loss (see KerasMLPClassifier)


#: How a network's steps reach a process where JAX runs already (set by the command line to
#: :func:`imblab.evaluation.helper.call_helper`, with :func:`serve` in the helper); None: run here.
REMOTE = None
#: Above this many rows the steps run here even so: starting JAX (about a second) is then a small part
#: of the fit, while the rows would be copied twice more (the 1,513,270 SMOTE rows of a million-row run
#: took the run to 2.07 GB and its network 4 s longer through the helper).
REMOTE_MAX_ROWS = 200_000


def train(weights, X, y, sample_weight, *, loss, learning_rate, epochs, batch_size, rng):
    """Train from ``weights`` (kernel, bias, kernel, bias); return the trained weights and the
    mean training loss of each epoch.

    ``loss`` is ``("binary_crossentropy",)`` or ``("focal", alpha, gamma)``. The
    steps run in the process :data:`REMOTE` reaches, if any (the same program on
    the same arrays: the same result), else here.
    """
    n_batches = -(-len(X) // batch_size)
    index, mask = batch_plan(len(X), epochs=epochs, batch_size=batch_size, rng=rng)
    request = ([np.asarray(w, dtype=np.float32) for w in weights], np.ascontiguousarray(X, dtype=np.float32),
               np.asarray(y, dtype=np.float32).reshape(-1, 1), np.asarray(sample_weight, dtype=np.float32),
               index, mask, tuple(loss), float(learning_rate))
    trained = None
    if REMOTE is not None and len(X) <= REMOTE_MAX_ROWS:
        try:
            trained, step_losses = REMOTE(request)
        except ConnectionError:  # no such process after all, or it failed: run the steps here
            trained = None
    if trained is None:
        trained, step_losses = run_steps(*request)
    step_losses = step_losses[:epochs * n_batches]
    return trained, step_losses.reshape(epochs, n_batches).mean(axis=1).tolist()


def run_steps(weights, X, y, sample_weight, index, mask, loss, learning_rate):
    """Run the steps ``index`` and ``mask`` lay out (see :func:`batch_plan`) from ``weights``;
    return the trained weights and each step's loss."""
    import jax.numpy as jnp

    params = tuple(jnp.asarray(w) for w in weights)
    state = (params, tuple(jnp.zeros_like(p) for p in params), tuple(jnp.zeros_like(p) for p in params),
             jnp.int32(0))
    run, rate, losses = _compiled(), jnp.float32(learning_rate), []
    chunk = chunk_size(len(index))
    for start in range(0, len(index), chunk):
        rows = index[start:start + chunk]
        state, chunk_losses = run(state, rate, X[rows], y[rows], sample_weight[rows], mask[start:start + chunk],
                                  loss=loss)
        losses.append(chunk_losses)
    return [np.asarray(p) for p in state[0]], np.concatenate([np.asarray(chunk) for chunk in losses])


def serve(networks, conn):
    """A process that trains networks for others (the command line forks it first thing): start
    JAX, compile the program of each ``(n_features, hidden_units, loss)`` in ``networks``, then run
    the steps of each request ``conn`` brings (the arguments of :func:`run_steps`), until ``None``."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it stops this process
    try:
        start()
        for n_features, hidden, loss in networks:  # a run's first fit then finds its program compiled
            weights = [np.zeros((n_features, hidden), np.float32), np.zeros(hidden, np.float32),
                       np.zeros((hidden, 1), np.float32), np.zeros(1, np.float32)]
            run_steps(weights, np.zeros((1, n_features), np.float32), np.zeros((1, 1), np.float32),
                      np.zeros(1, np.float32), np.zeros((CHUNK, 32), np.int32), np.zeros((CHUNK, 32), np.float32),
                      tuple(loss), 0.001)
    except Exception:  # noqa: BLE001 - each request then reports what fails
        pass
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        if request is None:
            return
        try:
            reply = ("ok", run_steps(*request))
        except Exception as exc:  # noqa: BLE001 - the caller runs the steps itself
            reply = ("error", f"{type(exc).__name__}: {' '.join(str(exc).split())}")
        conn.send(reply)


def start():
    """Import JAX and start its CPU runtime."""
    import jax

    jax.devices()
    _compiled()


def chunk_size(steps):
    """Steps per call of the compiled program: ``CHUNK``, or ``LONG_CHUNK`` for long trainings (a
    million rows' 234,000 steps), where calling it every 64 steps cost more than the steps."""
    return LONG_CHUNK if steps > LONG_CHUNK * CHUNK else CHUNK


def batch_plan(n_rows, *, epochs, batch_size, rng):
    """Every step's rows: each epoch's rows in a fresh random order, in batches, one after the other,
    padded to a whole number of chunks (see :func:`chunk_size`).

    Returns ``index`` and ``mask`` of shape (steps, batch_size): row numbers,
    and 1.0 where a row is real, 0.0 where it pads (the last batch of an epoch
    may be short; the padding steps at the end have no rows at all).

    Examples
    --------
    >>> index, mask = batch_plan(5, epochs=2, batch_size=2, rng=np.random.RandomState(0))
    >>> index.shape, mask[:7].tolist()
    ((64, 2), [[1.0, 1.0], [1.0, 1.0], [1.0, 0.0], [1.0, 1.0], [1.0, 1.0], [1.0, 0.0], [0.0, 0.0]])
    >>> sorted(index[:3].ravel()[:5].tolist()), sorted(index[3:6].ravel()[:5].tolist())
    ([0, 1, 2, 3, 4], [0, 1, 2, 3, 4])
    """
    n_batches = -(-n_rows // batch_size)
    steps = epochs * n_batches
    chunk = chunk_size(steps)
    padded_steps = -(-steps // chunk) * chunk
    index = np.zeros((padded_steps, batch_size), dtype=np.int32)
    mask = np.zeros((padded_steps, batch_size), dtype=np.float32)
    for epoch in range(epochs):
        order = np.zeros(n_batches * batch_size, dtype=np.int32)
        order[:n_rows] = rng.permutation(n_rows)
        real = np.zeros(n_batches * batch_size, dtype=np.float32)
        real[:n_rows] = 1.0
        index[epoch * n_batches:(epoch + 1) * n_batches] = order.reshape(n_batches, batch_size)
        mask[epoch * n_batches:(epoch + 1) * n_batches] = real.reshape(n_batches, batch_size)
    return index, mask


def forward(params, X):
    """The network's output (the positive class's probability), shape (rows, 1)."""
    import jax

    kernel_1, bias_1, kernel_2, bias_2 = params
    hidden = jax.nn.relu(X @ kernel_1 + bias_1)
    return jax.nn.sigmoid(hidden @ kernel_2 + bias_2)


def row_losses(y, output, loss):
    """Each row's loss as Keras computes it: ``keras.losses.binary_crossentropy`` or
    ``binary_focal_crossentropy(apply_class_balancing=True, alpha, gamma)``, reduced over the last axis."""
    import jax.numpy as jnp

    clipped = jnp.clip(output, EPSILON, 1.0 - EPSILON)
    bce = -(y * jnp.log(clipped) + (1.0 - y) * jnp.log(1.0 - clipped))
    if loss[0] == "focal":
        _, alpha, gamma = loss
        p_t = y * output + (1 - y) * (1 - output)
        bce = jnp.power(1.0 - p_t, gamma) * bce
        bce = (y * alpha + (1 - y) * (1 - alpha)) * bce
    return jnp.mean(bce, axis=-1)


def adam_step(param, grad, m, v, step, learning_rate):
    """Keras' ``Adam.update_step`` (defaults β₁ = 0.9, β₂ = 0.999, ε = 1e-7) for one variable;
    ``step`` counts the updates already made. Returns the new variable, m and v."""
    import jax.numpy as jnp

    local_step = (step + 1).astype(jnp.float32)
    beta_1_power = jnp.power(jnp.float32(BETA_1), local_step)
    beta_2_power = jnp.power(jnp.float32(BETA_2), local_step)
    alpha = learning_rate * jnp.sqrt(1 - beta_2_power) / (1 - beta_1_power)
    m = m + (grad - m) * (1 - BETA_1)
    v = v + (jnp.square(grad) - v) * (1 - BETA_2)
    return param - (m * alpha) / (jnp.sqrt(v) + EPSILON), m, v


@functools.cache
def _compiled():
    """One jitted chunk of ``CHUNK`` steps: its shapes depend on the batch size and the network
    alone, so every dataset with the same features runs the same compiled program."""
    import jax
    import jax.numpy as jnp

    def batch_loss(params, xb, yb, wb, mb, loss):
        per_row = row_losses(yb, forward(params, xb), loss)
        return jnp.sum(per_row * wb * mb) / jnp.maximum(jnp.sum(mb), 1.0)

    grad_fn = jax.value_and_grad(batch_loss)

    @functools.partial(jax.jit, static_argnames="loss")
    def run(state, learning_rate, X, y, w, mask, *, loss):
        def step(carry, batch):
            params, ms, vs, t = carry
            xb, yb, wb, mb = batch
            value, grads = grad_fn(params, xb, yb, wb, mb, loss)
            updated = [adam_step(p, g, m, v, t, learning_rate) for p, g, m, v in zip(params, grads, ms, vs)]
            new = (tuple(u[0] for u in updated), tuple(u[1] for u in updated), tuple(u[2] for u in updated), t + 1)
            is_real = jnp.sum(mb) > 0  # a padding step changes nothing, not even Adam's step count
            carry = jax.tree_util.tree_map(lambda a, b: jnp.where(is_real, a, b), new, carry)
            return carry, value

        return jax.lax.scan(step, state, (X, y, w, mask))

    return run
