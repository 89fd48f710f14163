"""The run as the practical prints it, then the side-by-side table, with rich."""

from __future__ import annotations

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .collect import TABLE_COLUMNS, comparison_rows, describe_protocol, describe_rule, describe_uncertainty
from .columns import columns_table


def render_run(results, console, *, reports=True):
    """Print the dataset, the imbalance handling, the reports and the comparison table."""
    console.print(dataset_overview(results))
    console.print(columns_table(results))
    for line in training_lines(results):
        console.print(line)
    if reports:
        for name in results.strategies:
            report = results.classification_report(name)
            if report:
                console.print(Panel(Text(report.rstrip()), title=f"{name} — classification report",
                                    title_align="left", expand=False))
    console.print(comparison_table(results))
    if results.calibration["brier_prior_corrected"].notna().any():
        console.print(calibration_table(results))
    for name, error in results.errors().items():
        console.print(Text(f"✗ {name} {error}", style="bold red"))


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
        Text.assemble(("Training part ", "bold"), _counts(train)),
        Text(f"Always predicting the majority class scores {ds['majority_accuracy']:.1%} accuracy "
             "and finds none of the minority class: the accuracy paradox.", style="italic"),
    ]
    return Group(*lines)


def training_lines(results):
    """What each strategy did about the imbalance, as the practical prints it."""
    lines = []
    for name in results.strategies:
        facts = results.fit_facts(name)
        if facts.get("samplers") and facts.get("class_counts_seen"):
            lines.append(Text.assemble((f"{name}", "bold cyan"), f": after {'+'.join(facts['samplers'])} "
                                       f"the model trains on {_counts(facts['class_counts_seen'])}"))
        if "threshold" in facts:
            lines.append(Text.assemble((f"{name}", "bold cyan"), f": decision threshold {facts['threshold']:.3f}"))
        if facts.get("class_weight"):
            weights = ", ".join(f"{k}: {v:.3f}" for k, v in facts["class_weight"].items())
            lines.append(Text.assemble((f"{name}", "bold cyan"), f": class weights {{{weights}}}"))
    return lines


def comparison_table(results):
    table = Table(
        title=f"Side by side (class 1 = positive): {describe_uncertainty(results.config['protocol'])}",
        title_justify="left",
        caption=describe_rule(results.metric, results.config.get("rope", 0.01)),
        caption_justify="left",
    )
    table.add_column("Strategy", style="bold", no_wrap=True)
    for _, heading in TABLE_COLUMNS:
        table.add_column(heading, justify="right")
    table.add_column("vs best", no_wrap=True)
    for row in comparison_rows(results):
        cells = []
        for cell in row["cells"]:
            if cell["value"] is None:  # undefined or failed
                cells.append(Text("—", style="dim"))
                continue
            text = f"{cell['value']:.3f}" + (f" ± {cell['half']:.3f}" if cell["half"] is not None else "")
            text += "*" if cell.get("clipped") else ""
            cells.append(Text(text, style="bold green" if cell["best"] else ""))
        table.add_row(row["strategy"], *cells, Text(row["label"], style=VERDICT_STYLES[row["status"]]))
    return table


VERDICT_STYLES = {"best": "bold green", "equivalent": "green", "not separated": "", "worse": "red",
                  "n/a": "dim", "failed": "bold red"}


def calibration_table(results):
    """Brier score and mean probability before and after the prior-shift correction."""
    table = Table(title="Probabilities: resampling and class weights shift them; the prior-shift "
                        "correction moves them back to the true class ratio", title_justify="left")
    table.add_column("Strategy", style="bold", no_wrap=True)
    for heading in ["Brier", "Brier corrected", "Mean prob.", "Mean corrected", "Positive rate"]:
        table.add_column(heading, justify="right")
    for _, row in results.calibration.iterrows():
        cells = [row["brier"], row["brier_prior_corrected"], row["mean_score"],
                 row["mean_score_prior_corrected"], row["positive_rate"]]
        table.add_row(row["strategy"], *(("—" if v != v else f"{v:.3f}") for v in cells))
    return table


def _counts(counts):
    return ", ".join(f"class {k}: {v}" for k, v in counts.items())
