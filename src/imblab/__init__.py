"""imblab: compare ways of handling class imbalance in binary classification.

>>> import imblab
>>> results = imblab.compare()              # the course practical  # doctest: +SKIP
>>> results.summary                         # one row per strategy  # doctest: +SKIP

The public names are imported on first use, so that ``import imblab`` (and the
command line's ``--help``) does not pay for scikit-learn, pandas or Keras.
"""

from ._lazy import lazy_names

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


__getattr__, __dir__ = lazy_names(__name__, _PUBLIC)
