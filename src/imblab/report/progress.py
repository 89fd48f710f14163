"""A progress display for the fits, on the error stream so results stay clean."""

from contextlib import contextmanager

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


@contextmanager
def fit_progress(console, *, total):
    """Yield an ``on_done(record)`` callback that advances a progress bar."""
    progress = Progress(
        TextColumn("[bold]fitting[/bold] {task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), console=console, transient=True,
        auto_refresh=False,  # no refresh thread: the runner may fork worker processes
    )
    with progress:
        task = progress.add_task("", total=total)

        def on_done(record):
            status = "failed" if record.error else f"{record.fit_seconds:.2f}s"
            progress.update(task, advance=1, refresh=True,
                            description=f"{record.strategy} (split {record.split_id}: {status})")

        yield on_done
