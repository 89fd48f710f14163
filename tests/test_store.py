"""The run store: nothing lost, nothing deleted — kept fits, resume, safe overwrite."""

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import imblab
from imblab.cli import main
from imblab.store import FITS, INCOMPLETE, MARKER, RunStore

TABLES = ["summary.csv", "folds.csv", "comparison.csv"]
# 5 × 2 CV of three strategies on 3,000 rows: 30 fits, long enough to stop a run in the middle
CV_RUN = ["run", "--samples", "3000", "--folds", "5", "--repeats", "2", "--strategies", "naive,lr,brf",
          "--quiet", "--no-report"]


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def one_line(err):
    return err.strip().count("\n") == 0 and "Traceback" not in err


# -- safe overwrite ---------------------------------------------------------------------------

def test_overwrite_refuses_a_folder_imblab_did_not_write(tmp_path, capsys):
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "important.txt").write_text("keep me")
    status, _, err = run(capsys, "run", "--strategies", "naive", "--samples", "200", "--out", str(folder),
                         "--overwrite")
    assert status == 2 and one_line(err)
    assert "was not written by imblab" in err
    assert sorted(p.name for p in folder.iterdir()) == ["important.txt"]
    assert (folder / "important.txt").read_text() == "keep me"


def test_overwrite_of_the_working_directory_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.md").write_text("mine")
    status, _, err = run(capsys, "run", "--strategies", "naive", "--samples", "200", "--out", ".", "--overwrite")
    assert status == 2 and one_line(err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.md"]


def test_overwrite_replaces_only_the_files_imblab_wrote(tmp_path, capsys):
    folder = tmp_path / "run"
    assert run(capsys, "run", "--strategies", "naive", "--samples", "300", "--out", str(folder))[0] == 0
    (folder / "my-notes.txt").write_text("mine")
    (folder / "comparison-recall_1.csv").write_text("old rescore")
    (folder / FITS / "archive").mkdir(parents=True)  # the user's own files where imblab keeps its fits
    (folder / FITS / "README.txt").write_text("mine too")
    (folder / FITS / "archive" / "a1b2c3d4e5f6a1b2c3d4e5f6.json").write_text("an old copy")
    (folder / FITS / "a1b2c3d4e5f6a1b2c3d4e5f6.json").write_text("{}")  # named as imblab names a kept fit
    status, _, err = run(capsys, "run", "--strategies", "brf", "--samples", "300", "--out", str(folder),
                         "--overwrite", "--no-report")
    assert status == 0, err
    assert (folder / "my-notes.txt").read_text() == "mine"
    assert sorted(str(p.relative_to(folder / FITS)) for p in (folder / FITS).rglob("*")) == [
        "README.txt", "archive", "archive/a1b2c3d4e5f6a1b2c3d4e5f6.json"]
    assert not (folder / "comparison-recall_1.csv").exists()
    assert not (folder / "report.html").exists()  # the old run's report went with it
    assert list(pd.read_csv(folder / "summary.csv")["strategy"]) == ["brf"]


def test_out_below_a_file_is_one_clear_line(tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    status, _, err = run(capsys, "run", "--strategies", "naive", "--samples", "200",
                         "--out", str(tmp_path / "file" / "run"))
    assert status == 2 and one_line(err)
    assert "is a file, not a folder" in err


# -- rescore and report replace only their own files ----------------------------------------

def test_rescore_by_another_metric_keeps_the_original_ranking(tmp_path, capsys):
    folder = tmp_path / "run"
    assert run(capsys, "run", "--strategies", "naive,brf", "--samples", "600", "--out", str(folder))[0] == 0
    (folder / "mine.txt").write_text("mine")
    before = {name: (folder / name).read_bytes() for name in [*TABLES, "report.html", "summary.md", "results.json"]}
    status, out, err = run(capsys, "rescore", str(folder), "--metric", "recall_1")
    assert status == 0, err
    assert "comparison-recall_1.csv" in " ".join(out.split())
    assert {name: (folder / name).read_bytes() for name in before} == before
    ranked = pd.read_csv(folder / "comparison-recall_1.csv")
    assert set(ranked["metric"]) == {"recall_1"}
    assert (folder / "mine.txt").read_text() == "mine"
    # without --metric the tables are recomputed in place, byte for byte the same
    assert run(capsys, "rescore", str(folder), "--quiet")[0] == 0
    assert {name: (folder / name).read_bytes() for name in TABLES} == {n: before[n] for n in TABLES}
    assert run(capsys, "report", str(folder))[0] == 0
    assert (folder / "mine.txt").read_text() == "mine"
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_rescore_and_report_refuse_other_folders(tmp_path, capsys):
    (tmp_path / "x.txt").write_text("x")
    for command in ("rescore", "report", "resume"):
        status, _, err = run(capsys, command, str(tmp_path))
        assert status == 2 and one_line(err) and "not an imblab run folder" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.txt"]


def test_load_of_a_damaged_run_folder_is_one_line(tmp_path, capsys):
    folder = tmp_path / "run"
    assert run(capsys, "run", "--strategies", "naive", "--samples", "300", "--out", str(folder),
               "--no-report")[0] == 0
    (folder / "predictions.parquet").unlink()
    status, _, err = run(capsys, "report", str(folder))
    assert status == 2 and one_line(err) and "predictions.parquet is missing" in err
    (folder / "predictions.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(imblab.ImblabError, match="is damaged"):
        imblab.Results.load(folder)
    status, _, err = run(capsys, "report", str(folder))
    assert status == 2 and one_line(err) and "is damaged" in err
    (folder / "results.json").write_text("{ truncated")
    status, _, err = run(capsys, "rescore", str(folder))
    assert status == 2 and one_line(err)


# -- kept fits and resume -----------------------------------------------------------------------

def test_kept_fits_are_reused_and_changed_ones_refitted(tmp_path):
    ds = imblab.make_synthetic(600, 6, 0.1, random_state=1)
    protocol = imblab.RepeatedKFold(2, 1, random_state=1)
    store = RunStore.create(tmp_path / "run", total=4)
    first = imblab.compare(ds, "naive,lr", protocol, store=store)
    assert store.n_stored == 4 and store.status == "incomplete"
    again = imblab.compare(ds, "naive,lr", protocol, store=store)
    # reused, not refitted: the recorded fit times are the first run's, to the last digit
    assert [f["fit_seconds"] for f in again.fits] == [f["fit_seconds"] for f in first.fits]
    pd.testing.assert_frame_equal(again.predictions, first.predictions)
    # a fit kept under other library versions is not reused
    kept = sorted((tmp_path / "run" / FITS).glob("*.json"))[0]
    saved = json.loads(kept.read_text())
    saved["key"]["versions"]["scikit-learn"] = "0.0"
    kept.write_text(json.dumps(saved))
    third = imblab.compare(ds, "naive,lr", protocol, store=store)
    changed = [a["fit_seconds"] != b["fit_seconds"] for a, b in zip(third.fits, first.fits)]
    assert sum(changed) == 1
    third.save(store.folder)
    assert store.status == "complete" and not (tmp_path / "run" / FITS).exists()


def _wait_for_fits(folder, n, proc, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (folder / FITS).is_dir() and len(list((folder / FITS).glob("*.json"))) >= n:
            return
        if proc.poll() is not None:
            raise AssertionError(f"the run ended before {n} fits were kept: {proc.stderr.read()}")
        time.sleep(0.02)
    raise AssertionError("no fits were kept in time")


def _start(argv, tmp_path):
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    # A shell that starts a job in the background (as a CI script may) ignores SIGINT in it, and the
    # child would inherit that: give the run Python's usual Ctrl-C handling.
    return subprocess.Popen([sys.executable, "-m", "imblab", *argv], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def _session_processes(session):
    """Live processes of a session (the run started by _start and the workers it forked)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[3]) == session and fields[0] != "Z":
                found.append(int(entry.name))
    return found


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("whole") / "run"
    assert main([*CV_RUN, "--out", str(folder)]) == 0
    return folder


def test_killed_run_keeps_its_fits_and_resumes_to_identical_tables(tmp_path, uninterrupted, capsys):
    folder = tmp_path / "run"
    proc = _start([*CV_RUN, "--out", str(folder)], tmp_path)
    _wait_for_fits(folder, 4, proc)
    assert len(_session_processes(proc.pid)) >= 3  # the run and its two workers
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 20  # a worker ends its fit, finds its pipe closed and leaves
    while _session_processes(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _session_processes(proc.pid), "the killed run's workers were left running"
    marker = json.loads((folder / MARKER).read_text())
    assert marker["status"] == "incomplete"
    n_kept = len(list((folder / FITS).glob("*.json")))
    # the marker is updated just after each fit's files, so a kill in between leaves it one behind
    assert 4 <= n_kept < 30 and n_kept - 1 <= marker["fits_stored"] <= n_kept
    assert marker["fits_total"] == 30
    note = (folder / INCOMPLETE).read_text()
    assert f"imblab resume {folder}" in note and "of 30 fits are kept" in note
    with pytest.raises(imblab.ImblabError, match="is incomplete"):
        imblab.Results.load(folder)

    status, out, err = run(capsys, "resume", str(folder))
    assert status == 0, err
    assert "finished fits are kept and reused" in out
    for name in TABLES:
        assert (folder / name).read_bytes() == (uninterrupted / name).read_bytes(), name
    assert json.loads((folder / MARKER).read_text())["status"] == "complete"
    assert not (folder / INCOMPLETE).exists() and not (folder / FITS).exists()
    assert run(capsys, "resume", str(folder))[1].startswith("Run folder")  # nothing left to do


def test_ctrl_c_stops_with_130_and_resumes(tmp_path, uninterrupted, capsys):
    folder = tmp_path / "run"
    proc = _start([*CV_RUN, "--out", str(folder)], tmp_path)
    _wait_for_fits(folder, 2, proc)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert err.strip().count("\n") == 0 and "Traceback" not in err, err
    assert f"imblab resume {folder}" in err
    assert json.loads((folder / MARKER).read_text())["status"] == "incomplete"
    status, _, err = run(capsys, "resume", str(folder))
    assert status == 0, err
    for name in TABLES:
        assert (folder / name).read_bytes() == (uninterrupted / name).read_bytes(), name


def test_ctrl_c_while_the_tables_are_written_says_every_fit_is_kept(tmp_path, capsys, monkeypatch):
    """Interrupted after the last fit, while the tables and the report are written: the message says
    every fit is kept and how to finish, and resume then writes the tables without fitting again."""
    from imblab.results import Results

    folder = tmp_path / "run"
    real_save = Results.save

    def interrupted(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(Results, "save", interrupted)
    status, _, err = run(capsys, "run", "--strategies", "naive,lr", "--samples", "400", "--holdout", "--quiet",
                         "--no-report", "--out", str(folder))
    assert status == 130 and one_line(err)
    assert f"all 2 fits are kept in {folder}; finish the run with: imblab resume {folder}" in err
    monkeypatch.setattr(Results, "save", real_save)
    status, out, err = run(capsys, "resume", str(folder))
    assert status == 0, err
    assert "2 finished fits are kept and reused" in out
    assert RunStore.open(folder).status == "complete"


def test_resuming_over_changed_data_says_so_and_does_not_claim_the_fits_are_reused(tmp_path, capsys, monkeypatch):
    from imblab.results import Results

    data = tmp_path / "data.csv"

    def write(seed):
        ds = imblab.make_synthetic(400, 4, 0.2, random_state=seed)
        ds.X.assign(target=ds.y).to_csv(data, index=False)

    write(0)
    folder = tmp_path / "run"
    real_save = Results.save
    monkeypatch.setattr(Results, "save", lambda self, *a, **k: (_ for _ in ()).throw(KeyboardInterrupt))
    status, _, err = run(capsys, "run", "--data", str(data), "--target", "target", "--strategies", "naive,lr",
                         "--holdout", "--quiet", "--no-report", "--out", str(folder))
    assert status == 130, err
    monkeypatch.setattr(Results, "save", real_save)
    write(1)
    status, out, err = run(capsys, "resume", str(folder))
    assert status == 0, err
    assert "the data differ from when this run started: every fit is done again" in err
    assert "kept and reused" not in out


def test_atomic_writes_respect_the_umask_and_a_folder_that_cannot_be_written_is_one_error(tmp_path):
    from imblab.writing import atomic_write_text

    old = os.umask(0o022)
    try:
        atomic_write_text(tmp_path / "a.txt", "x")
        assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o644  # not mkstemp's 0600
    finally:
        os.umask(old)
    (tmp_path / "plain").write_text("a file, not a folder")
    with pytest.raises(imblab.ImblabError, match="cannot write '.*plain/b.txt': Not a directory"):
        atomic_write_text(tmp_path / "plain" / "b.txt", "x")
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_a_file_or_a_damaged_marker_is_named_as_such(tmp_path, capsys):
    (tmp_path / "afile").write_text("x")
    status, _, err = run(capsys, "report", str(tmp_path / "afile"))
    assert status == 2 and one_line(err) and "is a file, not a run folder" in err
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / MARKER).write_text("{ not json")
    status, _, err = run(capsys, "resume", str(tmp_path / "run"))
    assert status == 2 and one_line(err) and "run.json' is damaged" in err


def test_a_ctrl_c_swallowed_in_a_gc_callback_is_raised_after_the_fit():
    """Python drops a KeyboardInterrupt raised inside a garbage-collector callback (JAX has one, run in
    imblab's process with --jobs 1): the run then went on. The Ctrl-C is remembered and raised again
    where the run checks, after each fit; the default handler is back afterwards."""
    import gc

    from imblab.cli.interrupts import remembered

    def interrupt_in_callback(phase, info):
        if phase == "start":
            gc.callbacks.remove(interrupt_in_callback)
            os.kill(os.getpid(), signal.SIGINT)
            for _ in range(1000):  # the handler runs here, inside the callback, and its exception is dropped
                pass

    with remembered() as check:
        gc.callbacks.append(interrupt_in_callback)
        gc.collect()  # no KeyboardInterrupt comes out of this
        with pytest.raises(KeyboardInterrupt):
            check()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_full_disk_mid_run_is_one_line_and_the_run_resumes(tmp_path, capsys, monkeypatch):
    """No space left while a fit is kept, or while the tables are written: one line naming the file, how many
    fits are kept and how to finish (it was a traceback, 'a bug in imblab'); no half-written file; resume
    then finishes the run."""
    import errno

    import imblab.store as store_module

    real = store_module.atomic_write
    writes = []

    def filling_up(path, write):
        writes.append(path)
        if len(writes) > 6:
            def full(temporary):
                with open(temporary, "w") as fh:
                    fh.write("half")
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return real(path, full)
        return real(path, write)

    monkeypatch.setattr(store_module, "atomic_write", filling_up)
    folder = tmp_path / "run"
    status, _, err = run(capsys, "run", "--strategies", "naive,lr", "--samples", "400", "--folds", "2",
                         "--repeats", "2", "--quiet", "--no-report", "--jobs", "1", "--out", str(folder))
    assert status == 2 and one_line(err), err
    assert "No space left on device; free some space" in err and f"imblab resume {folder}" in err
    assert re.search(r"; \d of 8 fits are kept in ", err)
    assert not list(folder.rglob("*.tmp"))
    monkeypatch.setattr(store_module, "atomic_write", real)
    status, _, err = run(capsys, "resume", str(folder))
    assert status == 0, err
    assert RunStore.open(folder).status == "complete"


def test_a_full_disk_while_the_tables_are_written_keeps_every_fit(tmp_path, capsys, monkeypatch):
    import errno

    import imblab.store as store_module

    real = store_module.atomic_write

    def no_room_for_tables(path, write):
        if Path(path).name == "summary.csv":
            raise imblab.ImblabError(f"cannot write {path}: {os.strerror(errno.ENOSPC)}; free some space")
        return real(path, write)

    monkeypatch.setattr(store_module, "atomic_write", no_room_for_tables)
    folder = tmp_path / "run"
    status, _, err = run(capsys, "run", "--strategies", "naive,lr", "--samples", "400", "--holdout", "--quiet",
                         "--no-report", "--out", str(folder))
    assert status == 2 and one_line(err), err
    assert f"all 2 fits are kept in {folder}: finish the run with imblab resume {folder}" in err
    monkeypatch.setattr(store_module, "atomic_write", real)
    assert run(capsys, "resume", str(folder))[0] == 0 and RunStore.open(folder).status == "complete"


def test_resuming_a_run_whose_data_file_is_gone_says_where_it_was(tmp_path, capsys, monkeypatch):
    from imblab.results import Results

    data = tmp_path / "data.csv"
    ds = imblab.make_synthetic(400, 4, 0.2, random_state=0)
    ds.X.assign(target=ds.y).to_csv(data, index=False)
    folder = tmp_path / "run"
    real_save = Results.save
    monkeypatch.setattr(Results, "save", lambda self, *a, **k: (_ for _ in ()).throw(KeyboardInterrupt))
    assert run(capsys, "run", "--data", str(data), "--target", "target", "--strategies", "naive", "--holdout",
               "--quiet", "--no-report", "--out", str(folder))[0] == 130
    monkeypatch.setattr(Results, "save", real_save)
    data.rename(tmp_path / "elsewhere.csv")
    status, _, err = run(capsys, "resume", str(folder))
    assert status == 2 and one_line(err)
    assert f"was started on '{data}', which no longer exists: put the file back there to resume it" in err
    (tmp_path / "elsewhere.csv").rename(data)
    assert run(capsys, "resume", str(folder))[0] == 0


def test_a_run_folder_being_written_is_not_resumed_nor_overwritten_by_another_process(tmp_path, capsys):
    """While a run writes its folder, 'imblab resume' of it and 'imblab run --overwrite' into it are refused
    (they would have fitted beside it, or deleted its fits); once it has ended, resume goes on."""
    folder = tmp_path / "run"
    proc = _start([*CV_RUN, "--out", str(folder)], tmp_path)
    _wait_for_fits(folder, 2, proc)
    for argv in (["resume", str(folder)], [*CV_RUN, "--out", str(folder), "--overwrite"]):
        status, _, err = run(capsys, *argv)
        assert status == 2 and one_line(err), err
        assert f"run folder '{folder}' is being written by another imblab process right now" in err
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    status, _, err = run(capsys, "resume", str(folder))  # the workers left holding no lock
    assert status == 0, err


KILLED_HERE = """
import os, signal, sys
import imblab
from imblab.strategies import registry
from sklearn.dummy import DummyClassifier

class Killed(DummyClassifier):
    def fit(self, X, y):
        os.kill(os.getpid(), signal.SIGKILL)  # as the system's out-of-memory killer would

registry.STRATEGIES["killed"] = registry.Strategy("killed", "test", "killed", "", lambda rs: [("model", Killed())])
folder = sys.argv[1]
store = imblab.RunStore.open(folder) if os.path.exists(folder) else imblab.RunStore.create(folder, total=6)
results = imblab.compare(imblab.make_synthetic(300, 5, 0.2, random_state=0), sys.argv[2].split(","),
                         imblab.RepeatedKFold(2, 1, random_state=0), n_jobs=1, store=store)
print("ERRORS", results.errors())
print("SCORED", sorted(results.predictions["strategy"].unique()))
print("KEPT", store.n_stored, store.holds_only_its_own())
"""


def _attempt(folder, strategies):
    return subprocess.run([sys.executable, "-c", KILLED_HERE, folder, strategies], capture_output=True, text=True,
                          timeout=120)


def _notes(folder):
    return sorted(p.name for p in Path(folder, FITS).glob("*.started"))


def test_a_strategy_that_kills_imblabs_own_process_twice_fails_on_resume(tmp_path):
    """With one worker the fits run in imblab's own process, which a fit that kills its process takes with
    it. Each fit is noted as it starts: a resume tries it once more, and once a strategy's fits have ended
    two processes its remaining fits fail and the others finish."""
    folder = str(tmp_path / "run")
    for _ in range(2):
        out = _attempt(folder, "naive,killed,lr")
        assert out.returncode == -signal.SIGKILL, out.stderr
        assert len(_notes(folder)) == 1  # the same first split, twice
    out = _attempt(folder, "naive,killed,lr")
    assert out.returncode == 0, out.stderr
    assert ("ERRORS {'killed': \"failed on 2 of 2 splits (splits 0, 1): ProcessDied: imblab's process died twice "
            "while fitting this strategy (the system may have run out of memory, or the learner crashed); its "
            "remaining fits are not tried again in this run: leave it out, or start a new run with more "
            "memory\"}") in out.stdout
    assert "SCORED ['lr', 'naive']" in out.stdout and "KEPT 4 True" in out.stdout


def test_a_fit_interrupted_by_ctrl_c_is_not_a_death_and_keeps_the_earlier_ones(tmp_path):
    """Ctrl-C (or an exception) in a fit run in this process ends it as usual and leaves no death; a retry
    that ends so keeps the deaths of the attempts before it."""
    from sklearn.dummy import DummyClassifier

    from imblab.strategies import registry

    class Stop(DummyClassifier):
        def fit(self, X, y):
            raise KeyboardInterrupt

    stop = registry.Strategy("stop", "test", "stop", "", lambda rs: [("model", Stop())])
    store = RunStore.create(tmp_path / "run", total=2)
    with pytest.raises(KeyboardInterrupt):
        imblab.compare(imblab.make_synthetic(300, 5, 0.2, random_state=0), ["naive", stop],
                       imblab.Holdout(0.25, random_state=0), n_jobs=1, store=store)
    assert sorted(p.suffix for p in (tmp_path / "run" / FITS).iterdir()) == [".json", ".parquet"]

    key = {"strategy": "killer", "split_id": 0}
    store.fit_starting(key)  # ... and the process dies
    assert store.deaths(key) == 1 and store.noted_deaths() == {"killer": 1}
    store.fit_starting(key)  # the retry
    store.fit_ended(key)  # ends by Ctrl-C
    assert store.deaths(key) == 1 and store.noted_deaths() == {"killer": 1}
    store.fit_starting(key)  # ... and the process dies again
    assert store.deaths(key) == 2


def test_fits_run_side_by_side_in_threads_are_not_noted(tmp_path, monkeypatch):
    """Where forking is unsafe, fits run in threads of this process: a death could not be blamed on one of
    them, so none is noted (a resume tries them all again, as before)."""
    from sklearn.dummy import DummyClassifier

    from imblab.evaluation import engines
    from imblab.strategies import registry

    seen = []

    class Peek(DummyClassifier):
        def fit(self, X, y):
            seen.append(_notes(tmp_path / "run"))
            return super().fit(X, y)

    monkeypatch.setattr(engines, "_can_fork", lambda: False)
    peek = registry.Strategy("peek", "test", "peek", "", lambda rs: [("model", Peek())])
    store = RunStore.create(tmp_path / "run", total=4)
    imblab.compare(imblab.make_synthetic(300, 5, 0.2, random_state=0), ["naive", peek],
                   imblab.RepeatedKFold(2, 1, random_state=0), n_jobs=2, store=store)
    assert seen == [[], []]


KILLED_CLI = """
import os, signal, sys
from imblab.cli import main
from imblab.strategies import registry
from sklearn.dummy import DummyClassifier

class Killed(DummyClassifier):
    def fit(self, X, y):
        os.kill(os.getpid(), signal.SIGKILL)

registry.STRATEGIES["killed"] = registry.Strategy("killed", "test", "killed", "", lambda rs: [("model", Killed())])
sys.exit(main(sys.argv[1:]))
"""


def test_resume_says_which_strategy_killed_the_last_process(tmp_path):
    """imblab run --jobs 1 killed by a strategy's fit: each resume says which strategy and what follows."""
    folder = str(tmp_path / "run")

    def cli(*argv):
        return subprocess.run([sys.executable, "-c", KILLED_CLI, *argv], capture_output=True, text=True,
                              timeout=120)

    first = cli("run", "--samples", "300", "--strategies", "naive,killed", "--holdout", "--jobs", "1",
                "--quiet", "--no-report", "--out", folder)
    assert first.returncode == -signal.SIGKILL
    second = cli("resume", folder)
    assert second.returncode == -signal.SIGKILL
    assert ("imblab: warning: imblab's process died while fitting 'killed' (once); a strategy whose fits have "
            "ended two processes is not fitted again in this run") in second.stderr
    third = cli("resume", folder)
    assert third.returncode == 1, third.stderr
    assert "imblab: warning: imblab's process died while fitting 'killed' (twice);" in third.stderr
    assert "ProcessDied: imblab's process died twice while fitting this strategy" in third.stderr
    assert not (tmp_path / "run" / FITS).exists()  # the run is whole
