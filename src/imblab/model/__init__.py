"""Take the winner home: refit a strategy on all the data, save it safely, load it, predict.

The names are imported on first use, so that the command line can refuse a bad
model folder or file before it loads scikit-learn, pandas or skops.
"""

from .._lazy import lazy_names

_PUBLIC = {"FittedModel": ".fitted", "fit_model": ".fitted", "VersionWarning": ".persist",
           "allowed_types": ".persist", "load_model": ".persist", "save_model": ".persist",
           "check_frame": ".schema", "make_schema": ".schema"}
__all__ = sorted(_PUBLIC)


__getattr__, __dir__ = lazy_names(__name__, _PUBLIC)
