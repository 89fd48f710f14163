"""Strategies for handling class imbalance, built as scikit-learn estimators."""

from .neural import KerasMLPClassifier
from .registry import PRACTICAL, PRESETS, STRATEGIES, Strategy, get_strategies, minority_rows_needed
from .spec import Spec, parse_spec

__all__ = [
    "KerasMLPClassifier", "PRACTICAL", "PRESETS", "STRATEGIES", "Spec", "Strategy", "get_strategies",
    "minority_rows_needed", "parse_spec",
]
