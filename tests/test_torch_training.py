"""The PyTorch training loop's written-out parts against what autograd and Keras compute.

Runs on the PyTorch backend only (``make test-backends``); the whole loop is
checked against Keras' own ``fit`` in ``test_neural.py``.
"""

import numpy as np
import pytest

from imblab._backend import chosen_backend

if chosen_backend()[0] != "torch":
    pytest.skip("the PyTorch backend's training loop", allow_module_level=True)

torch = pytest.importorskip("torch")
import keras  # noqa: E402  (after the skip: the backend must be torch)

from imblab.strategies import _torch_training  # noqa: E402

LOSSES = {
    "bce": lambda: keras.losses.BinaryCrossentropy(reduction=None),
    "focal, balanced": lambda: keras.losses.BinaryFocalCrossentropy(
        apply_class_balancing=True, alpha=0.75, gamma=2.0, reduction=None),
    "focal, gamma 3": lambda: keras.losses.BinaryFocalCrossentropy(gamma=3.0, reduction=None),
    "focal, gamma 0": lambda: keras.losses.BinaryFocalCrossentropy(gamma=0.0, reduction=None),
}


@pytest.mark.parametrize("name", LOSSES)
def test_written_out_loss_gradient_is_autograds(name):
    """∂loss/∂logits as autograd takes it through the sigmoid and Keras' clipped loss.

    The logits include ±20 and ±40, where σ is within ε of 0 or 1 (or rounds to
    it) and the clip makes BCE flat: a confidently wrong row then gets no BCE
    gradient, as in Keras.
    """
    loss = LOSSES[name]()
    rng = np.random.RandomState(0)
    z = np.r_[rng.normal(scale=3, size=60), [20.0, -20.0, 40.0, -40.0] * 2].astype(np.float32).reshape(-1, 1)
    y = np.r_[rng.randint(0, 2, 60), [0, 1, 0, 1, 1, 0, 1, 0]].astype(np.float32).reshape(-1, 1)
    scale = rng.uniform(0.1, 3.0, size=(len(y), 1)).astype(np.float32)
    z_t, y_t, scale_t = (torch.from_numpy(a) for a in (z, y, scale))

    z_t.requires_grad_(True)
    value = (_torch_training._torch_loss(loss)(y_t, torch.sigmoid(z_t)) * scale_t[:, 0]).sum()
    (expected,) = torch.autograd.grad(value, z_t)

    row_tensors, gradient = _torch_training._loss_gradient(loss)
    with torch.no_grad():
        ours = gradient(torch.sigmoid(z_t), *row_tensors(y_t, scale_t))
    np.testing.assert_allclose(ours.numpy(), expected.numpy(), rtol=2e-5, atol=1e-9)
    # without the clip these rows' gradients would be scale · (p − y) ≈ ±scale; with it, BCE's is 0
    # and what is left is the focal factor's own derivative, scaled by σ'(z) < 1e-8
    saturated_and_wrong = (np.abs(z[:, 0]) >= 20) & ((z[:, 0] > 0) != (y[:, 0] == 1))
    assert saturated_and_wrong.sum() == 4
    assert np.abs(ours.numpy()[saturated_and_wrong]).max() <= (0.0 if name == "bce" else 1e-6)


@pytest.mark.parametrize("fused", [True, False])
def test_adam_takes_the_steps_kerass_adam_takes(fused, monkeypatch):
    """40 steps on three variables, Keras' Adam (its own ``apply_gradients``) against ``_KerasAdam``.

    Gradients of every scale down to 1e-8 make ε's place in the update matter;
    ``fused=False`` is the written-out update used where the fused kernel is not.
    """
    if not fused:
        monkeypatch.setattr(_torch_training, "_fused_adam_agrees", lambda *args: False)
    rng = np.random.RandomState(1)
    shapes = [(5, 4), (4,), (4, 1)]
    start = [rng.normal(size=s).astype(np.float32) for s in shapes]
    gradients = [[(rng.normal(size=s) * 10.0 ** rng.uniform(-8, 0, size=s)).astype(np.float32) for s in shapes]
                 for _ in range(40)]

    variables = [keras.Variable(value) for value in start]
    optimizer = keras.optimizers.Adam(learning_rate=0.01)
    for step in gradients:
        optimizer.apply_gradients(zip([torch.from_numpy(g) for g in step], variables))

    params = torch.from_numpy(np.concatenate([v.reshape(-1) for v in start]))
    grads = torch.zeros_like(params)
    adam = _torch_training._KerasAdam(params, grads, optimizer.get_config(), n_steps=len(gradients))
    for step in gradients:
        grads.copy_(torch.from_numpy(np.concatenate([g.reshape(-1) for g in step])))
        adam.step()

    expected = np.concatenate([keras.ops.convert_to_numpy(v).reshape(-1) for v in variables])
    np.testing.assert_allclose(params.numpy(), expected, rtol=1e-6, atol=1e-7)
    assert np.abs(params.numpy() - np.concatenate([v.reshape(-1) for v in start])).max() > 0.1


def test_the_fused_kernel_is_used_here():
    """On the pinned PyTorch the fused kernel takes Keras' steps, so the fast path is the one that runs."""
    assert _torch_training._fused_adam_agrees(0.9, 0.999, 1e-7)


def test_soft_labels_or_another_output_go_back_to_kerass_fit():
    from imblab import KerasMLPClassifier

    X = np.random.RandomState(0).normal(size=(40, 3)).astype(np.float32)
    model = KerasMLPClassifier(hidden_units=4)._build(3, np.random.RandomState(0))
    args = dict(make_optimizer=keras.optimizers.Adam, loss=keras.losses.BinaryCrossentropy(reduction=None),
                X=X, sample_weight=np.ones(40), epochs=1, batch_size=32)
    soft = np.full(40, 0.3)
    assert _torch_training.train(model, y=soft, rng=np.random.RandomState(0), **args) is None
    relu_out = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1, activation="relu")])
    hard = np.arange(40) % 2
    assert _torch_training.train(relu_out, y=hard, rng=np.random.RandomState(0), **args) is None
    assert len(_torch_training.train(model, y=hard, rng=np.random.RandomState(0), **args)) == 1
