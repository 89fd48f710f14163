"""A plain PyTorch training loop for Keras models on the PyTorch backend.

On the PyTorch backend a Keras model's variables are ``torch.nn.Parameter``
objects, so PyTorch can train them in place. Keras' ``fit`` spends several
seconds on the practical's 2,370 small steps, almost all of it in the Python
layers around each operation (a Keras layer call, a loss call and an optimizer
step each cost more than the arithmetic). Here each step is a handful of torch
operations on the model's own parameters:

- the forward pass is the model's ``Dense`` stack written as
  ``activation(x @ kernel + bias)``, checked against the Keras model's own
  output before training (models of another shape go back to Keras' ``fit``);
- the loss is Keras' binary (focal) cross-entropy as Keras computes it on this
  backend: the prediction clipped to [ε, 1 − ε] before the log, the focal factor
  and class balance from the Keras loss object's settings;
- the optimizer step is the one Keras' Adam takes on this backend (its
  ``torch._foreach`` update, with the Keras optimizer's learning rate, betas
  and ε), without the per-step bookkeeping around it. (``torch.optim.Adam``
  would add ε after the second moment's bias correction, Keras adds it before.)

Semantics follow ``Model.fit(x, y, batch_size, epochs, shuffle=True,
sample_weight=...)``: every epoch visits the rows in the order given, in
batches of ``batch_size``, the last one smaller; a batch's loss is the sum of
its rows' weighted losses divided by its row count.
"""

from __future__ import annotations

import threading

import numpy as np

_lock = threading.Lock()  # one torch training at a time: it narrows torch's thread pool while it runs


def train(model, make_optimizer, loss, X, y, sample_weight, *, epochs, batch_size, rng):
    """Train ``model`` in place; return the mean training loss of each epoch, or None if it cannot.

    None means the model, loss or optimizer is not one this loop reproduces
    (the caller then uses Keras' ``fit``).
    """
    import torch

    optimizer = make_optimizer()
    settings = optimizer.get_config()
    layers = _dense_stack(model)
    loss_fn = _torch_loss(loss)
    if layers is None or loss_fn is None or type(optimizer).__name__ != "Adam" or settings["amsgrad"]:
        return None
    orders = [rng.permutation(len(X)) for _ in range(epochs)]
    X_t = torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32))
    y_t = torch.from_numpy(np.asarray(y, dtype=np.float32).reshape(-1, 1))
    w_t = torch.from_numpy(np.asarray(sample_weight, dtype=np.float32))
    params = [p for layer in layers for p in layer[:2]]

    with _lock:
        threads = torch.get_num_threads()
        # A batch of 32 is far too small to split across threads; on a busy 2-core
        # machine two spinning threads made each step ~9x slower (measured).
        torch.set_num_threads(1)
        try:
            _check_forward(model, layers, X_t[:8])
            adam = _KerasAdam(params, settings, n_steps=epochs * -(-len(X) // batch_size))
            curve = []
            for order in orders:
                perm = torch.from_numpy(order)
                Xe, ye, we = X_t[perm], y_t[perm], w_t[perm]
                batch_losses = []
                for start in range(0, len(order), batch_size):
                    xb, yb, wb = (t[start:start + batch_size] for t in (Xe, ye, we))
                    value = (loss_fn(yb, _forward(layers, xb)) * wb).sum() / len(wb)
                    adam.step(torch.autograd.grad(value, params))
                    batch_losses.append(value.detach())
                curve.append(float(torch.stack(batch_losses).mean()))
        finally:
            torch.set_num_threads(threads)
    return curve


class _KerasAdam:
    """Keras' Adam step on the PyTorch backend, as ``keras.src.backend.torch.optimizers.torch_adam`` takes it.

    The same float32 bias correction and the same ``torch._foreach`` updates,
    without the Keras optimizer's per-step bookkeeping around them.
    """

    def __init__(self, params, settings, n_steps):
        import torch

        self.params = params
        self.beta_1, self.beta_2, self.epsilon = settings["beta_1"], settings["beta_2"], settings["epsilon"]
        self.m = [torch.zeros_like(p) for p in params]
        self.v = [torch.zeros_like(p) for p in params]
        # Keras' step size for steps 1, 2, …, computed at once (the same float32 operations, elementwise)
        local_step = torch.arange(1, n_steps + 1, dtype=torch.float32)
        beta_1_power = torch.pow(torch.tensor(self.beta_1, dtype=torch.float32), local_step)
        beta_2_power = torch.pow(torch.tensor(self.beta_2, dtype=torch.float32), local_step)
        lr = torch.tensor(settings["learning_rate"], dtype=torch.float32)
        self.alphas = iter(lr * torch.sqrt(1 - beta_2_power) / (1 - beta_1_power))

    def step(self, grads):
        import torch

        alpha = next(self.alphas)
        with torch.no_grad():
            torch._foreach_mul_(self.m, self.beta_1)
            torch._foreach_add_(self.m, grads, alpha=1 - self.beta_1)
            torch._foreach_mul_(self.v, self.beta_2)
            torch._foreach_add_(self.v, torch._foreach_mul(grads, grads), alpha=1 - self.beta_2)
            torch._foreach_add_(
                self.params,
                torch._foreach_div(torch._foreach_mul(self.m, alpha),
                                   torch._foreach_add(torch._foreach_sqrt(self.v), self.epsilon)),
                alpha=-1,
            )


def _dense_stack(model):
    """``[(kernel, bias, activation)]`` for a model made only of Dense layers, else None."""
    import torch
    from keras import activations, layers

    torch_activations = {activations.relu: torch.relu, activations.sigmoid: torch.sigmoid,
                         activations.linear: lambda x: x}
    stack = []
    for layer in model.layers:
        if type(layer) is not layers.Dense or not layer.use_bias or layer.activation not in torch_activations:
            return None
        if getattr(layer, "lora_enabled", False) or getattr(layer, "quantization_mode", None) is not None:
            return None
        stack.append((layer.kernel.value, layer.bias.value, torch_activations[layer.activation]))
    return stack or None


def _forward(layers, x):
    import torch

    for kernel, bias, activation in layers:
        x = activation(torch.addmm(bias, x, kernel))
    return x


def _check_forward(model, layers, x):
    """The transcribed forward pass must give the Keras model's own outputs."""
    import torch

    with torch.no_grad():
        ours = _forward(layers, x)
        theirs = model(x, training=False)
    if not torch.allclose(ours, theirs, rtol=1e-5, atol=1e-6):
        raise RuntimeError("the PyTorch training loop's forward pass differs from the Keras model's")


def _torch_loss(loss):
    """Keras' (focal) binary cross-entropy per row, as Keras computes it with torch, or None."""
    import torch
    from keras import backend, losses

    config = loss.get_config()
    if config.get("from_logits") or config.get("label_smoothing"):
        return None
    eps = backend.epsilon()

    def bce(y, p):
        return torch.nn.functional.binary_cross_entropy(torch.clip(p, eps, 1.0 - eps), y, reduction="none")

    if type(loss) is losses.BinaryCrossentropy:
        return lambda y, p: bce(y, p).mean(dim=-1)
    if type(loss) is losses.BinaryFocalCrossentropy:
        gamma, alpha, balance = config["gamma"], config["alpha"], config["apply_class_balancing"]

        def focal(y, p):
            p_t = y * p + (1 - y) * (1 - p)
            value = torch.pow(1.0 - p_t, gamma) * bce(y, p)
            if balance:
                value = (y * alpha + (1 - y) * (1 - alpha)) * value
            return value.mean(dim=-1)

        return focal
    return None
