"""Take the winner home: refit a strategy on all the data, save it safely, load it, predict.

The names are imported on first use, so that the command line can refuse a bad
model folder or file before it loads scikit-learn, pandas or skops.
"""

from importlib import import_module

_PUBLIC = {"FittedModel": ".fitted", "fit_model": ".fitted", "VersionWarning": ".persist",
           "allowed_types": ".persist", "load_model": ".persist", "save_model": ".persist",
           "check_frame": ".schema", "make_schema": ".schema"}
__all__ = sorted(_PUBLIC)


def __getattr__(name):
    if name not in _PUBLIC:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_PUBLIC[name], __name__), name)
