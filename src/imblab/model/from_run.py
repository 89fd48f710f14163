"""Fitting a run's winner (or any of its strategies) on all of the run's data."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np

from ..errors import ImblabError

ESTIMATED = ["f1_1", "precision_1", "recall_1", "balanced_accuracy", "mcc", "roc_auc", "average_precision",
             "brier"]


def fit_from_run(folder, strategy=None, *, random_state=None, config=None):
    """Refit ``strategy`` (default: the run's first-ranked, rank 1 of its comparison) on all the run's data.

    The data are read again from where the run read them (or generated again,
    for the practical's synthetic data) and must hash to what the run saw; a
    user's estimator is built again from the run's config file (or ``config``,
    where it has moved) and must be the one the run compared: its class and
    every parameter. ``random_state`` defaults to the run's seed. The card
    carries the run's out-of-sample estimates with their intervals.

    Returns
    -------
    FittedModel
    """
    from .fitted import fit_model

    dataset, chosen, options = from_run(folder, strategy, random_state=random_state, config=config)
    return fit_model(dataset, chosen, **options)


def from_run(folder, strategy=None, *, random_state=None, config=None):
    """What :func:`fit_from_run` fits: ``(dataset, strategy, options)`` for
    :func:`~imblab.model.fit_model`, checked against the run as it describes."""
    check_run_strategy(folder, strategy)  # from the folder's record, before the libraries load
    from ..results import Results

    results = Results.load(folder)
    if strategy is None:
        comparison = results.comparison
        best = comparison[comparison["status"] == "best"] if "status" in comparison else comparison.head(1)
        if best.empty:
            raise ImblabError(f"run '{folder}' ranked no strategy (each failed on some or all splits, or its "
                              f"{results.metric} is undefined): name the one to fit with --strategy")
        strategy = str(best.iloc[0]["strategy"])
    if strategy in results.errors():
        raise ImblabError(f"strategy {strategy!r} failed in run '{folder}' ({results.errors()[strategy]}): "
                          "choose another with --strategy")
    dataset = _run_dataset(folder, results)
    chosen = _run_strategy(folder, results, strategy, config)
    protocol = results.config.get("protocol", {})
    source = {"run": str(Path(folder).resolve()), "strategy": strategy,
              "protocol": protocol.get("name", ""), "metric": results.metric,
              "caveat": protocol.get("caveat")}
    if random_state is None:
        random_state = int(results.config.get("random_state", 42))
    return dataset, chosen, {"random_state": random_state, "estimates": _estimates(results, strategy),
                             "source": source}


def check_run_strategy(folder, strategy=None):
    """Refuse, from the run folder's record alone (no library loaded), a folder that holds no finished
    run, or a ``strategy`` the run did not compare."""
    import json

    from ..store import RunStore

    store = RunStore.open_complete(folder)
    if strategy is None:
        return
    try:
        with open(store.folder / "results.json", encoding="utf-8") as fh:
            compared = list(json.load(fh)["config"]["strategies"])
    except Exception:  # noqa: BLE001 - a missing or damaged record: Results.load says which, in full
        return
    if strategy not in compared:
        raise ImblabError(f"run '{folder}' has no strategy {strategy!r}; its strategies are "
                          f"{', '.join(compared)} (--strategy NAME)")


def _run_dataset(folder, results):
    from dataclasses import replace

    from ..data import load_table, make_synthetic

    described = results.dataset
    provenance = described.get("provenance", {})
    if provenance.get("kind") == "synthetic":
        minority = provenance["weights"][1]
        dataset = make_synthetic(provenance["n_samples"], provenance["n_features"], minority,
                                 random_state=provenance["random_state"])
    else:
        from ..store import RunStore

        request = RunStore.open(folder).request
        path = Path(provenance.get("path", ""))
        if not path.is_absolute():
            path = Path(request.get("cwd", ".")) / path
        options = request.get("args", {})  # read as the command line read it: the same columns, the same rows
        dataset = load_table(path, provenance.get("target"), positive=described.get("positive_label"),
                             drop=options.get("drop"), keep=options.get("keep"),
                             date_features=options.get("date_features") or "drop", sep=options.get("sep"),
                             encoding=options.get("encoding"), strict=bool(options.get("strict")),
                             split_column=provenance.get("split_column"), sheet=options.get("sheet"))
    column = provenance.get("split_column")
    if column is not None and column in dataset.X.columns:
        dataset = replace(dataset, X=dataset.X.drop(columns=[column]),
                          provenance={**dataset.provenance, "split_column": column})
    if dataset.content_hash != described.get("sha256"):
        raise ImblabError(f"the data of run '{folder}' have changed since the run (their SHA-256 differs): "
                          "fit from the file itself with 'imblab fit --data FILE --target COLUMN --strategy "
                          "NAME', or run the comparison again")
    return dataset


def _run_strategy(folder, results, name, config=None):
    """The run's strategy ``name``: a spec, or an estimator from the run's config file (``config``: where
    that file is now), refused unless it is the estimator the run compared."""
    from ..strategies import get_strategies

    spec = results.config.get("strategy_specs", {}).get(name)
    if spec is not None:
        return get_strategies({name: spec})[0]
    from ..config import strategies_from_run

    own = strategies_from_run(folder, config, [name])  # a user's estimator named in the run's config file
    chosen = own[name] if own and name in own else get_strategies([name])[0]
    from ..strategies.estimators import UNVERIFIABLE

    compared = results.config.get("strategy_identities", {}).get(name)
    if compared is None and own and name in own:  # a run by an older imblab: nothing to check the file against
        warnings.warn(f"run '{folder}' did not record what its strategy {name!r} was (an older imblab): it is "
                      "built from the config file as the file is now, unchecked", stacklevel=2)
    elif compared is not None and UNVERIFIABLE in compared:
        warnings.warn(f"strategy {name!r} has a parameter imblab cannot compare between runs ("
                      f"{compared.split(UNVERIFIABLE, 1)[1].rsplit(' ', 1)[0].strip()}): it is built from the "
                      "config file as the file is now, unchecked", stacklevel=2)
    elif compared is not None and chosen.identity != compared:
        then, now = _differing(compared, chosen.identity)
        raise ImblabError(f"strategy {name!r} is not the estimator run '{folder}' compared: its class or "
                          f"parameters have changed since the run (then {then}; now {now}); restore them, or "
                          "fit the changed one from the file with 'imblab fit --data FILE --target COLUMN "
                          "--config FILE --strategy NAME'")
    return chosen


def _differing(then, now, shown=3):
    """What differs between two identities (``Class(a=1, b=2)|weighting``), a few parts of each."""
    def parts(identity):
        return re.split(r", (?=\w+=)|\(|\)\|", identity)

    old, new = parts(then), parts(now)
    gone, came = [p for p in old if p not in new], [p for p in new if p not in old]
    return (", ".join(gone[:shown]) + (", …" if len(gone) > shown else "") or "-",
            ", ".join(came[:shown]) + (", …" if len(came) > shown else "") or "-")


def _estimates(results, strategy):
    row = results.summary.set_index("strategy").loc[strategy]
    estimates = {}
    for metric in ESTIMATED:
        mean = row.get(f"{metric}_mean", row.get(metric))
        if mean is None or not np.isfinite(mean):
            continue
        estimates[metric] = {"mean": float(mean),
                             "ci_low": _number(row.get(f"{metric}_ci_low")),
                             "ci_high": _number(row.get(f"{metric}_ci_high")),
                             "clipped": bool(row.get(f"{metric}_ci_clipped", False)),
                             "n_splits": int(row["n_splits"])}
    return estimates


def _number(value):
    return float(value) if value is not None and np.isfinite(value) else None
