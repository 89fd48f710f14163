"""Intervals, tests and comparisons: hand-computed values and known outcomes."""

import dataclasses

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import imblab
from imblab import RepeatedKFold, make_synthetic
from sklearn.metrics import f1_score

from imblab.evaluation.statistics import (
    CVEvidence, bootstrap_pvalue, bounded, compare_strategies, corrected_interval, corrected_ttest,
    correlated_bayes, holm,
)
from imblab.strategies import registry


def test_corrected_interval_by_hand():
    values = [0.60, 0.70, 0.65, 0.55, 0.75]
    # mean 0.65, s = sqrt(0.025/4) = 0.0790569; corrected variance s²(1/5 + 0.25) = 0.0028125
    mean, std, low, high = corrected_interval(values, 0.25)
    assert mean == pytest.approx(0.65)
    assert std == pytest.approx(0.0790569, rel=1e-6)
    half = 2.7764451 * np.sqrt(0.0028125)  # t(0.975, df=4) = 2.7764451
    assert (low, high) == (pytest.approx(0.65 - half), pytest.approx(0.65 + half))
    # the correction widens the naive interval, which uses s²/J
    naive_half = 2.7764451 * std / np.sqrt(5)
    assert high - low > 2 * naive_half


def test_corrected_ttest_by_hand():
    d = [0.02, 0.04, 0.03, 0.05, 0.01, 0.03, 0.02, 0.04, 0.03, 0.03]
    t, p = corrected_ttest(d, 1 / 4)
    mean, var = 0.03, np.var(d, ddof=1)  # var = 0.0001333…
    t_hand = mean / np.sqrt((1 / 10 + 1 / 4) * var)
    assert t == pytest.approx(t_hand)
    assert p == pytest.approx(2 * stats.t.sf(t_hand, df=9))
    assert corrected_ttest([0.0] * 10, 0.25) == (0.0, 1.0)


def test_bootstrap_pvalue_and_holm_by_hand():
    d = [-0.1, 0.1, 0.2, 0.3]  # sd = 0.17078
    assert bootstrap_pvalue(d, 0.1) == pytest.approx(2 * stats.norm.sf(0.1 / 0.1707825))
    assert bootstrap_pvalue(d, 0.1) == pytest.approx(0.5582, abs=1e-4)
    assert bootstrap_pvalue([0.0] * 50, 0.0) == 1.0
    assert bootstrap_pvalue([0.3] * 50, 0.3) == 0.0
    np.testing.assert_allclose(holm([0.01, 0.04, 0.03, np.nan]), [0.03, 0.06, 0.06, np.nan])
    np.testing.assert_allclose(holm([0.5, 0.001]), [0.5, 0.002])


def test_holdout_comparison_on_the_practical(practical):
    comparison = practical.comparison.set_index("strategy")
    assert practical.metric == "f1_1"
    assert comparison["rank"].min() == 1
    best = comparison.index[comparison["rank"] == 1][0]
    assert comparison.loc[best, "status"] == "best"
    assert comparison.loc["naive", "p_adjusted"] < 0.01
    assert comparison.loc["naive", "status"] == "worse"
    # Holm over all 6 pairs: the adjusted p of naive against the best is at least its raw p
    assert comparison.loc["naive", "p_adjusted"] >= comparison.loc["naive", "p_value"]
    summary = practical.summary.set_index("strategy")
    for metric in ["f1_1", "recall_1", "roc_auc"]:
        for name in ["smote_ann", "weighted_ann", "brf"]:
            row = summary.loc[name]
            assert row[f"{metric}_ci_low"] <= row[f"{metric}_mean"] <= row[f"{metric}_ci_high"]
            assert row[f"{metric}_mean"] == row[metric]


@pytest.fixture
def brf_twin(monkeypatch):
    """A second name for the very same Balanced Random Forest."""
    monkeypatch.setitem(registry.STRATEGIES, "brf_twin",
                        dataclasses.replace(registry.STRATEGIES["brf"], name="brf_twin"))


def test_identical_copy_is_equivalent_and_naive_is_worse_holdout(brf_twin):
    results = imblab.compare(make_synthetic(n_samples=3000), strategies="naive,brf,brf_twin")
    comparison = results.comparison.set_index("strategy")
    twin = comparison.loc["brf_twin"] if comparison.loc["brf", "rank"] == 1 else comparison.loc["brf"]
    # the same fitted model twice: no difference in any resample, so equivalent (not merely "not separated")
    assert twin["difference"] == 0 and twin["p_value"] == 1.0 and twin["status"] == "equivalent"
    assert twin["prob_equivalent"] == 1.0
    assert comparison.loc["naive", "p_adjusted"] < 0.01 and comparison.loc["naive", "status"] == "worse"


def test_identical_copy_is_equivalent_and_naive_is_worse_cv(brf_twin):
    results = imblab.compare(make_synthetic(n_samples=3000), strategies="naive,brf,brf_twin",
                             protocol=RepeatedKFold(5, 2))
    comparison = results.comparison.set_index("strategy")
    assert set(comparison.loc[["brf", "brf_twin"], "status"]) == {"best", "equivalent"}
    assert comparison["p_value"].max() == 1.0
    assert comparison.loc["naive", "p_adjusted"] < 0.01 and comparison.loc["naive", "status"] == "worse"
    summary = results.summary.set_index("strategy")
    assert (summary["n_splits"] == 10).all()
    # by hand, with scikit-learn on row subsets: F1 pooled over each repeat's out-of-fold rows, and the
    # jackknife pseudo-values 5·θ − 4·θ(without fold k); interval s²·(1/5 + 600/2400), t with 4 df
    part = results.predictions[results.predictions["strategy"] == "brf"]
    pooled, pseudo = [], []
    for repeat in (0, 1):
        rows = part[part["split_id"] // 5 == repeat]
        whole = f1_score(rows["y_true"], rows["y_pred"])
        pooled.append(whole)
        for split_id in range(5 * repeat, 5 * repeat + 5):
            rest = rows[rows["split_id"] != split_id]
            pseudo.append(5 * whole - 4 * f1_score(rest["y_true"], rest["y_pred"]))
    point = np.mean(pooled)
    half = stats.t.ppf(0.975, 4) * np.sqrt((1 / 5 + 600 / 2400) * np.var(pseudo, ddof=1))
    assert summary.loc["brf", "f1_1"] == pytest.approx(point)
    assert summary.loc["brf", "f1_1_ci_low"] == pytest.approx(max(0.0, point - half))
    assert summary.loc["brf", "f1_1_ci_high"] == pytest.approx(min(1.0, point + half))


def test_holm_runs_over_every_pair():
    # three strategies, four splits; with no correction for shared training rows (ratio 0)
    scores = pd.DataFrame({"a": [0.80, 0.82, 0.79, 0.81], "b": [0.70, 0.74, 0.69, 0.73],
                           "c": [0.78, 0.83, 0.75, 0.80]})
    evidence = CVEvidence.from_scores(scores, 0.0, "f1_1")
    comparison = compare_strategies(evidence, list(scores), "f1_1").set_index("strategy")
    p = {pair: stats.ttest_rel(scores[pair[0]], scores[pair[1]]).pvalue for pair in [("a", "b"), ("a", "c"),
                                                                                      ("b", "c")]}
    adjusted = dict(zip(p, holm(list(p.values()))))
    assert comparison.loc["a", "status"] == "best"
    assert comparison.loc["b", "p_value"] == pytest.approx(p[("a", "b")])
    assert comparison.loc["b", "p_adjusted"] == pytest.approx(adjusted[("a", "b")])
    assert comparison.loc["c", "p_adjusted"] == pytest.approx(adjusted[("a", "c")])
    assert comparison.loc["b", "p_adjusted"] == pytest.approx(3 * p[("a", "b")])  # smallest of 3 pairs


def test_bayesian_correlated_ttest_by_hand():
    d = [0.02, 0.03, -0.01, 0.04, 0.02]
    mean, scale = np.mean(d), np.sqrt((1 / 5 + 0.25) * np.var(d, ddof=1))
    posterior = stats.t(df=4, loc=mean, scale=scale)
    lower, equal, higher = correlated_bayes(d, 0.25, 0.01)
    assert lower == pytest.approx(posterior.cdf(-0.01))
    assert higher == pytest.approx(posterior.sf(0.01))
    assert lower + equal + higher == pytest.approx(1.0)


def test_intervals_are_clipped_to_the_metric_bounds():
    # (low, high, clipped, half the unclipped width: what the tables show beside the value)
    assert bounded(0.8, 1.2, "precision_1") == pytest.approx((0.8, 1.0, True, 0.2))
    assert bounded(-1.3, 0.2, "mcc") == pytest.approx((-1.0, 0.2, True, 0.75))
    assert bounded(0.1, 0.5, "log_loss") == pytest.approx((0.1, 0.5, False, 0.2))
    assert bounded(-0.2, 3.0, "log_loss") == pytest.approx((0.0, 3.0, True, 1.6))
    assert bounded(-0.269, 1.396, "f1_1") == pytest.approx((0.0, 1.0, True, 0.8325))  # both ends


def test_other_metric_and_lower_is_better(practical):
    by_brier = practical.with_metric("brier").comparison
    assert list(by_brier["mean"]) == sorted(by_brier["mean"])  # ranked ascending: lower is better


def test_rescoring_a_run_folder_gives_the_same_tables(practical, tmp_path):
    folder = practical.save(tmp_path / "run")
    before = {name: (folder / name).read_bytes() for name in ["summary.csv", "folds.csv", "comparison.csv"]}
    from imblab.cli import main

    assert main(["rescore", str(folder), "--quiet"]) == 0
    for name, content in before.items():
        assert (folder / name).read_bytes() == content, name
    loaded = imblab.Results.load(folder)
    pd.testing.assert_frame_equal(loaded.summary, practical.summary)
    assert main(["rescore", str(folder), "--metric", "roc_auc", "--quiet"]) == 0
    assert set(pd.read_csv(folder / "comparison-roc_auc.csv")["metric"]) == {"roc_auc"}
    assert (folder / "comparison.csv").read_bytes() == before["comparison.csv"]  # the run's own ranking stays


def test_rescore_of_a_missing_folder_is_a_clear_error(tmp_path, capsys):
    from imblab.cli import main

    assert main(["rescore", str(tmp_path / "nothing")]) == 2
    assert "does not exist" in capsys.readouterr().err
