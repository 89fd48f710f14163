"""The run as the practical prints it, then the side-by-side table, with rich.

The comparison table picks the richest layout that fits the console without
wrapping a cell: every metric with its interval when there is room, then
intervals on the ranking metric only with short headings, then fewer columns.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich import box
from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .collect import (as_percent, describe_pooling, describe_protocol, describe_rule, describe_threshold,
                      describe_uncertainty, first_label, ranked_rows, sort_arrow, split_thresholds,
                      table_columns, unranked)
from .columns import columns_table

#: Up to this many strategies the practical's classification reports print without ``--verbose``.
REPORTS_UP_TO = 4

#: Headings where the table is short of room; the caption says that they are of class 1.
SHORT_HEADINGS = {
    "precision_1": "Prec.", "recall_1": "Recall", "f1_1": "F1", "accuracy": "Acc.",
    "balanced_accuracy": "Bal.acc", "roc_auc": "ROC-AUC", "average_precision": "AP",
}

#: Metrics kept when the console is too narrow for every column, most telling first.
NARROW_METRICS = ["precision_1", "recall_1", "f1_1", "average_precision"]


def render_run(results, console, *, quiet=False, verbose=False):
    """Print the dataset, the imbalance handling, the reports and the comparison table.

    ``quiet`` prints the comparison table alone; classification reports print
    with ``verbose`` or when there are at most :data:`REPORTS_UP_TO` strategies.
    """
    if quiet:
        console.print(comparison_table(results, width=console.width))
        return
    console.print(dataset_overview(results))
    console.print(columns_table(results))
    for line in training_lines(results):
        console.print(line)
    if verbose or len(results.strategies) <= REPORTS_UP_TO:
        console.print(Text(f"Classification reports: {describe_pooling(results)}.", style="italic"))
        for name in results.strategies:
            report = results.classification_report(name)
            if report:
                console.print(Panel(Text(report.rstrip()), title=f"{name} — classification report",
                                    title_align="left", expand=False))
    console.print(comparison_table(results, width=console.width))
    if results.calibration["brier_prior_corrected"].notna().any():
        console.print(calibration_table(results))


def dataset_overview(results):
    ds = results.dataset
    counts = ds["class_counts"]
    protocol = results.config["protocol"]
    train = results.train_counts
    lines = [
        Text.assemble(("Dataset ", "bold"), f"{ds['name']}: {ds['rows']} rows × {ds['features']} features; "
                      f"positive class {ds['positive_label']!r} is {counts[1]} rows "
                      f"({ds['minority_share']:.1%})"),
        Text.assemble(("Protocol ", "bold"), describe_protocol(protocol)),
        *([Text.assemble(("Fits ", "bold"), describe_workers(results.config))] if "workers" in results.config else []),
        Text.assemble(("Training part ", "bold"), _counts(train)),
        Text(f"Always predicting the majority class scores {as_percent(results.majority_accuracy)} accuracy on "
             "the rows scored and finds none of the minority class: the accuracy paradox.", style="italic"),
    ]
    return Group(*lines)


def describe_workers(config):
    """How the fits ran: how many at once, and what chose that.

    >>> describe_workers({"workers": 2, "cores": 2, "n_jobs": -1})
    '2 at a time, one per core (--jobs -1: every core; --jobs 1 runs them one by one)'
    >>> describe_workers({"workers": 3, "cores": 2, "n_jobs": 3})
    '3 at a time, on 2 cores (--jobs 3: as asked)'
    >>> describe_workers({"workers": 1, "cores": 2, "n_jobs": 1})
    'one at a time, each with every core (--jobs 1)'
    >>> describe_workers({"workers": 2, "cores": 2, "engine": {"kind": "dask", "scheduler": "tcp://10.0.0.5:8786",
    ...                                                         "workers": 2, "threads": 2}})
    'on the Dask cluster at tcp://10.0.0.5:8786: 2 workers, 2 fits at a time (--dask)'
    """
    engine = config.get("engine") or {}
    if engine.get("kind") == "dask":
        return (f"on the Dask cluster at {engine['scheduler']}: {engine['workers']} workers, "
                f"{engine['threads']} fits at a time (--dask)")
    workers, cores, n_jobs = config["workers"], config["cores"], config.get("n_jobs")
    if workers == 1:
        return f"one at a time, each with every core (--jobs {n_jobs})"
    each = cores // workers
    share = ("one per core" if workers == cores else f"{each} {'core' if each == 1 else 'cores'} each"
             if workers < cores else f"on {cores} {'core' if cores == 1 else 'cores'}")
    how = "every core; --jobs 1 runs them one by one" if n_jobs == -1 else "as asked"
    return f"{workers} at a time, {share} (--jobs {n_jobs}: {how})"


def training_lines(results):
    """What each strategy did about the imbalance, as the practical prints it."""
    lines = []
    for name in results.strategies:
        facts = results.fit_facts(name)
        if facts.get("samplers") and facts.get("class_counts_seen"):
            lines.append(Text.assemble((f"{name}", "bold cyan"), f": after {'+'.join(facts['samplers'])} "
                                       f"the model trains on {_counts(facts['class_counts_seen'])}"))
        thresholds = split_thresholds(results, name)
        if thresholds is not None:
            lines.append(Text.assemble((f"{name}", "bold cyan"),
                                       f": decision threshold {describe_threshold(thresholds)}"))
        if facts.get("class_weight"):
            weights = ", ".join(f"{k}: {v:.3f}" for k, v in facts["class_weight"].items())
            lines.append(Text.assemble((f"{name}", "bold cyan"), f": class weights {{{weights}}}"))
    return lines


@dataclass(frozen=True)
class Layout:
    """One way of drawing the comparison table, from the richest to the leanest."""

    metrics: tuple | None  # None: every metric of the table
    all_intervals: bool  # False: an interval on the ranking metric only
    short_headings: bool
    short_verdicts: bool
    fit_time: bool = True


LAYOUTS = [
    Layout(None, True, False, False),
    Layout(None, False, False, False),
    Layout(None, False, True, False),
    Layout(None, False, True, True),
    Layout(tuple(NARROW_METRICS), False, True, True),
    Layout(tuple(NARROW_METRICS[:3]), False, True, True),
    Layout((), False, True, True),
    Layout((), False, True, True, fit_time=False),
]


def comparison_table(results, *, width=None):
    """The comparison table, best first, in the richest layout no wider than ``width``.

    Examples
    --------
    >>> import io
    >>> from rich.console import Console
    >>> import imblab
    >>> results = imblab.compare(imblab.make_synthetic(400, 6, 0.1, random_state=0), "lr,lr:balanced")
    >>> console = Console(width=80, record=True, file=io.StringIO())
    >>> console.print(comparison_table(results, width=console.width))
    >>> print(console.export_text().rstrip())  # doctest: +ELLIPSIS +NORMALIZE_WHITESPACE
    Side by side, ranked by f1_1
    Strategy      Prec.   Recall            F1 ▼      AP   vs first        Fit s
    ────────────...
    lr            1.000    0.750   0.857 ± ...   0.895   ★ best ...
    lr:balanced   0.389    0.875   0.538 ± ...   0.894   worse p=... ...
    f1_1: value ± half the 95% stratified-bootstrap interval...
    """
    from rich.console import Console

    measuring = Console(width=10_000)
    table = None
    for layout in LAYOUTS:
        table = _table(results, layout)
        if width is None or measuring.measure(table).maximum <= width:
            return table
    return table  # the leanest: rich shortens the strategy names to fit


def _table(results, layout):
    metric = results.metric
    columns = table_columns(results)  # the ranking metric first when it is not one of the usual seven
    headings = dict(columns)
    shown = [m for m, _ in columns if layout.metrics is None or m in layout.metrics or m == metric]
    uncertainty = describe_uncertainty(results.config["protocol"])
    uncertainty = f"{'each cell' if layout.all_intervals else metric}: {uncertainty}"
    rule = describe_rule(metric, results.config.get("rope", 0.01), bool(unranked(results)),
                         first_label(results.comparison) == "★ first")
    notes = [uncertainty, "class 1 = positive", rule]
    if layout.fit_time:
        notes.append("Fit s = mean seconds per fit")
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, caption="; ".join(notes),
                  caption_justify="left", caption_style="dim", title=f"Side by side, ranked by {metric}",
                  title_justify="left", title_style="bold")
    table.add_column("Strategy", style="bold", no_wrap=True, overflow="ellipsis")
    for m in shown:
        heading = SHORT_HEADINGS.get(m, m) if layout.short_headings else headings.get(m, m)
        if m == metric:
            heading += sort_arrow(metric)
        table.add_column(heading, justify="right", no_wrap=True)
    table.add_column("vs first", no_wrap=True)
    if layout.fit_time:
        table.add_column("Fit s", justify="right", no_wrap=True)

    for row in ranked_rows(results):
        by_metric = dict(zip(headings, row["cells"]))
        cells = [_cell_text(by_metric[m], interval=layout.all_intervals or m == metric) for m in shown]
        label = _short_label(row) if layout.short_verdicts else row["label"]
        cells.append(Text(label, style=VERDICT_STYLES.get(row["status"], "")))
        if layout.fit_time:
            cells.append(Text(_seconds(row["fit_seconds"]), style="dim"))
        table.add_row(row["strategy"], *cells)
    return table


VERDICT_STYLES = {"best": "bold green", "equivalent": "green", "not separated": "",
                  "worse": "red", "n/a": "dim", "failed": "bold red",
                  "partly failed": "red"}


def _cell_text(cell, *, interval):
    if cell["value"] is None:  # undefined or failed
        return Text("—", style="dim")
    text = f"{cell['value']:.3f}"
    if interval and cell["half"] is not None:
        text += f" ± {cell['half']:.3f}" + ("*" if cell.get("clipped") else "")  # * : clipped at a bound
    return Text(text, style="bold green" if cell["best"] else "")


def _short_label(row):
    """The standing in at most 15 characters, for a narrow console."""
    status, p = row["status"], row["p"]
    if status == "best":
        return row["label"]
    if status == "worse" and p is not None:
        return "worse p<0.001" if p < 0.001 else f"worse p={p:.3f}"
    if status == "not separated" and p is not None:
        return f"not sep. p={p:.2f}"
    if status == "equivalent" and row.get("prob_equivalent") is not None:
        return f"equiv. P={row['prob_equivalent']:.2f}"
    return {"not separated": "not sep.", "equivalent": "equiv."}.get(status, status)


def _seconds(seconds):
    if seconds is None:
        return "—"
    return f"{seconds:.2f}" if seconds < 10 else f"{seconds:.0f}"


def calibration_table(results):
    """Brier score and mean probability before and after the prior-shift correction."""
    table = Table(title="Probabilities: resampling and class weights shift them; the prior-shift "
                        "correction moves them back to the true class ratio if they were calibrated at the "
                        "ratio the model trained on (a lower Brier corrected shows it helped, a higher one "
                        "that it did not)", title_justify="left")
    table.add_column("Strategy", style="bold", no_wrap=True)
    for heading in ["Brier", "Brier corrected", "Mean prob.", "Mean corrected", "Positive rate"]:
        table.add_column(heading, justify="right")
    order = {row["strategy"]: i for i, row in enumerate(ranked_rows(results))}
    rows = sorted(results.calibration.to_dict(orient="records"), key=lambda r: order.get(r["strategy"], 0))
    for row in rows:
        cells = [row["brier"], row["brier_prior_corrected"], row["mean_score"],
                 row["mean_score_prior_corrected"], row["positive_rate"]]
        table.add_row(row["strategy"], *(("—" if v != v else f"{v:.3f}") for v in cells))
    return table


def _counts(counts):
    return ", ".join(f"class {k}: {v}" for k, v in counts.items())
