"""Everything a report says, collected once into plain data; HTML and Markdown render it."""

from __future__ import annotations

import numpy as np

from ..evaluation.metrics import LOWER_IS_BETTER
from .columns import column_rows

#: The comparison table's columns: metric, heading.
TABLE_COLUMNS = [
    ("precision_1", "Precision (1)"),
    ("recall_1", "Recall (1)"),
    ("f1_1", "F1 (1)"),
    ("accuracy", "Accuracy"),
    ("balanced_accuracy", "Balanced acc."),
    ("roc_auc", "ROC-AUC"),
    ("average_precision", "PR-AUC (AP)"),
]

#: Okabe & Ito's colour-blind-safe palette; a strategy keeps its colour on every chart.
PALETTE = ["#000000", "#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7", "#F0E442"]
LINESTYLES = ["-", "--", ":", "-."]


def strategy_styles(strategies):
    """``{strategy: (colour, linestyle)}``, stable across every chart of a run."""
    return {name: (PALETTE[i % len(PALETTE)], LINESTYLES[(i // len(PALETTE)) % len(LINESTYLES)])
            for i, name in enumerate(strategies)}


def collect(results):
    """The report's facts as one dictionary of plain values."""
    ds = results.dataset
    counts = ds["class_counts"]
    styles = strategy_styles(results.strategies)
    return {
        "title": f"imblab report: {ds['name']}",
        "dataset": {
            **{k: ds[k] for k in ("name", "rows", "features", "numeric_features", "categorical_features",
                                  "missing_values", "negative_label", "positive_label", "sha256")},
            "columns": ds.get("columns", []),
            "counts": counts,
            "minority_share": ds["minority_share"],
            "imbalance_ratio": counts[0] / counts[1] if counts[1] else float("inf"),
            "majority_accuracy": ds["majority_accuracy"],
            "source": ds["provenance"].get("path") or ds["provenance"].get("generator", ""),
        },
        "column_roles": column_rows(ds.get("column_roles") or [], max_rows=None),
        "protocol": describe_protocol(results.config["protocol"]),
        "uncertainty": describe_uncertainty(results.config["protocol"]),
        "rule": describe_rule(results.metric, results.config.get("rope", 0.01)),
        "metric": results.metric,
        "train_counts": results.train_counts,
        "training": _training(results),
        "columns": [{"metric": m, "heading": h} for m, h in TABLE_COLUMNS],
        "rows": comparison_rows(results),
        "verdict": verdict(results),
        "strategies": [_strategy(results, name, styles[name][0]) for name in results.strategies],
        "calibration": _records(results.calibration),
        "config": {
            "random_state": results.config["random_state"],
            "keras_backend": results.config["keras_backend"],
            "python": results.config["python"],
            "versions": results.config["versions"],
            "protocol": results.config["protocol"],
            "strategies": results.strategies,
            "metric": results.metric,
            "sha256": ds["sha256"],
        },
    }


def describe_protocol(protocol):
    if protocol["name"].endswith("holdout"):
        share = protocol["test_size"]
        return f"{protocol['name']}, {1 - share:.0%} train / {share:.0%} test, seed {protocol['random_state']}"
    return (f"{protocol['name']}, {protocol['folds']} folds × {protocol['repeats']} repeats, "
            f"seed {protocol['random_state']}")


def describe_uncertainty(protocol):
    if protocol["name"].endswith("holdout"):
        return ("value ± half the 95% stratified-bootstrap interval, about these fitted models "
                "on this test set")
    return ("pooled out-of-fold estimate ± half the 95% interval (per-fold jackknife pseudo-values, "
            "corrected t)")


def describe_rule(metric, rope):
    """The legend of the comparison column: what each standing claims, and what it does not."""
    return (f"vs best by {metric}: every pair tested, Holm-adjusted over all pairs; 'worse' = significantly "
            f"worse (adjusted p < 0.05); 'not separated' = no significant difference, which is not evidence "
            f"of equality; 'equivalent' = within ±{rope:g} of the best with probability ≥ 95%; "
            "* = interval clipped at the metric's bound")


def verdict(results):
    """A few sentences: which strategy ranks first by the chosen metric, and what the tests support
    about each other strategy (worse, equivalent, not separated, not testable, failed)."""
    comparison = results.comparison
    metric = results.metric
    ranked = comparison[comparison["status"] == "best"]
    if ranked.empty:
        failed = comparison["status"].eq("failed").all() if len(comparison) else True
        text = ("No strategy produced predictions: every fit failed (see the errors)." if failed else
                f"No strategy has a defined {metric}: nothing to rank.")
        return " ".join([text, *_caveats(results)])
    best = ranked.iloc[0]
    row = results.summary.set_index("strategy").loc[best["strategy"]]
    low, high = row[f"{metric}_ci_low"], row[f"{metric}_ci_high"]
    text = [f"By {metric}, {best['strategy']} ranks first ({best['mean']:.3f}"
            + (f", 95% interval {low:.3f} to {high:.3f})." if low == low else ").")]
    groups = {status: comparison[comparison["status"] == status] for status in
              ("worse", "equivalent", "not separated", "n/a", "failed")}
    if len(groups["worse"]):
        text.append(f"Worse than {best['strategy']} (Holm over all pairs, adjusted p < 0.05): "
                    f"{_names(groups['worse'], with_p=True)}.")
    if len(groups["equivalent"]):
        rope = groups["equivalent"]["rope"].iloc[0]
        text.append(f"Practically equivalent to {best['strategy']} (within ±{rope:g} with probability ≥ 95%): "
                    f"{_names(groups['equivalent'])}.")
    if len(groups["not separated"]):
        text.append(f"Not separated from {best['strategy']}, which does not make them equal: "
                    f"{_separated(groups['not separated'])}.")
    if len(groups["n/a"]):
        text.append(f"Not testable (fewer than two usable splits or an undefined {metric}): "
                    f"{_names(groups['n/a'])}.")
    if len(groups["failed"]):
        text.append(f"Failed on every split: {_names(groups['failed'])}.")
    return " ".join(text + _caveats(results))


def _names(frame, with_p=False):
    if not with_p:
        return ", ".join(frame["strategy"])
    return ", ".join(f"{s} ({_p(p)})" for s, p in zip(frame["strategy"], frame["p_adjusted"]))


def _separated(frame):
    """Each strategy with its difference's interval and p; past three, the names only."""
    if len(frame) > 3:
        return ", ".join(frame["strategy"]) + " (differences and intervals in comparison.csv)"
    return ", ".join(f"{r.strategy} (difference {r.difference:+.3f}, 95% interval {r.diff_ci_low:+.3f} to "
                     f"{r.diff_ci_high:+.3f}, {_p(r.p_adjusted)})" for r in frame.itertuples())


def _p(p):
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _caveats(results):
    from ..evaluation.statistics import caveats

    return caveats(results.fits, results.config["protocol"])


def _training(results):
    rows = []
    for name in results.strategies:
        facts = results.fit_facts(name)
        rows.append({
            "strategy": name,
            "counts_seen": facts.get("class_counts_seen"),
            "class_weight": facts.get("class_weight"),
            "threshold": facts.get("threshold"),
            "samplers": facts.get("samplers", []),
            "trained_prior": facts.get("trained_prior"),
        })
    return rows


def verdict_label(status, p=None, prob_equivalent=None):
    """How a row of the comparison reads: ★ best, worse (p …), equivalent (P …),
    not separated (p …), n/a or failed."""
    if status == "best":
        return "★ best"
    if status == "worse" and p is not None:
        return f"worse ({_p(p)})"
    if status == "equivalent" and prob_equivalent is not None:
        return f"equivalent (P = {prob_equivalent:.2f})"
    if status == "not separated" and p is not None:
        return f"not separated (p = {p:.2f})"
    if status == "failed":
        return "failed"
    return "n/a"


def comparison_rows(results):
    """The comparison table's rows: each cell's value, interval half-width (``clipped`` when the
    interval reaches the metric's bound: then the half-width is the unclipped one) and whether it is
    the best of its column, and the row's standing against the best strategy."""
    summary, comparison = results.summary, results.comparison.set_index("strategy")
    best = {}
    for metric, _ in TABLE_COLUMNS:
        column = summary[metric].dropna()
        if len(column):
            best[metric] = column.min() if metric in LOWER_IS_BETTER else column.max()
    rows = []
    for _, row in summary.iterrows():
        cells = []
        for metric, _ in TABLE_COLUMNS:
            value, low, high = row[metric], row[f"{metric}_ci_low"], row[f"{metric}_ci_high"]
            clipped = bool(row.get(f"{metric}_ci_clipped", False))
            half = max(value - low, high - value) if clipped else (high - low) / 2
            cells.append({"value": None if value != value else float(value),
                          "half": None if half != half else float(half),
                          "clipped": clipped,
                          "best": metric in best and value == best[metric]})
        status, p, equal = "failed", np.nan, np.nan
        if row["strategy"] in comparison.index:
            c = comparison.loc[row["strategy"]]
            status, p, equal = c["status"], c["p_adjusted"], c["prob_equivalent"]
        p = None if p != p else float(p)
        equal = None if equal != equal else float(equal)
        rows.append({"strategy": row["strategy"], "cells": cells, "status": status, "p": p,
                     "label": verdict_label(status, p, equal), "error": row["error"] or None})
    return rows


def _strategy(results, name, colour):
    notes = results.strategy_notes.get(name, {})
    report = results.classification_report(name, output_dict=True)
    folds = results.folds[results.folds["strategy"] == name]
    confusion = {k: int(folds[k].sum()) for k in ("tn", "fp", "fn", "tp")} if len(folds) else None
    labels = [str(results.dataset["negative_label"]), str(results.dataset["positive_label"])]
    return {
        "name": name,
        "colour": colour,
        "family": notes.get("family", ""),
        "how": notes.get("how", ""),
        "report": [{"label": k, **{m: v for m, v in values.items()}}
                   for k, values in report.items() if isinstance(values, dict)],
        "accuracy": report.get("accuracy"),
        "confusion": confusion,
        "labels": labels,
        "error": results.errors().get(name),
    }


def _records(frame):
    return [{k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()}
            for row in frame.to_dict(orient="records")]
