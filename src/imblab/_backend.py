"""Keras with its backend chosen once, before Keras is first imported.

Keras reads ``KERAS_BACKEND`` at import time. imblab defaults it to JAX, which
trains the practical's small dense network fastest on a CPU, and leaves a value
the user already set alone. A ``"backend"`` other than ``"tensorflow"`` in
Keras' config file (``~/.keras/keras.json``, or ``$KERAS_HOME/keras.json``)
is honoured too; ``"tensorflow"`` there is not, because Keras writes that value
itself the first time it is imported, so it records no one's choice.

Keras is imported here and only when a network is built, so commands that
train no network never pay for it; :func:`check_backend` finds out whether the
chosen backend can start without importing it.
"""

import json
import os
import sys
from functools import cache
from importlib.util import find_spec
from pathlib import Path

from .errors import ImblabError

DEFAULT_BACKEND = "jax"

# backend -> (module that must be importable, what to install)
TRAINABLE = {
    "jax": ("jax", "pip install 'jax[cpu]'"),
    "tensorflow": ("tensorflow", "pip install 'imblab[tensorflow]'"),
    "torch": ("torch", "pip install 'imblab[torch]'"),
}
INFERENCE_ONLY = ("numpy", "openvino")
KERAS_WRITTEN_DEFAULT = "tensorflow"  # what Keras puts in a keras.json it creates


@cache
def keras():
    """Return the ``keras`` module, imported with imblab's backend choice."""
    name, _ = chosen_backend()
    os.environ.setdefault("KERAS_BACKEND", name)
    import keras as _keras

    return _keras


def start_networks():
    """Everything a process needs before it can fit a network: its backend's runtime (JAX alone on
    JAX, where imblab's loop needs no Keras; Keras on the others), scikit-learn, imbalanced-learn
    and imblab's network (what a warm worker does while its parent reads data)."""
    start_network_backend()
    import imblearn.pipeline  # noqa: F401 - imported for its cost, here
    import sklearn.base  # noqa: F401

    from .strategies import neural  # noqa: F401


def start_network_backend():
    """Import what training a network needs on the chosen backend, and start it: JAX and its CPU
    runtime on JAX, Keras on the others."""
    if current_backend() == "jax":
        from .strategies import _jax_training

        if _jax_training.REMOTE is None:  # else the steps run where JAX runs already
            _jax_training.start()  # the runtime: a fit's time then counts the fit alone
    else:
        keras()


def current_backend():
    """The backend a network is trained on now: Keras' own once it is imported, else the chosen one."""
    if "keras" in sys.modules and hasattr(sys.modules["keras"], "backend"):
        return sys.modules["keras"].backend.backend()
    return backend_name()


def chosen_backend():
    """The Keras backend a network would use and what chose it, without importing Keras.

    Returns
    -------
    name : str
    source : str
        ``"KERAS_BACKEND"``, the path of Keras' config file, or ``"imblab's default"``.

    Examples
    --------
    >>> name, source = chosen_backend()
    >>> source in ("KERAS_BACKEND", "imblab's default") or source.endswith("keras.json")
    True
    """
    if os.environ.get("KERAS_BACKEND"):
        return os.environ["KERAS_BACKEND"], "KERAS_BACKEND"
    path = keras_config_path()
    try:
        configured = json.loads(path.read_text()).get("backend")
    except (OSError, ValueError, AttributeError):
        configured = None
    if isinstance(configured, str) and configured and configured != KERAS_WRITTEN_DEFAULT:
        return configured, str(path)
    return DEFAULT_BACKEND, "imblab's default"


def backend_name():
    """The Keras backend a network would use, without importing Keras."""
    return chosen_backend()[0]


def keras_config_path():
    """Where Keras reads its config file: ``$KERAS_HOME`` or ``~/.keras`` (``/tmp/.keras`` if home is read-only)."""
    if os.environ.get("KERAS_HOME"):
        return Path(os.environ["KERAS_HOME"]) / "keras.json"
    base = os.path.expanduser("~")
    if not os.access(base, os.W_OK):
        base = "/tmp"
    return Path(base) / ".keras" / "keras.json"


def check_backend():
    """Raise :class:`ImblabError` unless the chosen Keras backend can train a network here.

    Cheap: it looks the backend's package up (``importlib.util.find_spec``)
    without importing it, so a run fails in a moment, before any fitting.

    Returns
    -------
    str
        The backend's name.

    Examples
    --------
    >>> check_backend() in ("jax", "tensorflow", "torch")
    True
    """
    name, source = chosen_backend()
    if source == "KERAS_BACKEND":
        chosen_by, undo = "chosen by the KERAS_BACKEND environment variable", "or unset KERAS_BACKEND"
    else:
        chosen_by, undo = f'set as "backend" in {source}', "or set KERAS_BACKEND=jax"
    if name in INFERENCE_ONLY:
        raise ImblabError(
            f"Keras backend {name!r} ({chosen_by}) cannot train a network: "
            f"use jax, tensorflow or torch ({undo} to use imblab's default, jax)"
        )
    if name not in TRAINABLE:
        raise ImblabError(
            f"unknown Keras backend {name!r} ({chosen_by}): expected one of {', '.join(TRAINABLE)}; "
            f"fix the value {undo}"
        )
    module, install = TRAINABLE[name]
    if find_spec(module) is None:
        hint = f"{undo} to use imblab's default, jax" if name != DEFAULT_BACKEND else "imblab needs it"
        raise ImblabError(
            f"Keras backend {name!r} ({chosen_by}) is not installed: {install}, {hint}"
        )
    return name


def enable_compilation_cache():
    """Keep JAX's compiled programs on disk across runs (the command line does this; the library does not).

    Compiling the network's training loop costs ~0.7 s per input shape; JAX's
    persistent cache brings a repeat down to a few hundredths of a second. The
    cache lives in ``$IMBLAB_CACHE_DIR`` or ``~/.cache/imblab/jax``. Nothing is
    done unless the chosen backend is JAX and JAX is installed.

    Returns
    -------
    pathlib.Path or None
        The cache folder, or None when nothing was configured.
    """
    if backend_name() != "jax" or find_spec("jax") is None:
        return None
    cache_dir = Path(os.environ.get("IMBLAB_CACHE_DIR") or Path.home() / ".cache" / "imblab" / "jax")
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None  # an unwritable home only costs compile time
    settings = {"jax_compilation_cache_dir": str(cache_dir), "jax_persistent_cache_min_compile_time_secs": 0.0,
                "jax_persistent_cache_min_entry_size_bytes": 0}
    if "jax" in sys.modules:
        import jax

        for name, value in settings.items():
            jax.config.update(name, value)
    else:  # JAX reads these when it is imported: in this process or in a worker forked from it
        for name, value in settings.items():
            os.environ.setdefault(name.upper(), str(value))
    return cache_dir
