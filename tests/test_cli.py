"""The command line, run in-process: exit codes, output and the files it writes."""

import json

import numpy as np
import pandas as pd
import pytest

from imblab.cli import main
from fabricated import broken_strategy
from imblab.strategies import registry


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_practical_run_writes_the_run_folder(tmp_path, capsys):
    out_dir = tmp_path / "run"
    status, out, err = run(capsys, "run", "--out", str(out_dir))
    assert status == 0, err
    assert "class 0: 7576, class 1: 424" in out
    assert "after SMOTE the model trains on class 0: 7576, class 1: 7576" in out
    assert "class weights {0: 0.528, 1: 9.434}" in out
    assert out.count("classification report") == 4
    assert "Side by side" in out
    assert sorted(p.name for p in out_dir.iterdir()) == [
        "calibration.csv", "comparison.csv", "folds.csv", "predictions.parquet", "reliability.csv",
        "report.html", "results.json", "run.json", "summary.csv", "summary.md"]

    summary = pd.read_csv(out_dir / "summary.csv")
    assert list(summary["strategy"]) == ["naive", "smote_ann", "weighted_ann", "brf"]
    for column in ["precision_1", "recall_1", "f1_1", "accuracy", "balanced_accuracy", "roc_auc",
                   "average_precision"]:
        assert column in summary.columns

    saved = json.loads((out_dir / "results.json").read_text())
    assert saved["config"]["keras_backend"] == "jax"
    assert saved["train_class_counts"] == {"0": 7576, "1": 424}
    assert saved["strategies"]["weighted_ann"]["training"]["class_weight"]["1"] == pytest.approx(9.434, abs=1e-3)
    assert saved["strategies"]["brf"]["classification_report"]["1"]["support"] == 116

    predictions = pd.read_parquet(out_dir / "predictions.parquet")
    assert len(predictions) == 4 * 2000
    assert predictions["y_score"].between(0, 1).all()


def test_same_seed_gives_identical_summary(tmp_path, capsys):
    for name in ("a", "b"):
        status, _, err = run(capsys, "run", "--quiet", "--out", str(tmp_path / name))
        assert status == 0, err
    assert (tmp_path / "a" / "summary.csv").read_bytes() == (tmp_path / "b" / "summary.csv").read_bytes()


def test_strategies_subset_and_synthetic_options(tmp_path, capsys):
    status, out, _ = run(capsys, "run", "--strategies", "naive,brf", "--samples", "3000", "--features", "8",
                         "--minority-share", "0.1", "--seed", "3", "--quiet", "--out", str(tmp_path / "r"))
    assert status == 0
    summary = pd.read_csv(tmp_path / "r" / "summary.csv")
    assert list(summary["strategy"]) == ["naive", "brf"]
    saved = json.loads((tmp_path / "r" / "results.json").read_text())
    assert saved["dataset"]["rows"] == 3000 and saved["dataset"]["features"] == 8
    assert saved["config"]["random_state"] == 3


def test_own_csv_defaults_to_repeated_cv(table, mixed_frame, tmp_path, capsys):
    path = table(mixed_frame)
    status, out, err = run(capsys, "run", "--data", str(path), "--target", "churn",
                           "--strategies", "naive,weighted_ann,brf,smote_ann", "--out", str(tmp_path / "r"))
    assert status == 0, err
    saved = json.loads((tmp_path / "r" / "results.json").read_text())
    assert saved["config"]["protocol"] == {"name": "repeated stratified k-fold", "folds": 5, "repeats": 2,
                                           "random_state": 42}
    assert saved["dataset"]["positive_label"] == "yes"
    folds = pd.read_csv(tmp_path / "r" / "folds.csv")
    assert len(folds) == 4 * 10
    assert set(folds["support_1"]) == {8}  # stratified: 40 positives / 5 folds
    summary = pd.read_csv(tmp_path / "r" / "summary.csv")
    assert summary["error"].isna().all()
    assert (summary["n_splits"] == 10).all()
    # every learner finds signal (200 rows, 40 positives: the 5-epoch network is the weakest, ROC-AUC 0.69)
    assert (summary.set_index("strategy").drop("naive")["roc_auc"] > 0.65).all()
    assert "pooled out-of-fold estimate ± half the 95% interval" in " ".join(out.split())


def test_own_csv_holdout_is_stratified(table, mixed_frame, tmp_path, capsys):
    status, _, err = run(capsys, "run", "--data", str(table(mixed_frame)), "--target", "churn", "--holdout",
                         "--strategies", "weighted_ann,brf", "--quiet", "--out", str(tmp_path / "r"))
    assert status == 0, err
    saved = json.loads((tmp_path / "r" / "results.json").read_text())
    assert saved["config"]["protocol"]["name"] == "stratified holdout"
    assert saved["fits"][0]["test_counts"] == {"0": 72, "1": 8}  # exactly the 10% positive share


def test_strategies_command_lists_every_strategy(capsys):
    status, out, _ = run(capsys, "strategies")
    assert status == 0
    for name in ["naive", "smote_ann", "weighted_ann", "brf"]:
        assert name in out


def _frame(**columns):
    return pd.DataFrame(columns)


@pytest.mark.parametrize("args, fragment", [
    (["--strategies", "naive,xgboost"], "unknown strategy 'xgboost': choose from naive, smote_ann"),
    (["--strategies", ","], "no strategy given"),
    (["--samples", "ten"], "argument --samples: expected a whole number, got 'ten'"),
    (["--test-size", "1.5"], "argument --test-size: expected a number between 0 and 1"),
    (["--minority-share", "0.6"], "--minority-share must be between 0 and 0.5"),
    (["--jobs", "0"], "argument --jobs"),
    (["--holdout", "--folds", "3"], "--holdout and --folds/--repeats exclude each other"),
    (["--folds", "3", "--test-size", "0.3"], "--test-size sets a holdout's test share"),
    (["--metric", "accuracy_1"], "unknown metric 'accuracy_1': choose from precision_1"),
    (["--target", "y"], "pass --data FILE as well"),
    (["--data", "x.csv"], "--data needs --target"),
    (["--data", "nowhere.csv", "--target", "y"], "data file 'nowhere.csv' does not exist"),
    (["--bogus"], "unrecognized arguments: --bogus"),
])
def test_bad_options_exit_2_with_one_line(args, fragment, tmp_path, capsys):
    out_dir = tmp_path / "never"
    status, out, err = run(capsys, "run", *args, "--out", str(out_dir))
    assert status == 2
    assert fragment in err
    assert err.strip().count("\n") == 0, err
    assert "Traceback" not in err
    assert not out_dir.exists()


@pytest.mark.parametrize("frame, extra, fragment", [
    (_frame(a=[1, 2, 3, 4], y=[1, 1, 1, 1]), [], "only one class (1)"),
    (_frame(a=[1, 2, 3, 4], y=[0, 1, 2, 1]), [], "has 3 classes (0, 1, 2)"),
    (_frame(a=[1, 2, 3, 4], y=[0, 1, 0, 1]), ["--target", "label"], "target column 'label' is not in the data; its columns are: a, y"),
    (_frame(a=[1, 2, 3, 4], y=[0, 1, 0, 1]), ["--positive", "2"], "positive label '2' does not occur in target column 'y'; its labels are: 0, 1"),
    (_frame(a=[1.0, np.inf, 3, 4], y=[0, 1, 0, 1]), [], "feature column 'a' has 1 infinite values"),
])
def test_bad_data_exit_2(frame, extra, fragment, table, tmp_path, capsys):
    path = table(frame)
    args = ["run", "--data", str(path), "--target", "y", *extra, "--out", str(tmp_path / "never")]
    if "--target" in extra:
        args.remove("y"); args.remove("--target")
    status, _, err = run(capsys, *args)
    assert status == 2
    assert fragment in err, err
    assert err.strip().count("\n") == 0
    assert not (tmp_path / "never").exists()


def test_empty_and_unreadable_files_exit_2(tmp_path, capsys):
    (tmp_path / "empty.csv").write_text("")
    status, _, err = run(capsys, "run", "--data", str(tmp_path / "empty.csv"), "--target", "y")
    assert status == 2 and "is empty" in err
    (tmp_path / "broken.parquet").write_bytes(b"\x00\x01 not parquet")
    status, _, err = run(capsys, "run", "--data", str(tmp_path / "broken.parquet"), "--target", "y")
    assert status == 2 and "cannot read" in err and err.strip().count("\n") == 0


def test_minority_too_small_for_smote(table, tmp_path, capsys):
    rng = np.random.RandomState(0)
    frame = pd.DataFrame({"a": rng.normal(size=60), "b": rng.normal(size=60),
                          "y": [1] * 6 + [0] * 54})
    status, _, err = run(capsys, "run", "--data", str(table(frame)), "--target", "y", "--holdout",
                         "--out", str(tmp_path / "never"))
    assert status == 2
    # stratified 80/20 keeps 5 of the 6 positives for training; SMOTE's 5 neighbours need 6
    assert "strategy 'smote_ann' cannot run: SMOTE (k_neighbors=5) needs more than 5 minority rows" in err
    assert "split 0 has 5" in err
    assert not (tmp_path / "never").exists()
    # 5-fold CV leaves 4 or 5 positives in each training part
    status, _, err = run(capsys, "run", "--data", str(table(frame)), "--target", "y",
                         "--out", str(tmp_path / "never"))
    assert status == 2 and "has 4 (class 1); add minority rows, use fewer folds" in err


def test_existing_run_folder_is_not_overwritten_without_asking(tmp_path, capsys):
    out_dir = tmp_path / "run"
    status, _, err = run(capsys, "run", "--strategies", "naive", "--samples", "200", "--out", str(out_dir))
    assert status == 0, err
    first = (out_dir / "predictions.parquet").read_bytes()
    status, _, err = run(capsys, "run", "--strategies", "brf", "--samples", "200", "--out", str(out_dir))
    assert status == 2 and "already exists" in err and "--overwrite" in err
    assert (out_dir / "predictions.parquet").read_bytes() == first
    status, _, _ = run(capsys, "run", "--strategies", "brf", "--samples", "200", "--out", str(out_dir),
                       "--overwrite")
    assert status == 0
    assert list(pd.read_csv(out_dir / "summary.csv")["strategy"]) == ["brf"]


def test_one_failing_strategy_keeps_the_others(monkeypatch, tmp_path, capsys):
    broken = broken_strategy()
    monkeypatch.setitem(registry.STRATEGIES, "broken", broken)
    status, out, err = run(capsys, "run", "--strategies", "naive,broken,brf", "--samples", "1000",
                           "--quiet", "--out", str(tmp_path / "r"))
    assert status == 1
    assert "broken failed on 1 of 1 splits (split 0): RuntimeError: the solver diverged" in err  # a warning
    summary = pd.read_csv(tmp_path / "r" / "summary.csv")
    assert list(summary["strategy"]) == ["naive", "broken", "brf"]
    assert summary.set_index("strategy").loc["brf", "recall_1"] > 0.5
    assert np.isnan(summary.set_index("strategy").loc["broken", "recall_1"])
    predictions = pd.read_parquet(tmp_path / "r" / "predictions.parquet")
    assert set(predictions["strategy"]) == {"naive", "brf"}


def test_every_example_printed_by_strategies_runs(tmp_path, capsys):
    status, out, _ = run(capsys, "strategies")
    assert status == 0
    text = " ".join(out.split("Examples:", 1)[1].split("Samplers", 1)[0].split())  # the line may wrap
    examples = [e.strip(" '.") for e in registry.split_list(text)]
    assert "smote(k=3,ratio=0.5)+lr@recall=0.9" in examples and len(examples) == 6
    status, out, err = run(capsys, "run", "--strategies", ",".join(examples), "--samples", "1500",
                           "--quiet", "--no-report", "--out", str(tmp_path / "r"))
    assert status == 0, err
    assert list(pd.read_csv(tmp_path / "r" / "summary.csv")["strategy"]) == examples


def test_spec_with_commas_inside_parentheses_is_one_strategy(tmp_path, capsys):
    status, _, err = run(capsys, "run", "--strategies", "naive, smote(k=3,ratio=0.5)+lr", "--samples", "1000",
                         "--quiet", "--no-report", "--out", str(tmp_path / "r"))
    assert status == 0, err
    assert list(pd.read_csv(tmp_path / "r" / "summary.csv")["strategy"]) == ["naive", "smote(k=3,ratio=0.5)+lr"]


def test_smote_check_counts_the_minority_even_when_it_is_the_negative_class(table, tmp_path, capsys):
    rng = np.random.RandomState(0)
    frame = pd.DataFrame({"a": rng.normal(size=60), "b": rng.normal(size=60), "y": ["rare"] * 6 + ["common"] * 54})
    status, _, err = run(capsys, "run", "--data", str(table(frame)), "--target", "y", "--positive", "common",
                         "--holdout", "--strategies", "smote+lr", "--out", str(tmp_path / "never"))
    assert status == 2
    assert "split 0 has 5 (class 'rare')" in err
    assert not (tmp_path / "never").exists()


def test_a_run_freezes_the_heap_while_it_works_and_thaws_it_after(tmp_path):
    """The command line keeps the long-lived objects out of the collector's walks during a run
    (gc.freeze), and gives an in-process caller its collector back unchanged when the run returns."""
    import gc

    seen = []

    def record(phase, info):
        if phase == "start":
            seen.append(gc.get_freeze_count())

    assert gc.get_freeze_count() == 0
    gc.callbacks.append(record)
    try:
        assert main(["run", "--samples", "400", "--strategies", "naive,lr", "--holdout", "--quiet", "--no-report",
                     "--out", str(tmp_path / "run")]) == 0
    finally:
        gc.callbacks.remove(record)
    assert max(seen) > 10_000  # the imports' modules, classes and functions, at least
    assert gc.get_freeze_count() == 0


def test_too_few_minority_rows_in_a_test_part_is_a_warning_on_the_terminal(tmp_path, capsys):
    """The README's promise: a warning with the verdict when a test part holds fewer than 20 minority rows."""
    assert main(["run", "--samples", "300", "--strategies", "naive,lr", "--folds", "3", "--repeats", "1",
                 "--quiet", "--no-report", "--out", str(tmp_path / "run")]) == 0
    err = capsys.readouterr().err
    assert "imblab: warning: A test part holds only" in err and "(fewer than 20)" in err
    assert main(["run", "--samples", "3000", "--strategies", "naive", "--holdout", "--quiet", "--no-report",
                 "--out", str(tmp_path / "big")]) == 0
    assert "fewer than 20" not in capsys.readouterr().err
