"""The report drawn in a process of its own: the same page, and nothing lost when that process fails.

Each test runs in a fresh interpreter: a report process is only forked from a
process with no other threads, which a long pytest session cannot promise.
"""

import subprocess
import sys
import textwrap
from pathlib import Path

TESTS = Path(__file__).parent


def run_script(code, tmp_path):
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(code))
    out = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                         env={"PYTHONPATH": f"{TESTS.parent / 'src'}:{TESTS}", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout


def test_the_report_drawn_there_is_the_page_drawn_here(tmp_path):
    out = run_script("""
        from fabricated import fabricated_results
        from imblab.report.ahead import ReportProcess, render_report

        results = fabricated_results(4)
        drawer = ReportProcess.start()
        assert drawer is not None
        try:
            html, markdown = drawer.render(results)()
        finally:
            drawer.stop()
        assert drawer.drawn_there is True
        assert not drawer.process.is_alive()
        here = render_report(fabricated_results(4))
        assert (html, markdown) == here, "the pages differ"
        assert html.count("data:image/png;base64,") >= 5  # the charts, drawn by its own chart processes
        print("same")
    """, tmp_path)
    assert out.split() == ["same"]


def test_a_report_process_that_died_or_fails_leaves_the_report_to_this_one(tmp_path):
    out = run_script("""
        import os, signal
        from fabricated import fabricated_results
        from imblab.report import ahead
        from imblab.report.ahead import ReportProcess, render_report

        results = fabricated_results(3)
        drawer = ReportProcess.start()
        os.kill(drawer.process.pid, signal.SIGKILL)
        drawer.process.join()
        pages = drawer.render(results)()
        drawer.stop()
        assert drawer.drawn_there is False
        assert pages == render_report(fabricated_results(3))
        print("died: drawn here")

        original = ahead.render_report
        def failing(results):  # inherited by the process forked next: it fails there, then here
            if os.getpid() != parent:
                raise RuntimeError("broken in the report process")
            return original(results)
        parent, ahead.render_report = os.getpid(), failing
        drawer = ReportProcess.start()
        pages = drawer.render(results)()
        drawer.stop()
        assert drawer.drawn_there is False and pages == original(results)
        print("failed: drawn here")

        ahead.render_report = lambda results: 1 / 0  # fails everywhere: the error is this process's own
        drawer = ReportProcess.start()
        try:
            drawer.render(results)()
        except ZeroDivisionError:
            print("raised here")
        finally:
            drawer.stop()
    """, tmp_path)
    assert out.splitlines() == ["died: drawn here", "failed: drawn here", "raised here"]


def test_a_run_fitting_one_by_one_draws_its_report_in_the_report_process(tmp_path):
    out = run_script("""
        import multiprocessing
        from imblab.cli import main
        from imblab.report.ahead import ReportProcess

        drawers = []
        original = ReportProcess.start.__func__
        def start(cls):
            drawers.append(original(cls))
            return drawers[-1]
        ReportProcess.start = classmethod(start)
        assert main(["run", "--strategies", "naive,lr", "--samples", "600", "--jobs", "1", "--quiet",
                     "--out", "one"]) == 0
        assert len(drawers) == 1 and drawers[0].drawn_there is True
        assert multiprocessing.active_children() == []  # stopped with the run
        assert main(["run", "--strategies", "naive,lr", "--samples", "600", "--jobs", "2", "--quiet",
                     "--out", "two"]) == 0
        assert len(drawers) == 1  # fits in workers: this process loads the report's libraries meanwhile
        print("ok")
    """, tmp_path)
    assert out.split()[-1] == "ok"
    html = (tmp_path / "one" / "report.html").read_text()
    assert html.count("data:image/png;base64,") >= 5 and (tmp_path / "one" / "summary.md").is_file()


def test_a_report_process_killed_or_stopped_mid_drawing_neither_hangs_nor_orphans_the_run(tmp_path):
    out = run_script("""
        import os, signal, time
        import multiprocessing
        from fabricated import fabricated_results
        from imblab.report import ahead, plots
        from imblab.report.ahead import ReportProcess, render_report

        parent, png = os.getpid(), plots._png
        def slow_png(figure):  # slow in the report process's chart processes only
            if os.getppid() != parent and os.getpid() != parent:
                time.sleep(8)
            return png(figure)
        plots._png = slow_png
        results = fabricated_results(3)
        expected = render_report(fabricated_results(3))

        drawer = ReportProcess.start()
        rendered = drawer.render(results)
        time.sleep(3)  # drawing: its chart processes wait
        os.kill(drawer.process.pid, signal.SIGKILL)
        start = time.perf_counter()
        pages = rendered()  # the chart processes hold no end of its pipe: its death is seen at once
        waited = time.perf_counter() - start
        drawer.stop()
        assert drawer.drawn_there is False and pages == expected
        assert waited < 4, waited  # not the 5 s its chart processes still sleep
        print("killed: drawn here")

        ahead.PATIENCE = 2
        drawer = ReportProcess.start()
        os.kill(drawer.process.pid, signal.SIGSTOP)
        pages = drawer.render(results)()
        drawer.stop()  # a stopped process does not answer SIGTERM: it is killed
        assert drawer.drawn_there is False and pages == expected
        assert multiprocessing.active_children() == []
        print("stopped: drawn here")
    """, tmp_path)
    assert out.splitlines() == ["killed: drawn here", "stopped: drawn here"]


def test_a_run_whose_report_process_cannot_be_forked_draws_its_report_here(tmp_path):
    out = run_script("""
        import os
        from imblab.cli import main
        from imblab.report import ahead

        real_fork, start = os.fork, ahead.ReportProcess.start.__func__
        def no_fork():
            raise OSError(12, "Cannot allocate memory")
        def starting(cls):  # the fork of the report process fails, as when memory or processes run out
            os.fork = no_fork
            try:
                return start(cls)
            finally:
                os.fork = real_fork
        ahead.ReportProcess.start = classmethod(starting)
        print(main(["run", "--strategies", "naive,lr", "--samples", "600", "--jobs", "1", "--quiet", "--out", "run"]))
    """, tmp_path)
    assert out.split()[-1] == "0"
    assert (tmp_path / "run" / "report.html").is_file() and (tmp_path / "run" / "summary.md").is_file()


def test_a_report_process_forked_beside_a_warm_worker_draws_the_report(tmp_path):
    # a warm worker (started for the networks on TensorFlow or PyTorch) is its parent's, not the
    # report process's: drawing the charts there asked it whether it was alive, and failed
    out = run_script("""
        from fabricated import fabricated_results
        from imblab.evaluation import engines
        from imblab.report.ahead import ReportProcess

        engines.start_warm_worker("keras", lambda: None)
        drawer = ReportProcess.start()
        engines.stop_warm_workers()
        drawer.render(fabricated_results(3))()
        drawer.stop()
        print(drawer.drawn_there)
    """, tmp_path)
    assert out.split() == ["True"]


def test_a_report_process_whose_parent_is_killed_leaves_without_a_traceback(tmp_path):
    for wait in ("0.2", "2"):  # while the results are sent; while it draws
        script = tmp_path / "killed.py"
        script.write_text(textwrap.dedent("""
            import os, signal, sys, time
            from fabricated import fabricated_results
            from imblab.report.ahead import ReportProcess

            results = fabricated_results(4)
            drawer = ReportProcess.start()
            drawer.render(results)
            time.sleep(float(sys.argv[1]))
            os.kill(os.getpid(), signal.SIGKILL)
        """))
        out = subprocess.run([sys.executable, str(script), wait], cwd=tmp_path, capture_output=True, text=True,
                             timeout=120, env={"PYTHONPATH": f"{TESTS.parent / 'src'}:{TESTS}",
                                               "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
        assert out.returncode == -9
        assert "Traceback" not in out.stderr, (wait, out.stderr[-2000:])
