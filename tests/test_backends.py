"""Keras' backends: choosing one, failing early without it, and the practical on the one in use.

``make test-backends`` runs this file once per backend, in an environment
where that backend is installed and ``KERAS_BACKEND`` names it; the tests about
a missing backend run wherever some backend is not installed.
"""

import json
import os
import subprocess
import sys
from importlib.util import find_spec

import numpy as np
import pandas as pd
import pytest

import imblab
from imblab._backend import chosen_backend, check_backend
from imblab.errors import ImblabError

BACKEND = chosen_backend()[0]  # what this process's networks train with
MISSING = [name for name in ("tensorflow", "torch") if find_spec(name) is None]
PRACTICAL_NETWORKS = ["smote_ann", "weighted_ann"]

needs_a_missing_backend = pytest.mark.skipif(not MISSING, reason="TensorFlow and PyTorch are both installed here")


@pytest.fixture
def no_backend_chosen(tmp_path, monkeypatch):
    """No KERAS_BACKEND and an empty Keras home: imblab's default applies."""
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    return tmp_path / "keras.json"


@pytest.mark.parametrize("name", ["tensorflow", "torch"])
def test_a_backend_that_is_not_installed_is_one_line_naming_it_and_the_fix(name, monkeypatch):
    if name not in MISSING:
        pytest.skip(f"{name} is installed here")
    monkeypatch.setenv("KERAS_BACKEND", name)
    with pytest.raises(ImblabError) as caught:
        check_backend()
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"Keras backend '{name}' (chosen by the KERAS_BACKEND environment variable) "
                              "is not installed")
    assert f"pip install 'imblab[{name}]'" in message
    assert "unset KERAS_BACKEND" in message


def test_the_default_is_jax_and_kerass_own_config_value_does_not_override_it(no_backend_chosen):
    assert chosen_backend() == ("jax", "imblab's default")
    # Keras writes "tensorflow" into a keras.json it creates: that is nobody's choice
    no_backend_chosen.write_text(json.dumps({"backend": "tensorflow", "floatx": "float32"}))
    assert chosen_backend() == ("jax", "imblab's default")
    no_backend_chosen.write_text("{not json")
    assert chosen_backend() == ("jax", "imblab's default")


def test_a_backend_set_in_kerass_config_file_is_used_and_named_in_the_error(no_backend_chosen, monkeypatch):
    no_backend_chosen.write_text(json.dumps({"backend": "torch"}))
    assert chosen_backend() == ("torch", str(no_backend_chosen))
    monkeypatch.setenv("KERAS_BACKEND", "jax")  # the variable wins over the file, as in Keras
    assert chosen_backend() == ("jax", "KERAS_BACKEND")
    if "torch" in MISSING:
        monkeypatch.delenv("KERAS_BACKEND")
        with pytest.raises(ImblabError, match=f'set as "backend" in {no_backend_chosen}.* is not installed: '
                                              "pip install 'imblab\\[torch\\]', or set KERAS_BACKEND=jax"):
            check_backend()


@pytest.mark.parametrize(("name", "expected"), [
    ("numpy", "Keras backend 'numpy' .* cannot train a network: use jax, tensorflow or torch"),
    ("theano", "unknown Keras backend 'theano' .*: expected one of jax, tensorflow, torch"),
])
def test_backends_that_cannot_train_are_refused(name, expected, monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", name)
    with pytest.raises(ImblabError, match=expected):
        check_backend()


def test_the_installed_backend_passes_the_check():
    assert check_backend() == BACKEND


@needs_a_missing_backend
def test_compare_stops_before_any_fit_only_when_a_network_needs_the_backend(monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", MISSING[0])
    dataset = imblab.make_synthetic(n_samples=600)
    fitted = []
    with pytest.raises(ImblabError, match=f"Keras backend '{MISSING[0]}'"):
        imblab.compare(dataset, "naive,smote_ann", on_done=fitted.append)
    assert fitted == []
    results = imblab.compare(dataset, "naive", on_done=fitted.append)  # no network: the backend is not needed
    assert len(fitted) == 1 and not results.errors()


@needs_a_missing_backend
def test_cli_without_the_backend_is_one_line_on_stderr_and_exit_2(tmp_path):
    name = MISSING[0]
    out = tmp_path / "run"
    done = subprocess.run(
        [sys.executable, "-m", "imblab", "run", "--strategies", "smote_ann", "--out", str(out)],
        env={**os.environ, "KERAS_BACKEND": name}, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"imblab: error: Keras backend '{name}' (chosen by the KERAS_BACKEND")
    assert f"pip install 'imblab[{name}]'" in lines[0]
    assert not out.exists()


@pytest.fixture(scope="module")
def practical_run(tmp_path_factory):
    """The practical's network strategies, run by the command line in a fresh process on this backend."""
    out = tmp_path_factory.mktemp("practical") / "run"
    done = subprocess.run(
        [sys.executable, "-m", "imblab", "run", "--strategies", ",".join(PRACTICAL_NETWORKS),
         "--quiet", "--no-report", "--out", str(out)],
        env={**os.environ, "KERAS_BACKEND": BACKEND}, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return out


def test_practical_networks_find_the_minority_on_this_backend(practical_run):
    summary = pd.read_csv(practical_run / "summary.csv").set_index("strategy")
    assert list(summary.index) == PRACTICAL_NETWORKS
    for strategy in PRACTICAL_NETWORKS:
        assert summary.loc[strategy, "recall_1"] >= 0.70, (BACKEND, strategy, summary.loc[strategy].to_dict())
        assert summary.loc[strategy, "f1_1"] > 0.4


def test_results_record_the_backend_keras_used(practical_run):
    saved = json.loads((practical_run / "results.json").read_text())
    assert saved["config"]["keras_backend"] == BACKEND
    for strategy in PRACTICAL_NETWORKS:
        assert saved["strategies"][strategy]["training"]["keras_backend"] == BACKEND


def test_same_seed_gives_identical_numbers_on_a_repeated_run(practical_run):
    again = imblab.compare(strategies=PRACTICAL_NETWORKS)  # in this process, the same default seed
    assert again.config["keras_backend"] == BACKEND
    first = pd.read_parquet(practical_run / "predictions.parquet")
    np.testing.assert_array_equal(first["y_score"].to_numpy(), again.predictions["y_score"].to_numpy())
    assert list(first["strategy"]) == list(again.predictions["strategy"])


@pytest.mark.skipif(BACKEND != "jax", reason="JAX's compilation cache")
def test_the_library_leaves_jaxs_compilation_cache_alone_and_the_cli_function_sets_it(tmp_path):
    script = (
        "import numpy as np, jax\n"
        "from imblab import KerasMLPClassifier\n"
        "from imblab._backend import enable_compilation_cache\n"
        "X = np.random.RandomState(0).normal(size=(64, 3)); y = np.arange(64) % 2\n"
        "KerasMLPClassifier(epochs=1, random_state=0).fit(X, y)\n"
        "print(jax.config.jax_compilation_cache_dir)\n"
        "print(enable_compilation_cache())\n"
        "print(jax.config.jax_compilation_cache_dir)\n"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("JAX_")}  # an in-process CLI run sets them
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                          env={**clean, "KERAS_BACKEND": "jax", "IMBLAB_CACHE_DIR": str(tmp_path / "c")})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["None", str(tmp_path / "c"), str(tmp_path / "c")]
