"""Keras with its backend chosen once, before Keras is first imported.

Keras reads ``KERAS_BACKEND`` at import time. imblab defaults it to JAX, which
trains the practical's small dense network fastest on a CPU, and leaves a value
the user already set alone. Keras is imported here and only when a network is
built, so commands that train no network never pay for it.
"""

import os
from functools import cache
from pathlib import Path

DEFAULT_BACKEND = "jax"


@cache
def keras():
    """Return the ``keras`` module, imported with imblab's backend default."""
    os.environ.setdefault("KERAS_BACKEND", DEFAULT_BACKEND)
    import keras as _keras

    if _keras.backend.backend() == "jax":
        _enable_jax_compilation_cache()
    return _keras


def backend_name():
    """The Keras backend a network would use, without importing Keras."""
    return os.environ.get("KERAS_BACKEND", DEFAULT_BACKEND)


def _enable_jax_compilation_cache():
    # Compiling the training loop costs ~0.7 s per input shape; JAX's persistent
    # cache brings a repeat down to a few hundredths of a second across runs.
    import jax

    cache_dir = os.environ.get("IMBLAB_CACHE_DIR") or Path.home() / ".cache" / "imblab" / "jax"
    try:
        Path(cache_dir).mkdir(parents=True, exist_ok=True)
    except OSError:
        return  # an unwritable home only costs compile time
    jax.config.update("jax_compilation_cache_dir", str(cache_dir))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
