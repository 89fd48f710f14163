"""Engines: how the runner's fits are run — one by one, or in forked worker processes.

How many threads each fit may run is :mod:`.cores`' business. Here: maps over
forked workers, as tasks finish (:func:`completed_map`) or in task order
(:func:`parallel_map`), the scheduler that hands tasks out, a worker started
ahead of time by the command line (a warm worker for Keras' start-up), and the
messages between them. Forking a child safely is :mod:`.forking`'s; a helper
process that answers the fits' calls is :mod:`.helper`'s.
"""

from __future__ import annotations

import multiprocessing.connection
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from . import helper
from .cores import _drain, available_cores, hold_as, reset_spare, return_held, spare_cores
from .forking import can_fork as _can_fork
from .forking import fork_child as _fork
from .forking import in_each_child
from .scheduler import Scheduler


#: Held by a thread of this process while it imports modules during a map (the command line's preload),
#: and taken to fork a worker mid-map in place of one that died: a child forked in the middle of an
#: import would find that module's lock held for ever.
IMPORTING = threading.Lock()


def parallel_map(func, tasks, *, n_workers=1, group=None, first=None):
    """``map(func, tasks)`` over ``n_workers`` workers, results in task order, as a generator
    (see :func:`completed_map`, which this puts back in order)."""
    yield from _in_order(completed_map(func, tasks, n_workers=n_workers, group=group, first=first))


def completed_map(func, tasks, *, n_workers=1, group=None, first=None, started=None, lost=None):
    """``(index, func(tasks[index]))`` over ``n_workers`` workers, as each task finishes, as a generator.

    Workers are forked processes that inherit this process's imports, so they
    start in milliseconds; spawned workers (joblib's loky) would each spend
    ~2.5 s importing Keras and scikit-learn, about as long as the 5 × 2
    practical's fits they take over. Forking is only safe before JAX has
    started its runtime in this process (its threads do not survive a fork):
    after that, and where fork does not exist, the workers are threads, which
    give less because the fits' Python-side work holds the GIL. With one
    worker, the tasks run here, one by one, in order.

    ``group(task)`` names what a task needs started in its worker before it can
    run — ``"keras"`` for a network: importing Keras and JAX and compiling the
    training loop cost seconds, once per process — or ``None``. Forked workers
    are handed tasks so that each such start-up is paid by as few workers as
    possible (see :class:`~.scheduler.Scheduler`), while the other workers take the rest.

    Where ``first(task)`` is true, the task is handed out before the others
    (the slowest, so that the quick ones fill in around them).

    Tasks are handed to workers through the fork itself, not pickled, so any
    strategy works; only results travel back. The exception is a worker started
    ahead of time (:func:`start_warm_worker`), which is sent its tasks pickled,
    each task's dataset once.

    ``started()``, if given, is called once the workers run (after the forks):
    the place for what must not happen before a fork, such as starting a thread
    that imports modules.

    A worker process that dies while it runs a task (killed by the system, a
    crash in compiled code) ends the map with :class:`WorkerLost`; with
    ``lost(index, exc)`` given, that is the task's result instead, a fresh
    worker is forked in its place and the map goes on.
    """
    n_workers = min(n_workers, len(tasks))
    if n_workers <= 1:
        stop_warm_workers()
        if started is not None:
            started()
        yield from enumerate(map(func, tasks))
    elif _can_fork():
        yield from _forked_completed(func, tasks, n_workers, [group(t) if group else None for t in tasks],
                                     first=[bool(first(t)) for t in tasks] if first else None, started=started,
                                     lost=lost)
    else:
        from concurrent.futures import as_completed

        pool = ThreadPoolExecutor(n_workers)
        try:
            futures = {pool.submit(func, task): index for index, task in enumerate(tasks)}
            if started is not None:
                started()
            for future in as_completed(futures):
                yield futures[future], future.result()
        finally:  # interrupted, failed or closed early: the tasks not yet started never start
            pool.shutdown(wait=True, cancel_futures=True)


def _in_order(pairs):
    """The values of ``(index, value)`` pairs, which come in any order, in the order of their indices."""
    waiting, next_out = {}, 0
    for index, value in pairs:
        waiting[index] = value
        while next_out in waiting:
            yield waiting.pop(next_out)
            next_out += 1


def _forked_completed(func, tasks, n_workers, groups, first=None, started=None, lost=None):
    """Run ``func`` over ``tasks`` in forked worker processes, handed out by :class:`~.scheduler.Scheduler`;
    yield ``(index, result)`` as each arrives.

    A thread here serves the workers (hands out tasks, passes their calls on to
    the helper, collects results) while the caller does what it does with each
    result, e.g. writing it to disk: a network waiting on the helper never
    waits for that as well.
    """
    workers, finished, sender, serving = {}, False, None, None
    warm = _adopt_warm_workers(func, tasks, groups, n_workers)
    spare = spare_cores()  # before the forks below, which inherit it
    reset_spare(max(0, available_cores() - n_workers))
    try:
        scheduler = Scheduler(groups, first)
        for worker, (process, conn, group) in enumerate(warm):
            workers[worker] = (process, conn)
            scheduler.owned[worker] = {group}
        for worker in range(len(warm), n_workers):
            workers[worker] = _fork(_worker_loop, func, tasks, worker)
        sender = _Sender(tasks, {w for w in range(len(warm))})

        def replace_worker(worker):  # in place of one that died: a worker forked with the tasks
            with IMPORTING:
                workers[worker] = _fork(_worker_loop, func, tasks, worker)
            sender.forget(worker)
            scheduler.restart(worker)

        serving = _Serving(workers, scheduler, sender, helper.Broker(), spare, len(tasks),
                           replace_worker if lost is not None else None)
        serving.start()
        if started is not None:
            started()
        for _ in tasks:
            item = serving.results.get()
            if isinstance(item, Exception):
                raise item
            if isinstance(item[1], WorkerLost):
                item = (item[0], lost(*item))
            yield item
        finished = True
    finally:  # done: let the workers leave; interrupted or failed: stop them mid-fit
        if not finished:
            for process, _ in workers.values():
                process.terminate()
        if serving is not None:
            serving.stop()
        if sender is not None:
            sender.join()
        for process, conn in workers.values():
            if finished:
                conn.send(None)
            else:
                process.terminate()
            conn.close()
        for process, _ in workers.values():
            process.join()
        _drain(spare)


class WorkerLost(RuntimeError):
    """A worker process died while it ran task ``index`` (killed by the system, e.g. for memory, or a
    crash in compiled code); ``exitcode`` is its exit status, negative for the signal that ended it."""

    def __init__(self, index, exitcode):
        self.index, self.exitcode = index, exitcode
        self.how = f"killed by signal {-exitcode}" if (exitcode or 0) < 0 else f"exit status {exitcode}"
        super().__init__(f"a worker process died while running task {index} ({self.how})")


class _Serving(threading.Thread):
    """The thread that serves a map's workers; puts ``(index, result)`` on ``results`` as each
    arrives, or the exception that ended the map."""

    def __init__(self, workers, scheduler, sender, broker, spare, n_tasks, replace_worker=None):
        import queue

        super().__init__(daemon=True)
        self.workers, self.scheduler, self.sender, self.broker = workers, scheduler, sender, broker
        self.spare, self.n_tasks, self.results = spare, n_tasks, queue.Queue()
        self.replace_worker = replace_worker
        self.stopping = threading.Event()

    def stop(self):
        self.stopping.set()
        if self.ident is not None:
            self.join()

    def run(self):
        try:
            self._serve()
        except BaseException as exc:  # noqa: BLE001 - raised in the thread that reads the results
            if not isinstance(exc, Exception):
                exc = RuntimeError(f"the workers' thread ended: {exc!r}")
            self.results.put(exc)

    def _serve(self):
        workers, busy, received = self.workers, {}, 0
        for worker, (_, conn) in workers.items():
            self._hand_out(worker, conn, busy)
        while received < self.n_tasks and not self.stopping.is_set():
            conns = {workers[w][1]: w for w in busy}
            if not conns:
                raise RuntimeError("no worker left to run the remaining fits")
            for conn in multiprocessing.connection.wait(list(conns) + self.broker.waiting_on(), timeout=0.5):
                if conn not in conns:
                    self.broker.answer()
                    continue
                worker = conns[conn]
                try:
                    message = conn.recv()
                except (EOFError, OSError):
                    if self.stopping.is_set():
                        return
                    process = workers[worker][0]
                    process.join(timeout=5)
                    if process.exitcode is None:  # its pipe closed, yet it runs: stop it
                        process.terminate()
                        process.join()
                    died = WorkerLost(busy.pop(worker), process.exitcode)
                    if self.replace_worker is None or not _can_fork():
                        raise died from None
                    self.broker.forget(conn)
                    conn.close()
                    return_held(worker)  # the spare cores its learner's threads held
                    received += 1
                    self.results.put((died.index, died))
                    self.replace_worker(worker)
                    self._hand_out(worker, workers[worker][1], busy)
                    continue
                if message[0] == "call":
                    self.broker.forward(conn, message[1])
                    continue
                status, index, value = message
                if status == "error":
                    raise RuntimeError(f"a worker failed on task {index}: {value}")
                received += 1
                del busy[worker]
                self.results.put((index, value))
                self._hand_out(worker, conn, busy)

    def _hand_out(self, worker, conn, busy):
        index = self.scheduler.next_for(worker)
        if index is None:  # nothing left for it: its core goes to the fits still running
            self.spare.release()
            return
        try:
            self.sender.send(worker, conn, index)
        except OSError:
            raise RuntimeError(f"a worker process died before it could run task {index}") from None
        busy[worker] = index


class _Sender:
    """Sends a worker its next task: the index for a worker forked with the tasks, the pickled task
    for a warm worker (its dataset sent once, then named by a number).

    A warm worker may still be starting up (importing a library holds its
    interpreter), and a dataset fills the pipe long before it reads: its
    messages are written by a thread, so the other workers are handed their
    tasks meanwhile. A worker is sent a task only once it has returned the
    last one, so its messages never overtake each other.
    """

    def __init__(self, tasks, warm):
        self.tasks, self.warm, self.sent, self.threads = tasks, warm, {}, []

    def send(self, worker, conn, index):
        if worker not in self.warm:
            conn.send(index)
            return
        task = self.tasks[index]
        dataset = getattr(task, "dataset", None)
        known = self.sent.setdefault(worker, {})
        messages = []
        if dataset is not None and id(dataset) not in known:
            known[id(dataset)] = len(known)
            messages.append(("dataset", known[id(dataset)], dataset))
        if dataset is not None:
            task = replace(task, dataset=None)
        messages.append(("task", index, task, known.get(id(dataset))))
        import threading

        thread = threading.Thread(target=_send_all, args=(conn, messages), daemon=True)
        thread.start()
        self.threads.append(thread)

    def forget(self, worker):
        """``worker`` is a new process, forked with the tasks: it is sent their indices."""
        self.warm.discard(worker)
        self.sent.pop(worker, None)

    def join(self):
        """Wait for the messages still being written (before the pipes are closed)."""
        for thread in self.threads:
            thread.join()


def _send_all(conn, messages):
    try:
        for message in messages:
            conn.send(message)
    except OSError:  # the worker is gone: the parent learns it from the closed pipe
        pass


def _worker_loop(func, tasks, slot, conn):
    """A forked worker: run the tasks it is sent until it is sent ``None``.

    A worker forked with the tasks is sent their indices; a warm worker, forked
    before they existed, is sent ``("dataset", n, dataset)`` and
    ``("task", index, task, n)`` messages instead.
    """
    import signal
    import traceback
    from multiprocessing.reduction import ForkingPickler

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it stops the workers
    hold_as(slot)
    helper.call_through(conn)
    datasets = {}
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):  # the parent is gone (killed, even mid-message)
            return
        if message is None:
            return
        if isinstance(message, tuple) and message[0] == "dataset":
            datasets[message[1]] = message[2]
            continue
        if isinstance(message, tuple):
            _, index, task, dataset = message
            if dataset is not None:
                task = replace(task, dataset=datasets[dataset])
            work = (lambda task=task: func(task))
        else:
            index, work = message, (lambda index=message: func(tasks[index]))
        try:
            reply = ForkingPickler.dumps(("ok", index, work()))
        except Exception:  # noqa: BLE001 - a failed fit, or a result that does not pickle: the parent raises it
            reply = ForkingPickler.dumps(("error", index, traceback.format_exc(limit=5)))
        try:
            conn.send_bytes(reply)
        except OSError:  # the parent is gone (killed): nobody waits for the result
            return


# Workers started ahead of time: (process, connection, the group it has started). Only the command
# line starts them (see start_warm_worker); a library call never does.
_WARM = []
in_each_child(_WARM.clear)  # the parent's warm workers are not a forked child's


def start_warm_worker(group, start_up):
    """Fork a worker now that pays ``group``'s start-up (``start_up()``, e.g. importing Keras) while
    this process goes on reading data and checking strategies; the next :func:`parallel_map` with
    tasks of that group and more than one worker adopts it and sends it tasks pickled.

    The command line calls this for runs with networks on machines with more than one core, before
    it imports anything large: the start-ups of the two processes then overlap. Returns whether a
    worker was started (not where fork is unsafe or missing).
    """
    if not _can_fork():
        return False
    spare_cores()  # the worker shares the spare cores of the map that adopts it
    try:
        process, here = _fork(_warm_loop, start_up)
    except OSError:  # no memory or no process left to fork: the map's own workers start the networks
        return False
    _WARM.append((process, here, group))
    return True


def _warm_loop(start_up, conn):
    """A warm worker: pay the start-up, learn the function with the first message, then run tasks."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it stops the workers
    try:
        start_up()
    except Exception:  # noqa: BLE001 - the fit that needs it will fail with the reason, in the worker
        pass
    try:
        message = conn.recv()
    except EOFError:
        return
    if message is not None:
        func, slot = message
        _worker_loop(func, None, slot, conn)


def _adopt_warm_workers(func, tasks, groups, n_workers):
    """The warm workers this map can use (their group has tasks here, they are alive, the tasks pickle),
    sent ``func``; the others are stopped. Returns ``[(process, conn, group)]``."""
    import pickle

    adopted = []
    while _WARM:
        process, conn, group = _WARM.pop()
        usable = process.is_alive() and group in groups and len(adopted) < n_workers
        if usable:
            try:
                pickle.dumps(func)
                sample = tasks[groups.index(group)]
                pickle.dumps(replace(sample, dataset=None) if hasattr(sample, "dataset") else sample)
            except Exception:  # noqa: BLE001 - a task that cannot travel: run it in a forked worker
                usable = False
        if usable:
            conn.send((func, len(adopted)))  # the function, and the worker's number in the map
            adopted.append((process, conn, group))
        else:
            process.terminate()
            process.join()
            conn.close()
    return adopted


def stop_warm_workers():
    """Stop every warm worker not yet adopted by a map."""
    while _WARM:
        process, conn, _ = _WARM.pop()
        process.terminate()
        process.join()
        conn.close()
