"""Each fit's thread pools are sized to the cores it was given (no oversubscription)."""

import json

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

import imblab
from imblab.evaluation.engines import available_cores, cores_per_fit, workers_for
from imblab.strategies import registry


class ThreadReporter(ClassifierMixin, BaseEstimator):
    """Writes threadpoolctl's view of this process's thread pools, from inside ``fit``, to a file."""

    def __init__(self, path=None, n_jobs=None):
        self.path = path
        self.n_jobs = n_jobs

    def fit(self, X, y):
        from threadpoolctl import threadpool_info

        np.linalg.inv(np.eye(50) + 1.0)  # make sure BLAS is loaded
        pools = [{"api": p["user_api"], "threads": p["num_threads"]} for p in threadpool_info()]
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"pools": pools, "n_jobs": self.n_jobs}) + "\n")
        self.classes_ = np.array([0, 1])
        self.rate_ = float(np.mean(y))
        return self

    def predict_proba(self, X):
        return np.tile([1 - self.rate_, self.rate_], (len(X), 1))

    def predict(self, X):
        return np.zeros(len(X), dtype=int)


def _run_reporting(tmp_path, monkeypatch, n_jobs):
    path = tmp_path / f"pools-{n_jobs}.jsonl"
    strategy = registry.Strategy("reporter", "test", "reports its thread pools", "",
                                 lambda rs: [("model", ThreadReporter(path=str(path)))])
    monkeypatch.setitem(registry.STRATEGIES, "reporter", strategy)
    ds = imblab.make_synthetic(400, 5, 0.2, random_state=0)
    results = imblab.compare(ds, "reporter", imblab.RepeatedKFold(2, 2, random_state=0), n_jobs=n_jobs)
    assert not results.errors()
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_concurrent_fits_get_one_core_each(tmp_path, monkeypatch):
    cores = available_cores()
    reports = _run_reporting(tmp_path, monkeypatch, n_jobs=cores)
    assert len(reports) == 4
    for report in reports:
        assert {p["api"] for p in report["pools"]} >= {"blas"}
        assert all(p["threads"] == 1 for p in report["pools"]), report
        assert report["n_jobs"] is None  # parallel across fits: none inside the learner


def test_a_lone_fit_gets_every_core_for_its_pools_and_learner(tmp_path, monkeypatch):
    cores = available_cores()
    reports = _run_reporting(tmp_path, monkeypatch, n_jobs=1)
    for report in reports:
        assert all(p["threads"] == cores for p in report["pools"]), report
        assert report["n_jobs"] == (cores if cores > 1 else None)


def test_worker_and_core_arithmetic():
    assert workers_for(-1, 100) == available_cores()
    assert workers_for(8, 3) == 3
    assert workers_for(1, 0) == 1
    assert cores_per_fit(1) == available_cores()
    assert cores_per_fit(10 * available_cores()) == 1
