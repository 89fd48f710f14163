"""The prior-shift correction of probabilities from resampled or weighted models."""

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

import imblab
from imblab.evaluation.calibration import prior_shift


def test_prior_shift_by_hand():
    # p' = p·π/π_s / (p·π/π_s + (1 − p)·(1 − π)/(1 − π_s))
    assert prior_shift([0.5], 0.05, 0.5)[0] == pytest.approx(0.05)
    assert prior_shift([0.8], 0.1, 0.5)[0] == pytest.approx(0.8 * 0.2 / (0.8 * 0.2 + 0.2 * 1.8))  # 0.3077
    p = np.linspace(0.01, 0.99, 50)
    np.testing.assert_allclose(prior_shift(p, 0.3, 0.3), p)
    assert np.all(np.diff(prior_shift(p, 0.05, 0.5)) > 0)  # monotone: rankings unchanged


@pytest.fixture(scope="module")
def run():
    return imblab.compare(strategies="smote_ann,weighted_ann,smote+lr,lr,brf")


def test_correction_applies_to_resampled_weighted_and_balanced_ensembles_only(run):
    calibration = run.calibration.set_index("strategy")
    for name in ["smote_ann", "weighted_ann", "smote+lr", "brf"]:
        assert calibration.loc[name, "brier_prior_corrected"] < calibration.loc[name, "brier"]
        # back near the true positive rate of the test part (0.058) from far above it
        assert calibration.loc[name, "mean_score"] > 0.15
        assert abs(calibration.loc[name, "mean_score_prior_corrected"] - 0.058) < 0.03
    assert np.isnan(calibration.loc["lr", "brier_prior_corrected"])
    assert run.fit_facts("smote+lr")["class_counts_seen"] == {0: 7576, 1: 7576}
    assert run.fit_facts("smote+lr")["trained_prior"] == 0.5
    assert run.fit_facts("weighted_ann")["trained_prior"] == 0.5
    assert "trained_prior" not in run.fit_facts("lr")


def test_correction_keeps_the_ranking(run):
    part = run.predictions[run.predictions["strategy"] == "smote_ann"]
    assert roc_auc_score(part["y_true"], part["y_score_prior"]) == pytest.approx(
        roc_auc_score(part["y_true"], part["y_score"]))


def test_reliability_table_covers_every_row(run):
    table = run.reliability
    for (strategy, variant), part in table.groupby(["strategy", "variant"]):
        assert part["rows"].sum() == 2000
        assert part["mean_predicted"].between(part["bin_low"], part["bin_high"]).all()
    assert set(table[table["strategy"] == "lr"]["variant"]) == {"raw"}
    assert set(table[table["strategy"] == "smote_ann"]["variant"]) == {"raw", "prior_corrected"}
