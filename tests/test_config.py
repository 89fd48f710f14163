"""Settings and a user's own estimators from a TOML file or pyproject.toml's [tool.imblab]."""

import json

import numpy as np
import pandas as pd
import pytest

from imblab import ImblabError
from imblab.cli import main
from imblab.config import make_estimator, read_config


def _write_data(folder, n=400, seed=0):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.12).astype(int)
    frame = pd.DataFrame({"amount": rng.normal(size=n) + 1.5 * y, "score": rng.normal(size=n),
                          "shop": rng.choice(["a", "b"], n), "fraud": y})
    frame.to_csv(folder / "data.csv", index=False)
    return frame


CONFIG = """
data = "data.csv"
target = "fraud"
folds = 3
repeats = 1
no_report = true
strategies = ["tree", "naive", "smote_tree"]

[estimators.tree]
estimator = "sklearn.tree:DecisionTreeClassifier"
params = { max_depth = 3 }

[estimators.smote_tree]
estimator = "mymodels:make_tree"
params = { depth = 2 }
sampler = "smote"
policy = "f1"
"""

FACTORY = '''
from sklearn.tree import DecisionTreeClassifier


def make_tree(depth):
    """A shallow tree, from a factory beside the config file."""
    return DecisionTreeClassifier(max_depth=depth)
'''


def test_config_file_runs_user_estimators_beside_catalogue_strategies(tmp_path, capsys):
    _write_data(tmp_path)
    (tmp_path / "imblab.toml").write_text(CONFIG)
    (tmp_path / "mymodels.py").write_text(FACTORY)
    out = tmp_path / "run"
    status = main(["run", "--config", str(tmp_path / "imblab.toml"), "--quiet", "--out", str(out)])
    assert status == 0, capsys.readouterr().err
    saved = json.loads((out / "results.json").read_text())
    assert saved["config"]["strategies"] == ["tree", "naive", "smote_tree"]
    assert saved["config"]["protocol"]["folds"] == 3 and saved["config"]["protocol"]["repeats"] == 1
    assert saved["strategies"]["tree"]["family"] == "own estimator"
    assert saved["strategies"]["smote_tree"]["family"] == "own estimator + data level + decision level"
    facts = [f["facts"] for f in saved["fits"] if f["strategy"] == "smote_tree"]
    assert all(f["samplers"] == ["SMOTENC"] and "threshold" in f for f in facts)  # a categorical column
    assert not (out / "report.html").exists()
    # a flag on the command line wins over the file; a name from the file may be chosen by it
    status = main(["run", "--config", str(tmp_path / "imblab.toml"), "--strategies", "tree,lr", "--quiet",
                   "--out", str(tmp_path / "run2")])
    assert status == 0
    assert json.loads((tmp_path / "run2" / "results.json").read_text())["config"]["strategies"] == ["tree", "lr"]
    # the run's winner, an estimator from the config, is fitted again from the run folder
    assert main(["fit", str(out), "--strategy", "smote_tree", "--out", str(tmp_path / "model")]) == 0
    card = json.loads((tmp_path / "model" / "model.json").read_text())
    assert card["strategy"]["name"] == "smote_tree" and card["files"]["foreign_types"] == []


def test_pyproject_tool_imblab_is_read_from_the_current_folder(tmp_path, capsys, monkeypatch):
    _write_data(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.imblab]\ndata = "data.csv"\ntarget = "fraud"\nfolds = 2\nrepeats = 1\n'
        'no_report = true\n\n[tool.imblab.estimators.forest]\nestimator = "sklearn.ensemble:RandomForestClassifier"\n'
        'params = { n_estimators = 20 }\nweighting = "balanced"\n')
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--quiet", "--out", "run"]) == 0
    assert "using the settings in pyproject.toml" in capsys.readouterr().err
    saved = json.loads((tmp_path / "run" / "results.json").read_text())
    assert saved["config"]["strategies"] == ["forest"]
    assert all(f["facts"].get("balanced_by_design") for f in saved["fits"])


def test_bad_config_files_give_one_clear_line(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("folds = [\n")
    assert main(["run", "--config", str(bad)]) == 2
    assert "is not valid TOML" in capsys.readouterr().err
    bad.write_text('fold = 3\n')
    with pytest.raises(ImblabError, match="unknown setting 'fold'"):
        read_config(bad)
    bad.write_text('[estimators.x]\nparams = {}\n')
    with pytest.raises(ImblabError, match=r'needs estimator = "module:attribute"'):
        read_config(bad)
    with pytest.raises(ImblabError, match="cannot import 'no_such_module'"):
        make_estimator("no_such_module:Thing", {}, name="x")
    with pytest.raises(ImblabError, match="must be 'module:attribute'"):
        make_estimator("sklearn.tree.DecisionTreeClassifier", {}, name="x")
    with pytest.raises(ImblabError, match="failed: .*unexpected keyword"):
        make_estimator("sklearn.tree:DecisionTreeClassifier", {"depth": 3}, name="x")


def test_lightgbm_from_a_config_file(tmp_path, capsys):
    pytest.importorskip("lightgbm", reason="LightGBM is the optional extra imblab[lightgbm]: "
                                           "pip install 'imblab[lightgbm]'")
    _write_data(tmp_path)
    (tmp_path / "imblab.toml").write_text(
        'data = "data.csv"\ntarget = "fraud"\nfolds = 2\nrepeats = 1\nno_report = true\n'
        'strategies = ["lgbm", "brf"]\n[estimators.lgbm]\nestimator = "lightgbm:LGBMClassifier"\n'
        'params = { n_estimators = 20, verbose = -1 }\n')
    assert main(["run", "--config", str(tmp_path / "imblab.toml"), "--quiet", "--out", str(tmp_path / "r")]) == 0
    summary = pd.read_csv(tmp_path / "r" / "summary.csv")
    assert list(summary["strategy"]) == ["lgbm", "brf"] and summary["error"].isna().all()
    # its model folder holds LightGBM's types: loaded only when the user names them
    assert main(["fit", str(tmp_path / "r"), "--strategy", "lgbm", "--out", str(tmp_path / "m")]) == 0
    foreign = json.loads((tmp_path / "m" / "model.json").read_text())["files"]["foreign_types"]
    assert any(t.startswith("lightgbm.") for t in foreign)
    new = tmp_path / "new.csv"
    pd.read_csv(tmp_path / "data.csv").drop(columns="fraud").head(20).to_csv(new, index=False)
    capsys.readouterr()
    assert main(["predict", str(tmp_path / "m"), str(new)]) == 2
    err = capsys.readouterr().err
    assert "holds types imblab does not write: " in err and "--trust lightgbm.sklearn.LGBMClassifier" in err
    trust = [arg for t in foreign for arg in ("--trust", t)]
    assert main(["predict", str(tmp_path / "m"), str(new), *trust]) == 0


def test_fit_from_a_run_refits_the_estimator_the_run_compared_with_its_seed_or_the_one_given(tmp_path, capsys):
    """fit RUN_DIR rebuilds a config estimator as the run compared it (class and every parameter), finds a
    config file that moved with --config, and takes --seed; a changed estimator is refused in one line."""
    _write_data(tmp_path)
    config = tmp_path / "imblab.toml"
    config.write_text(CONFIG.replace('strategies = ["tree", "naive", "smote_tree"]', 'strategies = ["tree"]'))
    (tmp_path / "mymodels.py").write_text(FACTORY)
    assert main(["run", "--config", str(config), "--quiet", "--out", str(tmp_path / "run")]) == 0
    config.write_text(CONFIG.replace("max_depth = 3", "max_depth = 7"))  # changed after the run
    capsys.readouterr()
    assert main(["fit", str(tmp_path / "run"), "--out", str(tmp_path / "m1")]) == 2
    err = capsys.readouterr().err
    assert "strategy 'tree' is not the estimator run" in err and "(then max_depth=3; now max_depth=7)" in err
    assert len(err.strip().splitlines()) == 1 and not (tmp_path / "m1").exists()
    moved = tmp_path / "elsewhere.toml"  # the run's own file, moved: named with --config, as it was
    moved.write_text(CONFIG)
    config.unlink()
    assert main(["fit", str(tmp_path / "run"), "--out", str(tmp_path / "m2")]) == 2
    assert "which is gone: give its new place with --config FILE" in capsys.readouterr().err
    assert main(["fit", str(tmp_path / "run"), "--config", str(moved), "--seed", "7",
                 "--out", str(tmp_path / "m2")]) == 0
    card = json.loads((tmp_path / "m2" / "model.json").read_text())
    assert card["strategy"]["name"] == "tree" and card["training"]["random_state"] == 7
    # a run by an older imblab recorded no estimator to check against: fitted, with a warning that says so
    record = json.loads((tmp_path / "run" / "results.json").read_text())
    del record["config"]["strategy_identities"]
    (tmp_path / "run" / "results.json").write_text(json.dumps(record))
    capsys.readouterr()
    assert main(["fit", str(tmp_path / "run"), "--config", str(moved), "--out", str(tmp_path / "m3")]) == 0
    err = capsys.readouterr().err
    assert err.startswith("imblab: warning: run '") and err.count("\n") == 1
    assert ("did not record what its strategy 'tree' was (an older imblab): it is built from the config file as "
            "the file is now, unchecked") in err


def test_an_entry_the_run_does_not_use_cannot_stop_it(tmp_path, capsys):
    _write_data(tmp_path)
    config = tmp_path / "imblab.toml"
    config.write_text(CONFIG + '\n[estimators.svc]\nestimator = "sklearn.svm:LinearSVC"\n')
    (tmp_path / "mymodels.py").write_text(FACTORY)
    assert main(["run", "--config", str(config), "--strategies", "tree,naive", "--quiet",
                 "--out", str(tmp_path / "run")]) == 0
    assert main(["fit", str(tmp_path / "run"), "--strategy", "tree", "--out", str(tmp_path / "m")]) == 0
    capsys.readouterr()  # named, it is refused with what to do about it
    assert main(["run", "--config", str(config), "--strategies", "svc", "--out", str(tmp_path / "r2")]) == 2
    err = capsys.readouterr().err
    assert "LinearSVC has no predict_proba" in err and "CalibratedClassifierCV" in err
