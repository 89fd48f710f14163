"""Benches: the same strategies and protocol on many datasets, and statistics across them.

A bench folder holds one ordinary run folder per dataset (``datasets/<name>/``)
beside the cross-dataset tables and report; nothing in a run knows it is part
of a bench. The names are imported on first use, so that the command line can
refuse bad arguments before it loads the statistics' libraries.
"""

from .._lazy import lazy_names

_PUBLIC = {"BenchResults": ".results", "DatasetOutcome": ".run", "compare_datasets": ".run",
           "run_dataset": ".run", "SUITES": ".suites", "BenchDataset": ".suites", "bench_files": ".suites",
           "bench_suite": ".suites", "list_suites": ".suites", "read_manifest": ".suites"}
__all__ = sorted(_PUBLIC)


__getattr__, __dir__ = lazy_names(__name__, _PUBLIC)
