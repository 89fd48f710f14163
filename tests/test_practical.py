"""The course practical, end to end: imblab's first test case."""

import pytest


def test_training_counts_and_class_weights(practical):
    assert practical.train_counts == {0: 7576, 1: 424}
    assert practical.fit_facts("smote_ann")["class_counts_seen"] == {0: 7576, 1: 7576}
    weights = practical.fit_facts("weighted_ann")["class_weight"]
    assert weights[0] == pytest.approx(8000 / (2 * 7576))  # 0.52798
    assert weights[1] == pytest.approx(8000 / (2 * 424))   # 9.43396
    assert round(weights[0], 3) == 0.528 and round(weights[1], 3) == 9.434


def test_naive_shows_the_accuracy_paradox(practical):
    naive = practical.summary.set_index("strategy").loc["naive"]
    assert naive["recall_1"] == 0.0
    assert naive["accuracy"] == pytest.approx(1884 / 2000)


@pytest.mark.parametrize("strategy", ["smote_ann", "weighted_ann", "brf"])
def test_imbalance_handling_finds_the_minority(practical, strategy):
    row = practical.summary.set_index("strategy").loc[strategy]
    assert row["recall_1"] >= 0.70
    assert row["f1_1"] > 0.4
    assert row["roc_auc"] > 0.9


def test_every_strategy_scored_on_the_same_116_minority_rows(practical):
    folds = practical.folds
    assert list(folds["strategy"]) == ["naive", "smote_ann", "weighted_ann", "brf"]
    assert set(folds["support_1"]) == {116}
    assert set(folds["support_0"]) == {1884}


def test_results_record_backend_versions_and_dataset(practical):
    config = practical.config
    assert config["keras_backend"] == "jax"
    assert {"scikit-learn", "imbalanced-learn", "keras", "jax"} <= set(config["versions"])
    assert practical.dataset["class_counts"] == {0: 9460, 1: 540}
    assert len(practical.dataset["sha256"]) == 64
    assert practical.fit_facts("smote_ann")["keras_backend"] == "jax"
