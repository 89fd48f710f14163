"""The Keras network of a fitted strategy, kept as weights plus imblab's description of it.

skops cannot store a Keras model, and Keras' own formats either deserialise a
config (``.keras``) or pickle. A fitted :class:`~imblab.strategies.KerasMLPClassifier`
is fully described by its parameters, a few fitted attributes and its weight
arrays; loading rebuilds the network with imblab's own code (``_build``) and
sets the weights, so nothing in the file is run.
"""

from __future__ import annotations

import numpy as np

from ..errors import ImblabError

ARCHITECTURE = "imblab.KerasMLPClassifier/dense-relu-sigmoid/v1"
#: Fitted attributes kept beside the weights (besides classes_ and feature_names_in_).
FITTED = ("n_features_in_", "class_counts_", "class_weight_", "loss_curve_", "backend_")


class NetworkSlot:
    """Stands in the skops file where a network was; ``index`` names its weights file."""

    def __init__(self, index=0):
        self.index = index


def is_network(obj):
    from ..strategies.neural import KerasMLPClassifier

    return isinstance(obj, KerasMLPClassifier) and hasattr(obj, "weights_")


def swap_networks(estimator, replace_with=None):
    """Replace every fitted network in ``estimator``; return ``(networks, restore)``.

    Each network is replaced by ``replace_with(network, index)`` (default: a
    :class:`NetworkSlot`); ``restore()`` puts them back, so the caller's
    estimator is unchanged after saving. Networks sit as pipeline steps or as
    attributes of wrappers (a threshold policy's ``estimator_``).
    """
    networks, undo = [], []
    replace_with = replace_with or (lambda network, index: NetworkSlot(index))

    def swap(value, setter):
        networks.append(value)
        setter(replace_with(value, len(networks) - 1))
        undo.append(lambda: setter(value))

    def walk(obj):
        for key, value in list(vars(obj).items()):
            if key == "steps" and isinstance(value, list):
                for i, (name, step) in enumerate(value):
                    if is_network(step):
                        swap(step, lambda new, s=value, i=i, n=name: s.__setitem__(i, (n, new)))
                    elif hasattr(step, "get_params"):
                        walk(step)
            elif is_network(value):
                swap(value, lambda new, o=obj, k=key: setattr(o, k, new))
            elif hasattr(value, "get_params") and not isinstance(value, type):
                walk(value)

    if is_network(estimator):
        raise ImblabError("a bare network cannot be saved: save the strategy's pipeline around it")
    walk(estimator)

    def restore():
        for put_back in reversed(undo):
            put_back()

    return networks, restore


def network_state(network):
    """``(description, weights)``: a JSON-able description and the weight arrays, in layer order."""
    description = {
        "architecture": ARCHITECTURE,
        "params": {k: v for k, v in network.get_params().items() if k != "random_state"},
        "classes": [_plain(c) for c in network.classes_],
        "classes_dtype": str(network.classes_.dtype),
        "feature_names_in": [str(n) for n in getattr(network, "feature_names_in_", [])] or None,
        "fitted": {k: _json(getattr(network, k)) for k in FITTED if hasattr(network, k)},
    }
    weights = [np.asarray(w) for w in network.weights_]
    description["weight_shapes"] = [list(w.shape) for w in weights]
    return description, weights


def rebuild_network(description, weights):
    """A fitted KerasMLPClassifier from its description and weights, built by imblab's own code."""
    from ..strategies.neural import KerasMLPClassifier

    if description.get("architecture") != ARCHITECTURE:
        raise ImblabError(f"the model's network is described as {description.get('architecture')!r}, which this "
                          f"imblab does not build (it builds {ARCHITECTURE!r}): refit the model with this version")
    params = dict(description["params"])
    allowed = set(KerasMLPClassifier().get_params())
    if not set(params) <= allowed or not _plain_values(params):
        raise ImblabError("the model's network parameters are not KerasMLPClassifier's: the file was altered "
                          "or written by other software; refit the model")
    network = KerasMLPClassifier(**params)
    network.classes_ = np.asarray(description["classes"], dtype=description["classes_dtype"])
    if description.get("feature_names_in"):
        network.feature_names_in_ = np.asarray(description["feature_names_in"], dtype=object)
    fitted = description["fitted"]
    network.n_features_in_ = int(fitted["n_features_in_"])
    for key in ("class_counts_", "class_weight_"):
        if key in fitted:
            setattr(network, key, {_label(network.classes_, k): v for k, v in fitted[key].items()})
    network.loss_curve_ = list(fitted.get("loss_curve_", []))
    from .._backend import current_backend

    network.backend_ = current_backend()  # the backend a Keras model of it (model_) would be built on
    n, hidden = network.n_features_in_, network.hidden_units
    expected = [[n, hidden], [hidden], [hidden, 1], [1]]
    if expected != [list(w.shape) for w in weights] or expected != description["weight_shapes"]:
        raise ImblabError("the model's network weights do not fit its described architecture: the file was "
                          "altered or is damaged; refit the model")
    network.weights_ = [np.asarray(w, dtype=np.float32) for w in weights]
    return network


def _plain_values(params):
    return all(v is None or isinstance(v, (int, float, str, bool, dict)) for v in params.values())


def _label(classes, key):
    for c in classes:
        if str(_plain(c)) == str(key):
            return c
    raise ImblabError(f"the model's network names a class {key!r} it does not have: refit the model")


def _json(value):
    if isinstance(value, dict):
        return {str(_plain(k)): _json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_json(v) for v in value]
    return _plain(value)


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value
