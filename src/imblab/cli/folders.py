"""Commands on an existing run folder (``report``, ``rescore``) and the strategy listing."""

from __future__ import annotations

from pathlib import Path

from ..strategies import STRATEGIES


def report_command(args, console):
    from ..store import RunStore

    RunStore.open_complete(args.folder)  # refused before the libraries load
    from ..results import Results
    from ..store import write_report

    results = Results.load(args.folder)
    html_path, md_path = write_report(results, Path(args.folder))
    console.print(f"Wrote {html_path} and {md_path}")
    return 0


def rescore_command(args, console):
    from ..checks import check_metric
    from ..store import RunStore
    from ..writing import atomic_write

    RunStore.open_complete(args.folder)  # refused before the libraries load
    if args.metric is not None:
        check_metric(args.metric)
    from ..report.terminal import render_run
    from ..results import Results

    results = Results.load(args.folder)
    folder = Path(args.folder)
    if args.metric is not None and args.metric != results.metric:
        original = results.metric
        results = results.with_metric(args.metric)
        path = folder / f"comparison-{args.metric}.csv"
        atomic_write(path, lambda temporary: results.comparison.to_csv(temporary, index=False))
        render_run(results, console, quiet=args.quiet, verbose=args.verbose)
        if not args.quiet:
            console.print(f"Ranked by {args.metric}: wrote {path}; the run's own ranking by {original}, "
                          "its report and summary are unchanged", highlight=False, soft_wrap=True)
        return 0
    RunStore.open(folder).rewrite_tables(results)
    render_run(results, console, quiet=args.quiet, verbose=args.verbose)
    if not args.quiet:
        console.print(f"Rescored: {folder}", highlight=False, soft_wrap=True)
    return 0


def strategies_command(console):
    from rich.table import Table

    from ..strategies import PRESETS
    from ..strategies.catalogue import LEARNERS, POLICIES, SAMPLERS, WEIGHTINGS

    console.print("A strategy is [bold]sampler+learner:weighting@policy[/bold]; only the learner is required. "
                  "Examples: smote+ann, ann:balanced, adasyn+rf, brf@f1, "
                  "'smote(k=3,ratio=0.5)+lr@recall=0.9', rf:balanced@cost=10:1", highlight=False)
    for title, parts in [("Samplers (sampler+…)", SAMPLERS), ("Learners", LEARNERS),
                         ("Weightings (…:weighting)", WEIGHTINGS), ("Threshold policies (…@policy)", POLICIES)]:
        table = Table(title=title, title_justify="left")
        table.add_column("Name", style="bold")
        table.add_column("What it does")
        table.add_column("When to use it")
        for part in parts.values():
            extra = f" [takes: {', '.join(part.weightings)}]" if part.weightings else ""
            table.add_row(part.name, part.summary + extra, part.use_when)
        console.print(table)
    table = Table(title="Names and presets", title_justify="left")
    table.add_column("Name", style="bold")
    table.add_column("Means")
    for strategy in STRATEGIES.values():
        table.add_row(strategy.name, f"{strategy.spec.text}: {strategy.summary}")
    for name, members in PRESETS.items():
        table.add_row(name, ", ".join(members))
    console.print(table)
    return 0
