"""Cores: how many threads each fit may run.

Forests, histogram boosting (OpenMP), BLAS and XLA each start thread pools
sized to the whole machine. Two of them at once on two cores made single fits
100–1000× slower (measured), so every fit runs with its pools sized to the
cores it was given — the machine's cores divided by the fits running at once —
and parallelism is used at one level at a time: across fits when there are
several workers, inside a learner (its ``n_jobs``) when fits run one by one.
The one exception is a large fit beside others: its learner's threads may also
run on the cores idle workers leave, one thread per core (:func:`spare_cores`).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
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


def use_cores(estimator, cores, *, spare=False):
    """Give the learner's own parallelism (``n_jobs`` of forests and ensembles) the fit's cores.

    Only the learner (the pipeline step named ``model``) gets them: a wrapper's
    ``n_jobs`` (threshold tuning's internal cross-validation) would start
    processes of its own and nest a second level of parallelism. Linear models
    are left alone: their ``n_jobs`` only splits one-vs-rest problems, which a
    binary one is not, and newer scikit-learn warns about it.

    scikit-learn's and imbalanced-learn's learners run joblib threads, which
    :func:`elastic_threads` can gate: with ``spare``, they get every core and
    their threads beyond the fit's own run only on spare ones. A learner from
    elsewhere (LightGBM, XGBoost) runs threads of its own that neither
    threadpoolctl nor that gate reaches, so its ``n_jobs`` is always the fit's
    ``cores``, one when fits run side by side (left at its default, LightGBM
    takes every core: more threads than cores, and a forked worker whose parent
    had trained LightGBM hangs in its first parallel region).
    """
    if not hasattr(estimator, "get_params"):
        return estimator
    params = estimator.get_params(deep=True)
    wanted = {}
    for name in params:
        owner_name, _, parameter = name.rpartition("__")
        if parameter not in THREAD_PARAMETERS:
            continue
        owner = params[owner_name] if owner_name else estimator
        module = type(owner).__module__
        if module.split(".")[0] not in ("sklearn", "imblearn", "imblab"):
            wanted[name] = cores  # threads of its own, beyond threadpoolctl's reach: wherever it sits
        elif parameter == "n_jobs" and (owner_name == "model" or owner_name.endswith("__model")) \
                and not module.startswith("sklearn.linear_model") and (spare or cores > 1):
            wanted[name] = available_cores() if spare else cores
    if wanted:
        estimator.set_params(**wanted)
    return estimator


#: What learners call their number of threads: scikit-learn's n_jobs, and LightGBM's (num_threads and its
#: aliases, which win over n_jobs), XGBoost's and CatBoost's names.
THREAD_PARAMETERS = {"n_jobs", "num_threads", "num_thread", "nthread", "nthreads", "thread_count"}


def spare_cores():
    """Cores freed by workers that have no fit left, as tokens of a semaphore shared by this process
    and the workers it forks (created once, before the first fork).

    A forked worker's learner that runs threads of its own (a forest's
    ``n_jobs``) is given every core, but its threads beyond the first run only
    on a core taken from here (see :func:`elastic_threads`): the last fits of a
    run, e.g. a forest still growing once the networks are done, use the cores
    the other workers left, and no more threads than cores ever compute.
    """
    global _SPARE, _HELD
    if _SPARE is None:
        context = multiprocessing.get_context("fork")
        _SPARE, _HELD = context.Semaphore(0), context.RawArray("i", _SLOTS)
    return _SPARE


_SPARE = None
# How many spare cores each worker holds, by the worker's slot (its number in the map), so that a worker
# that dies holding some returns them (return_held); _SLOT is this process's slot, None outside a worker.
_SLOTS = 1024
_HELD = None
_SLOT = None
_HELD_LOCK = threading.Lock()


def hold_as(slot):
    """This process is the worker in ``slot``: the spare cores it takes are counted there."""
    global _SLOT
    _SLOT = slot if slot < _SLOTS else None


def return_held(slot):
    """The spare cores the worker in ``slot`` held when it died, given back to the others.

    A worker killed in the instant between taking a core and counting it
    still loses that one; it never returns one it did not take.
    """
    if _HELD is not None and slot < _SLOTS:
        for _ in range(_HELD[slot]):
            _SPARE.release()
        _HELD[slot] = 0


def reset_spare(n):
    """A map starts: ``n`` spare cores, none held."""
    spare = spare_cores()
    _drain(spare)
    _HELD[:] = [0] * _SLOTS
    for _ in range(n):
        spare.release()


def _count_held(change):
    if _SLOT is not None and _HELD is not None:
        with _HELD_LOCK:  # this worker's threads share its slot
            _HELD[_SLOT] += change


@contextmanager
def elastic_threads():
    """Run a fit with its learner's joblib threads gated: one on the fit's own core, the others
    only on cores taken from :func:`spare_cores` (held while a batch of work runs). Without
    spare cores to take from, the learner's threads run one at a time."""
    from joblib import parallel_config

    with parallel_config(backend=_ElasticThreads(_Gate(spare_cores()))):
        yield


class _Gate:
    """Who may compute: the fit's own core, or a core taken from the shared spare ones."""

    def __init__(self, spare):
        self.own, self.spare = threading.Semaphore(1), spare

    def run(self, func):
        core = self._take()
        try:
            return func()
        finally:
            if core is not self.own:
                _count_held(-1)  # before it is given back: a death in between loses it, never doubles it
            core.release()

    def _take(self):
        """A core to compute on: the fit's own if free, else a spare one if there is one, else the first
        of the two to free (woken at once for the own core; spare ones are looked for 10 times a second).
        Looking for a spare core before waiting matters: a tree takes well under a second, and a wait of
        0.1 s before each one left a tenth of a spare core unused (measured on a million rows)."""
        while True:
            if self.own.acquire(False):
                return self.own
            if self.spare is not None and self.spare.acquire(False):
                _count_held(+1)
                return self.spare
            if self.own.acquire(timeout=0.1):
                return self.own


def _elastic_backend_class():
    from joblib._parallel_backends import ThreadingBackend

    class ElasticThreads(ThreadingBackend):
        """joblib's threads, each batch of work run through a :class:`_Gate`."""

        def __init__(self, gate, **kwargs):
            super().__init__(**kwargs)
            self.gate = gate

        def submit(self, func, callback=None):
            return super().submit(lambda: self.gate.run(func), callback)

    return ElasticThreads


def _ElasticThreads(gate):  # noqa: N802 - builds the backend; joblib is imported only when a fit needs it
    return _elastic_backend_class()(gate)


def _drain(semaphore):
    while semaphore.acquire(False):
        pass
