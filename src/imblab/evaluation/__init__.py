"""Protocols, the runner and metrics."""

from .metrics import METRICS, compute_metrics, score_predictions
from .protocols import GroupKFold, Holdout, RepeatedKFold, SplitterProtocol, TimeSplits

__all__ = ["METRICS", "GroupKFold", "Holdout", "RepeatedKFold", "SplitterProtocol", "TimeSplits", "compute_metrics", "score_predictions"]
