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
