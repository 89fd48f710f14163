"""Statistics and every renderer on partial results: failed strategies, missing splits, undefined metrics."""

import numpy as np
import pandas as pd
import pytest
from rich.console import Console

from imblab import Results
from imblab.evaluation.runner import PREDICTION_COLUMNS
from imblab.report.collect import collect, comparison_rows
from imblab.report.html import render_html
from imblab.report.markdown import render_markdown
from imblab.report.terminal import render_run

HOLDOUT = {"name": "stratified holdout", "test_size": 0.2, "stratify": True, "random_state": 0}
CV = {"name": "repeated stratified k-fold", "folds": 2, "repeats": 2, "random_state": 0}


def _dataset(y):
    counts = {0: int((y == 0).sum()), 1: int((y == 1).sum())}
    return {"name": "tiny", "rows": len(y), "features": 2, "columns": ["a", "b"], "numeric_features": 2,
            "categorical_features": 0, "missing_values": 0, "negative_label": 0, "positive_label": 1,
            "class_counts": counts, "minority_share": counts[1] / len(y),
            "majority_accuracy": max(counts.values()) / len(y), "sha256": "0" * 64,
            "provenance": {"generator": "test"}}


def _results(predictions, fits, strategies, protocol, y, metric="f1_1"):
    config = {"strategies": strategies, "protocol": protocol, "metric": metric, "random_state": 0,
              "keras_backend": "jax", "python": "3", "versions": {}, "rope": 0.01}
    return Results(predictions=predictions, fits=fits, config=config, dataset=_dataset(y),
                   strategy_notes={})


def _fit(strategy, split_id, test_y, error=None):
    return {"strategy": strategy, "split_id": split_id, "error": error, "facts": {},
            "train_counts": {0: 60, 1: 20}, "test_counts": {0: int((test_y == 0).sum()), 1: int(test_y.sum())},
            "fit_seconds": 0.0, "predict_seconds": 0.0}


def _predictions(strategy, split_id, rows, y, rng, *, seed=None):
    score = np.clip(0.5 * y[rows] + 0.6 * rng.rand(len(rows)), 0, 1)
    frame = pd.DataFrame({"strategy": strategy, "split_id": split_id, "row_id": rows, "y_true": y[rows],
                          "y_score": score, "y_pred": (score >= 0.5).astype(int), "y_score_prior": np.nan})
    if seed is not None:
        frame["seed"] = seed
    return frame


def _cv_run(strategies, skip=(), y=None):
    """2 folds × 2 repeats over 40 rows; ``skip`` lists (strategy, split) fits that failed."""
    rng = np.random.RandomState(0)
    y = np.array([0, 1] * 20) if y is None else y
    parts, fits = [], []
    for split_id in range(4):
        test = np.arange(40)[(np.arange(40) // 2 + split_id // 2) % 2 == split_id % 2]
        for name in strategies:
            failed = (name, split_id) in skip
            fits.append(_fit(name, split_id, y[test], "ValueError: boom" if failed else None))
            if not failed:
                parts.append(_predictions(name, split_id, test, y, rng))
    predictions = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=PREDICTION_COLUMNS)
    return _results(predictions, fits, strategies, CV, y)


def _render_everything(results, tmp_path):
    console = Console(width=160, record=True)
    render_run(results, console)
    text = console.export_text()
    markdown = render_markdown(results)
    html = render_html(results)
    folder = results.save(tmp_path / "run", report=False)  # the reports are rendered above
    assert set(pd.read_csv(folder / "comparison.csv")["strategy"]) == set(results.strategies)
    return text, markdown, html


@pytest.mark.parametrize("protocol", [HOLDOUT, CV])
def test_every_strategy_failed(protocol, tmp_path):
    y = np.array([0, 1] * 10)
    fits = [_fit(name, 0, y, "ValueError: cannot fit") for name in ("a", "b")]
    results = _results(pd.DataFrame(columns=PREDICTION_COLUMNS), fits, ["a", "b"], protocol, y)
    assert list(results.comparison["status"]) == ["failed", "failed"]
    assert results.summary["f1_1"].isna().all() and results.summary["f1_1_ci_low"].isna().all()
    assert collect(results)["verdict"].startswith("No strategy produced predictions")
    assert [row["label"] for row in comparison_rows(results)] == ["failed", "failed"]
    text, markdown, html = _render_everything(results, tmp_path)
    assert "failed" in text and "No strategy produced predictions" in markdown and "failed" in html


def test_some_strategies_failed_on_some_splits(tmp_path):
    results = _cv_run(["a", "b", "c"], skip={("b", 1), ("c", 0), ("c", 1), ("c", 2), ("c", 3)})
    summary = results.summary.set_index("strategy")
    assert summary.loc["a", "n_splits"] == 4 and summary.loc["b", "n_splits"] == 3
    comparison = results.comparison.set_index("strategy")
    assert comparison.loc["c", "status"] == "failed"
    # b is scored on the 3 splits it survived, which may be the easy ones: shown, but neither ranked nor tested
    assert comparison.loc["a", "status"] == "best" and comparison.loc["b", "status"] == "partly failed"
    assert comparison.loc["b", "rank"] != comparison.loc["b", "rank"] and comparison["p_value"].isna().all()
    assert comparison.loc["b", "mean"] == summary.loc["b", "f1_1"]
    assert "partly failed" in [row["label"] for row in comparison_rows(results)]
    text, markdown, html = _render_everything(results, tmp_path)
    assert "Failed on every split: c" in markdown
    assert ("Not ranked, because they failed on some splits and their scores cover only the others, which may be "
            "the easy ones: b (failed on 1 of 4 splits (split 1))." in markdown)
    assert "partly failed" in text and "partly failed" in html
    assert "'partly failed' = failed on some splits, so scored on the others only and not ranked" in " ".join(
        text.split())


def test_a_strategy_that_failed_on_its_hard_splits_does_not_rank_first():
    # b beats a on every split it survived, but failed on the other two: a ranks first, b is marked
    results = _cv_run(["a", "b"], skip={("b", 0), ("b", 3)})
    results.predictions.loc[results.predictions["strategy"] == "b", "y_pred"] = (
        results.predictions.loc[results.predictions["strategy"] == "b", "y_true"])
    comparison = results.comparison.set_index("strategy")
    assert results.summary.set_index("strategy").loc["b", "f1_1"] == 1.0 > comparison.loc["a", "mean"]
    assert list(results.comparison["strategy"]) == ["a", "b"]
    assert comparison.loc["a", "status"] == "best" and comparison.loc["b", "status"] == "partly failed"
    assert collect(results)["verdict"].startswith("By f1_1, a ranks first")
    # b's optimistic scores are shown, but no cell of b's is marked the best of its column
    rows = {row["strategy"]: row for row in comparison_rows(results)}
    assert rows["b"]["cells"][2]["value"] == 1.0 and not any(cell["best"] for cell in rows["b"]["cells"])
    assert any(cell["best"] for cell in rows["a"]["cells"])
    assert "**1.000**" not in render_markdown(results)


def test_when_every_strategy_failed_somewhere_nothing_is_ranked():
    results = _cv_run(["a", "b"], skip={("a", 0), ("b", 3)})
    assert list(results.comparison["status"]) == ["partly failed", "partly failed"]
    assert collect(results)["verdict"].startswith("No strategy completed every split: nothing to rank. Not ranked")


def test_fewer_than_two_usable_splits_is_not_testable(tmp_path):
    # b has one fold in each repeat: no pseudo-values, no interval, no test; never "worse" (and, as it failed
    # on the other folds, not ranked either)
    results = _cv_run(["a", "b"], skip={("b", 1), ("b", 3)})
    comparison = results.comparison.set_index("strategy")
    assert "worse" not in set(comparison["status"]) and comparison.loc["b", "status"] == "partly failed"
    assert comparison["p_value"].isna().all()
    b = results.summary.set_index("strategy").loc["b"]
    assert b["f1_1"] == b["f1_1"] and b["f1_1_ci_low"] != b["f1_1_ci_low"]  # a value, but no interval
    labels = [row["label"] for row in comparison_rows(results)]
    assert "partly failed" in labels and not any("worse" in label for label in labels)
    text, markdown, html = _render_everything(results, tmp_path)
    assert "partly failed" in markdown and "Not ranked" in markdown


def test_metric_undefined_everywhere(tmp_path):
    # a test set with one class: ROC-AUC is undefined, so nothing can be ranked by it
    y = np.zeros(20, dtype=int)
    rng = np.random.RandomState(1)
    rows = np.arange(20)
    predictions = pd.concat([_predictions(name, 0, rows, y, rng) for name in ("a", "b")], ignore_index=True)
    fits = [_fit(name, 0, y) for name in ("a", "b")]
    results = _results(predictions, fits, ["a", "b"], HOLDOUT, y, metric="roc_auc")
    assert list(results.comparison["status"]) == ["n/a", "n/a"]
    assert results.summary["roc_auc"].isna().all()
    assert collect(results)["verdict"].startswith("No strategy has a defined roc_auc")
    _render_everything(results, tmp_path)


def test_metric_undefined_on_one_split():
    # the first repeat's first fold holds only class 0: its ROC-AUC is NaN, the pooled repeat's is not
    y = np.array([0, 1] * 20)
    y[np.arange(40)[(np.arange(40) // 2) % 2 == 0]] = 0
    results = _cv_run(["a", "b"], y=y)
    folds = results.folds
    assert folds.loc[folds["split_id"] == 0, "roc_auc"].isna().all()
    summary = results.summary.set_index("strategy")
    assert summary["roc_auc"].notna().all()
    assert results.with_metric("roc_auc").comparison["status"].iloc[0] == "best"


def test_a_warning_when_test_parts_hold_few_minority_rows():
    results = _cv_run(["a", "b"])
    assert "A test part holds only 10 minority rows" in collect(results)["verdict"]


def test_seeds_are_averaged_within_a_split():
    rng = np.random.RandomState(3)
    y = np.array([0, 0, 0, 1] * 10)
    rows = np.arange(40)
    seeded = pd.concat([_predictions("a", 0, rows, y, rng, seed=s) for s in (0, 1)]
                       + [_predictions("b", 0, rows, y, rng, seed=s) for s in (0, 1)], ignore_index=True)
    results = _results(seeded, [_fit(n, 0, y) for n in ("a", "b")], ["a", "b"], HOLDOUT, y)
    folds = results.folds
    assert list(folds["seed"]) == [0, 1, 0, 1]
    summary = results.summary.set_index("strategy")
    for name in ("a", "b"):
        assert summary.loc[name, "f1_1"] == pytest.approx(folds.loc[folds["strategy"] == name, "f1_1"].mean())
        assert summary.loc[name, "n_splits"] == 1
    low, high = summary.loc["a", "f1_1_ci_low"], summary.loc["a", "f1_1_ci_high"]
    assert 0 <= low <= summary.loc["a", "f1_1"] <= high <= 1
