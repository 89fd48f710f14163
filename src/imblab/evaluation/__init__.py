"""Protocols, the runner and metrics (imported on first use, like the package's own names)."""

from importlib import import_module

_PUBLIC = {"METRICS": ".metrics", "compute_metrics": ".metrics", "score_predictions": ".metrics",
           "GroupKFold": ".protocols", "Holdout": ".protocols", "RepeatedKFold": ".protocols",
           "SplitterProtocol": ".protocols", "TimeSplits": ".protocols"}
__all__ = sorted(_PUBLIC)


def __getattr__(name):
    if name not in _PUBLIC:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_PUBLIC[name], __name__), name)
