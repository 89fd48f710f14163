"""Each fit's thread pools are sized to the cores it was given (no oversubscription)."""

import json

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin

import imblab
from imblab.evaluation.cores import available_cores, cores_per_fit, workers_for
from imblab.strategies import get_strategies, registry


class RatePredictor(ClassifierMixin, BaseEstimator):
    """Predicts the positive class's training rate for every row."""

    def _learn_rate(self, y):
        self.classes_ = np.array([0, 1])
        self.rate_ = float(np.mean(y))
        return self

    def predict_proba(self, X):
        return np.tile([1 - self.rate_, self.rate_], (len(X), 1))

    def predict(self, X):
        return np.zeros(len(X), dtype=int)


class ThreadReporter(RatePredictor):
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
        return self._learn_rate(y)


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
        assert report["n_jobs"] == 1  # parallel across fits: one core inside the learner (its own threads too)


def _gated(calls, spare, own_free=True):
    """Run ``calls`` concurrently through one fit's gate; return the most that ran at once."""
    import threading
    import time

    from imblab.evaluation.cores import _Gate

    gate, lock, running, most = _Gate(spare), threading.Lock(), [0], [0]
    if not own_free:
        gate.own.acquire()

    def work():
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1

    threads = [threading.Thread(target=gate.run, args=(work,)) for _ in range(calls)]
    for t in threads:
        t.start()
    if not own_free:
        time.sleep(0.3)
        gate.own.release()
    for t in threads:
        t.join()
    return most[0]


def test_a_fit_runs_a_second_thread_only_on_a_spare_core():
    import multiprocessing

    spare = multiprocessing.get_context("fork").Semaphore(0)
    assert _gated(4, spare) == 1  # no spare core: one thread at a time
    spare.release()
    assert _gated(4, spare) == 2  # one spare core: two at once
    assert spare.acquire(False) and not spare.acquire(False)  # handed back, not kept
    assert _gated(2, None, own_free=False) == 1  # waits for its own core, which frees later


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


def _forked_map(func, tasks, n_workers, groups):
    """The results of ``func`` over ``tasks`` in forked workers, in task order."""
    from imblab.evaluation import engines

    return engines._in_order(engines._forked_completed(func, tasks, n_workers, groups))


def _pid_after(seconds):
    import os
    import time

    time.sleep(seconds)
    return os.getpid()


def test_forked_workers_pay_a_start_up_once_and_keep_task_order():
    """The practical's four fits on two workers: both networks in one worker, results in task order."""
    groups = [None, "keras", "keras", None]
    pids = list(_forked_map(_pid_after, [0.05, 0.3, 0.05, 0.05], 2, groups))
    assert len(pids) == 4
    assert pids[1] == pids[2]  # one start-up of Keras, not two
    assert pids[0] == pids[3] != pids[1]


def test_a_second_worker_takes_over_a_group_with_many_fits_left():
    """5 × 2 CV: twenty network fits are shared once the other worker has nothing else to do."""
    groups = ["keras"] * 20 + [None] * 2
    pids = list(_forked_map(_pid_after, [0.02] * 22, 2, groups))
    assert len(set(pids[:20])) == 2


def test_results_come_as_fits_finish_not_in_task_order():
    """A slow first task does not hold back the results of the quick ones after it."""
    from imblab.evaluation.engines import completed_map

    out = list(completed_map(_pid_after, [1.0, 0.0, 0.0], n_workers=2))  # forked workers, or threads
    assert [index for index, _ in out] == [1, 2, 0]  # once JAX runs in this process


class Sleeper(RatePredictor):
    """Sleeps ``seconds`` in ``fit``."""

    def __init__(self, seconds=0.0):
        self.seconds = seconds

    def fit(self, X, y):
        import time

        time.sleep(self.seconds)
        return self._learn_rate(y)


def test_a_fit_is_kept_as_soon_as_it_finishes_while_an_earlier_one_runs(tmp_path, monkeypatch):
    """Fits are written to the run folder as they finish: a kill then loses only the fits still running."""
    from imblab.store import RunStore

    slow = registry.Strategy("slow", "test", "sleeps", "", lambda rs: [("model", Sleeper(1.5))])
    monkeypatch.setitem(registry.STRATEGIES, "slow", slow)
    store = RunStore.create(tmp_path / "run", total=2)
    kept_when_done = []
    ds = imblab.make_synthetic(400, 5, 0.2, random_state=0)
    results = imblab.compare(ds, ["slow", "naive"], imblab.Holdout(0.25, random_state=0), n_jobs=2, store=store,
                             on_done=lambda record: kept_when_done.append((record.strategy, store.n_stored)))
    assert not results.errors()
    assert kept_when_done == [("naive", 1), ("slow", 2)]


def _die(_):
    import os

    os._exit(3)


def test_a_worker_that_dies_is_an_error_not_a_hang():
    import pytest

    with pytest.raises(RuntimeError, match="died"):
        list(_forked_map(_die, [1, 2], 2, [None, None]))


class _PicklesWithOSError:
    def __reduce__(self):
        raise OSError("this result cannot be pickled")


def _unpicklable_or_raising(n):
    if n == 0:
        raise OSError("the fit itself failed")
    return _PicklesWithOSError() if n == 1 else n


def test_a_fit_raising_oserror_or_a_result_that_fails_to_pickle_is_a_failed_task_not_a_dead_worker():
    import pytest

    for task, reason in [(0, "the fit itself failed"), (1, "this result cannot be pickled")]:
        with pytest.raises(RuntimeError, match=f"a worker failed on task 0: (?s:.*){reason}"):
            list(_forked_map(_unpicklable_or_raising, [task, 2], 2, [None, None]))


DIE_ON_ODD = """
import os
from imblab.evaluation import engines

def die_on_odd(n):
    if n % 2:
        os._exit(3)
    return n * 10

lost = []
out = dict(engines.completed_map(die_on_odd, [0, 1, 2, 3, 4, 5, 6], n_workers=2,
                                 lost=lambda index, exc: lost.append((index, exc.how)) or "died"))
print(sorted(out.items()), sorted(lost))
"""


def test_a_worker_that_dies_is_replaced_and_its_task_given_to_lost():
    """Each odd task kills its worker (three of them); its result is what ``lost`` makes of the death,
    and a freshly forked worker takes the rest. In a fresh interpreter: forking is refused once JAX
    has started in the process, as it has in this one by now."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", DIE_ON_ODD], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == ("[(0, 0), (1, 'died'), (2, 20), (3, 'died'), (4, 40), (5, 'died'), (6, 60)] "
                                  "[(1, 'exit status 3'), (3, 'exit status 3'), (5, 'exit status 3')]"), out.stderr


DIE_HOLDING_A_SPARE_CORE = """
import os, time
from imblab.evaluation import cores, engines

def task(n):
    if n == 0:  # a learner's second thread takes a spare core (one becomes spare), then the worker dies
        spare = cores.spare_cores()
        gate = cores._Gate(spare)
        gate.own.acquire()  # its first thread holds the fit's own core
        spare.release()
        gate._take()
        os._exit(3)
    time.sleep(1.5 if n == 1 else 0)
    return n

seen = []
def lost(index, exc):
    seen.append(cores.spare_cores().get_value())
    return "died"

out = dict(engines.completed_map(task, [0, 1, 2], n_workers=2, lost=lost))
print(repr((sorted(out.items()), seen, max(0, cores.available_cores() - 2))))
"""


def test_a_worker_that_dies_holding_a_spare_core_gives_it_back():
    """The spare cores a dead worker's learner held are returned to the others when its death is seen
    (before: lost for the rest of the run, so later large fits ran a thread short). In a fresh interpreter,
    as above."""
    import ast
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", DIE_HOLDING_A_SPARE_CORE], capture_output=True, text=True,
                         timeout=120)
    results, seen, initial = ast.literal_eval(out.stdout.strip() or "None, None, None")
    assert results == [(0, "died"), (1, 1), (2, 2)], out.stderr
    assert seen == [initial + 1], out.stderr  # the spare core it took is spare again


from dataclasses import dataclass as _dataclass


@_dataclass(frozen=True)
class _Task:
    dataset: object
    seconds: float


_STARTED = []


def _start_up():
    _STARTED.append("keras")


def _where(task):
    import os
    import time

    time.sleep(task.seconds)
    return os.getpid(), list(_STARTED), len(task.dataset)


def test_a_warm_worker_started_early_runs_its_group_with_pickled_tasks(monkeypatch):
    """The command line forks a worker that starts Keras while it reads the data; the networks go to it,
    each dataset is sent to it once, and the other fits to a worker forked with the tasks."""
    from imblab.evaluation import engines

    monkeypatch.setattr(engines, "_can_fork", lambda: True)  # these workers never touch JAX

    assert engines.start_warm_worker("keras", _start_up)
    warm_pid = engines._WARM[0][0].pid
    data = list(range(1000))
    tasks = [_Task(data, 0.05), _Task(data, 0.3), _Task(data, 0.05), _Task(data, 0.05)]
    out = list(_forked_map(_where, tasks, 2, [None, "keras", "keras", None]))
    assert [o[0] for o in out] == [out[0][0], warm_pid, warm_pid, out[0][0]] and out[0][0] != warm_pid
    assert out[1][1] == ["keras"] and out[0][1] == []  # the start-up ran in the warm worker only
    assert [o[2] for o in out] == [1000] * 4
    assert engines._WARM == []


def test_a_warm_worker_without_work_is_stopped(monkeypatch):
    from imblab.evaluation import engines

    monkeypatch.setattr(engines, "_can_fork", lambda: True)

    assert engines.start_warm_worker("keras", _start_up)
    process = engines._WARM[0][0]
    assert list(_forked_map(_where, [_Task([1], 0), _Task([1], 0)], 2, [None, None]))
    assert not process.is_alive() and engines._WARM == []


def _doubling_helper(conn):
    import os

    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        if request is None:
            return
        if request == "fail":
            conn.send(("error", "asked to fail"))
            continue
        conn.send(("ok", (os.getpid(), 2 * request)))


def _ask_helper(x):
    import os

    from imblab.evaluation import helper

    try:
        return os.getpid(), helper.call_helper(x)
    except helper.HelperUnavailable:
        return os.getpid(), "here"


def test_workers_reach_the_helper_through_their_parent(monkeypatch):
    """The command line's JAX trainer: one helper process answers the calls of every forked worker,
    passed on by their parent, and of the parent itself; a failed call is the caller's to redo."""
    import os

    import pytest

    from imblab.evaluation import forking, helper

    monkeypatch.setattr(forking, "can_fork", lambda: True)  # these processes never touch JAX
    assert helper.start_helper(_doubling_helper)
    try:
        helper_pid = helper._HELPER[0].pid
        assert helper.call_helper(21) == (helper_pid, 42)  # from this process: directly
        out = list(_forked_map(_ask_helper, [1, 2, 3, 4, 5, 6], 2, [None] * 6))
        assert [reply for _, reply in out] == [(helper_pid, 2 * x) for x in range(1, 7)]
        workers = {pid for pid, _ in out}
        assert len(workers) == 2 and os.getpid() not in workers and helper_pid not in workers
        with pytest.raises(helper.HelperUnavailable, match="asked to fail"):
            helper.call_helper("fail")
        helper._HELPER[0].kill()  # a helper that dies: the workers do the work themselves
        helper._HELPER[0].join()
        assert [reply for _, reply in _forked_map(_ask_helper, [1, 2, 3], 2, [None] * 3)] == ["here"] * 3
    finally:
        helper.stop_helper()
    with pytest.raises(helper.HelperUnavailable):
        helper.call_helper(1)


_LARGE_CALLS = """
import sys, time
import numpy as np
from imblab.evaluation import engines, helper

def serve(conn):
    while True:
        request = conn.recv()
        if request is None:
            return
        time.sleep(0.2)  # busy training while the other worker's call arrives
        conn.send(("ok", np.full(250_000, request.sum(), np.float32)))  # 1 MB, more than a pipe holds

def fit(i):
    return float(helper.call_helper(np.full(500_000, i, np.float32))[0])  # 2 MB

helper.start_helper(serve)
print(sorted(value for _, value in engines.completed_map(fit, [1, 2, 3, 4], n_workers=2)))
helper.stop_helper()
"""


def test_large_calls_from_two_workers_pass_through_the_parent_without_a_deadlock():
    """A call and a reply larger than a pipe holds: the parent writes a call to the helper only while the
    helper waits for one (writing it while the helper wrote its reply left both waiting forever)."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", _LARGE_CALLS], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[500000.0, 1000000.0, 1500000.0, 2000000.0]"


def _sleep(seconds):
    import time

    time.sleep(seconds)
    return seconds


def test_closing_a_threaded_map_early_starts_no_more_tasks(monkeypatch):
    """Where the workers are threads (JAX runs here), Ctrl-C or a failure stops the map at once."""
    import time

    from imblab.evaluation import engines

    monkeypatch.setattr(engines, "_can_fork", lambda: False)
    start = time.perf_counter()
    mapped = engines.completed_map(_sleep, [0.0] + [1.0] * 8, n_workers=2)
    assert next(mapped) == (0, 0.0)
    mapped.close()
    assert time.perf_counter() - start < 3.0  # the 1-second task running in the other thread, not all eight


def test_kept_fits_are_reported_once_the_workers_are_forked(tmp_path, monkeypatch):
    """A resumed run reports its kept fits after forking its workers: reporting starts a thread that
    imports modules, and a fork in the middle of an import leaves the child a held import lock."""
    from imblab.evaluation import engines
    from imblab.store import RunStore

    forks = []
    original = engines._fork
    monkeypatch.setattr(engines, "_fork", lambda *a: forks.append("fork") or original(*a))
    ds = imblab.make_synthetic(400, 5, 0.2, random_state=0)
    protocol = imblab.RepeatedKFold(2, 1, random_state=0)
    store = RunStore.create(tmp_path / "run", total=4)
    imblab.compare(ds, "lr", protocol, n_jobs=1, store=store)  # two fits kept
    seen = []
    results = imblab.compare(ds, "lr,naive", protocol, n_jobs=2, store=store,
                             on_done=lambda record: seen.append((record.strategy, len(forks))))
    assert not results.errors()
    if engines._can_fork():
        assert seen[:2] == [("lr", 2), ("lr", 2)]  # reported after both workers were forked
    assert sorted(name for name, _ in seen) == ["lr", "lr", "naive", "naive"]


def test_a_run_whose_networks_train_in_the_helper_equals_one_run_in_one_process(tmp_path):
    """The command line trains the networks' steps in its JAX helper process, for workers forked after
    it (a fresh process: forking is only safe before JAX starts); the results are those of --jobs 1,
    which trains them in the run's own process."""
    import subprocess
    import sys

    import pandas as pd

    def run(jobs):
        out = tmp_path / f"jobs{jobs}"
        subprocess.run([sys.executable, "-m", "imblab", "run", "--samples", "1500", "--strategies",
                        "smote_ann,ann:focal,naive", "--folds", "2", "--repeats", "1", "--jobs", str(jobs),
                        "--no-report", "--quiet", "--out", str(out)], check=True, capture_output=True)
        return out

    one, two = run(1), run(2)
    assert (one / "summary.csv").read_bytes() == (two / "summary.csv").read_bytes()
    pd.testing.assert_frame_equal(pd.read_parquet(one / "predictions.parquet"),
                                  pd.read_parquet(two / "predictions.parquet"))


def test_a_fit_takes_a_spare_core_without_waiting_for_its_own():
    """A batch of work that finds its fit's own core busy takes a spare one at once, rather than
    first waiting a tenth of a second for its own (a tenth of a core lost per tree)."""
    import multiprocessing
    import threading

    from imblab.evaluation.cores import _Gate

    class Recording:
        def __init__(self):
            self.inner, self.waits = threading.Semaphore(1), []

        def acquire(self, blocking=True, timeout=None):
            if blocking:
                self.waits.append(timeout)
            return self.inner.acquire(blocking, timeout)

        def release(self):
            self.inner.release()

    spare = multiprocessing.get_context("fork").Semaphore(1)
    gate = _Gate(spare)
    gate.own = Recording()
    gate.own.acquire(False)  # the fit's own core is busy
    assert gate.run(lambda: "ran") == "ran"
    assert gate.own.waits == []  # never waited for its own core
    assert spare.acquire(False)  # and gave the spare one back


@pytest.mark.parametrize("argv, fewest, helper", [
    (["run"], 8_000, True),  # the practical: 80% of 10,000 rows
    (["run", "--samples", "1000000"], 800_000, False),  # every network trains in its worker
    (["run", "--samples", "300000", "--test-size", "0.5"], 150_000, True),
    (["run", "--samples", "300000", "--folds", "3"], 200_000, True),
    (["run", "--samples", "300001", "--folds", "3"], 200_000, True),  # the smallest training part counts
    (["run", "--samples", "400000", "--folds", "2"], 200_000, True),
    (["run", "--samples", "400002", "--folds", "2"], 200_001, False),
    (["run", "--data", "x.csv", "--target", "y"], 0, True),  # a file's size is known once it is read
])
def test_the_jax_helper_starts_only_for_networks_it_may_train(monkeypatch, argv, fewest, helper):
    from imblab import _backend
    from imblab.cli import run as cli_run
    from imblab.cli.parser import build_parser
    from imblab.evaluation import cores
    from imblab.evaluation import helper as helper_process

    args = build_parser().parse_args(argv)
    assert cli_run._fewest_training_rows(args) == fewest
    started = []
    monkeypatch.setattr(helper_process, "start_helper", lambda *a, **k: started.append(a) and False)
    monkeypatch.setattr(cores, "available_cores", lambda: 2)
    monkeypatch.setattr(_backend, "current_backend", lambda: "jax")
    cli_run._warm_up_networks(get_strategies(["smote_ann"]), args)
    assert bool(started) == helper


KILLED_FIT = """
import os, signal, sys
import imblab
from imblab.strategies import registry
from sklearn.dummy import DummyClassifier

class Killed(DummyClassifier):
    def fit(self, X, y):
        os.kill(os.getpid(), signal.SIGKILL)  # as the system's out-of-memory killer would

registry.STRATEGIES["killed"] = registry.Strategy("killed", "test", "killed", "", lambda rs: [("model", Killed())])
store = imblab.RunStore.create(sys.argv[1], total=6)
results = imblab.compare(imblab.make_synthetic(300, 5, 0.2, random_state=0), ["naive", "killed", "lr"],
                         imblab.RepeatedKFold(2, 1, random_state=0), n_jobs=2, store=store)
print("ERRORS", results.errors())
print("STATUS", dict(zip(results.comparison["strategy"], results.comparison["status"])))
print("KEPT", store.n_stored)
"""


def test_a_fit_whose_process_is_killed_is_a_failed_fit_and_the_run_goes_on(tmp_path):
    """A worker killed mid-fit (the out-of-memory killer, a crash in compiled code) fails that fit, as an
    exception would, with the reason; a fresh worker takes the remaining fits, whose results are kept."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", KILLED_FIT, str(tmp_path / "run")], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert ("ERRORS {'killed': 'failed on 2 of 2 splits (splits 0, 1): WorkerLost: the process fitting it died "
            "(killed by signal 9): the system may have run out of memory, or the learner crashed'}") in out.stdout
    assert "'killed': 'failed'" in out.stdout and "'naive'" in out.stdout and "'lr'" in out.stdout
    assert "KEPT 4" in out.stdout  # the four fits that finished; the lost ones are tried again on a resume


def test_a_reply_for_a_worker_that_died_meanwhile_is_dropped():
    """A worker killed while the helper answers its call (a network's training): the reply has nowhere to
    go and is dropped, and its queued calls are forgotten; the other workers' calls go on."""
    import multiprocessing

    from imblab.evaluation import helper

    to_helper, helper_end = multiprocessing.Pipe()
    dead, _ = multiprocessing.Pipe()
    alive, alive_worker = multiprocessing.Pipe()
    broker = helper.Broker()
    broker.conn = to_helper
    broker.forward(dead, "train 1")
    broker.forward(dead, "train 2")
    broker.forward(alive, "train 3")
    assert helper_end.recv() == "train 1"
    broker.forget(dead)  # what the map does when the worker's pipe closes
    dead.close()
    helper_end.send(("ok", "weights 1"))
    broker.answer()  # raised OSError: handle is closed
    assert helper_end.recv() == "train 3"  # "train 2" was dropped with its worker
    helper_end.send(("ok", "weights 3"))
    broker.answer()
    assert alive_worker.recv() == ("reply", "ok", "weights 3")
