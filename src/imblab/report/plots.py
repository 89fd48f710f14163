"""The report's charts, drawn with matplotlib and embedded as PNG data URIs.

Figures are made with ``matplotlib.figure.Figure`` directly (no pyplot state),
so rendering works headless and in threads. Curves pool all out-of-sample rows
of a strategy (every split's test part).
"""

from __future__ import annotations

import base64
import io

import numpy as np
from sklearn.metrics import precision_recall_curve, roc_curve

from .collect import strategy_styles

DPI = 100


def all_plots(results):
    """``{name: data URI}`` for every chart of the report."""
    styles = strategy_styles(results.strategies)
    parts = {name: part for name, part in results.predictions.groupby("strategy", sort=False)}
    drawn = [name for name in results.strategies if name in parts]
    return {
        "pr": _png(pr_curves(parts, drawn, styles)),
        "roc": _png(roc_curves(parts, drawn, styles)),
        "thresholds": _png(threshold_curves(parts, drawn, styles)),
        "reliability": _png(reliability_chart(results.reliability, drawn, styles)),
        "metrics": _png(metric_chart(results.summary, drawn, styles, results.metric)),
    }


def _figure(width=6.4, height=4.2, **kwargs):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=DPI, layout="constrained", **kwargs)


def _png(figure):
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def pr_curves(parts, names, styles):
    figure = _figure()
    ax = figure.add_subplot()
    prevalence = None
    for name in names:
        part = parts[name]
        precision, recall, _ = precision_recall_curve(part["y_true"], part["y_score"])
        colour, style = styles[name]
        ax.plot(recall, precision, color=colour, linestyle=style, label=name, drawstyle="steps-post")
        prevalence = part["y_true"].mean()
    if prevalence is not None:
        ax.axhline(prevalence, color="grey", linestyle=":", label=f"no skill ({prevalence:.3f})")
    ax.set(xlabel="Recall (class 1)", ylabel="Precision (class 1)", xlim=(0, 1), ylim=(0, 1.02),
           title="Precision-recall curves")
    ax.legend(fontsize="small", loc="upper right")
    return figure


def roc_curves(parts, names, styles):
    figure = _figure()
    ax = figure.add_subplot()
    for name in names:
        part = parts[name]
        fpr, tpr, _ = roc_curve(part["y_true"], part["y_score"])
        colour, style = styles[name]
        ax.plot(fpr, tpr, color=colour, linestyle=style, label=name)
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="no skill")
    ax.set(xlabel="False positive rate", ylabel="True positive rate (recall)", xlim=(0, 1), ylim=(0, 1.02),
           title="ROC curves")
    ax.legend(fontsize="small", loc="lower right")
    return figure


def threshold_curves(parts, names, styles):
    """Precision, recall and F1 of class 1 against the decision threshold, one panel per strategy."""
    columns = min(3, max(1, len(names)))
    rows = -(-len(names) // columns) or 1
    figure = _figure(3.2 * columns, 2.6 * rows)
    axes = np.atleast_1d(figure.subplots(rows, columns, sharex=True, sharey=True, squeeze=False)).ravel()
    for ax, name in zip(axes, names):
        part = parts[name]
        precision, recall, thresholds = precision_recall_curve(part["y_true"], part["y_score"])
        precision, recall = precision[:-1], recall[:-1]
        f1 = np.divide(2 * precision * recall, precision + recall,
                       out=np.zeros_like(precision), where=(precision + recall) > 0)
        ax.plot(thresholds, precision, color="#0072B2", label="precision")
        ax.plot(thresholds, recall, color="#D55E00", linestyle="--", label="recall")
        ax.plot(thresholds, f1, color="#009E73", linestyle=":", linewidth=2, label="F1")
        ax.set_title(name, color=styles[name][0], fontsize="medium")
        ax.set(xlim=(0, 1), ylim=(0, 1.02))
        ax.grid(alpha=0.3)
    for ax in axes[len(names):]:
        ax.set_visible(False)
    axes[0].legend(fontsize="small", loc="lower left")
    figure.supxlabel("Decision threshold on P(class 1)")
    return figure


def reliability_chart(reliability, names, styles):
    figure = _figure()
    ax = figure.add_subplot()
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="perfectly calibrated")
    for name in names:
        colour, _ = styles[name]
        for variant, style, marker, suffix in [("raw", "-", "o", ""),
                                               ("prior_corrected", "--", "s", " (prior-corrected)")]:
            rows = reliability[(reliability["strategy"] == name) & (reliability["variant"] == variant)]
            if len(rows):
                ax.plot(rows["mean_predicted"], rows["observed_rate"], color=colour, linestyle=style,
                        marker=marker, markersize=4, label=name + suffix)
    ax.set(xlabel="Mean predicted P(class 1)", ylabel="Observed share of class 1", xlim=(0, 1), ylim=(0, 1.02),
           title="Reliability (calibration)")
    ax.legend(fontsize="x-small", loc="upper left", ncols=2)
    return figure


def metric_chart(summary, names, styles, metric):
    """Precision, recall and F1 of class 1 (and the ranking metric) with 95% intervals."""
    metrics = list(dict.fromkeys(["precision_1", "recall_1", "f1_1", metric]))
    figure = _figure(3.0 * len(metrics), 0.45 * len(names) + 1.4)
    axes = figure.subplots(1, len(metrics), sharey=True, squeeze=False)[0]
    table = summary.set_index("strategy")
    positions = np.arange(len(names))[::-1]
    for ax, m in zip(axes, metrics):
        for y, name in zip(positions, names):
            row = table.loc[name]
            value, low, high = row[m], row[f"{m}_ci_low"], row[f"{m}_ci_high"]
            if value != value:
                continue
            errors = [[value - low], [high - value]] if low == low else None
            ax.errorbar(value, y, xerr=errors, fmt="o", color=styles[name][0], capsize=3)
        ax.set_title(m, fontsize="medium")
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(positions, names)
    figure.suptitle("Metrics with 95% intervals", fontsize="medium")
    return figure
