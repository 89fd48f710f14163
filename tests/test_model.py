"""Take the winner home: fit → save → load → predict gives the in-memory model's numbers, safely."""

import json

import numpy as np
import pandas as pd
import pytest
import skops.io as sio

from imblab import ImblabError, dataset_from_frame, make_synthetic
from imblab.cli import main
from imblab.model import VersionWarning, check_frame, fit_model, load_model, save_model


def _frame(n=400, seed=0):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.1).astype(int)
    return pd.DataFrame({
        "amount": np.round(rng.gamma(2, 50, n) + 100 * y, 2),
        "age": np.where(rng.random(n) < 0.05, np.nan, np.round(rng.normal(40, 12, n))),
        "channel": rng.choice(["web", "shop", "phone"], n),
        "fraud": np.where(y == 1, "yes", "no"),
    })


@pytest.fixture(scope="module")
def table_model(tmp_path_factory):
    """A tree strategy with a tuned threshold, fitted on a file-like table with a category and gaps."""
    ds = dataset_from_frame(_frame(), "fraud")
    model = fit_model(ds, "smote+rf@f1", random_state=0)
    folder = save_model(model, tmp_path_factory.mktemp("m") / "model")
    return ds, model, folder


def test_tree_strategy_round_trip_gives_the_same_probabilities_and_decisions(table_model):
    ds, model, folder = table_model
    loaded = load_model(folder)
    new = _frame(seed=1).drop(columns="fraud")
    np.testing.assert_array_equal(loaded.predict_proba(new), model.predict_proba(new))
    in_memory = model.estimator.predict_proba(new[ds.X.columns])[:, 1]
    np.testing.assert_array_equal(loaded.predict_proba(new)[:, 1], in_memory)
    assert list(loaded.predict(new)) == list(model.predict(new))
    assert set(loaded.predict(new)) <= {"yes", "no"}
    table = loaded.predictions(new)
    assert list(table.columns) == ["probability", "probability_prior_corrected", "decision"]
    # SMOTE balanced the classes: the correction maps the balanced-world 0.5 back to the data's share
    share = model.card["data"]["positive_share"]
    p, q = table["probability"].to_numpy(), table["probability_prior_corrected"].to_numpy()
    np.testing.assert_allclose(q, p * share / 0.5 / (p * share / 0.5 + (1 - p) * (1 - share) / 0.5))


def test_the_card_records_data_schema_counts_threshold_and_versions(table_model):
    ds, model, folder = table_model
    card = json.loads((folder / "model.json").read_text())
    assert card["data"]["sha256"] == ds.content_hash
    assert card["data"]["class_counts"] == {"no": int((ds.y == 0).sum()), "yes": int(ds.y.sum())}
    columns = {c["name"]: c for c in card["data"]["schema"]["columns"]}
    assert columns["channel"]["categories"] == ["phone", "shop", "web"]
    assert columns["age"]["kind"] == "numeric" and columns["age"]["missing_seen"] > 0
    assert 0 < card["training"]["threshold"] < 1
    assert "maximise minority F1" in card["training"]["threshold_how"]
    import sklearn
    import skops

    assert card["versions"]["scikit-learn"] == sklearn.__version__
    assert card["versions"]["skops"] == skops.__version__
    text = (folder / "MODEL.md").read_text()
    assert "Decision threshold" in text and "| channel | categorical | object | phone, shop, web |" in text


def test_network_round_trip_rebuilds_the_weights_without_pickle(tmp_path):
    ds = make_synthetic(n_samples=400, random_state=1)
    model = fit_model(ds, "smote_ann", random_state=0)
    folder = save_model(model, tmp_path / "net")
    assert (folder / "network-0.npz").is_file()
    with np.load(folder / "network-0.npz", allow_pickle=False) as arrays:  # plain arrays only
        assert [arrays[k].shape for k in sorted(arrays.files)] == [(20, 16), (16,), (16, 1), (1,)]
    loaded = load_model(folder)
    np.testing.assert_allclose(loaded.predict_proba(ds.X), model.predict_proba(ds.X), rtol=0, atol=1e-7)
    assert list(loaded.predict(ds.X)) == list(model.predict(ds.X))
    # the saved estimator was put back: the in-memory model still predicts
    assert model.estimator.predict_proba(ds.X).shape == (400, 2)


def test_the_forest_is_saved_as_the_librarys_class_and_reads_without_imblab(tmp_path):
    from imblearn.ensemble import BalancedRandomForestClassifier as LibraryForest

    from imblab.strategies.forest import BalancedRandomForestClassifier as OwnForest

    ds = make_synthetic(n_samples=400, random_state=1)
    model = fit_model(ds, "brf@f1", random_state=0)  # the forest inside a threshold policy
    forest = model.estimator.estimator_.steps[-1][1]
    assert type(forest) is OwnForest
    folder = save_model(model, tmp_path / "brf")
    untrusted = sio.get_untrusted_types(file=folder / "model.skops")
    assert "imblearn.ensemble._forest.BalancedRandomForestClassifier" in untrusted
    assert not [name for name in untrusted if name.startswith("imblab.")]  # an older imblab reads it
    assert type(forest) is OwnForest  # the fitted model in memory keeps its class
    plain = sio.load(folder / "model.skops", trusted=untrusted)  # skops and the libraries alone
    assert type(plain.estimator_.steps[-1][1]) is LibraryForest
    np.testing.assert_array_equal(plain.predict_proba(ds.X)[:, 1], model.predict_proba(ds.X)[:, 1])
    np.testing.assert_array_equal(load_model(folder).predict_proba(ds.X), model.predict_proba(ds.X))


def test_a_foreign_type_inside_the_model_file_is_refused(tmp_path, table_model):
    _, model, folder = table_model
    import shutil

    from sklearn.pipeline import FunctionTransformer

    shutil.copytree(folder, tmp_path / "evil")
    # a type imblab never writes (a function that would be loaded, os.system), with a card made to match
    sio.dump({"model": FunctionTransformer(__import__("os").system)}, tmp_path / "evil" / "model.skops")
    card = json.loads((tmp_path / "evil" / "model.json").read_text())
    import hashlib

    card["files"]["sha256"]["model.skops"] = hashlib.sha256(
        (tmp_path / "evil" / "model.skops").read_bytes()).hexdigest()
    (tmp_path / "evil" / "model.json").write_text(json.dumps(card))
    with pytest.raises(ImblabError, match="holds types imblab does not write: .*system"):
        load_model(tmp_path / "evil")


def test_a_changed_or_foreign_file_is_refused_with_one_line(tmp_path, table_model, capsys):
    _, _, folder = table_model
    import shutil

    shutil.copytree(folder, tmp_path / "changed")
    with open(tmp_path / "changed" / "model.skops", "ab") as fh:
        fh.write(b"\0")
    with pytest.raises(ImblabError, match="was changed after imblab wrote it"):
        load_model(tmp_path / "changed")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "model.json").write_text('{"format": "something-else"}')
    assert main(["predict", str(tmp_path / "other"), str(tmp_path / "x.csv")]) == 2
    assert "is not an imblab model card" in capsys.readouterr().err
    with pytest.raises(ImblabError, match="not an imblab model folder"):
        load_model(tmp_path)


def test_other_library_versions_warn_naming_them(tmp_path, table_model):
    _, model, folder = table_model
    import shutil

    shutil.copytree(folder, tmp_path / "old")
    card = json.loads((tmp_path / "old" / "model.json").read_text())
    card["versions"]["scikit-learn"] = "1.6.0"
    (tmp_path / "old" / "model.json").write_text(json.dumps(card))
    with pytest.warns(VersionWarning, match=r"scikit-learn 1\.6\.0 \(now "):
        load_model(tmp_path / "old")


@pytest.mark.parametrize("change, message", [
    (lambda f: f.drop(columns="age"), "lack 1 column the model was fitted with: 'age'"),
    (lambda f: f.assign(note="x"), "1 column the model was not fitted with: 'note'"),
    (lambda f: f.assign(amount=["abc"] + list(f["amount"][1:])), "column 'amount' held numbers .* 'abc'"),
    (lambda f: f.assign(channel=["fax"] + list(f["channel"][1:])), "column 'channel' has 1 category the model "
                                                                    "never saw: 'fax'"),
])
def test_schema_mismatches_give_one_clear_line_and_exit_2(table_model, tmp_path, capsys, change, message):
    _, model, folder = table_model
    rows = change(_frame(n=50, seed=2).drop(columns="fraud"))
    with pytest.raises(ImblabError, match=message):
        model.predict_proba(rows)
    rows.to_csv(tmp_path / "rows.csv", index=False)
    assert main(["predict", str(folder), str(tmp_path / "rows.csv")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "imblab: error:" in err


def test_target_column_and_reordered_columns_are_accepted(table_model):
    _, model, _ = table_model
    rows = _frame(n=50, seed=3)
    reordered = rows[["fraud", "channel", "age", "amount"]]
    np.testing.assert_array_equal(model.predict_proba(reordered), model.predict_proba(rows.drop(columns="fraud")))
    extra = rows.assign(id=range(50))
    assert model.predict_proba(extra, extra="ignore").shape == (50, 2)


def test_cli_compare_fit_the_winner_predict(tmp_path, capsys):
    frame = _frame(n=500)
    frame.iloc[:400].to_csv(tmp_path / "train.csv", index=False)
    frame.iloc[400:].drop(columns="fraud").to_csv(tmp_path / "new.csv", index=False)
    run_dir, model_dir = tmp_path / "run", tmp_path / "model"
    assert main(["run", "--data", str(tmp_path / "train.csv"), "--target", "fraud", "--strategies",
                 "lr,lr:balanced", "--folds", "3", "--repeats", "1", "--quiet", "--no-report",
                 "--out", str(run_dir)]) == 0
    best = pd.read_csv(run_dir / "comparison.csv").sort_values("rank").iloc[0]["strategy"]
    capsys.readouterr()
    assert main(["fit", str(run_dir), "--out", str(model_dir)]) == 0
    out = capsys.readouterr().out
    assert f"Fitted {best} on all 400 rows" in out and "Out of sample in the run: f1_1" in out
    card = json.loads((model_dir / "model.json").read_text())
    summary = pd.read_csv(run_dir / "summary.csv").set_index("strategy").loc[best]
    assert card["estimates"]["f1_1"]["mean"] == pytest.approx(summary["f1_1"])
    assert card["estimates"]["f1_1"]["ci_low"] == pytest.approx(summary["f1_1_ci_low"])
    # whether each interval was clipped at its bound, as the run's tables say (and MODEL.md marks it)
    assert {m: e["clipped"] for m, e in card["estimates"].items()} == {
        m: bool(summary[f"{m}_ci_clipped"]) for m in card["estimates"]}
    from imblab.model.card import render_markdown

    card["estimates"]["precision_1"].update(ci_high=1.0, clipped=True)
    lines = render_markdown(card).splitlines()
    assert any("95% intervals; \\* = clipped at the metric's bound." in line for line in lines)
    assert [line.endswith("1.000\\* |") for line in lines if line.startswith("| precision_1 |")] == [True]
    assert main(["predict", str(model_dir), str(tmp_path / "new.csv"), "--out", str(tmp_path / "p.csv")]) == 0
    predictions = pd.read_csv(tmp_path / "p.csv")
    assert list(predictions.columns) == ["row", "probability", "probability_prior_corrected", "decision"]
    expected = load_model(model_dir).predict_proba(pd.read_csv(tmp_path / "new.csv"))[:, 1]
    np.testing.assert_allclose(predictions["probability"], expected, rtol=1e-12)
    # the same strategy fitted from the file directly is the same model
    assert main(["fit", "--data", str(tmp_path / "train.csv"), "--target", "fraud", "--strategy", best,
                 "--out", str(tmp_path / "direct")]) == 0
    direct = load_model(tmp_path / "direct").predict_proba(pd.read_csv(tmp_path / "new.csv"))[:, 1]
    np.testing.assert_allclose(direct, expected)
    assert main(["fit", str(run_dir), "--out", str(model_dir)]) == 2  # no silent overwrite
    assert "exists and is not empty" in capsys.readouterr().err


def test_new_rows_as_the_training_file_had_them_left_out_and_dates_expanded():
    from test_columns import churn_frame

    import imblab

    frame = churn_frame(600, seed=1)
    ds = imblab.dataset_from_frame(frame, "churn", date_features="expand")
    model = imblab.fit_model(ds, "lr:balanced")
    raw = frame.drop(columns="churn").tail(20)  # the file's own columns: an ID and a raw date among them
    expected = model.estimator.predict_proba(ds.X.tail(20).reset_index(drop=True))[:, 1]
    assert model.predict_proba(raw)[:, 1] == pytest.approx(expected)


def test_fit_from_a_run_reads_the_file_as_the_run_did(tmp_path, capsys):
    """A run that expanded dates and dropped a column: the winner is refitted on the same features (the
    file read with the run's --date-features, --drop and --sep), not refused as changed data."""
    from test_columns import churn_frame

    churn_frame(300, seed=2).to_csv(tmp_path / "churn.csv", sep=";", index=False)
    run_dir = tmp_path / "run"
    assert main(["run", "--data", str(tmp_path / "churn.csv"), "--target", "churn", "--sep", ";",
                 "--date-features", "expand", "--drop", "plan", "--strategies", "lr", "--holdout", "--quiet",
                 "--no-report", "--out", str(run_dir)]) == 0
    capsys.readouterr()
    assert main(["fit", str(run_dir), "--out", str(tmp_path / "model")]) == 0, capsys.readouterr().err
    schema = json.loads((tmp_path / "model" / "model.json").read_text())["data"]["schema"]
    features = [column["name"] for column in schema["columns"]]
    run_features = json.loads((run_dir / "results.json").read_text())["dataset"]["columns"]
    assert features == run_features and "plan" not in features
    assert any(name.endswith("_month") for name in features)


def test_new_rows_dates_are_read_as_the_training_files_were(tmp_path):
    """Day-first dates (02/12/2021 is 2 December) are read the same way in new rows as in the file the
    model was fitted on, whatever a parser would guess from the new rows alone; dates that cannot be
    read at all (mixed time zones, for a model card without the training file's reading) are one clear
    error."""
    from test_columns import churn_frame

    import imblab

    frame = churn_frame(400, seed=4)
    frame["signup_date"] = pd.to_datetime(frame["signup_date"]).dt.strftime("%d/%m/%Y")
    frame.to_csv(tmp_path / "euro.csv", index=False)
    ds = imblab.load_table(tmp_path / "euro.csv", "churn", date_features="expand")
    model = fit_model(ds, "lr:balanced")
    assert model.schema["date_readings"] == {"signup_date": {"format": "%d/%m/%Y", "dayfirst": True}}
    rows = pd.read_csv(tmp_path / "euro.csv").drop(columns="churn").head(40)
    np.testing.assert_allclose(model.predict_proba(rows)[:, 1],
                               model.estimator.predict_proba(ds.X.head(40))[:, 1], rtol=1e-12)
    months = check_frame(rows, model.schema)["signup_date_month"]
    assert months.tolist() == ds.X["signup_date_month"].head(40).tolist()
    from imblab.model.schema import _with_calendar_parts

    mixed = pd.DataFrame({"d": ["2021-03-27T10:00:00+01:00", "2021-03-29T10:00:00+02:00"]})
    with pytest.raises(ImblabError, match="column 'd' holds dates the model cannot read"):
        _with_calendar_parts(mixed, {"d": ["d_year", "d_month", "d_day", "d_weekday"]}, {})
    # dates written otherwise than in the training file, or not dates at all, are refused, never imputed
    iso = rows.assign(signup_date=pd.to_datetime(rows["signup_date"], dayfirst=True).dt.strftime("%Y-%m-%d"))
    with pytest.raises(ImblabError, match=r"column 'signup_date' has 40 values that the model cannot read as "
                                          r"dates as it read the training file's \(%d/%m/%Y\), such as '20"):
        model.predict_proba(iso)
    one_bad = rows.assign(signup_date=rows["signup_date"].where(rows.index != 3, "not a date"))
    with pytest.raises(ImblabError, match="has 1 value that .* such as 'not a date': write them as in that file"):
        model.predict_proba(one_bad)
    blank = rows.assign(signup_date=rows["signup_date"].where(rows.index != 3, None))  # empty: imputed, as before
    assert model.predict_proba(blank).shape == (40, 2)


def test_model_and_prediction_outputs_that_cannot_be_written_are_refused_before_the_work(table_model, tmp_path,
                                                                                         capsys):
    """predict never writes over its own rows, into a missing folder or onto a folder, and writes Parquet
    for a .parquet name; fit refuses a file as its model folder before it fits."""
    _, _, folder = table_model
    rows = tmp_path / "rows.csv"
    _frame(n=30, seed=5).drop(columns="fraud").to_csv(rows, index=False)
    kept = rows.read_bytes()
    for out, message in [(rows, "is the file of rows to predict"), (tmp_path, "is a folder"),
                         (tmp_path / "nowhere" / "p.csv", "folder '" + str(tmp_path / "nowhere") + "' does not exist")]:
        assert main(["predict", str(folder), str(rows), "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1
    assert rows.read_bytes() == kept
    assert main(["predict", str(folder), str(rows), "--out", str(tmp_path / "p.parquet")]) == 0
    assert pd.read_parquet(tmp_path / "p.parquet").shape == (30, 4)
    (tmp_path / "a_file").write_text("mine")
    assert main(["fit", "--data", str(rows), "--target", "amount", "--strategy", "lr",
                 "--out", str(tmp_path / "a_file")]) == 2
    assert "model folder '" + str(tmp_path / "a_file") + "' is a file" in capsys.readouterr().err
    assert (tmp_path / "a_file").read_text() == "mine"


def test_fit_from_a_file_reads_it_as_run_does(tmp_path, capsys):
    """fit --data prints the loader's warnings as run does, drops any column of the file with --drop (an ID
    the loader would leave out too), and takes --keep and --date-features."""
    from test_columns import churn_frame

    frame = churn_frame(300, seed=6)
    frame.loc[:4, "churn"] = None
    frame.to_csv(tmp_path / "churn.csv", index=False)
    assert main(["fit", "--data", str(tmp_path / "churn.csv"), "--target", "churn", "--strategy", "lr",
                 "--drop", "customer_id", "--date-features", "expand", "--out", str(tmp_path / "m")]) == 0
    err = capsys.readouterr().err
    assert "imblab: warning: dropped 5 of 300 rows whose target 'churn' is missing" in err
    schema = json.loads((tmp_path / "m" / "model.json").read_text())["data"]["schema"]
    assert [c["name"] for c in schema["columns"]][:2] == ["signup_date_year", "signup_date_month"]
    assert "customer_id" in schema["left_out"]
    assert main(["fit", str(tmp_path / "run"), "--keep", "tenure"]) == 2
    assert "drop --data, --target, --positive, --drop, --keep, --date-features, --sep, --encoding and --sheet" in capsys.readouterr().err


def test_fit_from_a_run_takes_the_best_ranked_strategy_never_a_partly_failed_one(tmp_path, capsys):
    """The default strategy of fit RUN_DIR is the one the comparison ranks first: a strategy that failed on
    some splits is not ranked, even with the highest score; when none is ranked, fit asks for --strategy."""
    frame = _frame(n=400)
    frame.to_csv(tmp_path / "train.csv", index=False)
    run_dir = tmp_path / "run"
    assert main(["run", "--data", str(tmp_path / "train.csv"), "--target", "fraud", "--strategies", "naive,lr",
                 "--folds", "2", "--repeats", "1", "--quiet", "--no-report", "--out", str(run_dir)]) == 0
    record = json.loads((run_dir / "results.json").read_text())

    def fail(strategies):  # as if these had failed on split 1 (their predictions there left out)
        saved = json.loads(json.dumps(record))
        for fit in saved["fits"]:
            if fit["strategy"] in strategies and fit["split_id"] == 1:
                fit["error"] = "RuntimeError: the solver diverged"
        (run_dir / "results.json").write_text(json.dumps(saved))
        predictions = pd.read_parquet(tmp_path / "predictions.parquet")
        keep = ~(predictions["strategy"].isin(strategies) & predictions["split_id"].eq(1))
        predictions[keep].to_parquet(run_dir / "predictions.parquet", index=False)

    pd.read_parquet(run_dir / "predictions.parquet").to_parquet(tmp_path / "predictions.parquet", index=False)
    fail(["lr"])
    capsys.readouterr()
    assert main(["fit", str(run_dir), "--out", str(tmp_path / "m")]) == 0
    assert "Fitted naive on all 400 rows" in capsys.readouterr().out
    fail(["naive", "lr"])
    assert main(["fit", str(run_dir), "--out", str(tmp_path / "m2")]) == 2
    assert ("ranked no strategy (each failed on some or all splits, or its f1_1 is undefined): name the one to "
            "fit with --strategy") in capsys.readouterr().err


def test_a_model_that_cannot_be_written_whole_leaves_the_old_one_as_it_was(tmp_path, capsys, monkeypatch):
    """fit --overwrite onto a full disk: one clear line, and the model folder still holds the old model,
    whole (it was written file by file over the old one, then a traceback); no staging folder is left."""
    import errno
    import os
    from pathlib import Path

    import skops.io

    from imblab.writing import _umask

    frame = _frame(n=300)
    frame.to_csv(tmp_path / "train.csv", index=False)
    model = tmp_path / "model"
    (tmp_path / "notes.txt").write_text("mine")
    assert main(["fit", "--data", str(tmp_path / "train.csv"), "--target", "fraud", "--strategy", "lr",
                 "--out", str(model)]) == 0
    (model / "notes.txt").write_text("mine")
    before = {p.name: p.read_bytes() for p in model.iterdir()}
    real_dump = skops.io.dump

    def full(obj, file, *args, **kwargs):
        Path(file).write_bytes(b"half")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(skops.io, "dump", full)
    capsys.readouterr()
    assert main(["fit", "--data", str(tmp_path / "train.csv"), "--target", "fraud", "--strategy", "brf",
                 "--out", str(model), "--overwrite"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No space left on device; free some space" in err, err
    assert {p.name: p.read_bytes() for p in model.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model", "notes.txt", "train.csv"]
    monkeypatch.setattr(skops.io, "dump", real_dump)
    assert main(["fit", "--data", str(tmp_path / "train.csv"), "--target", "fraud", "--strategy", "brf",
                 "--out", str(model), "--overwrite"]) == 0
    assert (model / "notes.txt").read_text() == "mine" and "brf" in (model / "model.json").read_text()
    assert oct((model / "model.json").stat().st_mode & 0o777) == oct(0o666 & ~_umask())


def test_a_fit_that_cannot_succeed_is_one_line_and_writes_nothing(tmp_path, capsys):
    """A strategy whose fit fails (the estimator's or the data's problem) or whose sampler needs more
    minority rows than the data have: one line, exit 2, no model folder (it was 'a bug in imblab', exit 70)."""
    from fabricated import broken_strategy

    ds = dataset_from_frame(_frame(), "fraud")
    with pytest.raises(ImblabError, match=r"strategy 'broken' failed to fit on .* \(RuntimeError: the solver "
                                          r"diverged\); fix the estimator or the data, or choose another strategy"):
        fit_model(ds, broken_strategy())
    few = _frame(n=400)
    few = pd.concat([few[few["fraud"] == "no"], few[few["fraud"] == "yes"].head(4)])
    few.to_csv(tmp_path / "few.csv", index=False)
    capsys.readouterr()
    assert main(["fit", "--data", str(tmp_path / "few.csv"), "--target", "fraud", "--strategy", "smote+lr",
                 "--out", str(tmp_path / "m")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "strategy 'smote+lr' cannot be fitted: " in err[0] and "the data have 4" in err[0]
    assert not (tmp_path / "m").exists()


def test_fit_checks_its_default_folder_before_fitting_and_overwrites_only_an_imblab_model(tmp_path, capsys,
                                                                                      monkeypatch):
    import imblab.model.fitted as fitted

    _frame().to_csv(tmp_path / "train.csv", index=False)
    monkeypatch.chdir(tmp_path)
    command = ["fit", "--data", "train.csv", "--target", "fraud", "--strategy", "lr", "--drop", "age", "channel"]
    assert main(command) == 0  # --drop takes several columns, as run's does
    card = json.loads((tmp_path / "models" / "lr" / "model.json").read_text())
    assert [c["name"] for c in card["data"]["schema"]["columns"]] == ["amount"]
    monkeypatch.setattr(fitted, "fit_model", lambda *a, **k: pytest.fail("fitted before refusing the folder"))
    capsys.readouterr()
    assert main(command) == 2  # the default folder models/lr exists: refused before the fit
    assert "model folder 'models/lr' exists and is not empty" in capsys.readouterr().err
    mine = tmp_path / "mine"  # a folder of the user's own with a file called model.json
    mine.mkdir()
    (mine / "model.json").write_text('{"mine": 1}')
    assert main([*command, "--out", str(mine), "--overwrite"]) == 2
    err = capsys.readouterr().err
    assert "exists and is not empty: choose another --out" in err and "--overwrite to replace" not in err
    assert (mine / "model.json").read_text() == '{"mine": 1}'


def test_predict_finds_a_users_module_where_it_was_and_says_so_when_it_is_gone(tmp_path):
    """A model of a user's own class (mymodels.py beside the config file) predicts from any folder, as a
    fresh process that could not import mymodels by itself; once the module is gone, one line names it."""
    import hashlib
    import subprocess
    import sys

    own = tmp_path / "own"
    own.mkdir()
    (own / "mymodels.py").write_text("from sklearn.linear_model import LogisticRegression\n\n\n"
                                     "class MyLR(LogisticRegression):\n    \"\"\"A logistic regression of my own.\"\"\"\n")
    (own / "imblab.toml").write_text('[estimators.mylr]\nestimator = "mymodels:MyLR"\n')
    _frame().to_csv(tmp_path / "train.csv", index=False)
    _frame(seed=1).drop(columns="fraud").to_csv(tmp_path / "new.csv", index=False)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    def imblab(*args, cwd=elsewhere):
        return subprocess.run([sys.executable, "-m", "imblab", *args], cwd=cwd, capture_output=True, text=True)

    done = imblab("fit", "--data", str(tmp_path / "train.csv"), "--target", "fraud", "--config",
                  str(own / "imblab.toml"), "--strategy", "mylr", "--out", str(tmp_path / "m"))
    assert done.returncode == 0, done.stderr
    card = json.loads((tmp_path / "m" / "model.json").read_text())
    assert card["files"]["foreign_types"] == ["mymodels.MyLR"]
    assert card["files"]["code_folders"] == {"mymodels": {
        "folder": str(own), "sha256": hashlib.sha256((own / "mymodels.py").read_bytes()).hexdigest()}}
    # fitted from the module's own folder (python -m puts it first on the path): recorded too
    here = imblab("fit", "--data", str(tmp_path / "train.csv"), "--target", "fraud", "--config",
                  str(own / "imblab.toml"), "--strategy", "mylr", "--out", str(tmp_path / "m_here"), cwd=own)
    assert here.returncode == 0, here.stderr
    assert json.loads((tmp_path / "m_here" / "model.json").read_text())["files"]["code_folders"]["mymodels"][
        "folder"] == str(own)
    done = imblab("predict", str(tmp_path / "m"), str(tmp_path / "new.csv"), "--trust", "mymodels.MyLR",
                  "--out", str(tmp_path / "p.csv"))
    assert done.returncode == 0 and "warning" not in done.stderr, done.stderr
    assert len(pd.read_csv(tmp_path / "p.csv")) == 400
    # another mymodels.py that imports first here (python -m puts the working folder first): said so
    (elsewhere / "mymodels.py").write_text((own / "mymodels.py").read_text() + "# changed\n")
    done = imblab("predict", str(tmp_path / "m"), str(tmp_path / "new.csv"), "--trust", "mymodels.MyLR",
                  "--out", str(tmp_path / "p2.csv"))
    assert done.returncode == 0
    assert f"module 'mymodels' ({elsewhere / 'mymodels.py'}) is not the file the model was written with" in done.stderr
    (elsewhere / "mymodels.py").write_text((own / "mymodels.py").read_text() + "    def predict_proba(self, X):\n"
                                           "        raise RuntimeError('not this one')\n")
    done = imblab("predict", str(tmp_path / "m"), str(tmp_path / "new.csv"), "--trust", "mymodels.MyLR",
                  "--out", str(tmp_path / "p3.csv"))  # its code fails: one line, exit 2, nothing written
    assert done.returncode == 2 and "Traceback" not in done.stderr and not (tmp_path / "p3.csv").exists()
    assert "the model's estimator failed on these rows (RuntimeError: not this one)" in done.stderr
    (elsewhere / "mymodels.py").unlink()
    own.rename(tmp_path / "moved")
    done = imblab("predict", str(tmp_path / "m"), str(tmp_path / "new.csv"), "--trust", "mymodels.MyLR")
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert f"needs module 'mymodels' (it was in '{own}' when the model was written)" in done.stderr


def test_predict_reads_a_file_in_the_encoding_and_delimiter_given(tmp_path, capsys):
    frame = _frame()
    frame["channel"] = frame["channel"].map({"web": "Łódź", "shop": "Kraków", "phone": "Gdańsk"})
    frame.to_csv(tmp_path / "train.csv", index=False, sep=";", encoding="cp1250")
    frame.drop(columns="fraud").head(30).to_csv(tmp_path / "new.csv", index=False, sep=";", encoding="cp1250")
    assert main(["fit", "--data", str(tmp_path / "train.csv"), "--target", "fraud", "--strategy", "lr",
                 "--encoding", "cp1250", "--sep", ";", "--out", str(tmp_path / "m")]) == 0
    capsys.readouterr()
    assert main(["predict", str(tmp_path / "m"), str(tmp_path / "new.csv"), "--encoding", "cp1250", "--sep", ";",
                 "--out", str(tmp_path / "p.csv")]) == 0
    assert len(pd.read_csv(tmp_path / "p.csv")) == 30
    capsys.readouterr()  # left to guess, the bytes read as another encoding: the error says so, and what to do
    assert main(["predict", str(tmp_path / "m"), str(tmp_path / "new.csv"), "--out", str(tmp_path / "q.csv")]) == 2
    err = capsys.readouterr().err
    assert "the model never saw" in err and "a guess: if it is another encoding, give it with --encoding" in err


def test_text_dates_for_a_model_fitted_on_dates_are_read_as_the_loader_reads_a_text_column():
    """Training data with real dates (Parquet, Excel): new rows' dates written as text are read as the
    loader reads a text date column (day first where that reads every row), and text that reads both
    ways is refused, not read month first."""
    import imblab

    rng = np.random.default_rng(0)
    y = (rng.random(400) < 0.15).astype(int)
    when = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 700, 400), unit="D")
    frame = pd.DataFrame({"x": rng.normal(size=400) + y, "when": when, "y": y})
    model = fit_model(imblab.dataset_from_frame(frame, "y", date_features="expand"), "lr")
    rows = frame.drop(columns="y").head(40)
    expected = model.predict_proba(rows)
    for written in ("%Y-%m-%d", "%d/%m/%Y"):  # the 40 rows hold days past 12: day first reads them all
        np.testing.assert_array_equal(model.predict_proba(rows.assign(when=rows["when"].dt.strftime(written))),
                                      expected)
    early = rows[rows["when"].dt.day <= 12].head(3)  # 05/10/2021 could be 5 October or 10 May
    with pytest.raises(ImblabError, match="read both day first and month first, and the model was fitted on "
                                          "dates, not text: write them as YYYY-MM-DD"):
        model.predict_proba(early.assign(when=early["when"].dt.strftime("%d/%m/%Y")))
    mixed = early.assign(when=["2021-03-04", "05/06/2021", "07/08/2021"])  # one ISO: each value read alone
    with pytest.raises(ImblabError, match="such as '05/06/2021', that read both day first and month first"):
        model.predict_proba(mixed)


def test_a_users_package_is_recorded_by_the_module_that_defines_the_type(tmp_path, monkeypatch):
    """A type in a package's submodule: the folder that holds the package, and the hash of the submodule's
    own file (an edit there is what changes the model), not of the package's empty __init__.py."""
    import hashlib
    import importlib
    import sys

    from imblab.model.persist import _code_folders

    package = tmp_path / "mypkg_x1"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "models.py").write_text("class Thing:\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.import_module("mypkg_x1.models")
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p != str(tmp_path)])  # no longer on the path
    assert _code_folders(["mypkg_x1.models.Thing"]) == {"mypkg_x1.models": {
        "folder": str(tmp_path), "sha256": hashlib.sha256((package / "models.py").read_bytes()).hexdigest()}}
    namespace = tmp_path / "nspkg_x1"  # a package without __init__.py
    namespace.mkdir()
    (namespace / "est.py").write_text("class Thing:\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.import_module("nspkg_x1.est")
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p != str(tmp_path)])
    assert _code_folders(["nspkg_x1.est.Thing"])["nspkg_x1.est"]["folder"] == str(tmp_path)
    for name in ("mypkg_x1.models", "mypkg_x1", "nspkg_x1.est", "nspkg_x1"):
        sys.modules.pop(name, None)
