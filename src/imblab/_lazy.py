"""A package's public names, imported on first use (PEP 562).

``import imblab`` — and the command line's help and refusals — then pays for
scikit-learn, pandas or Keras only once a name that needs them is used.
"""

from __future__ import annotations

import sys
from importlib import import_module


def lazy_names(package, public):
    """``(__getattr__, __dir__)`` for the package named ``package``, whose ``public`` names (name →
    the relative module defining it) are imported on first use; any other name of a submodule
    imports that submodule, as an eager ``__init__`` that imported it would have offered it."""
    module = sys.modules[package]

    def __getattr__(name):
        if name in public:
            value = getattr(import_module(public[name], package), name)
        else:
            try:
                value = import_module(f".{name}", package)
            except ModuleNotFoundError as exc:
                if exc.name != f"{package}.{name}":
                    raise
                raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        setattr(module, name, value)  # later look-ups skip this function
        return value

    def __dir__():
        return sorted({*vars(module), *public})

    return __getattr__, __dir__
