"""The report drawn in a process of its own, forked before the fits (the command line's choice).

Loading the report's libraries (matplotlib's renderer and fonts, Jinja's
templates) costs about 0.4 CPU seconds, and drawing the charts and the page
as much again once the statistics are known. A process forked just before fits
that run one by one loads them on the core time those fits leave idle, and later
draws the report while the process that started it writes the tables; the
page is the one :func:`render_report` draws here.

It runs at the priority of the run: at a lower one (niceness 10) the 5 × 2
practical with ``--jobs 1`` was no faster on an idle machine (6.24 s against
6.26 s, medians of 6), while on a busy one the run waited seconds for a report
drawn at that low priority.
"""

from __future__ import annotations

import threading
import time

#: Seconds to wait for the report process's page before drawing it here (a process that hangs,
#: e.g. stopped, must not hang the run; drawing a million-row run's report takes about 2 s).
PATIENCE = 120


def render_report(results):
    """``(report.html, summary.md)`` of ``results``, as text."""
    from .collect import collect
    from .html import render_html
    from .markdown import render_markdown

    facts = collect(results)
    return render_html(results, facts), render_markdown(results, facts)


class ReportProcess:
    """A process that loads the report's libraries now and draws a run's report when asked.

    Start it with :meth:`start`, hand it the finished results with
    :meth:`render`, and :meth:`stop` it in any case. It is only a way of
    drawing the same report sooner: where it cannot help or has failed, the
    report is drawn in the calling process instead.
    """

    def __init__(self, process, conn):
        self.process, self.conn = process, conn
        self.drawn_there = None  # whether the last report came from the process (None: none asked for yet)

    @classmethod
    def start(cls):
        """A started report process, or None where one would not help or is not safe to fork: one
        core, no ``fork``, JAX, TensorFlow or PyTorch running here, or other threads running (a
        child forked while one of them imports would find the import lock held for ever)."""
        from ..evaluation.cores import available_cores
        from ..evaluation.forking import can_fork, fork_child

        if available_cores() < 2 or not can_fork() or threading.active_count() > 1:
            return None
        try:  # not daemonic: it forks the processes that draw the charts side by side; its caller stops it
            return cls(*fork_child(_serve, daemon=False))
        except OSError:  # no memory or no process left for it: the report is drawn here
            return None

    def render(self, results):
        """Start drawing ``results``' report there; returns a function that gives ``(html, markdown)``.

        The statistics the report shows are computed here first (the tables need them anyway) and
        travel with the results. If the process has died or fails, the function draws the report
        here instead, so an error in drawing is raised as it would be without this process.
        """
        results.summary, results.folds, results.comparison, results.calibration, results.reliability  # noqa: B018
        results.majority_accuracy  # noqa: B018 - the terminal shows it too
        sent = []
        # Written by a thread: the process may still be loading its libraries, and the results fill
        # the pipe long before it reads them; this process writes the tables meanwhile.
        sending = threading.Thread(target=_send, args=(self.conn, results, sent), daemon=True)
        sending.start()

        def rendered():
            waited = time.monotonic()
            sending.join(PATIENCE)  # still sending: the process does not read (stopped, hung)
            status, value = "lost", None
            if sent:
                try:
                    if self.conn.poll(max(0.0, PATIENCE - (time.monotonic() - waited))):
                        status, value = self.conn.recv()
                except (EOFError, OSError):
                    pass
            self.drawn_there = status == "ok"
            return value if status == "ok" else render_report(results)
        return rendered

    def stop(self):
        """End the process (done, or interrupted mid-drawing); killed if it does not end when asked."""
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(timeout=5)
            if self.process.exitcode is None:  # stopped, or hung in compiled code
                self.process.kill()
        self.process.join()
        self.conn.close()


def _send(conn, results, sent):
    try:
        conn.send(results)
        sent.append(True)
    except Exception:  # noqa: BLE001 - gone, or the results do not pickle: the report is drawn here
        pass


def _serve(conn):
    """The report process: load the libraries, then draw each run's report it is sent until None."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it stops this process
    signal.signal(signal.SIGTERM, _leave)  # stopped mid-drawing: its chart processes are stopped too
    from . import html, plots

    html.warm_up()
    plots.warm_up()
    while True:
        try:
            results = conn.recv()
        except (EOFError, OSError):  # the parent is gone (killed, even mid-message): leave quietly
            return
        if results is None:
            return
        try:
            reply = ("ok", render_report(results))
        except Exception as exc:  # noqa: BLE001 - the parent draws it again, and raises the error there
            reply = ("error", repr(exc))
        try:
            conn.send(reply)
        except OSError:
            return


def _leave(signum, frame):
    raise SystemExit(0)
