"""Everything a report says, collected once into plain data; HTML and Markdown render it."""

from __future__ import annotations

from typing import NamedTuple

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

#: Okabe & Ito's colour-blind-safe palette (yellow last: it is the faintest on white). Past eight
#: strategies the colours repeat with another line style and marker, so no two strategies look alike.
PALETTE = ["#000000", "#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7", "#F0E442"]
LINESTYLES = ["-", "--", ":", "-."]
MARKERS = ["o", "s", "^", "D"]


class Style(NamedTuple):
    """How one strategy is drawn on every chart of a run."""

    colour: str
    linestyle: str
    marker: str


def as_percent(share):
    """``share`` as a percentage with one decimal, rounded as the tables' three decimals round it:
    an accuracy of 0.9525 is 0.953 in the table, so 95.3% beside it (formatted directly, 95.2%).

    >>> as_percent(0.9525), f"{0.9525:.3f}"
    ('95.3%', '0.953')
    """
    return f"{100 * float(f'{share:.3f}'):.1f}%"


def strategy_styles(strategies):
    """``{strategy: Style(colour, linestyle, marker)}``, stable across every chart of a run.

    Examples
    --------
    >>> styles = strategy_styles([f"s{i}" for i in range(10)])
    >>> styles["s0"], styles["s8"]
    (Style(colour='#000000', linestyle='-', marker='o'), Style(colour='#000000', linestyle='--', marker='s'))
    """
    styles = {}
    for i, name in enumerate(strategies):
        cycle = (i // len(PALETTE)) % len(LINESTYLES)
        styles[name] = Style(PALETTE[i % len(PALETTE)], LINESTYLES[cycle], MARKERS[cycle])
    return styles


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
            "majority_accuracy": results.majority_accuracy,  # on the rows scored, as the accuracy column
            "source": ds["provenance"].get("path") or ds["provenance"].get("generator", ""),
        },
        "column_roles": column_rows(ds.get("column_roles") or [], max_rows=None),
        "protocol": describe_protocol(results.config["protocol"]),
        "uncertainty": describe_uncertainty(results.config["protocol"]),
        "rule": describe_rule(results.metric, results.config.get("rope", 0.01), bool(unranked(results)),
                              first_label(results.comparison) == "★ first"),  # None: nothing ranked
        "metric": results.metric,
        "train_counts": results.train_counts,
        "training": _training(results),
        "columns": [{"metric": m, "heading": h + (sort_arrow(m) if m == results.metric else "")}
                    for m, h in table_columns(results)],
        "rows": ranked_rows(results),
        "pooled": describe_pooling(results),
        "verdict": verdict(results),
        "strategies": [_strategy(results, name, styles[name].colour) for name in results.strategies],
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
    """The protocol in a line, with what its statistics can claim where that differs (group and time
    splits say so in their ``caveat``)."""
    caveat = f" ({protocol['caveat']})" if protocol.get("caveat") else ""
    if protocol["name"].endswith("holdout"):
        share = protocol["test_size"]
        return (f"{protocol['name']}, {1 - share:.0%} train / {share:.0%} test, "
                f"seed {protocol['random_state']}{caveat}")
    if "folds" not in protocol:  # a scikit-learn splitter of the user's
        return f"{protocol['name']}{caveat}"
    return (f"{protocol['name']}, {protocol['folds']} folds × {protocol.get('repeats', 1)} repeats, "
            f"seed {protocol.get('random_state')}{caveat}")


def describe_uncertainty(protocol):
    if protocol["name"].endswith("holdout"):
        return ("value ± half the 95% stratified-bootstrap interval, about these fitted models "
                "on this test set")
    return ("pooled out-of-fold estimate ± half the 95% interval (per-fold jackknife pseudo-values, "
            "corrected t)")


def describe_rule(metric, rope, partly_failed=False, first=False):
    """The legend of the comparison column: what each standing claims, and what it does not (and, when
    a strategy has that standing, what 'partly failed' and '★ first' mean)."""
    rule = (f"vs first by {metric}: every pair tested, Holm-adjusted over all pairs; 'worse' = significantly "
            f"worse (adjusted p < 0.05); 'not separated' = no significant difference, which is not evidence "
            f"of equality; 'equivalent' = within ±{rope:g} of the first with probability ≥ 95%; ")
    if first:
        rule += "'★ first' = ranked first, not significantly better than every other ('★ best' only then); "
    if partly_failed:
        rule += "'partly failed' = failed on some splits, so scored on the others only and not ranked; "
    return rule + "* = interval clipped at the metric's bound"


def verdict(results):
    """A few sentences: which strategy ranks first by the chosen metric, and what the tests support
    about each other strategy (worse, equivalent, not separated, not testable, failed on some or
    every split)."""
    comparison = results.comparison
    metric = results.metric
    ranked = comparison[comparison["status"] == "best"]
    partly = _partly_failed(results, comparison)
    if ranked.empty:
        failed = comparison["status"].eq("failed").all() if len(comparison) else True
        text = ("No strategy produced predictions: every fit failed (see the errors)." if failed else
                "No strategy completed every split: nothing to rank." if partly else
                f"No strategy has a defined {metric}: nothing to rank.")
        return " ".join([text, *([partly] if partly else []), *_caveats(results)])
    best = ranked.iloc[0]
    row = results.summary.set_index("strategy").loc[best["strategy"]]
    low, high = row[f"{metric}_ci_low"], row[f"{metric}_ci_high"]
    text = [f"By {metric}, {best['strategy']} ranks first ({best['mean']:.3f}"
            + (f", 95% interval {low:.3f} to {high:.3f})." if low == low else ").")]
    tied = tied_first(comparison)
    if tied:
        text.append(f"It ties with {', '.join(tied)} (the same {metric}); the order between them is the order "
                    "the strategies were given.")
    if _no_best(comparison):
        text.append(_no_best(comparison))
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
        text.append(f"Not separated from {best['strategy']} (Holm-adjusted p ≥ 0.05), which does not make them "
                    f"equal: {_separated(groups['not separated'])}.")
    if len(groups["n/a"]):
        text.append(f"Not testable (fewer than two usable splits or an undefined {metric}): "
                    f"{_names(groups['n/a'])}.")
    if len(groups["failed"]):
        text.append(f"Failed on every split: {_names(groups['failed'])}.")
    if partly:
        text.append(partly)
    return " ".join(text + _caveats(results))


def _partly_failed(results, comparison):
    """The sentence on strategies that failed on some splits: not ranked, and why."""
    names = comparison.loc[comparison["status"] == "partly failed", "strategy"]
    if not len(names):
        return ""
    errors = results.errors()
    shown = "; ".join(f"{name} ({errors[name].split(':')[0]})" for name in names)
    parts = "fits" if results.config.get("n_seeds", 1) > 1 else "splits"
    return (f"Not ranked, because they failed on some {parts} and their scores cover only the others, "
            f"which may be the easy ones: {shown}.")


def _names(frame, with_p=False):
    if not with_p:
        return ", ".join(frame["strategy"])
    return ", ".join(f"{s} ({_p(p)})" for s, p in zip(frame["strategy"], frame["p_adjusted"]))


def _separated(frame):
    """Each strategy with its difference's interval and adjusted p; past three, the names only. The
    interval is the pair's own, not adjusted for the other pairs as the p-value is, so it may leave
    out 0 while the adjusted p is above 0.05: the sentence says which it is."""
    if len(frame) > 3:
        return ", ".join(frame["strategy"]) + " (differences and intervals in comparison.csv)"
    return ", ".join(f"{r.strategy} (difference {r.difference:+.3f}, unadjusted 95% interval {r.diff_ci_low:+.3f} "
                     f"to {r.diff_ci_high:+.3f}, adjusted {_p(r.p_adjusted)})" for r in frame.itertuples())


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
            "thresholds": split_thresholds(results, name),
            "threshold_text": describe_threshold(split_thresholds(results, name)),
            "samplers": facts.get("samplers", []),
            "trained_prior": facts.get("trained_prior"),
        })
    return rows


def verdict_label(status, p=None, prob_equivalent=None):
    """How a row of the comparison reads: ★ best, worse (p …), equivalent (P …),
    not separated (p …), n/a, failed or partly failed."""
    if status == "best":
        return "★ best"
    if status == "worse" and p is not None:
        return f"worse ({_p(p)})"
    if status == "equivalent" and prob_equivalent is not None:
        return f"equivalent (P = {prob_equivalent:.2f})"
    if status == "not separated" and p is not None:
        return f"not separated (p = {p:.2f})"
    if status in ("failed", "partly failed"):
        return status
    return "n/a"


def first_label(comparison):
    """The first-ranked strategy's standing: '★ best' when every other ranked strategy is significantly
    worse; '★ first' otherwise (one is not separated, equivalent or tied: the data single out no best);
    None when no strategy is ranked."""
    ranked = comparison.dropna(subset=["rank"])
    if ranked.empty:
        return None
    others = ranked["status"].iloc[1:]
    return "★ best" if len(others) and (others == "worse").all() else "★ first"


def tied_first(comparison):
    """The ranked strategies whose score equals the first's exactly (ranked after it in the order given)."""
    ranked = comparison.dropna(subset=["rank"])
    if ranked.empty:
        return []
    return list(ranked.loc[ranked["mean"] == ranked["mean"].iloc[0], "strategy"].iloc[1:])


def _no_best(comparison):
    """The sentence saying that the data single out no best, where another strategy is ranked but not
    every one is significantly worse than the first; empty otherwise."""
    others = comparison.dropna(subset=["rank"])["status"].iloc[1:]
    if first_label(comparison) != "★ first" or not len(others):
        return ""
    which = "No other strategy" if not (others == "worse").any() else "Not every other strategy"
    return f"{which} is significantly worse, so these data single out no best."


def table_columns(results):
    """The comparison table's ``(metric, heading)``: :data:`TABLE_COLUMNS`, with the ranking metric
    first when it is not one of them (every table shows the metric it ranks by)."""
    columns = list(TABLE_COLUMNS)
    if results.metric not in dict(columns):
        columns.insert(0, (results.metric, results.metric))
    return columns


def sort_arrow(metric):
    """The sort's direction beside the ranking metric's heading: best first."""
    return " ▲" if metric in LOWER_IS_BETTER else " ▼"


def comparison_rows(results):
    """The comparison table's rows: each cell's value, interval half-width (``clipped`` when the
    interval reaches the metric's bound: then the half-width is the unclipped one) and whether it is
    the best of its column, and the row's standing against the best strategy; one cell for each of
    :func:`table_columns`."""
    summary, comparison = results.summary, results.comparison.set_index("strategy")
    left_out = unranked(results)  # partly failed: scored on its easy splits only, never marked best
    scored = summary[~summary["strategy"].isin(left_out)]
    metrics = [metric for metric, _ in table_columns(results)]
    first = first_label(results.comparison)
    best = {}
    for metric in metrics:
        column = scored[metric].dropna()
        if len(column):
            best[metric] = column.min() if metric in LOWER_IS_BETTER else column.max()
    rows = []
    for _, row in summary.iterrows():
        cells = []
        for metric in metrics:
            value, half, clipped = row[metric], row[f"{metric}_ci_half"], bool(row[f"{metric}_ci_clipped"])
            cells.append({"value": None if value != value else float(value),
                          "half": None if half != half else float(half),
                          "clipped": clipped,
                          "best": metric in best and value == best[metric] and row["strategy"] not in left_out})
        status, p, equal = "failed", np.nan, np.nan
        if row["strategy"] in comparison.index:
            c = comparison.loc[row["strategy"]]
            status, p, equal = c["status"], c["p_adjusted"], c["prob_equivalent"]
        p = None if p != p else float(p)
        equal = None if equal != equal else float(equal)
        rows.append({"strategy": row["strategy"], "cells": cells, "status": status, "p": p,
                     "label": first if status == "best" else verdict_label(status, p, equal),
                     "error": row["error"] or None})
    return rows


def unranked(results):
    """The strategies that failed on some splits: their scores are shown, never marked best."""
    comparison = results.comparison
    return list(comparison.loc[comparison["status"] == "partly failed", "strategy"])


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


def ranked_rows(results):
    """:func:`comparison_rows` best first, in the ranking's order, with each strategy's mean
    seconds per fit; strategies without a score (failed, or the metric undefined) come last."""
    comparison = results.comparison
    order = {name: i for i, name in enumerate(comparison["strategy"])}
    equivalent = {}  # the probability of practical equivalence, where the statistics give one
    if "prob_equivalent" in comparison:
        equivalent = {s: float(p) for s, p in zip(comparison["strategy"], comparison["prob_equivalent"]) if p == p}
    seconds = fit_seconds(results)
    rows = [{**row, "fit_seconds": seconds.get(row["strategy"]), "prob_equivalent": equivalent.get(row["strategy"])}
            for row in comparison_rows(results)]
    return sorted(rows, key=lambda row: order.get(row["strategy"], len(order)))  # stable: ties keep input order


def fit_seconds(results):
    """``{strategy: mean seconds per fit}`` over the strategy's fits that succeeded."""
    times = {}
    for fit in results.fits:
        if not fit["error"]:
            times.setdefault(fit["strategy"], []).append(fit["fit_seconds"])
    return {name: float(np.mean(values)) for name, values in times.items()}


def split_thresholds(results, strategy):
    """The decision threshold each split's fit chose, summarised: ``{n, low, median, high}``,
    or ``None`` when the strategy keeps the default 0.5.

    Examples
    --------
    >>> class Run:  # any object with ``fits`` will do
    ...     fits = [{"strategy": "lr@f1", "error": None, "facts": {"threshold": t}} for t in (0.2, 0.3, 0.6)]
    >>> split_thresholds(Run(), "lr@f1")
    {'n': 3, 'low': 0.2, 'median': 0.3, 'high': 0.6}
    """
    values = [fit["facts"]["threshold"] for fit in results.fits
              if fit["strategy"] == strategy and not fit["error"] and "threshold" in fit["facts"]]
    if not values:
        return None
    return {"n": len(values), "low": float(min(values)), "median": float(np.median(values)),
            "high": float(max(values))}


def describe_threshold(thresholds):
    """``0.312`` for one split; ``median 0.312 (0.281–0.350 over 10 splits)`` for several."""
    if thresholds is None:
        return "0.5"
    if thresholds["n"] == 1:
        return f"{thresholds['median']:.3f}"
    return (f"median {thresholds['median']:.3f} ({thresholds['low']:.3f}–{thresholds['high']:.3f} "
            f"over {thresholds['n']} splits)")


def describe_pooling(results):
    """What the classification reports and confusion matrices count: which rows, how often."""
    protocol = results.config["protocol"]
    seeds = results.config.get("n_seeds", 1)
    if protocol["name"].endswith("holdout"):
        if seeds == 1:
            return "on the test part: each test row once"
        return f"pooled over {seeds} seeds on the test part: each test row counted once per seed"
    repeats = protocol.get("repeats", 1)
    times = repeats * seeds
    where = f"all {protocol['folds']} folds" + (f" × {repeats} repeats" if repeats > 1 else "")
    where += f" × {seeds} seeds" if seeds > 1 else ""
    if times == 1:
        return f"pooled over the out-of-fold rows of {where}: each row once"
    per = " and ".join(part for part, n in (("repeat", repeats), ("seed", seeds)) if n > 1)
    return (f"pooled over the out-of-fold rows of {where}: each row counted once per {per}, "
            f"so support is {times} × the rows")
