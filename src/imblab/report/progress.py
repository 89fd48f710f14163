"""Progress of the fits, on the error stream so that standard output holds only results.

On a terminal: a transient bar that leaves nothing behind. Elsewhere (a pipe,
a log file, CI): one line per strategy as its last split finishes, because a
bar redrawn into a file is noise, and rich's progress writes a blank line when
it stops there.
"""

from __future__ import annotations

from contextlib import contextmanager

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


@contextmanager
def fit_progress(console, *, strategies, n_splits, n_seeds=1, lines=True):
    """Yield an ``on_done(record)`` callback that reports each finished fit on ``console``.

    Each strategy is fitted ``n_splits × n_seeds`` times. ``lines=False`` keeps
    a console that is not a terminal silent (``--quiet``).
    """
    if console.is_terminal:
        with _bar(console, total=len(strategies) * n_splits * n_seeds) as on_done:
            yield on_done
        return
    yield _line_per_strategy(console, n_splits, n_seeds) if lines else (lambda record: None)


@contextmanager
def _bar(console, *, total):
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


def _line_per_strategy(console, n_splits, n_seeds=1):
    """``on_done`` that prints ``fitted brf: 10/10 splits, 0.41 s per fit`` once a strategy is done.

    Examples
    --------
    >>> import io
    >>> from types import SimpleNamespace as Record
    >>> from rich.console import Console
    >>> out = io.StringIO()
    >>> on_done = _line_per_strategy(Console(file=out), 2)
    >>> for strategy, split, error in [("brf", 0, None), ("brf", 1, None), ("lr", 0, "ValueError"), ("lr", 1, None)]:
    ...     on_done(Record(strategy=strategy, split_id=split, error=error, fit_seconds=0.5))
    >>> print(out.getvalue(), end="")
    fitted brf: 2/2 splits, 0.50 s per fit
    fitted lr: 1/2 splits (1 failed), 0.50 s per fit
    """
    seen = {}
    total = n_splits * n_seeds

    def on_done(record):
        done = seen.setdefault(record.strategy, [])
        done.append(record)
        if len(done) != total:
            return
        fitted = [r for r in done if not r.error]
        text = f"fitted {record.strategy}: {len(fitted)}/{total} "
        text += "splits" if n_seeds == 1 else f"fits ({n_splits} splits × {n_seeds} seeds)"
        if len(fitted) < total:
            text += f" ({total - len(fitted)} failed)"
        if fitted:
            text += f", {sum(r.fit_seconds for r in fitted) / len(fitted):.2f} s per fit"
        console.print(text, markup=False, highlight=False, soft_wrap=True)

    return on_done
