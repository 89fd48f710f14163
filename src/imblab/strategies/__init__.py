"""Strategies for handling class imbalance, built as scikit-learn estimators.

The catalogue and spec parsing import no machine-learning library; the network
(``KerasMLPClassifier``) is imported on first use.
"""

from .registry import PRACTICAL, PRESETS, STRATEGIES, Strategy, get_strategies, minority_rows_needed, strategy
from .spec import Spec, parse_spec

__all__ = [
    "KerasMLPClassifier", "PRACTICAL", "PRESETS", "STRATEGIES", "Spec", "Strategy", "get_strategies",
    "minority_rows_needed", "parse_spec", "strategy",
]


def __getattr__(name):
    if name == "KerasMLPClassifier":
        from .neural import KerasMLPClassifier

        return KerasMLPClassifier
    raise AttributeError(f"module 'imblab.strategies' has no attribute {name!r}")
