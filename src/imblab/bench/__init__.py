"""Benches: the same strategies and protocol on many datasets, and statistics across them.

A bench folder holds one ordinary run folder per dataset (``datasets/<name>/``)
beside the cross-dataset tables and report; nothing in a run knows it is part
of a bench. The names are imported on first use, so that the command line can
refuse bad arguments before it loads the statistics' libraries.
"""

from importlib import import_module

_PUBLIC = {"BenchResults": ".results", "DatasetOutcome": ".run", "compare_datasets": ".run",
           "run_dataset": ".run", "SUITES": ".suites", "BenchDataset": ".suites", "bench_files": ".suites",
           "bench_suite": ".suites", "list_suites": ".suites", "read_manifest": ".suites"}
__all__ = sorted(_PUBLIC)


def __getattr__(name):
    if name not in _PUBLIC:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_PUBLIC[name], __name__), name)
