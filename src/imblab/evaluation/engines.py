"""Engines: how the runner's fits are run, and with how many threads each.

Forests, histogram boosting (OpenMP), BLAS and XLA each start thread pools
sized to the whole machine. Two of them at once on two cores made single fits
100–1000× slower (measured), so every fit runs with its pools sized to the
cores it was given — the machine's cores divided by the fits running at once —
and parallelism is used at one level at a time: across fits when there are
several workers, inside a learner (its ``n_jobs``) when fits run one by one.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager


def available_cores():
    """The cores this process may run on (its CPU affinity, which containers narrow)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def workers_for(n_jobs, n_tasks):
    """How many fits run at once: ``n_jobs`` (-1: every core), never more than there are fits."""
    n_jobs = available_cores() if n_jobs == -1 else n_jobs
    return max(1, min(n_jobs, n_tasks))


def cores_per_fit(n_workers):
    """The cores each of ``n_workers`` concurrent fits may use.

    Examples
    --------
    >>> cores_per_fit(available_cores()) == 1
    True
    """
    return max(1, available_cores() // n_workers)


@contextmanager
def limited_threads(cores):
    """Size OpenMP and BLAS thread pools to ``cores`` while a fit runs (threadpoolctl)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=cores):
        yield


def use_cores(estimator, cores):
    """Give the learner's own parallelism (``n_jobs`` of forests and ensembles) the fit's cores.

    Only the learner (the pipeline step named ``model``) gets them: a wrapper's
    ``n_jobs`` (threshold tuning's internal cross-validation) would start
    processes of its own and nest a second level of parallelism. Linear models
    are left alone: their ``n_jobs`` only splits one-vs-rest problems, which a
    binary one is not, and newer scikit-learn warns about it.
    """
    if cores <= 1 or not hasattr(estimator, "get_params"):
        return estimator
    params = estimator.get_params(deep=True)
    wanted = {}
    for name in params:
        if name == "model__n_jobs" or name.endswith("__model__n_jobs"):
            learner = params[name[:-len("__n_jobs")]]
            if not type(learner).__module__.startswith("sklearn.linear_model"):
                wanted[name] = cores
    if wanted:
        estimator.set_params(**wanted)
    return estimator


def parallel_map(func, tasks, *, n_workers=1):
    """``map(func, tasks)`` over ``n_workers`` workers, results in task order, as a generator.

    Workers are forked processes that inherit this process's imports, so they
    start in milliseconds; spawned workers (joblib's loky) would each spend
    ~2.5 s importing Keras and scikit-learn, about as long as the 5 × 2
    practical's fits they take over. Forking is only safe before JAX has
    started its runtime in this process (its threads do not survive a fork):
    after that, and where fork does not exist, the workers are threads, which
    give less because the fits' Python-side work holds the GIL.

    Tasks are handed to workers through the fork itself, not pickled, so any
    strategy works; only results travel back.
    """
    n_workers = min(n_workers, len(tasks))
    if n_workers <= 1:
        yield from map(func, tasks)
    elif _can_fork():
        global _FORKED_TASKS
        _FORKED_TASKS = (func, tasks)
        try:
            with multiprocessing.get_context("fork").Pool(n_workers) as pool:
                yield from pool.imap(_run_forked_task, range(len(tasks)))
        finally:
            _FORKED_TASKS = None
    else:
        with ThreadPoolExecutor(n_workers) as pool:
            yield from pool.map(func, tasks)


_FORKED_TASKS = None


def _run_forked_task(index):
    func, tasks = _FORKED_TASKS
    return func(tasks[index])


def _can_fork():
    """Whether forking is safe: not after JAX has started its runtime, nor once TensorFlow or
    PyTorch (whose thread pools do not survive a fork either) are loaded."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return False
    if "tensorflow" in sys.modules or "torch" in sys.modules:
        return False
    xla_bridge = sys.modules.get("jax._src.xla_bridge")
    return not getattr(xla_bridge, "_backends", None)
