"""imblab: compare ways of handling class imbalance in binary classification.

>>> import imblab
>>> results = imblab.compare()              # the course practical  # doctest: +SKIP
>>> results.summary                         # one row per strategy  # doctest: +SKIP

The public names are imported on first use, so that ``import imblab`` (and the
command line's ``--help``) does not pay for scikit-learn, pandas or Keras.
"""

from importlib import import_module

__version__ = "0.1.0"

#: Public name -> the module that defines it.
_PUBLIC = {
    "Dataset": ".data",
    "dataset_from_frame": ".data",
    "load_table": ".data",
    "make_synthetic": ".data",
    "ImblabError": ".errors",
    "Holdout": ".evaluation",
    "RepeatedKFold": ".evaluation",
    "compute_metrics": ".evaluation",
    "compare": ".experiment",
    "Results": ".results",
    "RunStore": ".store",
    "STRATEGIES": ".strategies",
    "KerasMLPClassifier": ".strategies",
    "get_strategies": ".strategies",
    "strategy": ".strategies",
    "GroupKFold": ".evaluation",
    "TimeSplits": ".evaluation",
    "SplitterProtocol": ".evaluation",
    "load_model": ".model",
    "fit_model": ".model",
    "compare_datasets": ".bench",
    "bench_suite": ".bench",
    "bench_files": ".bench",
    "read_manifest": ".bench",
    "BenchResults": ".bench",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name):
    if name not in _PUBLIC:
        raise AttributeError(f"module 'imblab' has no attribute {name!r}")
    value = getattr(import_module(_PUBLIC[name], __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__():
    return sorted([*globals(), *_PUBLIC])
