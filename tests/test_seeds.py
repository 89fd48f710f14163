"""--seeds K: every (strategy, split) fitted with K seeds derived from the run's seed."""

import numpy as np
import pandas as pd

import imblab
from imblab.cli import main


def test_several_seeds_enter_the_record_and_the_first_is_the_runs_own():
    ds = imblab.make_synthetic(800, 6, 0.1, random_state=3)
    protocol = imblab.RepeatedKFold(2, 1, random_state=3)
    one = imblab.compare(ds, "naive,brf", protocol, random_state=3)
    three = imblab.compare(ds, "naive,brf", protocol, random_state=3, n_seeds=3)
    assert "seed" not in one.predictions
    assert sorted(three.predictions["seed"].unique()) == [0, 1, 2]
    assert len(three.fits) == 2 * 2 * 3 and {f["seed"] for f in three.fits} == {0, 1, 2}
    first = three.predictions[three.predictions["seed"] == 0].drop(columns="seed").reset_index(drop=True)
    pd.testing.assert_frame_equal(first, one.predictions)
    brf = three.predictions[three.predictions["strategy"] == "brf"]
    scores = [brf[brf["seed"] == s]["y_score"].to_numpy() for s in range(3)]
    assert not np.array_equal(scores[0], scores[1])  # the forest really was seeded differently
    summary = three.summary.set_index("strategy")
    assert summary.loc["naive", "recall_1"] == 0.0
    assert three.config["n_seeds"] == 3


def test_seeds_on_the_command_line(tmp_path, capsys):
    status = main(["run", "--strategies", "naive,lr", "--samples", "600", "--seeds", "2", "--quiet",
                   "--no-report", "--out", str(tmp_path / "r")])
    assert status == 0, capsys.readouterr().err
    predictions = pd.read_parquet(tmp_path / "r" / "predictions.parquet")
    assert sorted(predictions["seed"].unique()) == [0, 1]
    assert main(["run", "--seeds", "0", "--out", str(tmp_path / "x")]) == 2


def test_each_split_fits_with_its_own_seed_shared_by_every_strategy():
    """A seed fixed across splits would leave its mark on every fold alike and pass for a difference between
    methods; each split gets its own, the holdout's split 0 the run's own, and every strategy the same ones."""
    from sklearn.base import BaseEstimator, ClassifierMixin

    class Recorder(ClassifierMixin, BaseEstimator):
        def __init__(self, random_state=None):
            self.random_state = random_state

        def fit(self, X, y):
            self.classes_ = np.array([0, 1])
            return self

        def predict_proba(self, X):
            return np.tile([1 - self.random_state / 2**31, self.random_state / 2**31], (len(X), 1))

        def predict(self, X):
            return np.zeros(len(X), dtype=int)

    ds = imblab.make_synthetic(400, 4, 0.2, random_state=1)
    results = imblab.compare(ds, {"a": imblab.strategy(Recorder()), "b": imblab.strategy(Recorder())},
                             imblab.RepeatedKFold(2, 2, random_state=1), random_state=7)
    seeds = results.predictions.groupby(["strategy", "split_id"])["y_score"].first().unstack(0) * 2**31
    assert seeds["a"].round().tolist() == seeds["b"].round().tolist()  # the same seeds for every strategy
    assert len(set(seeds["a"].round())) == 4  # and a different one on every split
    assert round(seeds["a"].iloc[0]) == 7  # split 0: the run's own seed
