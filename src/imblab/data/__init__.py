"""Datasets: the practical's synthetic data and the user's own tables.

The names are imported on first use: reading a file needs pandas, the
synthetic data scikit-learn, and a command line that only checks its
arguments needs neither.
"""

from .._lazy import lazy_names

_PUBLIC = {"Dataset": ".dataset", "dataset_from_frame": ".files", "load_table": ".files",
           "make_synthetic": ".synthetic"}
__all__ = sorted(_PUBLIC)


__getattr__, __dir__ = lazy_names(__name__, _PUBLIC)
