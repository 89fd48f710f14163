"""Statistics across datasets, against hand-computed cases and against scipy and scikit-posthocs directly."""

import math

import numpy as np
import pandas as pd
import pytest

scipy_stats = pytest.importorskip("scipy.stats")
sp = pytest.importorskip("scikit_posthocs")

import imblab  # noqa: E402
from imblab.bench import stats  # noqa: E402
from imblab.bench.verdicts import pair_pvalues, verdicts_against  # noqa: E402
from imblab.evaluation.statistics import holm  # noqa: E402

# Four datasets × three strategies, with one tie (d3). Ranks, 1 = best:
#   d1: 1, 2, 3    d2: 2, 1, 3    d3: 1.5, 1.5, 3    d4: 1, 3, 2
# Rank sums a 5.5, b 7.5, c 11; mean ranks 1.375, 1.875, 2.75.
SCORES = pd.DataFrame({"a": [0.9, 0.6, 0.8, 0.7], "b": [0.8, 0.7, 0.8, 0.5], "c": [0.7, 0.5, 0.6, 0.6]},
                      index=["d1", "d2", "d3", "d4"])


def test_ranks_one_is_best_and_ties_share_their_average():
    ranks = stats.rank_scores(SCORES)
    assert ranks.to_numpy().tolist() == [[1, 2, 3], [2, 1, 3], [1.5, 1.5, 3], [1, 3, 2]]
    assert ranks.mean().tolist() == [1.375, 1.875, 2.75]
    # a metric where lower is better (Brier) ranks the other way round
    assert stats.rank_scores(SCORES, higher_is_better=False).loc["d1"].tolist() == [3, 2, 1]


def test_friedman_by_hand_with_the_tie_correction():
    # chi2 = 12 / (N k (k+1)) * sum(R_j^2) - 3 N (k+1) = 12/48 * (5.5² + 7.5² + 11²) - 48 = 3.875,
    # divided by the tie correction 1 - sum(t³ - t) / (N k (k² - 1)) = 1 - 6/96 = 0.9375
    expected = 3.875 / 0.9375
    result = stats.friedman(SCORES)
    assert result["statistic"] == pytest.approx(expected)
    assert result["p_value"] == pytest.approx(math.exp(-expected / 2))  # chi² with 2 df
    scipy_result = scipy_stats.friedmanchisquare(SCORES["a"], SCORES["b"], SCORES["c"])
    assert result["statistic"] == pytest.approx(scipy_result.statistic)
    assert result["p_value"] == pytest.approx(scipy_result.pvalue)
    assert "little power" in result["note"]  # 4 datasets


def test_friedman_needs_three_strategies_and_says_so():
    result = stats.friedman(SCORES[["a", "b"]])
    assert math.isnan(result["statistic"]) and "at least 3 strategies" in result["note"]


def test_friedman_with_enough_datasets_does_not_warn_about_power():
    rng = np.random.RandomState(0)
    scores = pd.DataFrame(rng.uniform(size=(12, 3)), columns=list("abc"))
    assert "little power" not in stats.friedman(scores)["note"]


def test_critical_difference_matches_demsar_table():
    # Demšar (2006), Table 5(a): q_0.05 = 1.960, 2.343, 2.569, 2.728 for k = 2..5, and 3.164 for k = 10
    for k, q in [(2, 1.960), (3, 2.343), (4, 2.569), (5, 2.728), (10, 3.164)]:
        assert stats.critical_difference(k, 6) == pytest.approx(q * math.sqrt(k * (k + 1) / 36), abs=2e-3)
    assert stats.critical_difference(4, 10) == pytest.approx(2.569 * math.sqrt(20 / 60), abs=1e-3)


def test_nemenyi_equals_scikit_posthocs_and_the_studentized_range():
    matrix = stats.nemenyi(SCORES)
    direct = sp.posthoc_nemenyi_friedman(SCORES.to_numpy())
    np.testing.assert_allclose(matrix.to_numpy(), direct.to_numpy())
    # by hand: q = |R̄a − R̄c| / sqrt(k(k+1) / 6N) · √2, p from the studentized range with infinite df
    q = abs(1.375 - 2.75) / math.sqrt(3 * 4 / 24) * math.sqrt(2)
    assert matrix.loc["a", "c"] == pytest.approx(scipy_stats.studentized_range.sf(q, 3, np.inf), abs=1e-6)


def test_holm_by_hand():
    # sorted 0.01, 0.03, 0.04 → 3·0.01, max(0.03, 2·0.03), max(0.06, 1·0.04)
    assert holm([0.01, 0.04, 0.03]).tolist() == pytest.approx([0.03, 0.06, 0.06])
    assert holm([0.5, 0.01]).tolist() == pytest.approx([0.5, 0.02])


def test_pairwise_wilcoxon_equals_scipy_and_scikit_posthocs_holm():
    rng = np.random.RandomState(1)
    scores = pd.DataFrame({"a": rng.uniform(0.5, 0.9, 10)})
    scores["b"] = scores["a"] - rng.uniform(0.0, 0.1, 10)
    scores["c"] = scores["a"] + rng.normal(0, 0.05, 10)
    table = stats.pairwise(scores)
    for row in table.itertuples():
        assert row.wilcoxon_p == pytest.approx(scipy_stats.wilcoxon(scores[row.strategy_a],
                                                                    scores[row.strategy_b]).pvalue)
    assert table["wilcoxon_p_holm"].tolist() == pytest.approx(holm(table["wilcoxon_p"]).tolist())
    melted = scores.melt(var_name="strategy", value_name="score")
    direct = sp.posthoc_wilcoxon(melted, val_col="score", group_col="strategy", p_adjust="holm")
    for row in table.itertuples():
        assert row.wilcoxon_p_holm == pytest.approx(direct.loc[row.strategy_a, row.strategy_b])
    # b is below a on every dataset: exact two-sided p = 2 / 2^10
    ab = table[(table.strategy_a == "a") & (table.strategy_b == "b")].iloc[0]
    assert (ab.a_better, ab.b_better, ab.wilcoxon_p) == (10, 0, pytest.approx(2 / 2 ** 10))
    assert bool(ab.significant)


def test_win_tie_loss_counts_by_each_datasets_verdict():
    verdicts = pd.DataFrame({"base": ["baseline"] * 4, "x": ["better", "worse", "not separated", "better"],
                             "y": ["not separated", "n/a", "not separated", "worse"]})
    table = stats.win_tie_loss(verdicts, "base").set_index("strategy")
    assert table.loc["x", ["wins", "not_separated", "losses", "no_verdict"]].tolist() == [2, 1, 1, 0]
    assert table.loc["y", ["wins", "not_separated", "losses", "no_verdict"]].tolist() == [0, 2, 1, 1]


def test_summarise_leaves_out_datasets_without_every_estimate():
    scores = SCORES.copy()
    scores.loc["d5"] = [0.5, np.nan, 0.4]
    ranks, mean_ranks, friedman, pairwise, cd = stats.summarise(scores)
    assert list(ranks.index) == ["d1", "d2", "d3", "d4"]
    assert mean_ranks["strategy"].tolist() == ["a", "b", "c"]
    assert mean_ranks["mean_rank"].tolist() == [1.375, 1.875, 2.75]
    assert friedman["n_datasets"] == 4 and cd == pytest.approx(stats.critical_difference(3, 4))
    # each pair's Wilcoxon test is over the datasets where both have an estimate: a-c keeps d5
    pairs = pairwise.set_index(["strategy_a", "strategy_b"])
    assert pairs["n_datasets"].to_dict() == {("a", "b"): 4, ("a", "c"): 5, ("b", "c"): 4}
    assert pairs.loc[("a", "c"), "wilcoxon_p"] == pytest.approx(scipy_stats.wilcoxon(scores["a"], scores["c"]).pvalue)
    assert pairs.loc[("a", "b"), "wilcoxon_p"] == pytest.approx(scipy_stats.wilcoxon(SCORES["a"], SCORES["b"]).pvalue)
    a_c = (scores["a"] - scores["c"]).to_numpy()
    assert pairs.loc[("a", "c"), ["a_better", "b_better", "equal"]].tolist() == [
        (a_c > 0).sum(), (a_c < 0).sum(), (a_c == 0).sum()]
    # the mean ranks and Nemenyi's are the complete datasets' alone
    complete = stats.pairwise(SCORES).set_index(["strategy_a", "strategy_b"])
    for column in ["mean_rank_a", "mean_rank_b", "nemenyi_p"]:
        assert pairs[column].tolist() == pytest.approx(complete[column].tolist(), nan_ok=True)


def test_a_datasets_verdicts_are_its_own_comparison_read_against_the_baseline():
    data = imblab.make_synthetic(400, 6, 0.15, random_state=3)
    results = imblab.compare(data, "naive,lr,lr:balanced", imblab.RepeatedKFold(3, 2, random_state=0))
    comparison = results.comparison.set_index("strategy")
    best = comparison.index[0]
    adjusted, points = pair_pvalues(results)
    verdicts = verdicts_against(results, best)
    assert verdicts[best] == "baseline"
    for name in results.strategies:
        if name == best:
            continue
        # the same family (every pair, Holm over all pairs) as the run's own comparison.csv
        assert adjusted[(name, best)] == pytest.approx(comparison.loc[name, "p_adjusted"])
        expected = "worse" if comparison.loc[name, "status"] == "worse" else "not separated"
        assert verdicts[name] == expected
    # against naive (minority F1 of 0 on this data) the others are significantly better
    assert verdicts_against(results, "naive")["lr:balanced"] == "better"


def test_a_strategy_that_failed_on_some_splits_has_no_estimate_nor_verdict_on_that_dataset(tmp_path):
    """As in the run's own comparison, a strategy scored only on the splits it survived is neither tested
    nor ranked: its verdict is n/a and its score is no estimate, so the dataset leaves the ranks."""
    from imblab.bench.results import BenchResults
    from imblab.bench.run import DatasetOutcome

    data = imblab.make_synthetic(300, 5, 0.2, random_state=0)
    whole = imblab.compare(data, "naive,lr,lr:balanced", imblab.RepeatedKFold(2, 2, random_state=0))
    fits = [dict(f, error="RuntimeError: diverged") if (f["strategy"], f["split_id"]) == ("lr", 1) else f
            for f in whole.fits]
    predictions = whole.predictions[~((whole.predictions["strategy"] == "lr") & (whole.predictions["split_id"] == 1))]
    partly = imblab.Results(predictions=predictions.reset_index(drop=True), fits=fits, config=whole.config,
                            dataset=whole.dataset, strategy_notes=whole.strategy_notes)
    assert verdicts_against(partly, "naive")["lr"] == "n/a"
    assert verdicts_against(partly, "naive")["lr:balanced"] == "better"
    outcomes = [DatasetOutcome(name, "x", tmp_path, "partial" if name == "d1" else "ok", results=r)
                for name, r in (("d1", partly), ("d2", whole), ("d3", whole))]
    bench = BenchResults(outcomes, config={"strategies": ["naive", "lr", "lr:balanced"], "metric": "f1_1",
                                           "baseline": "naive"}, folder=tmp_path)
    assert np.isnan(bench.scores.loc["d1", "lr"]) and bench.excluded == ["d1"]


def _bench_of(scores, tmp_path):
    """A bench's results made from its scores table alone (no verdicts), as the bench computes them."""
    from imblab.bench.results import BenchResults

    bench = object.__new__(BenchResults)
    bench.outcomes, bench.folder, bench.wall_seconds = [], tmp_path, float("nan")
    bench.config = {"strategies": list(scores.columns), "metric": "f1_1", "baseline": scores.columns[0],
                    "folds": 5, "repeats": 2, "random_state": 0}
    bench.scores = scores
    bench.verdicts = pd.DataFrame("n/a", index=scores.index, columns=scores.columns)
    bench._summarise()
    return bench


def test_the_bench_says_which_pairs_can_be_significant_and_over_how_many_datasets(tmp_path):
    """Eight datasets, a strategy scored on one of them: the ranks rest on one dataset, the other pairs on
    eight; the statistics name the significant pairs, and the pair table gives each pair's datasets."""
    from imblab.bench.report import collect, render_markdown

    rng = np.random.default_rng(0)
    a = rng.uniform(0.6, 0.9, 8)
    scores = pd.DataFrame({"a": a, "b": a - 0.1, "c": a - 0.2, "d": [0.5] + [np.nan] * 7},
                          index=[f"d{i}" for i in range(8)])
    bench = _bench_of(scores, tmp_path)
    facts = collect(bench)
    pairs = {(p["a"], p["b"]): p for p in facts["pairs"]}
    assert pairs[("a", "b")]["n"] == 8 and pairs[("a", "d")]["n"] == 1 and pairs[("a", "b")]["significant"]
    text = " ".join(facts["statistics"])
    assert "significant for a vs b, a vs c, b vs c." in text
    assert "With 1 dataset where every strategy has an estimate, read the ranks as a description" in text
    assert "3 of the 6 pairs cannot be significant: on fewer than 6 datasets" in text
    assert "Left out of the ranks, Friedman's test and Nemenyi's" in text
    assert "| a | b | 8 |" in render_markdown(bench, facts)

    complete = _bench_of(SCORES, tmp_path)  # four complete datasets: no pair can reach p < 0.05
    text = " ".join(collect(complete)["statistics"])
    assert "No pair can be significant: on fewer than 6 datasets" in text
    assert "With 4 datasets where every strategy has an estimate" in text
