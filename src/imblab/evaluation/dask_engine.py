"""The Dask engine: the runner's fits on a Dask cluster, many machines or local worker processes.

Each dataset is sent to the cluster once, as the result of a task of its own
that every fit depends on: the workers copy it from one another as they need
it, and should every copy die with its workers, Dask recomputes it (scattered
data, ``client.scatter``, cannot be recomputed: a fit killing the workers
that held it would cancel every fit still to run). Each fit is a task holding
only the strategy, the split's row indices and its seed. Results come back as
they finish. A worker that dies mid-fit has its fit run again elsewhere by
Dask's own failure handling; a fit that keeps killing workers (more than
``distributed.scheduler.allowed-failures`` times, 3 by default) ends in Dask's
``KilledWorker`` and is recorded as a failed fit, not a failed run.

``distributed`` is imported only when an engine is made, so that imblab
without the ``dask`` extra, and its command line, never pay for it.
"""

from __future__ import annotations

import re
import uuid

from ..errors import ImblabError
from .cores import available_cores

#: How long to try reaching a scheduler before saying it cannot be reached.
CONNECT_TIMEOUT = 5
#: How long a local cluster waits for a restarting worker before giving up on it, and fits wait for a
#: worker at all before they fail.
WORKER_RESTART = "5 minutes"
INSTALL = "install it with pip install 'imblab[dask]'"
_LOCAL = re.compile(r"local(?::(?P<n>[0-9]+))?")
_ADDRESS = re.compile(r"(?:(?:tcp|tls|ws|wss|ucx)://)?(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9][A-Za-z0-9._-]*):[0-9]{1,5}")


def parse_dask(text):
    """Check a ``--dask`` value: ``("local", N)`` for ``local[:N]`` (N defaults to the cores),
    ``("address", text)`` for a scheduler's address; ImblabError otherwise.

    Examples
    --------
    >>> parse_dask("local:2"), parse_dask("tcp://10.0.0.5:8786")
    (('local', 2), ('address', 'tcp://10.0.0.5:8786'))
    >>> parse_dask("local")[1] == available_cores()
    True
    """
    text = str(text).strip()
    local = _LOCAL.fullmatch(text)
    if local:
        n = int(local["n"]) if local["n"] is not None else available_cores()
        if n < 1:
            raise ImblabError(f"--dask {text}: a local cluster needs at least 1 worker; use local:N with N ≥ 1")
        return "local", n
    if _ADDRESS.fullmatch(text):
        return "address", text
    raise ImblabError(f"--dask {text!r} is neither local, local:N nor a scheduler address: use e.g. --dask local:2 "
                      "or --dask tcp://10.0.0.5:8786")


def require_distributed():
    """Raise ImblabError, saying how to install it, unless Dask's distributed scheduler is installed."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise ImblabError(f"--dask needs Dask's distributed scheduler, which is not installed: {INSTALL}") from None


class DaskEngine:
    """Run fits on the Dask cluster behind ``client`` (a ``distributed.Client``).

    Pass it as ``engine`` to :func:`imblab.compare`. :meth:`connect` and
    :meth:`local` make one that owns its client (and cluster); close it with
    :meth:`close` or use it as a context manager. One made from a client the
    caller owns leaves that client open.

    Examples
    --------
    A cluster of one worker inside this process (``local(2)`` would start
    two worker processes; ``DaskEngine(distributed.Client(address))`` uses a
    running scheduler):

    >>> from imblab import compare, make_synthetic
    >>> with DaskEngine.local(1, processes=False) as engine:
    ...     results = compare(make_synthetic(n_samples=500), "naive,brf", engine=engine)
    >>> list(results.summary["strategy"]), results.config["engine"]["workers"]
    (['naive', 'brf'], 1)
    """

    def __init__(self, client, *, _owned=(), _config=None):
        self.client = client
        self._owned = list(_owned)
        self._config = _config  # Dask settings this engine changed, restored when it closes

    @classmethod
    def connect(cls, address, *, timeout=CONNECT_TIMEOUT):
        """An engine on the running scheduler at ``address``; ImblabError if it cannot be reached."""
        require_distributed()
        from distributed import Client

        try:
            client = Client(address, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            reason = " ".join(str(exc).split()) or type(exc).__name__
            raise ImblabError(f"--dask {address}: cannot reach a Dask scheduler there within {timeout} s ({reason}); "
                              "check the address and that 'dask scheduler' runs, or use --dask local:N") from None
        return cls(client, _owned=[client])

    @classmethod
    def local(cls, n_workers, **cluster_options):
        """An engine on a new ``LocalCluster`` of ``n_workers`` processes with 1 thread each.

        Processes, not threads: the fits' Python-side work holds the GIL, and a
        worker process that dies (out of memory, a crashing library) is
        restarted by its nanny while the others carry on. Each worker is
        handed one fit at a time (``worker-saturation`` 1.0), so that a
        worker's death counts against the fit it was running and no other.
        While the engine is open, a restarting worker has
        :data:`WORKER_RESTART` to come back (Dask's ``lost-worker-timeout``
        gives it 15 s, which a busy machine's restarts exceeded, and the
        cluster then drops the worker for good), and fits that no worker can
        run for that long fail (``no-workers-timeout``) instead of waiting
        forever. Dask's own log lines are silenced: imblab reports failed fits.
        """
        require_distributed()
        import logging
        import warnings

        import dask
        from distributed import Client, LocalCluster

        options = {"n_workers": n_workers, "threads_per_worker": 1, "processes": True,
                   "dashboard_address": None, "silence_logs": logging.CRITICAL, **cluster_options}
        patience = dask.config.set({"distributed.deploy.lost-worker-timeout": WORKER_RESTART})
        try:
            with dask.config.set({"distributed.scheduler.worker-saturation": 1.0,
                                  "distributed.scheduler.no-workers-timeout": WORKER_RESTART}), \
                    warnings.catch_warnings():
                # without a dashboard the scheduler still serves its health page, on 8787 or, if taken, elsewhere
                warnings.filterwarnings("ignore", message="Port .* is already in use")
                cluster = LocalCluster(**options)
            client = Client(cluster, set_as_default=False)
        except BaseException:
            patience.__exit__(None, None, None)
            raise
        return cls(client, _owned=[client, cluster], _config=patience)

    def close(self):
        """Close the client and cluster this engine made (not a client it was given)."""
        for owned in self._owned:
            owned.close()
        self._owned = []
        if self._config is not None:
            self._config.__exit__(None, None, None)
            self._config = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def describe(self):
        """How the fits are run, for the run's record: the scheduler, its workers and their threads."""
        nthreads = self.client.nthreads()
        return {"kind": "dask", "scheduler": self.client.scheduler.address, "workers": len(nthreads),
                "threads": sum(nthreads.values())}

    def cores_by_worker(self):
        """The cores each worker's fits may use: its host's cores shared among the threads of every
        worker on that host, as :func:`.cores.cores_per_fit` shares this machine's among local
        workers, so that fits running side by side never oversubscribe a machine."""
        from distributed.comm import get_address_host

        nthreads = self.client.nthreads()
        # a worker that dies while asked (killed, restarting) is left out: its fits are rescheduled anyway
        host_cores = self.client.run(available_cores, on_error="ignore")
        threads_on_host = {}
        for address, threads in nthreads.items():
            host = get_address_host(address)
            threads_on_host[host] = threads_on_host.get(host, 0) + threads
        return {address: max(1, host_cores.get(address, 1) // threads_on_host[get_address_host(address)])
                for address in nthreads}

    def fits(self, tasks):
        """Run ``fit_and_predict`` on each task on the cluster; yield ``(index, (part, record))`` in the
        order the fits finish.

        Every task must hold the same dataset, which is sent once. A fit that
        keeps killing its workers gives a record with that as its error.
        """
        import warnings

        from distributed import as_completed
        from distributed.scheduler import KilledWorker

        if not tasks:
            return
        if len({id(task.dataset) for task in tasks}) != 1:
            raise ValueError("DaskEngine.fits takes the tasks of one dataset at a time")
        run = uuid.uuid4().hex[:8]
        with warnings.catch_warnings():  # a large dataset is meant to travel this way, once
            warnings.filterwarnings("ignore", message="Sending large graph")
            # a task, not scattered data: Dask recomputes a task whose every copy died with its workers
            # (scattered data would be lost, and the fits needing it cancelled)
            data = self.client.submit(_dataset, tasks[0].dataset, key=f"imblab-data-{run}", pure=False)
        cores = self.cores_by_worker()
        futures = {}
        for index, task in enumerate(tasks):
            future = self.client.submit(_fit_on_worker, data, task.strategy, task.split, task.random_state,
                                        task.seed, cores, key=f"imblab-fit-{run}-{index}", pure=False)
            futures[future] = index  # a key of its own: identical fits are never merged
        try:
            for future in as_completed(futures, loop=self.client.loop):
                index = futures[future]
                try:
                    result = future.result()
                except KilledWorker as exc:
                    result = killed_record(tasks[index], exc)
                except Exception as exc:  # the cluster could not run it at all: stop, keeping what is done
                    raise _cluster_failed(tasks[index], exc) from None
                finally:
                    future.release()
                yield index, result
        finally:
            for future in futures:
                future.cancel()
            data.release()


def _cluster_failed(task, exc):
    reason = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
    return ImblabError(f"the Dask cluster could not run the fit of {task.strategy.name} on split "
                       f"{task.split.split_id} ({reason}): the scheduler and workers need imblab and every "
                       "module your strategies use, and must stay up")


def _dataset(dataset):
    """The dataset, as a task's result: held by the workers that need it, recomputed if all are lost."""
    return dataset


def killed_record(task, exc):
    """The record of a fit whose every attempt killed its worker."""
    from .runner import FitRecord

    dataset, split = task.dataset, task.split
    allowed = getattr(exc, "allowed_failures", None)
    attempts = allowed + 1 if isinstance(allowed, int) else "all the"
    return None, FitRecord(
        strategy=task.strategy.name, split_id=split.split_id, train_counts=dataset.class_counts(split.train),
        test_counts=dataset.class_counts(split.test), seed=task.seed,
        error=f"KilledWorker: every attempt at this fit killed its Dask worker ({attempts} workers died running it)",
    )


def _fit_on_worker(dataset, strategy, split, random_state, seed, cores):
    """One fit on a worker; ``cores`` maps workers to the cores each fit there may use."""
    from distributed import get_worker

    from .runner import Task, fit_and_predict

    share = cores.get(get_worker().address, 1)
    return fit_and_predict(Task(dataset, strategy, split, random_state, seed, share))
