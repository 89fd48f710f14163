"""Benches: the same strategies and protocol on many datasets, and statistics across them.

A bench folder holds one ordinary run folder per dataset (``datasets/<name>/``)
beside the cross-dataset tables and report; nothing in a run knows it is part
of a bench.
"""

from .results import BenchResults
from .run import DatasetOutcome, compare_datasets, run_dataset
from .suites import SUITES, BenchDataset, bench_files, bench_suite, list_suites, read_manifest

__all__ = ["SUITES", "BenchDataset", "BenchResults", "DatasetOutcome", "bench_files", "bench_suite",
           "compare_datasets", "list_suites", "read_manifest", "run_dataset"]
