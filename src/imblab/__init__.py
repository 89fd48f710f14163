"""imblab: compare ways of handling class imbalance in binary classification.

>>> import imblab
>>> results = imblab.compare()              # the course practical  # doctest: +SKIP
>>> results.summary                         # one row per strategy  # doctest: +SKIP
"""

from .data import Dataset, dataset_from_frame, load_table, make_synthetic
from .errors import ImblabError
from .evaluation import Holdout, RepeatedKFold, compute_metrics
from .experiment import compare
from .results import Results
from .strategies import STRATEGIES, KerasMLPClassifier, get_strategies

__version__ = "0.1.0"

__all__ = [
    "Dataset", "Holdout", "ImblabError", "KerasMLPClassifier", "RepeatedKFold", "Results",
    "STRATEGIES", "compare", "compute_metrics", "dataset_from_frame", "get_strategies",
    "load_table", "make_synthetic",
]
