"""The report's charts, drawn with matplotlib and embedded as PNG data URIs.

Figures are made with ``matplotlib.figure.Figure`` directly (no pyplot state),
so rendering works headless and in threads. Curves pool all out-of-sample rows
of a strategy (every split's test part).

Every strategy keeps one :class:`~imblab.report.collect.Style` on every chart;
legends sit outside the axes, so they never cover a curve; charts with one
curve (or more) per strategy are small multiples once there are many.
"""

from __future__ import annotations

import base64
import io
import math

import numpy as np
from sklearn.metrics import precision_recall_curve, roc_curve

from .collect import PALETTE, strategy_styles

DPI = 100


def all_plots(results):
    """``{name: data URI}`` for every chart of the report.

    Drawing and encoding a chart is mostly single-threaded work, so the
    charts are drawn side by side, one per core (forked processes, when that is
    safe; see :func:`~imblab.evaluation.engines.parallel_map`).
    """
    from ..evaluation.cores import available_cores
    from ..evaluation.engines import parallel_map

    results.summary, results.comparison, results.reliability  # noqa: B018 - computed once, before forking
    names = list(CHARTS)
    drawn = parallel_map(lambda name: _png(CHARTS[name](results)), names, n_workers=available_cores())
    return dict(zip(names, drawn))


def warm_up():
    """Load matplotlib's renderer and fonts now (a chart's first text costs ~0.3 s), e.g. while fits
    run; processes forked afterwards to draw the charts inherit them."""
    figure = _figure(2, 1)
    figure.add_subplot().set_title("warm-up")
    figure.savefig(io.BytesIO(), format="png", dpi=DPI)


def all_figures(results):
    """``{name: matplotlib Figure}`` for every chart of the report."""
    return {name: draw(results) for name, draw in CHARTS.items()}


def _inputs(results):
    styles = strategy_styles(results.strategies)
    parts = {name: part for name, part in results.predictions.groupby("strategy", sort=False)}
    drawn = [name for name in results.strategies if name in parts]
    return parts, drawn, styles


#: Each chart of the report, drawn from the results alone.
CHARTS = {
    "pr": lambda results: pr_curves(*_inputs(results)),
    "roc": lambda results: roc_curves(*_inputs(results)),
    "thresholds": lambda results: threshold_curves(*_inputs(results)),
    "reliability": lambda results: reliability_chart(results.reliability, *_inputs(results)[1:]),
    "metrics": lambda results: metric_chart(results.summary, _best_first(results, _inputs(results)[1]),
                                            _inputs(results)[2], results.metric),
}


def _best_first(results, names):
    order = {name: i for i, name in enumerate(results.comparison["strategy"])}
    return sorted(names, key=lambda name: order.get(name, len(order)))


def _figure(width=6.4, height=4.2, layout="constrained", **kwargs):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=DPI, layout=layout, **kwargs)


def _png(figure):
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _line_style(name, names, styles):
    """Keyword arguments for a strategy's curve; markers only once colours repeat."""
    style = styles[name]
    kwargs = {"color": style.colour, "linestyle": style.linestyle, "label": name}
    if len(names) > len(PALETTE):
        kwargs.update(marker=style.marker, markevery=0.1, markersize=4)
    return kwargs


def _legend_beside(ax, count):
    """A legend to the right of the axes, outside them, and the axes narrowed to leave it room."""
    if ax.get_legend_handles_labels()[1]:  # else nothing was drawn: every strategy failed
        legend = ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1), borderaxespad=0, frameon=False,
                           fontsize="small" if count <= 16 else "x-small", ncols=1 if count <= 22 else 2)
        _fit_margins(ax.figure, right=_width(ax.figure, legend) + 0.3)
    else:
        _fit_margins(ax.figure)


def _curve_figure(names):
    # wider with the legend beside the axes; taller when the legend is long. Laid out by margins
    # measured from the legend (see _fit_margins), not constrained layout, which doubled the drawing time.
    return _figure(7.6 if len(names) <= 22 else 9.0, max(4.2, 0.2 * min(len(names), 22) + 0.8), layout=None)


def _width(figure, *artists):
    """The widest of ``artists`` on ``figure``, in inches (measured by the renderer PNGs are drawn with)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(figure).get_renderer()
    return max((a.get_window_extent(renderer).width / figure.dpi for a in artists), default=0.0)


def _fit_margins(figure, *, left=0.8, right=0.25, bottom=0.6, top=0.45, between=0.25):
    """Place the axes by margins in inches: room for tick labels and axis labels (left, bottom), a
    title (top), a legend or nothing (right), and between side-by-side axes."""
    width, height = figure.get_size_inches()
    columns = max(1, len(figure.axes))
    plot_width = (width - left - right - (columns - 1) * between) / columns
    figure.subplots_adjust(left=left / width, right=1 - right / width, bottom=bottom / height,
                           top=1 - top / height, wspace=between / max(plot_width, 0.1))


def pr_curves(parts, names, styles):
    figure = _curve_figure(names)
    ax = figure.add_subplot()
    prevalence = None
    for name in names:
        part = parts[name]
        precision, recall, _ = precision_recall_curve(part["y_true"], part["y_score"])
        ax.plot(recall, precision, drawstyle="steps-post", **_line_style(name, names, styles))
        prevalence = part["y_true"].mean()
    if prevalence is not None:
        ax.axhline(prevalence, color="grey", linestyle=":", label=f"no skill ({prevalence:.3f})")
    ax.set(xlabel="Recall (class 1)", ylabel="Precision (class 1)", xlim=(0, 1), ylim=(0, 1.02),
           title="Precision-recall curves")
    _legend_beside(ax, len(names) + 1)
    return figure


def roc_curves(parts, names, styles):
    figure = _curve_figure(names)
    ax = figure.add_subplot()
    for name in names:
        part = parts[name]
        fpr, tpr, _ = roc_curve(part["y_true"], part["y_score"])
        ax.plot(fpr, tpr, **_line_style(name, names, styles))
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="no skill")
    ax.set(xlabel="False positive rate", ylabel="True positive rate (recall)", xlim=(0, 1), ylim=(0, 1.02),
           title="ROC curves")
    _legend_beside(ax, len(names) + 1)
    return figure


#: Margins of the small multiples, in inches: room for the tick labels and the shared axis labels
#: (left, bottom), the legend and its title (top), and each panel's title (between rows).
PANEL_MARGINS = {"left": 0.75, "right": 0.2, "bottom": 0.62, "top": 0.8, "between_columns": 0.35,
                 "between_rows": 0.42}


def _panels(names, *, panel_width=3.0, panel_height=2.5):
    """A figure of small multiples, one panel per strategy, room above them for the shared legend.

    Laid out by fixed margins rather than constrained layout, which doubled the
    time to draw these charts: the panels share their axes, so only the first
    column's and the last row's tick labels show, and the margins need not
    depend on the strategies' names.
    """
    n = len(names)
    columns = max(1, n) if n <= 3 else (2 if n == 4 else min(5, math.ceil(math.sqrt(n))))
    rows = max(1, -(-len(names) // columns))
    m = PANEL_MARGINS
    width = m["left"] + m["right"] + columns * panel_width + (columns - 1) * m["between_columns"]
    height = m["bottom"] + m["top"] + rows * panel_height + (rows - 1) * m["between_rows"]
    figure = _figure(width, height, layout=None)
    figure.subplots_adjust(left=m["left"] / width, right=1 - m["right"] / width, bottom=m["bottom"] / height,
                           top=1 - m["top"] / height, wspace=m["between_columns"] / panel_width,
                           hspace=m["between_rows"] / panel_height)
    axes = figure.subplots(rows, columns, sharex=True, sharey=True, squeeze=False).ravel()
    for ax in axes[len(names):]:
        ax.set_visible(False)
    return figure, axes


def _legend_above(figure, handles, title):
    """One legend for all panels, titled with the chart's title, above them (outside every axes)."""
    figure.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 1.0), ncols=len(handles),
                  frameon=False, fontsize="small", title=title, title_fontsize="medium")


def _shared_labels(figure, xlabel=None, ylabel=None):
    """Axis labels for all panels, in the margins :func:`_panels` leaves for them."""
    width, height = figure.get_size_inches()
    if xlabel:
        figure.supxlabel(xlabel, y=0.08 / height, va="bottom")
    if ylabel:
        figure.supylabel(ylabel, x=0.08 / width, ha="left")


def threshold_curves(parts, names, styles):
    """Precision, recall and F1 of class 1 against the decision threshold, one panel per strategy."""
    figure, axes = _panels(names)
    for ax, name in zip(axes, names):
        part = parts[name]
        precision, recall, thresholds = precision_recall_curve(part["y_true"], part["y_score"])
        precision, recall = precision[:-1], recall[:-1]
        f1 = np.divide(2 * precision * recall, precision + recall,
                       out=np.zeros_like(precision), where=(precision + recall) > 0)
        ax.plot(thresholds, precision, color="#0072B2", label="precision")
        ax.plot(thresholds, recall, color="#D55E00", linestyle="--", label="recall")
        ax.plot(thresholds, f1, color="#009E73", linestyle=":", linewidth=2, label="F1")
        ax.set_title(name, color=styles[name].colour, fontsize="medium")
        ax.set(xlim=(0, 1), ylim=(0, 1.02))
        ax.grid(alpha=0.3)
    if names:
        _legend_above(figure, axes[0].get_lines(), "Precision, recall and F1 of class 1 against the decision threshold")
    _shared_labels(figure, "Decision threshold on P(class 1)")
    return figure


def reliability_chart(reliability, names, styles):
    """Observed share of class 1 against the mean predicted probability, one panel per strategy:
    the raw probabilities and, where the training ratio differed, the prior-corrected ones."""
    figure, axes = _panels(names)
    for ax, name in zip(axes, names):
        colour = styles[name].colour
        ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="perfectly calibrated")
        for variant, style, fill, label in [("raw", "-", colour, "as predicted"),
                                            ("prior_corrected", "--", "white", "prior-corrected")]:
            rows = reliability[(reliability["strategy"] == name) & (reliability["variant"] == variant)]
            if len(rows):
                ax.plot(rows["mean_predicted"], rows["observed_rate"], color=colour, linestyle=style,
                        marker="o", markersize=4, markerfacecolor=fill, label=label)
        ax.set_title(name, color=colour, fontsize="medium")
        ax.set(xlim=(0, 1), ylim=(0, 1.02))
        ax.grid(alpha=0.3)
    if names:
        # the legend explains the kinds of line, in grey: each panel's colour is its strategy's
        from matplotlib.lines import Line2D

        handles = [Line2D([], [], color="grey", linestyle=":", label="perfectly calibrated"),
                   Line2D([], [], color="dimgrey", marker="o", markersize=4, label="as predicted")]
        if any(line.get_label() == "prior-corrected" for ax in axes for line in ax.get_lines()):
            handles.append(Line2D([], [], color="dimgrey", linestyle="--", marker="o", markersize=4,
                                  markerfacecolor="white", label="prior-corrected"))
        _legend_above(figure, handles, "Reliability (calibration), one panel per strategy")
    _shared_labels(figure, "Mean predicted P(class 1)", "Observed share of class 1")
    return figure


def metric_chart(summary, names, styles, metric):
    """Precision, recall and F1 of class 1 (and the ranking metric) with 95% intervals."""
    metrics = list(dict.fromkeys(["precision_1", "recall_1", "f1_1", metric]))
    figure = _figure(3.0 * len(metrics), 0.3 * len(names) + 1.4, layout=None)
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
            ax.errorbar(value, y, xerr=errors, fmt=styles[name].marker, color=styles[name].colour, capsize=3)
        ax.set_title(m, fontsize="medium")
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(positions, names)
    figure.suptitle("Metrics with 95% intervals", fontsize="medium")
    _fit_margins(figure, left=_width(figure, *axes[0].get_yticklabels()) + 0.25, top=0.65, bottom=0.45)
    return figure
