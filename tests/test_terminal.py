"""What the terminal shows at many strategies, and a command line that does what it says."""

import io
import re

import numpy as np
import pandas as pd
import pytest
from fabricated import broken_strategy, fabricated_results
from rich.console import Console
from sklearn.linear_model import LogisticRegression

from imblab.cli import main
from imblab.report.collect import ranked_rows
from imblab.report.terminal import comparison_table, render_run
from imblab.strategies import registry


@pytest.fixture(scope="module")
def fifteen():
    return fabricated_results(15)


@pytest.fixture(scope="module")
def thirty():
    return fabricated_results(30)


def rendered(renderable_or_results, width, **kwargs):
    console = Console(width=width, record=True, file=io.StringIO())
    if hasattr(renderable_or_results, "strategies"):
        render_run(renderable_or_results, console, **kwargs)
    else:
        console.print(renderable_or_results)
    return "\n".join(line.rstrip() for line in console.export_text().splitlines())  # rich pads titles


def table_lines(results, width):
    """The comparison table as printed at ``width`` columns: {strategy: its one line}, and every line."""
    text = rendered(comparison_table(results, width=width), width)
    lines = text.splitlines()
    rows = {}
    for name in results.strategies:
        found = [line for line in lines if line.startswith(name + " ")]
        assert len(found) == 1, (name, found)  # one line per row: no cell wrapped
        rows[name] = found[0]
    return rows, lines


@pytest.mark.parametrize("n, width", [(15, 120), (30, 120), (15, 80), (30, 80)])
def test_every_row_is_one_line_within_the_width(n, width, fifteen, thirty):
    results = fifteen if n == 15 else thirty
    rows, lines = table_lines(results, width)
    assert max(len(line) for line in lines) <= width
    printed = [line.split()[0] for line in lines if line.split() and line.split()[0] in rows]
    expected = [row["strategy"] for row in ranked_rows(results)]
    assert printed == expected  # best first
    for row in ranked_rows(results):
        line = rows[row["strategy"]]
        assert f"{row['fit_seconds']:.2f}" in line
        assert ("★ first" in line) == (row["status"] == "best")  # others not separated: first, not best


def test_rows_are_sorted_by_the_ranking_metric(fifteen):
    rows, _ = table_lines(fifteen, 120)
    summary = fifteen.summary.set_index("strategy")
    order = [row["strategy"] for row in ranked_rows(fifteen)]
    values = [summary.loc[name, "f1_1"] for name in order]
    assert values == sorted(values, reverse=True)
    best = order[0]
    half = (summary.loc[best, "f1_1_ci_high"] - summary.loc[best, "f1_1_ci_low"]) / 2
    assert f"{summary.loc[best, 'f1_1']:.3f} ± {half:.3f}" in rows[best]
    # fit time: the mean of the fits' seconds, 0.05·(i+1) + 0.001·split for strategy i over splits 0…9
    i = fifteen.strategies.index(best)
    assert f"{0.05 * (i + 1) + 0.0045:.2f}" in rows[best]


def test_layout_degrades_from_wide_to_narrow(fifteen):
    wide = rendered(comparison_table(fifteen, width=250), 250)
    header = wide.splitlines()[1]
    assert "Precision (1)" in header and "Balanced acc." in header and "PR-AUC (AP)" in header
    assert all(line.count("±") == 7 for line in wide.splitlines() if line.startswith("naive "))
    at_120 = rendered(comparison_table(fifteen, width=120), 120).splitlines()
    assert at_120[0] == "Side by side, ranked by f1_1"
    assert "ROC-AUC" in at_120[1] and "AP" in at_120[1]  # every metric still there, intervals on F1 only
    assert all(line.count("±") == 1 for line in at_120 if line.startswith("naive "))
    at_80 = rendered(comparison_table(fifteen, width=80), 80).splitlines()
    assert "ROC-AUC" not in at_80[1] and "F1 ▼" in at_80[1]


def test_failed_strategies_come_last():
    results = fabricated_results(6, failing=("naive", "brf"))
    rows, lines = table_lines(results, 120)
    printed = [line.split()[0] for line in lines if line.split() and line.split()[0] in rows]
    assert printed[-2:] == ["naive", "brf"]
    assert "failed" in rows["naive"] and "—" in rows["naive"]


def test_ranking_metric_outside_the_table_is_shown_first_and_lower_is_better_sorts_up():
    results = fabricated_results(6, metric="mcc")
    header = rendered(comparison_table(results, width=200), 200).splitlines()[1]
    assert header.split()[1:3] == ["mcc", "▼"]
    results = fabricated_results(6, metric="brier")
    rows, lines = table_lines(results, 200)
    assert "brier ▲" in lines[1]
    order = [row["strategy"] for row in ranked_rows(results)]
    briers = results.summary.set_index("strategy").loc[order, "brier"].tolist()
    assert briers == sorted(briers)


def test_summary_md_and_the_report_show_the_ranking_metric_outside_the_usual_columns():
    from imblab.report.collect import collect
    from imblab.report.html import render_html
    from imblab.report.markdown import render_markdown

    results = fabricated_results(4, metric="brier")
    facts = collect(results)
    assert facts["columns"][0] == {"metric": "brier", "heading": "brier ▲"}
    briers = results.summary.set_index("strategy")["brier"]
    table = [line for line in render_markdown(results, facts).splitlines() if line.startswith("| ")]
    assert table[0].startswith("| Strategy | brier ▲ | Precision (1) |")
    for line in table[1:]:  # every row's first cell is its Brier score
        name, cell = [part.strip() for part in line.split("|")[1:3]]
        assert cell.strip("*").startswith(f"{briers[name]:.3f} ± ")
    assert "<th>brier ▲</th>" in render_html(results, facts)


def test_a_clipped_interval_shows_its_unclipped_half_width_and_a_star_in_every_table():
    from imblab.report.collect import collect
    from imblab.report.markdown import render_markdown

    results = fabricated_results(4, metric="mcc")
    summary = results.summary.copy()
    name = summary["strategy"].iloc[0]
    for metric, value in [("precision_1", 0.563), ("mcc", 0.302)]:  # both ends clipped; the ranking metric
        summary.loc[summary["strategy"] == name, [metric, f"{metric}_ci_low", f"{metric}_ci_high",
                                                  f"{metric}_ci_clipped", f"{metric}_ci_half"]] = [
            value, 0.0 if metric == "precision_1" else -1.0, 1.0, True, 0.832]
    results.__dict__["summary"] = summary
    markdown = render_markdown(results, collect(results))
    assert "0.563 ± 0.832\\*" in markdown and "0.302 ± 0.832\\*" in markdown
    terminal = rendered(comparison_table(results, width=250), 250)
    assert "0.302 ± 0.832*" in terminal


def test_the_paradox_share_is_rounded_as_the_accuracy_column_beside_it():
    from imblab.report.collect import collect
    from imblab.report.html import render_html
    from imblab.report.markdown import render_markdown
    from imblab.report.terminal import dataset_overview

    results = fabricated_results(2, protocol="holdout")
    results.__dict__["majority_accuracy"] = 381 / 400  # 0.9525: 0.953 in a table, 95.2% formatted directly
    assert f"{381 / 400:.3f}" == "0.953" and f"{381 / 400:.1%}" == "95.2%"
    facts = collect(results)
    terminal = rendered(dataset_overview(results), 200)
    for text in (terminal, render_markdown(results, facts), render_html(results, facts)):
        assert "95.3% accuracy" in text and "95.2%" not in text


@pytest.mark.parametrize("protocol, n_seeds", [("cv", 1), ("holdout", 3)])
def test_the_paradox_share_is_the_naive_rows_accuracy_to_the_last_digit(protocol, n_seeds):
    # 95 positives in 2,000 rows: every repeat scores 1905 / 2000 = 0.9525, and the mean of seven of
    # them is 0.95249999…, shown as 0.952; counted over all rows, 0.9525 would be 95.3%
    from imblab import Holdout, RepeatedKFold, compare, dataset_from_frame
    from imblab.report.collect import as_percent

    rng = np.random.RandomState(0)
    frame = pd.DataFrame(rng.normal(size=(2000, 3)), columns=["a", "b", "c"])
    frame["label"] = 0
    frame.loc[rng.choice(2000, 95, replace=False), "label"] = 1
    chosen = RepeatedKFold(5, 7, random_state=0) if protocol == "cv" else Holdout(0.2, random_state=0)
    results = compare(dataset_from_frame(frame, "label"), ["naive"], chosen, n_seeds=n_seeds)
    accuracy = results.summary.set_index("strategy").loc["naive", "accuracy"]
    if protocol == "cv":
        assert f"{accuracy:.3f}" == "0.952" and f"{1905 / 2000:.1%}" == "95.2%" and as_percent(1905 / 2000) == "95.3%"
    assert results.majority_accuracy == accuracy  # the same number, so the same digits wherever shown
    assert as_percent(results.majority_accuracy)[:-1] == f"{100 * float(f'{accuracy:.3f}'):.1f}"


def test_the_paradox_predicts_the_training_parts_majority_as_the_naive_strategy_does():
    from imblab import Holdout, compare, make_synthetic

    # an unstratified holdout of near-balanced data: the training part's majority is class 0 (46 : 34),
    # the test part's class 1 (9 : 11); always predicting class 0 scores 0.450 there, not 0.550
    results = compare(make_synthetic(100, 4, 0.45, random_state=1), ["naive"],
                      Holdout(0.2, stratify=False, random_state=1))
    assert results.fits[0]["train_counts"] == {0: 46, 1: 34} and results.fits[0]["test_counts"] == {0: 9, 1: 11}
    assert results.majority_accuracy == results.summary.set_index("strategy").loc["naive", "accuracy"] == 0.45


def test_with_every_fit_failed_the_paradox_still_predicts_each_training_parts_majority():
    from imblab import Holdout, compare, make_synthetic
    from imblab.report.html import render_html

    results = compare(make_synthetic(100, 4, 0.45, random_state=1), {"broken": broken_strategy()},
                      Holdout(0.2, stratify=False, random_state=1))
    assert results.fits[0]["error"] and results.majority_accuracy == 0.45  # class 0 of the 46 : 34 training part
    assert "while finding\nnone of the minority class: the accuracy paradox" in render_html(results)


class _FailsOnSomeSeeds(LogisticRegression):
    """A logistic regression that fails when its seed is one of ``failing``."""

    def __init__(self, failing=(), random_state=None):
        super().__init__(random_state=random_state)
        self.failing = failing

    def fit(self, X, y, sample_weight=None):
        if self.random_state in self.failing:
            raise ValueError("planned failure")
        return super().fit(X, y, sample_weight)


def test_a_strategy_failing_on_one_seed_of_a_split_is_said_to_fail_on_that_fit():
    from imblab import Holdout, compare, make_synthetic
    from imblab.evaluation.runner import seed_states
    from imblab.report.collect import collect

    failing = (int(seed_states(42, 3, 0)[1]),)
    results = compare(make_synthetic(600, 5, 0.1, random_state=1),
                      {"naive": "naive", "flaky": _FailsOnSomeSeeds(failing)}, Holdout(), n_seeds=3)
    assert results.errors()["flaky"] == "failed on 1 of 3 fits (split 0 seed 1): ValueError: planned failure"
    assert ("Not ranked, because they failed on some fits and their scores cover only the others, which may be "
            "the easy ones: flaky (failed on 1 of 3 fits (split 0 seed 1))." in collect(results)["verdict"])


def test_classification_reports_only_when_few_or_verbose(fifteen):
    assert "classification report" not in rendered(fifteen, 120)
    assert rendered(fifteen, 120, verbose=True).count("classification report") == 15
    few = rendered(fabricated_results(4), 120)
    assert few.count("classification report") == 4
    # the pooled report says what it counts: 5 folds × 2 repeats, every row twice
    assert ("Classification reports: pooled over the out-of-fold rows of all 5 folds × 2 repeats: each row "
            "counted once per repeat, so support is 2 × the rows.") in " ".join(few.split())
    assert "support is" not in rendered(fabricated_results(2, protocol="holdout"), 200)


def test_thresholds_are_summarised_over_splits(fifteen):
    text = rendered(fifteen, 200)
    # brf@f1 (strategy 5) chose 0.3 + 0.02·split + 0.05 on splits 0…9: 0.35 to 0.53, median 0.44
    assert "brf@f1: decision threshold median 0.440 (0.350–0.530 over 10 splits)" in text


def test_quiet_prints_only_the_table(fifteen):
    text = rendered(fifteen, 120, quiet=True)
    assert text.splitlines()[0] == "Side by side, ranked by f1_1"
    assert text.splitlines()[1].startswith("Strategy")
    assert "Dataset" not in text and "Probabilities" not in text and "class weights" not in text


def test_repr_is_readable(fifteen):
    text = repr(fifteen)
    best = fifteen.comparison.iloc[0]
    assert text.startswith("<Results: 15 strategies (naive, smote_ann, weighted_ann, brf, … 11 more) on synthetic; ")
    assert "repeated stratified k-fold, 5 folds × 2 repeats, seed 0; ranked by f1_1: " in text
    assert f"first {best['strategy']} {best['mean']:.3f} ± " in text
    others = fifteen.comparison.iloc[1:]
    if "status" in others:  # each standing, counted
        counts = others["status"].value_counts(sort=False)
        assert text.endswith("".join(f", {n} {status}" for status, n in counts.items()) + ">")
    else:
        tied = int(others["tied_with_best"].sum())
        assert text.endswith(f", {tied} not significantly worse, {14 - tied} significantly worse>")
    assert "\n" not in text


# The command line, run in-process. Standard error is not a terminal under capsys.

SMALL = ["--strategies", "lr,lr:balanced", "--samples", "400", "--features", "6"]


def without_few_minority(err):
    """Standard error without the warning these small runs rightly get (test parts of 4 minority rows)."""
    return "".join(line for line in err.splitlines(True) if "minority rows (fewer than 20)" not in line)


def test_quiet_run_prints_the_table_and_nothing_else(tmp_path, capsys):
    assert main(["run", *SMALL, "--quiet", "--out", str(tmp_path / "r")]) == 0
    out, err = capsys.readouterr()
    assert without_few_minority(err) == ""
    lines = [line.rstrip() for line in out.splitlines()]
    assert lines[0] == "Side by side, ranked by f1_1" and lines[1].split()[0] == "Strategy"
    assert {line.split()[0] for line in lines[3:5]} == {"lr", "lr:balanced"}
    assert lines[3].count("±") == 7  # piped output is 170 columns wide: every interval fits
    assert lines[5].startswith("each cell: value ± half the 95% stratified-bootstrap interval")
    assert "Run folder" not in out and " ".join(out.split()).endswith("Fit s = mean seconds per fit")  # caption last
    assert "Run folder" not in out and "Dataset" not in out


def test_no_report_does_not_mention_a_report(tmp_path, capsys):
    out_dir = tmp_path / "r"
    assert main(["run", *SMALL, "--no-report", "--out", str(out_dir)]) == 0
    out, _ = capsys.readouterr()
    assert out.splitlines()[-1] == f"Run folder: {out_dir}"
    assert "report.html" not in out and "open" not in out
    assert main(["run", *SMALL, "--out", str(tmp_path / "with")]) == 0
    out, _ = capsys.readouterr()
    assert out.splitlines()[-1] == f"Run folder: {tmp_path / 'with'} (open {tmp_path / 'with' / 'report.html'})"


def test_progress_off_a_terminal_is_one_line_per_strategy(tmp_path, capsys):
    assert main(["run", *SMALL, "--folds", "2", "--repeats", "1", "--out", str(tmp_path / "r")]) == 0
    _, err = capsys.readouterr()
    lines = without_few_minority(err).splitlines()
    assert len(lines) == 2 and "" not in lines, err
    for line, name in zip(sorted(lines), ["lr", "lr:balanced"]):  # in the order the strategies finish
        assert re.fullmatch(rf"fitted {name}: 2/2 splits, \d+\.\d\d s per fit", line), line


def test_an_error_during_the_fits_is_exactly_one_line(table, tmp_path, capsys):
    rng = np.random.RandomState(0)
    frame = pd.DataFrame({"a": rng.normal(size=60), "y": [1] * 6 + [0] * 54})
    status = main(["run", "--data", str(table(frame)), "--target", "y", "--holdout", "--strategies", "smote+lr",
                   "--out", str(tmp_path / "never")])
    _, err = capsys.readouterr()
    assert status == 2
    assert err.count("\n") == 1 and err.startswith("imblab: error: strategy 'smote+lr' cannot run"), repr(err)


def test_a_failed_strategy_is_one_warning_line_on_stderr(monkeypatch, tmp_path, capsys):
    broken = broken_strategy("the solver diverged\nafter 3 iterations")
    monkeypatch.setitem(registry.STRATEGIES, "broken", broken)
    status = main(["run", "--strategies", "lr,broken", "--samples", "400", "--quiet", "--out", str(tmp_path / "r")])
    out, err = capsys.readouterr()
    assert status == 1
    assert without_few_minority(err) == ("imblab: warning: broken failed on 1 of 1 splits (split 0): "
                   "RuntimeError: the solver diverged after 3 iterations\n")
    broken_line = [line for line in out.splitlines() if line.startswith("broken ")]
    assert len(broken_line) == 1 and "failed" in broken_line[0]
    assert out.splitlines()[4].startswith("broken ")  # last of the two rows


def test_verbose_prints_every_classification_report(tmp_path, capsys):
    five = ["--strategies", "lr,lr:balanced,smote+lr,rus+lr,lr@0.3", "--samples", "400", "--features", "6"]
    assert main(["run", *five, "--out", str(tmp_path / "a")]) == 0
    out, _ = capsys.readouterr()
    assert "classification report" not in out  # five strategies: the table says enough
    assert main(["run", *five, "--verbose", "--out", str(tmp_path / "b")]) == 0
    out, _ = capsys.readouterr()
    assert out.count("classification report") == 5
    assert "Classification reports: on the test part: each test row once." in out
    assert "lr@0.3: decision threshold 0.300" in out  # a holdout has one split: the threshold itself


def test_progress_and_pooling_count_seeds(tmp_path, capsys):
    assert main(["run", *SMALL, "--folds", "2", "--repeats", "1", "--seeds", "2", "--verbose",
                 "--out", str(tmp_path / "r")]) == 0
    out, err = capsys.readouterr()
    lines = without_few_minority(err).splitlines()
    assert len(lines) == 2, err
    for line, name in zip(sorted(lines), ["lr", "lr:balanced"]):
        assert re.fullmatch(rf"fitted {name}: 4/4 fits \(2 splits × 2 seeds\), \d+\.\d\d s per fit", line), line
    assert ("Classification reports: pooled over the out-of-fold rows of all 2 folds × 2 seeds: each row counted "
            "once per seed, so support is 2 × the rows.") in " ".join(out.split())


def test_a_classification_report_is_worked_out_once_and_handed_out_as_a_copy(monkeypatch):
    """The run folder, the report and the terminal each ask for it: scikit-learn computes it once."""
    import sklearn.metrics

    import imblab.results

    results = fabricated_results(2)
    name = results.strategies[0]
    part = results.predictions[results.predictions["strategy"] == name]
    expected = sklearn.metrics.classification_report(part["y_true"], part["y_pred"], labels=[0, 1], zero_division=0,
                                                     target_names=["0", "1"], output_dict=True)
    calls = []
    original = imblab.results.classification_report
    monkeypatch.setattr(imblab.results, "classification_report", lambda *a, **k: calls.append(k) or original(*a, **k))
    first = results.classification_report(name, output_dict=True)
    first["1"]["recall"] = -1.0  # a caller changing its copy changes nobody else's
    again = results.classification_report(name, output_dict=True)
    assert again == expected
    assert results.classification_report(name) == results.classification_report(name)
    assert [k["output_dict"] for k in calls] == [True, False]


def _with_copy_of_first(results, copy="twin", noise=None):
    """``results`` with one more strategy whose predictions are the first-ranked strategy's exactly (or,
    with ``noise``, its scores replaced by seeded noise: a strategy significantly worse than it)."""
    from imblab.results import Results

    first = results.comparison["strategy"].iloc[0]
    twin = results.predictions[results.predictions["strategy"] == first].assign(strategy=copy)
    if noise is not None:
        twin = twin.assign(y_score=np.random.RandomState(noise).random_sample(len(twin)))
        twin = twin.assign(y_pred=(twin["y_score"] >= 0.5).astype(int))
    fits = results.fits + [{**f, "strategy": copy} for f in results.fits if f["strategy"] == first]
    notes = {**results.strategy_notes, copy: results.strategy_notes[first]}
    config = {**results.config, "strategies": [*results.strategies, copy]}
    return first, Results(predictions=pd.concat([results.predictions, twin], ignore_index=True), fits=fits,
                          config=config, dataset=results.dataset, strategy_notes=notes)


def test_best_only_when_every_other_is_significantly_worse_else_first():
    from imblab.report.collect import collect

    _, clear = _with_copy_of_first(fabricated_results(2), "noise", noise=0)
    assert list(clear.comparison["status"]) == ["best", "worse", "worse"]
    assert ranked_rows(clear)[0]["label"] == "★ best"
    assert "single out no best" not in collect(clear)["verdict"] and "★ first" not in collect(clear)["rule"]
    first, tied = _with_copy_of_first(clear)  # a copy of the first: a tie, and not significantly worse
    rows = ranked_rows(tied)
    assert [rows[0]["strategy"], rows[1]["strategy"]] == [first, "twin"]  # the order given
    assert rows[0]["label"] == "★ first" and rows[1]["status"] != "best"
    facts = collect(tied)
    assert "It ties with twin (the same f1_1)" in facts["verdict"]
    assert "Not every other strategy is significantly worse, so these data single out no best." in facts["verdict"]
    assert "'★ first' = ranked first, not significantly better than every other" in facts["rule"]
    # a runner-up that is not separated makes the first '★ first', whatever else is worse
    fifteen = fabricated_results(15)
    assert "not separated" in set(fifteen.comparison["status"]) and "worse" in set(fifteen.comparison["status"])
    assert ranked_rows(fifteen)[0]["label"] == "★ first"
    # nothing else worse: said so
    _, alone = _with_copy_of_first(fabricated_results(1))
    assert ranked_rows(alone)[0]["label"] == "★ first"
    assert "No other strategy is significantly worse, so these data single out no best." in collect(alone)["verdict"]
    # one strategy: first, nothing to single it out from; every strategy failed: no star, no legend for one
    one = fabricated_results(1)
    assert ranked_rows(one)[0]["label"] == "★ first" and "single out" not in collect(one)["verdict"]
    from imblab.report.collect import first_label

    failed = pd.DataFrame({"strategy": ["a", "b"], "rank": [np.nan, np.nan], "status": ["failed", "failed"]})
    assert first_label(failed) is None  # nothing ranked: no star, and no legend for one


def test_not_separated_says_its_interval_is_not_adjusted_as_its_p_is():
    from imblab.report.collect import verdict

    results = fabricated_results(4, protocol="holdout")
    comparison = results.comparison
    shown = comparison[comparison["status"] == "not separated"].iloc[0]
    text = verdict(results)
    assert "(Holm-adjusted p ≥ 0.05)" in text
    assert (f"{shown['strategy']} (difference {shown['difference']:+.3f}, unadjusted 95% interval "
            f"{shown['diff_ci_low']:+.3f} to {shown['diff_ci_high']:+.3f}, adjusted p = "
            f"{shown['p_adjusted']:.3f})") in text
