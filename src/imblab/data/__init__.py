"""Datasets: the practical's synthetic data and the user's own tables.

The names are imported on first use: reading a file needs pandas, the
synthetic data scikit-learn, and a command line that only checks its
arguments needs neither.
"""

from importlib import import_module

_PUBLIC = {"Dataset": ".dataset", "dataset_from_frame": ".files", "load_table": ".files",
           "make_synthetic": ".synthetic"}
__all__ = sorted(_PUBLIC)


def __getattr__(name):
    if name not in _PUBLIC:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_PUBLIC[name], __name__), name)
