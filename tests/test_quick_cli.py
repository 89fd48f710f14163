"""The command line refuses bad arguments and files before it imports the heavy libraries.

Not a timing test: it checks which libraries a refusal had to import, in a
fresh interpreter, which is what makes the answer quick (see `make bench`).
"""

import subprocess
import sys

import pytest

from imblab.checks import METRIC_NAMES

HEAVY = ("sklearn", "keras", "jax", "pandas", "imblearn", "matplotlib")

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


@pytest.mark.parametrize("args, message", [
    (["run", "--data", "{dir}/missing.csv", "--target", "y"], "does not exist"),
    (["run", "--data", "{dir}/data.xls", "--target", "y"], "save old .xls workbooks as .xlsx"),
    (["run", "--data", "{csv}", "--target", "label"], "target column 'label' is not in the data; its columns are: id, age, city, y"),
    (["run", "--data", "{csv}", "--target", "y", "--drop", "town"], "--drop names column 'town', which is not a feature column; the features are: id, age, city"),
    (["run", "--data", "{csv}", "--target", "y", "--groups", "shop"], "split column 'shop' is not among the features"),
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
