"""The vectorised bootstrap metrics equal scikit-learn's metrics given the counts as sample weights."""

import warnings

import numpy as np
import pytest
from imblearn.metrics import geometric_mean_score
from sklearn import metrics as skm

from imblab.evaluation.bootstrap import stratified_counts, weighted_metrics

SKLEARN = {
    "precision_1": lambda t, s, p, w: skm.precision_score(t, p, sample_weight=w, zero_division=0),
    "recall_1": lambda t, s, p, w: skm.recall_score(t, p, sample_weight=w, zero_division=0),
    "f1_1": lambda t, s, p, w: skm.f1_score(t, p, sample_weight=w, zero_division=0),
    "precision_0": lambda t, s, p, w: skm.precision_score(t, p, pos_label=0, sample_weight=w, zero_division=0),
    "recall_0": lambda t, s, p, w: skm.recall_score(t, p, pos_label=0, sample_weight=w, zero_division=0),
    "f1_0": lambda t, s, p, w: skm.f1_score(t, p, pos_label=0, sample_weight=w, zero_division=0),
    "accuracy": lambda t, s, p, w: skm.accuracy_score(t, p, sample_weight=w),
    "balanced_accuracy": lambda t, s, p, w: skm.balanced_accuracy_score(t, p, sample_weight=w),
    "geometric_mean": lambda t, s, p, w: geometric_mean_score(t, p, sample_weight=w),
    "mcc": lambda t, s, p, w: skm.matthews_corrcoef(t, p, sample_weight=w),
    "roc_auc": lambda t, s, p, w: skm.roc_auc_score(t, s, sample_weight=w),
    "average_precision": lambda t, s, p, w: skm.average_precision_score(t, s, sample_weight=w),
    "brier": lambda t, s, p, w: skm.brier_score_loss(t, s, sample_weight=w),
    "log_loss": lambda t, s, p, w: skm.log_loss(t, s, sample_weight=w),
}


@pytest.mark.parametrize("ties", [False, True])
def test_weighted_metrics_match_sklearn(ties):
    rng = np.random.RandomState(1)
    n = 300
    t = (rng.rand(n) < 0.1).astype(int)
    s = np.clip(rng.rand(n) * 0.7 + 0.3 * t, 0.001, 0.999)
    if ties:
        s = np.round(s, 1)  # many tied scores, within and across the classes
    p = (s > 0.5).astype(int)
    W = stratified_counts(t, 5, random_state=0)
    ours = weighted_metrics(W, t, s, p)
    for b in range(len(W)):
        for name, reference in SKLEARN.items():
            assert ours[name][b] == pytest.approx(reference(t, s, p, W[b]), abs=1e-6), (name, b)


def test_stratified_counts_keep_class_totals_and_are_seeded():
    t = np.array([0] * 90 + [1] * 10)
    W = stratified_counts(t, 50, random_state=3)
    assert W.shape == (50, 100)
    np.testing.assert_array_equal(W[:, t == 1].sum(axis=1), 10)
    np.testing.assert_array_equal(W[:, t == 0].sum(axis=1), 90)
    np.testing.assert_array_equal(W, stratified_counts(t, 50, random_state=3))
    assert not np.array_equal(W, stratified_counts(t, 50, random_state=4))


def test_large_test_sets_are_resampled_in_chunks():
    from imblab.evaluation.bootstrap import stratified_count_chunks

    t = np.array([0] * 90 + [1] * 10)
    chunks = list(stratified_count_chunks(t, 50, random_state=3, max_cells=700))  # 7 resamples a chunk
    assert [len(c) for c in chunks] == [7] * 7 + [1]
    for c in chunks:
        np.testing.assert_array_equal(c[:, t == 1].sum(axis=1), 10)
        np.testing.assert_array_equal(c[:, t == 0].sum(axis=1), 90)
    again = np.concatenate(list(stratified_count_chunks(t, 50, random_state=3, max_cells=700)))
    np.testing.assert_array_equal(np.concatenate(chunks), again)


def test_every_registered_vectorised_form_equals_its_scikit_learn_function():
    from imblab.evaluation.metrics import REGISTRY

    rng = np.random.RandomState(7)
    t = (rng.rand(200) < 0.15).astype(int)
    s = np.round(np.clip(rng.rand(200) * 0.6 + 0.4 * t, 0, 1), 2)
    p = (s > 0.45).astype(int)
    W = stratified_counts(t, 4, random_state=1)
    ours = weighted_metrics(W, t, s, p)
    assert set(ours) == set(REGISTRY)
    for name, metric in REGISTRY.items():
        assert metric.vectorised is not None, name  # every built-in metric has a vectorised form
        for b in range(len(W)):
            assert ours[name][b] == pytest.approx(metric.score(t, s, p, sample_weight=W[b]), abs=1e-6), name


def test_a_metric_without_a_vectorised_form_falls_back_to_scikit_learn(monkeypatch):
    from imblab.evaluation import metrics

    f2 = metrics.Metric("f2_1", lambda t, s, p, sample_weight=None: skm.fbeta_score(
        t, p, beta=2, sample_weight=sample_weight, zero_division=0))
    monkeypatch.setitem(metrics.REGISTRY, "f2_1", f2)
    t = np.array([0, 0, 0, 1, 1, 0, 1, 0])
    p = np.array([0, 1, 0, 1, 0, 0, 1, 1])
    s = p * 0.8 + 0.1
    W = stratified_counts(t, 3, random_state=0)
    values = weighted_metrics(W, t, s, p, names=["f2_1", "f1_1"])
    for b in range(3):
        assert values["f2_1"][b] == pytest.approx(skm.fbeta_score(t, p, beta=2, sample_weight=W[b]))
    # and the point estimate of every registered metric comes from the registry too
    assert metrics.compute_metrics(t, s, p)["f2_1"] == pytest.approx(skm.fbeta_score(t, p, beta=2))


@pytest.mark.parametrize("case", ["ties", "no positive predicted", "all predicted positive", "one class",
                                  "weighted"])
def test_point_estimates_equal_scikit_learns_functions(case):
    """compute_metrics takes each metric's vectorised form with every row counted once: it must give
    what the metric's scikit-learn function gives, edge cases included."""
    from imblab.evaluation.metrics import REGISTRY, compute_metrics

    rng = np.random.RandomState(11)
    t = (rng.rand(300) < 0.1).astype(int)
    s = np.round(rng.rand(300) * 0.7 + 0.3 * t, 1 if case == "ties" else 6)
    p = (s > 0.5).astype(int)
    weights = None
    if case == "no positive predicted":
        p[:] = 0
    elif case == "all predicted positive":
        p[:] = 1
    elif case == "one class":
        t[:] = 0
    elif case == "weighted":
        weights = rng.randint(0, 4, size=300).astype(float)
    ours = compute_metrics(t, s, p, sample_weight=weights)
    for name, metric in REGISTRY.items():
        if case == "one class" and metric.needs_both_classes:
            assert np.isnan(ours[name]), name
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # scikit-learn warns about the degenerate cases it still scores
            expected = metric.score(t, s, p, sample_weight=weights)
        assert ours[name] == pytest.approx(expected, abs=1e-12), name
    assert (ours["tn"], ours["fp"], ours["fn"], ours["tp"]) == tuple(
        int(v) for v in skm.confusion_matrix(t, p, labels=[0, 1]).ravel())


def test_chunks_are_the_same_drawn_in_any_order():
    from imblab.evaluation.bootstrap import ResampleChunks

    t = np.array([0] * 90 + [1] * 10)
    chunks = ResampleChunks(t, 50, random_state=3, max_cells=700)
    forward = [chunks[i] for i in range(len(chunks))]
    backward = [chunks[i] for i in reversed(range(len(chunks)))][::-1]
    for a, b in zip(forward, backward):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(forward[0], forward[1])  # each chunk its own draws
    # every row is drawn about once per resample: 50 resamples of 100 rows, each row ≈ 50 times in all
    assert abs(np.concatenate(forward).sum(axis=0).mean() - 50) < 1e-9


def test_a_large_test_set_scored_in_threads_equals_one_thread(monkeypatch):
    import pandas as pd

    from imblab.evaluation import holdout

    rng = np.random.RandomState(5)
    n = 400
    t = (rng.rand(n) < 0.1).astype(int)
    frames = []
    for name, shift in [("a", 0.3), ("b", 0.1)]:
        s = np.clip(rng.rand(n) * 0.7 + shift * t, 0, 1)
        frames.append(pd.DataFrame({"strategy": name, "row_id": np.arange(n), "y_true": t, "y_score": s,
                                    "y_pred": (s > 0.5).astype(int)}))
    predictions = pd.concat(frames, ignore_index=True)
    monkeypatch.setattr(holdout, "available_cores", lambda: 2)
    threaded = holdout.bootstrap_samples(predictions, ["a", "b"], 0, n_boot=60, max_cells=4_000)  # 6 chunks
    monkeypatch.setattr(holdout, "available_cores", lambda: 1)
    alone = holdout.bootstrap_samples(predictions, ["a", "b"], 0, n_boot=60, max_cells=4_000)
    for name in ("a", "b"):
        assert set(threaded[name]) == set(alone[name])
        for metric, values in alone[name].items():
            assert len(values) == 60
            np.testing.assert_array_equal(threaded[name][metric], values, err_msg=metric)
