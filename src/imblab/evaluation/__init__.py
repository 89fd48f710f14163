"""Protocols, the runner and metrics."""

from .metrics import METRICS, compute_metrics, score_predictions
from .protocols import Holdout, RepeatedKFold

__all__ = ["METRICS", "Holdout", "RepeatedKFold", "compute_metrics", "score_predictions"]
