"""A plain PyTorch training loop for Keras models on the PyTorch backend.

Keras' ``fit`` spends seconds on the practical's 2,370 small steps, almost all
of it in the Python layers around each operation. Even a loop of torch
operations with autograd and a ``torch._foreach`` Adam spends most of its time
dispatching about 30 small operations and building an autograd graph per step.
Here a step is about 17 torch calls on tensors prepared once per fit:

- the weights are copied once into one flat float32 buffer (as views in the
  Keras variables' shapes), trained there, and assigned back to the Keras
  variables at the end; the gradients go into a second flat buffer laid out the
  same way, so the optimizer updates one tensor instead of one per variable;
- the forward pass is the model's ``Dense`` stack written as
  ``activation(x @ kernel + bias)``, checked against the Keras model's own
  output before training (models of another shape go back to Keras' ``fit``);
- the backward pass is written out: the gradient of Keras' (focal) binary
  cross-entropy on the sigmoid's clipped output with respect to the output
  logits (``_loss_gradient``), then per layer ``aᵀ·δ`` and the column sums of
  ``δ`` into the gradient buffer, and ``δ·Wᵀ`` through the activation's own
  backward kernel;
- the optimizer step is Keras' Adam as it runs on this backend (``_KerasAdam``):
  Keras' float32 step size, ε added to √v (``torch.optim.Adam`` adds it after
  the bias correction of the second moment), in one fused kernel;
- each epoch gathers its shuffled rows once and splits them into batch views;
  each step writes its predictions into an epoch buffer, from which the epoch's
  mean loss is computed once, with the loss as Keras computes it.

Semantics follow ``Model.fit(x, y, batch_size, epochs, sample_weight=...)`` on
rows pre-shuffled per epoch: every epoch visits the rows in the order given, in
batches of ``batch_size``, the last one smaller; a batch's loss is the sum of
its rows' weighted losses divided by its row count.

PyTorch is imported inside the functions: this module is imported only on the
PyTorch backend, but collected (for its doctests) everywhere.
"""

from __future__ import annotations

import functools
import threading

import numpy as np

_lock = threading.Lock()  # one torch training at a time: it narrows torch's thread pool while it runs


def train(model, make_optimizer, loss, X, y, sample_weight, *, epochs, batch_size, rng):
    """Train ``model`` in place; return the mean training loss of each epoch, or None if it cannot.

    None means the model, loss, optimizer or labels are not ones this loop
    reproduces (the caller then uses Keras' ``fit``).
    """
    import torch

    optimizer = make_optimizer()
    settings = optimizer.get_config()
    layers = _dense_stack(model)
    loss_fn = _torch_loss(loss)
    y = np.asarray(y, dtype=np.float32)
    if layers is None or loss_fn is None or type(optimizer).__name__ != "Adam" or settings["amsgrad"]:
        return None
    if y.ndim != 1 or not np.isin(y, (0.0, 1.0)).all():
        return None  # the written-out gradients assume one hard 0/1 label per row
    orders = [rng.permutation(len(X)) for _ in range(epochs)]
    X_t = torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32))
    y_t = torch.from_numpy(y.reshape(-1, 1))
    w_t = torch.from_numpy(np.asarray(sample_weight, dtype=np.float32).reshape(-1, 1))
    # the row at position i of an epoch counts sample_weight / (its batch's row count) in its step's loss
    batch_rows = np.minimum(batch_size, len(X) - np.arange(0, len(X), batch_size))
    divisor_t = torch.from_numpy(np.repeat(batch_rows, batch_rows).astype(np.float32).reshape(-1, 1))
    row_tensors, loss_gradient = _loss_gradient(loss)

    with _lock:
        threads = torch.get_num_threads()
        # A batch of 32 is far too small to split across threads; on a busy 2-core
        # machine two spinning threads made each step ~9x slower (measured).
        torch.set_num_threads(1)
        try:
            with torch.inference_mode():  # no autograd: the gradients are written out
                weights = _FlatWeights(layers)
                _check_forward(model, weights, X_t[:8])
                adam = _KerasAdam(weights.params, weights.grads, settings, n_steps=len(orders) * len(batch_rows))
                step = _make_step(weights, loss_gradient, adam.step)
                curve = []
                for order in orders:
                    perm = torch.from_numpy(order)
                    X_e, y_e, scale_e = X_t[perm], y_t[perm], w_t[perm].div_(divisor_t)
                    p_e = torch.empty_like(y_e)
                    per_row = [t.split(batch_size) for t in row_tensors(y_e, scale_e)]
                    for batch in zip(X_e.split(batch_size), X_e.t().split(batch_size, dim=1),
                                     p_e.split(batch_size), *per_row):
                        step(*batch)
                    # p_e holds each row's prediction before its step's update, as Keras' loss saw it
                    curve.append(float((loss_fn(y_e, p_e) * scale_e[:, 0]).sum() / len(batch_rows)))
                weights.assign_to_keras()
        finally:
            torch.set_num_threads(threads)
    return curve


class _FlatWeights:
    """A Dense stack's weights copied into one flat buffer, viewed in the layers' shapes, and a gradient buffer."""

    def __init__(self, layers):
        import torch

        self.variables = [v for kernel, bias, _ in layers for v in (kernel, bias)]
        shapes = [tuple(v.shape) for v in self.variables]
        sizes = [int(np.prod(s)) for s in shapes]
        self.params = torch.cat([v.value.detach().reshape(-1) for v in self.variables])
        self.grads = torch.zeros_like(self.params)
        views = [t.view(s) for t, s in zip(self.params.split(sizes), shapes)]
        grad_views = [t.view(s) for t, s in zip(self.grads.split(sizes), shapes)]
        self.views = views
        self.layers = [(k, b, name) for k, b, (_, _, name) in zip(views[0::2], views[1::2], layers)]
        self.grad_layers = list(zip(grad_views[0::2], grad_views[1::2]))

    def forward(self, x):
        import torch

        functions = _activations()
        for kernel, bias, name in self.layers:
            x = functions[name][0](torch.addmm(bias, x, kernel))
        return x

    def assign_to_keras(self):
        for variable, value in zip(self.variables, self.views):
            variable.assign(value)


def _activations():
    """Each activation's torch function and its backward, as autograd computes it, from the output."""
    import torch

    relu_backward = torch.ops.aten.threshold_backward.default
    return {
        "relu": (torch.relu, lambda grad, out: relu_backward(grad, out, 0)),
        "sigmoid": (torch.sigmoid, torch.ops.aten.sigmoid_backward.default),
        "linear": (lambda x: x, lambda grad, out: grad),
    }


def _make_step(weights, loss_gradient, optimizer_step):
    """``step(x, xᵀ, p_out, *per_row)``: forward into ``p_out``, gradients into ``weights.grads``, optimizer step.

    A closure over the layers' views and torch's functions, so that a step does
    no attribute or module look-ups beyond the torch calls themselves.
    """
    import torch

    addmm, mm, sigmoid, column_sums = torch.addmm, torch.mm, torch.sigmoid, torch.sum
    functions = _activations()
    *hidden, (out_kernel, out_bias, _) = weights.layers
    forward = [(kernel, bias, functions[name][0]) for kernel, bias, name in hidden]
    # from the output layer down to the second: its gradient buffers, Wᵀ (a view: it follows the
    # updates) and the backward of the activation below it
    backward = [(*weights.grad_layers[i], weights.layers[i][0].t(), functions[hidden[i - 1][2]][1])
                for i in range(len(weights.layers) - 1, 0, -1)]
    first_grad_kernel, first_grad_bias = weights.grad_layers[0]

    def step(x, x_t, p_out, *per_row):
        outputs = []
        a = x
        for kernel, bias, activation in forward:
            a = activation(addmm(bias, a, kernel))
            outputs.append(a)
        sigmoid(addmm(out_bias, a, out_kernel), out=p_out)
        delta = loss_gradient(p_out, *per_row)
        for (grad_kernel, grad_bias, kernel_t, activation_backward), a in zip(backward, reversed(outputs)):
            mm(a.t(), delta, out=grad_kernel)
            column_sums(delta, dim=0, out=grad_bias)
            delta = activation_backward(mm(delta, kernel_t), a)
        mm(x_t, delta, out=first_grad_kernel)
        column_sums(delta, dim=0, out=first_grad_bias)
        optimizer_step()

    return step


class _KerasAdam:
    """Keras' Adam step on the PyTorch backend, on one flat parameter buffer.

    As ``keras.src.backend.torch.optimizers.torch_adam`` takes it: the step size
    ``αₜ = lr · √(1 − β₂ᵗ) / (1 − β₁ᵗ)`` computed in float32, ``m ← β₁m + (1 − β₁)g``,
    ``v ← β₂v + (1 − β₂)g²``, ``θ ← θ − αₜ · m / (√v + ε)``.

    The step is one call of PyTorch's fused Adam kernel (``torch._fused_adam_``,
    the kernel behind ``torch.optim.Adam(fused=True)``) with its own bias
    correction switched off (a step count so large that β₁ᵗ = β₂ᵗ = 0) and
    Keras' αₜ as its learning rate, so that ε is added to √v as Keras adds it.
    Where that kernel is missing or does not take the written-out update's steps
    on a trial (``_fused_adam_agrees``), the update is the written-out one: ten
    torch operations in Keras' order.
    """

    def __init__(self, params, grads, settings, n_steps):
        import torch

        beta_1, beta_2, epsilon = settings["beta_1"], settings["beta_2"], settings["epsilon"]
        m, v = torch.zeros_like(params), torch.zeros_like(params)
        # Keras' step size for steps 1, 2, …, computed at once (the same float32 operations, elementwise);
        # float32 values are exact as Python floats, and a float32 tensor op casts them back unchanged
        local_step = torch.arange(1, n_steps + 1, dtype=torch.float32)
        beta_1_power = torch.pow(torch.tensor(beta_1, dtype=torch.float32), local_step)
        beta_2_power = torch.pow(torch.tensor(beta_2, dtype=torch.float32), local_step)
        lr = torch.tensor(settings["learning_rate"], dtype=torch.float32)
        alphas = iter((lr * torch.sqrt(1 - beta_2_power) / (1 - beta_1_power)).tolist())

        if _fused_adam_agrees(beta_1, beta_2, epsilon):
            fused = torch._fused_adam_
            state = ([params], [grads], [m], [v], [], [torch.tensor(_NO_BIAS_CORRECTION)])

            def step():
                fused(*state, lr=next(alphas), beta1=beta_1, beta2=beta_2, weight_decay=0.0, eps=epsilon,
                      amsgrad=False, maximize=False)
        else:
            work = (torch.empty_like(params), torch.empty_like(params))

            def step():
                _written_out_adam(params, grads, m, v, work, next(alphas), beta_1, beta_2, epsilon)

        self.step = step


_NO_BIAS_CORRECTION = 2.0 ** 60  # a step count: β₁ᵗ and β₂ᵗ are 0 in double, so both corrections are 1


def _written_out_adam(params, grads, m, v, work, alpha, beta_1, beta_2, epsilon):
    """Keras' Adam update, operation by operation as ``torch_adam`` does it for each variable."""
    import torch

    update, denominator = work
    m.mul_(beta_1).add_(grads, alpha=1 - beta_1)
    v.mul_(beta_2).add_(torch.mul(grads, grads, out=update), alpha=1 - beta_2)
    torch.sqrt(v, out=denominator).add_(epsilon)
    params.sub_(torch.mul(m, alpha, out=update).div_(denominator))


@functools.lru_cache(maxsize=8)
def _fused_adam_agrees(beta_1, beta_2, epsilon):
    """Whether ``torch._fused_adam_``, used as ``_KerasAdam`` uses it, runs here and takes Keras' steps.

    Three steps on 37 weights, the fused kernel against ``_written_out_adam``,
    with gradients of every scale down to 1e-9 so that where ε is added shows.
    """
    import torch

    generator = torch.Generator().manual_seed(0)
    theta = torch.randn(37, generator=generator)
    fused, written_out = ([theta.clone(), torch.zeros(37), torch.zeros(37)] for _ in range(2))
    work = (torch.empty(37), torch.empty(37))
    steps = [torch.tensor(_NO_BIAS_CORRECTION)]
    try:
        for alpha in (1e-3, 3e-4, 2e-3):
            g = torch.randn(37, generator=generator) * 10 ** (-9 * torch.rand(37, generator=generator))
            torch._fused_adam_([fused[0]], [g], [fused[1]], [fused[2]], [], steps, lr=alpha, beta1=beta_1,
                               beta2=beta_2, weight_decay=0.0, eps=epsilon, amsgrad=False, maximize=False)
            _written_out_adam(written_out[0], g, *written_out[1:], work, alpha, beta_1, beta_2, epsilon)
    except (AttributeError, NotImplementedError, RuntimeError, TypeError):
        return False
    return all(torch.allclose(a, b, rtol=1e-5, atol=1e-9) for a, b in zip(fused, written_out))


def _dense_stack(model):
    """``[(kernel, bias, activation name)]`` for float32 Dense layers ending in one sigmoid unit, else None."""
    from keras import activations, layers

    names = {activations.relu: "relu", activations.sigmoid: "sigmoid", activations.linear: "linear"}
    stack = []
    for layer in model.layers:
        if type(layer) is not layers.Dense or not layer.use_bias or layer.activation not in names:
            return None
        if getattr(layer, "lora_enabled", False) or getattr(layer, "quantization_mode", None) is not None:
            return None
        if any(v.dtype != "float32" or not v.trainable for v in (layer.kernel, layer.bias)):
            return None
        stack.append((layer.kernel, layer.bias, names[layer.activation]))
    if not stack or stack[-1][2] != "sigmoid" or stack[-1][0].shape[1] != 1:
        return None
    return stack


def _check_forward(model, weights, x):
    """The transcribed forward pass must give the Keras model's own outputs."""
    import torch

    ours = weights.forward(x)
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


def _loss_gradient(loss):
    """``(row_tensors, gradient)`` for a loss ``_torch_loss`` accepts, on 0/1 labels and a sigmoid output.

    ``gradient(p, *rows)`` is ∂/∂z of a batch's loss, ``Σ scale · loss(y, σ(z))``
    (scale = sample weight / batch rows), given ``p = σ(z)``; ``rows`` are the
    batch's slices of ``row_tensors(y, scale)``, computed once per epoch.

    Binary cross-entropy on ``clip(p, ε, 1 − ε)``: its derivative
    (p − y) / (p(1 − p)) times the sigmoid's p(1 − p) is p − y, and where the
    clip is active the loss does not depend on p: the gradient is 0 there, as
    Keras' clipped loss has it.

    Focal: ``(1 − p_t)^γ · BCE`` with ``p_t = y·p + (1 − y)(1 − p)``, which for
    0/1 labels is ``sign·p + (1 − y)`` (sign = 2y − 1, the same float32 number);
    with q = 1 − p_t, ∂q/∂p = −sign and BCE = −log(clipped p_t), the gradient is
    ``scale · (q^γ·(p − y)·[not clipped] + γ·q^(γ−1)·sign·log(clipped p_t)·p(1 − p))``;
    class balancing multiplies ``scale`` by α for y = 1 and 1 − α for y = 0.
    """
    import torch
    from keras import backend, losses

    eps = backend.epsilon()
    clamp = torch.clamp
    config = loss.get_config()
    gamma = config["gamma"] if type(loss) is losses.BinaryFocalCrossentropy else 0.0

    def bce(p, y, scale):
        return (p - y).mul_(scale).masked_fill_(clamp(p, eps, 1.0 - eps) != p, 0.0)

    def focal(p, y, scale, sign, not_y):
        clipped = clamp(p, eps, 1.0 - eps)
        q = torch.addcmul(not_y, p, sign).neg_().add_(1.0)
        q_gamma_1 = torch.pow(q, gamma - 1)
        gradient = (p - y).masked_fill_(clipped != p, 0.0).mul_(q_gamma_1).mul_(q)
        focal_part = torch.addcmul(not_y, clipped, sign).log_().mul_(q_gamma_1).mul_(sign).mul_(gamma)
        return gradient.add_(focal_part.mul_(p).mul_(1.0 - p)).mul_(scale)

    def row_tensors(y, scale):
        if type(loss) is losses.BinaryFocalCrossentropy and config["apply_class_balancing"]:
            alpha = config["alpha"]
            scale = scale * (y * alpha + (1 - y) * (1 - alpha))
        return (y, scale, 2 * y - 1, 1 - y) if gamma else (y, scale)

    return row_tensors, (focal if gamma else bce)
