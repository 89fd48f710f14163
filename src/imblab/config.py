"""Run settings from a TOML file: ``imblab run --config imblab.toml``, or ``[tool.imblab]`` in pyproject.toml.

Keys are the run's flags with underscores (``data``, ``target``, ``positive``,
``strategies``, ``seed``, ``metric``, ``folds``, ``repeats``, ``holdout``,
``test_size``, ``groups``, ``time``, ``jobs``, ``out``, ``no_report``). Flags
given on the command line win. A user's own estimators are tables under
``[estimators.NAME]``:

.. code-block:: toml

    data = "transactions.csv"
    target = "fraud"
    strategies = ["brf@f1", "lgbm", "smote_lgbm"]

    [estimators.lgbm]
    estimator = "lightgbm:LGBMClassifier"      # module:attribute — a class, a factory or an instance
    params = { n_estimators = 200, verbose = -1 }

    [estimators.smote_lgbm]
    estimator = "lightgbm:LGBMClassifier"
    params = { verbose = -1 }
    sampler = "smote"                          # imblab's parts around it, as in a spec
    policy = "f1"

Without ``strategies``, every estimator defined is compared. The file's folder
is searched first when importing a ``module``, so a ``mymodels.py`` beside the
config file is found.
"""

from __future__ import annotations

import importlib
import sys
import tomllib
from pathlib import Path

from .errors import ImblabError

RUN_KEYS = {"data", "target", "positive", "strategies", "seed", "metric", "folds", "repeats", "holdout",
            "test_size", "groups", "time", "jobs", "out", "no_report", "samples", "features", "minority_share",
            "quiet"}
ESTIMATOR_KEYS = {"estimator", "params", "sampler", "weighting", "policy"}


def read_config(path):
    """The settings in ``path`` (an imblab TOML file, or pyproject.toml's ``[tool.imblab]``) as a dict.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "imblab.toml")
    >>> _ = open(path, "w").write('strategies = ["brf"]\\n[estimators.tree]\\nestimator = '
    ...                           '"sklearn.tree:DecisionTreeClassifier"\\nparams = {max_depth = 3}\\n')
    >>> settings = read_config(path)
    >>> settings["strategies"], list(settings["estimators"])
    (['brf'], ['tree'])
    """
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            document = tomllib.load(fh)
    except FileNotFoundError:
        raise ImblabError(f"config file '{path}' does not exist: check the path given to --config") from None
    except tomllib.TOMLDecodeError as exc:
        raise ImblabError(f"config file '{path}' is not valid TOML: {exc}") from None
    if path.name == "pyproject.toml":
        document = document.get("tool", {}).get("imblab")
        if document is None:
            raise ImblabError(f"'{path}' has no [tool.imblab] table: add one, or give an imblab.toml with --config")
    unknown = sorted(set(document) - RUN_KEYS - {"estimators"})
    if unknown:
        raise ImblabError(f"config file '{path}': unknown setting {', '.join(map(repr, unknown))}; settings are "
                          f"{', '.join(sorted(RUN_KEYS | {'estimators'}))}")
    estimators = document.get("estimators", {})
    if not isinstance(estimators, dict):
        raise ImblabError(f"config file '{path}': 'estimators' must be tables, e.g. [estimators.mine]")
    for name, entry in estimators.items():
        if not isinstance(entry, dict) or "estimator" not in entry:
            raise ImblabError(f"config file '{path}': [estimators.{name}] needs estimator = \"module:attribute\"")
        extra = sorted(set(entry) - ESTIMATOR_KEYS)
        if extra:
            raise ImblabError(f"config file '{path}': [estimators.{name}] has unknown key "
                              f"{', '.join(map(repr, extra))}; keys are {', '.join(sorted(ESTIMATOR_KEYS))}")
    return {**document, "estimators": estimators, "path": str(path.resolve())}


def find_config(folder="."):
    """``pyproject.toml`` in ``folder`` if it has a ``[tool.imblab]`` table, else None."""
    path = Path(folder) / "pyproject.toml"
    if not path.is_file():
        return None
    try:
        with open(path, "rb") as fh:
            return path if "imblab" in tomllib.load(fh).get("tool", {}) else None
    except (OSError, tomllib.TOMLDecodeError):
        return None


def build_estimators(settings, names=None):
    """Each ``[estimators.NAME]`` as a :class:`~imblab.strategies.Strategy`, by name; only those in
    ``names`` when given (an entry the run does not use cannot stop it)."""
    from .strategies import strategy

    folder = str(Path(settings["path"]).parent)
    built = {}
    for name, entry in settings["estimators"].items():
        if names is not None and name not in names:
            continue
        estimator = make_estimator(entry["estimator"], entry.get("params", {}), name=name, search=folder)
        built[name] = strategy(estimator, name=name, sampler=entry.get("sampler"),
                               weighting=entry.get("weighting", "none"), policy=entry.get("policy"))
    return built


def choose_strategies(settings, names=None):
    """The strategies to compare: ``names`` (the command line's), else the file's list, else its estimators.

    A name that is a ``[estimators.NAME]`` table means that estimator; any
    other is a catalogue name, preset or spec.
    """
    if names is None:
        names = settings.get("strategies")
    if names is None:
        if not settings["estimators"]:
            return None
        names = list(settings["estimators"])
    if isinstance(names, str):
        from .strategies.registry import split_list

        names = split_list(names)
    own = build_estimators(settings, names)
    return {name: own.get(name, name) for name in names}


def make_estimator(target, params, *, name, search=None):
    """The estimator named by ``module:attribute``: a class or factory called with ``params``, or an
    instance (with ``params`` set on a clone)."""
    module_name, colon, attribute = str(target).partition(":")
    if not colon or not module_name or not attribute:
        raise ImblabError(f"estimator {name!r}: {target!r} must be 'module:attribute', e.g. "
                          "'sklearn.linear_model:LogisticRegression' or 'mymodels:make_model'")
    if not isinstance(params, dict):
        raise ImblabError(f"estimator {name!r}: params must be a table, e.g. params = {{ max_depth = 3 }}")
    added = search is not None and search not in sys.path
    if added:
        sys.path.insert(0, search)
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ImblabError(f"estimator {name!r}: cannot import {module_name!r} ({exc}); install it or put "
                          f"{module_name}.py beside the config file") from None
    finally:
        if added:
            sys.path.remove(search)
    try:
        obj = module
        for part in attribute.split("."):
            obj = getattr(obj, part)
    except AttributeError:
        raise ImblabError(f"estimator {name!r}: module {module_name!r} has no {attribute!r}") from None
    if hasattr(obj, "get_params") and not isinstance(obj, type):
        from sklearn.base import clone

        return clone(obj).set_params(**params)
    if not callable(obj):
        raise ImblabError(f"estimator {name!r}: {target!r} is neither an estimator, a class nor a factory")
    try:
        return obj(**params)
    except TypeError as exc:
        raise ImblabError(f"estimator {name!r}: {target}(**params) failed: {exc}") from None


def strategies_from_run(folder, config=None, names=None):
    """The user's estimators of a run started with a config file, by name (None if there was none);
    ``config`` is where that file is now, if it has moved; only those in ``names`` when given."""
    from .store import RunStore

    request = RunStore.open(folder).request
    path = request.get("args", {}).get("config")
    if config is not None:
        return build_estimators(read_config(config), names)
    if not path:
        return None
    path = Path(request.get("cwd", ".")) / path  # as the run found it, from wherever fit is started
    if not path.is_file():
        raise ImblabError(f"run '{folder}' took its own strategies from config file '{path}', which is gone: "
                          "give its new place with --config FILE")
    return build_estimators(read_config(path), names)
