"""The model card: what a model folder holds, as ``model.json`` and as ``MODEL.md`` for people."""

from __future__ import annotations

import json
import platform
from datetime import datetime, timezone

from ..errors import ImblabError

FORMAT = "imblab-model/1"
CARD_FILE = "model.json"


def make_card(dataset, strategy, facts, *, random_state, estimates=None, source=None, fit_seconds=None):
    """Every fact the card records, as one JSON-able dictionary."""
    from ..experiment import _versions
    from .schema import make_schema

    counts = dataset.class_counts()
    spec = strategy.spec
    threshold, how = _threshold(spec, facts)
    return {
        "format": FORMAT,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "strategy": {"name": strategy.name, "spec": spec.text if spec is not None else None,
                     "family": strategy.family, "summary": strategy.summary, "how": strategy.how},
        "data": {
            "name": dataset.name,
            "sha256": dataset.content_hash,
            "rows": dataset.n_rows,
            "labels": [_plain(label) for label in dataset.labels],
            "class_counts": {str(dataset.labels[k]): v for k, v in counts.items()},
            "positive_share": counts[1] / dataset.n_rows,
            "provenance": dataset.provenance,
            "schema": make_schema(dataset),
        },
        "training": {
            "random_state": int(random_state),
            "fit_seconds": fit_seconds,
            "threshold": threshold,
            "threshold_how": how,
            **{k: v for k, v in facts.items() if k != "threshold"},
        },
        "estimates": estimates,
        "source": source,
        "versions": {**_versions(), **_skops_version(), "python": platform.python_version()},
        "files": {},
    }


def _skops_version():
    from importlib.metadata import version

    return {"skops": version("skops")}


def _threshold(spec, facts):
    policy = spec.policy if spec is not None else None
    if "threshold" in facts and policy == "fixed":
        return facts["threshold"], "fixed by the strategy's spec"
    if "threshold" in facts:
        if policy == "recall":
            wanted = f"reach recall {spec.policy_value[0]} with the best precision"
        elif policy == "cost":
            wanted = (f"minimise the expected cost (a missed positive {spec.policy_value[0]}, "
                      f"a false alarm {spec.policy_value[1]})")
        else:
            wanted = "maximise minority F1"
        return facts["threshold"], (f"tuned to {wanted} by 5-fold cross-validation inside all the data the "
                                    "model was fitted on, as in the evaluation")
    return 0.5, "the learner's own decision: the positive class where its probability is above 0.5"


def render_markdown(card):
    """``MODEL.md``: the card for people."""
    data, training, strategy = card["data"], card["training"], card["strategy"]
    lines = [
        f"# Model: {strategy['name']}",
        "",
        f"{strategy['summary']}.",
        "",
        f"- Strategy spec: `{strategy['spec']}` ({strategy['family']})",
        f"- Fitted on: {data['name']} — {data['rows']} rows, classes "
        + ", ".join(f"{label!s}: {n}" for label, n in data["class_counts"].items())
        + f" (positive: {data['labels'][1]!s}, {data['positive_share']:.1%})",
        f"- Data SHA-256: `{data['sha256']}`",
        f"- Decision threshold: {training['threshold']:.4g} — {training['threshold_how']}",
        f"- Seed: {training['random_state']}",
    ]
    if training.get("trained_prior") is not None:
        lines.append(f"- Trained as if the positive share were {training['trained_prior']:.3g}: "
                     "`probability_prior_corrected` moves its probabilities back to the data's share")
    lines += ["", "## Columns", "", "| column | kind | dtype | categories seen |", "|---|---|---|---|"]
    for column in data["schema"]["columns"]:
        categories = ", ".join(map(str, column.get("categories", []))) or "—"
        lines.append(f"| {column['name']} | {column['kind']} | {column['dtype']} | {categories} |")
    lines += ["", "## Out-of-sample estimates", ""]
    estimates = card.get("estimates")
    if estimates:
        source = card.get("source") or {}
        clipped = any(values.get("clipped") for values in estimates.values())
        lines.append(f"From run `{source.get('run', '?')}` ({source.get('protocol', '')}); 95% intervals"
                     + ("; \\* = clipped at the metric's bound." if clipped else "."))
        lines += ["", "| metric | estimate | interval |", "|---|---|---|"]
        for metric, values in estimates.items():
            low, high = values.get("ci_low"), values.get("ci_high")
            interval = f"{low:.3f} – {high:.3f}" if low is not None and high is not None else "—"
            mark = "\\*" if values.get("clipped") else ""
            lines.append(f"| {metric} | {values['mean']:.3f} | {interval}{mark} |")
    else:
        lines.append("None: this model was fitted directly, not from a run. Its scores on the data it was "
                     "fitted on would be optimistic, so none are given; compare strategies with `imblab run` "
                     "for honest estimates.")
    lines += ["", "## Library versions", ""]
    lines += [f"- {name} {value}" for name, value in card["versions"].items()]
    return "\n".join(lines) + "\n"


def _plain(value):
    return value.item() if hasattr(value, "item") else value


def read_card(folder):
    """The card of model folder ``folder`` (a ``Path``), read with the standard library alone;
    ImblabError when the folder holds no imblab model."""
    path = folder / CARD_FILE
    if not folder.is_dir():
        raise ImblabError(f"model folder '{folder}' does not exist: give the folder 'imblab fit' wrote")
    try:
        card = json.loads(path.read_text())
    except FileNotFoundError:
        raise ImblabError(f"'{folder}' is not an imblab model folder (it has no {CARD_FILE}): give the folder "
                          "'imblab fit' wrote") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ImblabError(f"{path} is not valid JSON: the model folder is damaged; fit the model again") from None
    if not isinstance(card, dict) or card.get("format") != FORMAT:
        found = card.get("format") if isinstance(card, dict) else None
        raise ImblabError(f"{path} is not an imblab model card (format {found!r}, expected {FORMAT!r}): give "
                          "a folder 'imblab fit' wrote")
    return card
