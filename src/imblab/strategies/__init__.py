"""Strategies for handling class imbalance, built as scikit-learn estimators."""

from .neural import KerasMLPClassifier
from .registry import PRACTICAL, STRATEGIES, Strategy, get_strategies, minority_rows_needed

__all__ = [
    "KerasMLPClassifier", "PRACTICAL", "STRATEGIES", "Strategy", "get_strategies",
    "minority_rows_needed",
]
