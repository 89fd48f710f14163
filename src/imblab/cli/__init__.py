"""The command line: parse arguments, call the Python API, render. No ML lives here.

Only argparse and imblab's light modules are imported here; rich, pandas,
scikit-learn and Keras are imported once there is work for them, so that
``--help`` and errors in the arguments answer at once.
"""

from __future__ import annotations

import atexit
import os
import sys

from ..errors import ImblabError
from .folders import report_command, rescore_command, strategies_command
from .messages import error_line, flagged
from .parser import build_parser
from .run import resume_command, run_command

__all__ = ["build_parser", "main", "run_and_exit"]


def main(argv=None):
    """Run the command line; return the exit status.

    0: done; 1: done, but some fits failed (their strategies are reported);
    2: bad input, nothing written; 70: a bug in imblab; 130: interrupted.
    """
    # OpenMP threads that spin while they wait steal the core another pool needs; set before
    # scikit-learn loads OpenMP, and only for the command line (the library changes no process state).
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    from rich.console import Console

    console = Console()
    if not console.is_terminal:  # piped or captured: room for the table's every interval (about 165 columns)
        console = Console(width=max(console.width, 170))
    errors = Console(stderr=True)
    try:
        args = build_parser().parse_args(argv)
        if args.command == "run":
            return run_command(args, console, errors)
        if args.command == "resume":
            from ..bench.folder import is_bench_folder

            if is_bench_folder(args.folder):
                from .bench import bench_resume_command

                return bench_resume_command(args, console, errors)
            return resume_command(args, console, errors)
        if args.command == "bench":
            from .bench import bench_command

            return bench_command(args, console, errors)
        if args.command == "report":
            return report_command(args, console)
        if args.command == "rescore":
            return rescore_command(args, console)
        if args.command == "strategies":
            return strategies_command(console)
        if args.command == "fit":
            from ..model.commands import fit_command

            return fit_command(args, console, errors)
        if args.command == "predict":
            from ..model.commands import predict_command

            return predict_command(args, console, errors)
        build_parser().print_help()
        return 2
    except ImblabError as exc:
        error_line(errors, f"imblab: error: {flagged(exc)}")
        return 2
    except KeyboardInterrupt:
        error_line(errors, "imblab: interrupted")
        return 130
    except Exception:  # noqa: BLE001 - anything else is imblab's own fault: say so
        import traceback

        traceback.print_exc()
        error_line(errors, "imblab: internal error: this is a bug in imblab, not a problem with your input; "
                       "please report it with the traceback above")
        return 70


def run_and_exit():
    """The console script: run, flush, and leave without tearing the interpreter down.

    Tearing down a process that has used JAX and Keras takes about half a
    second (measured: 3.1 s in-process vs 3.7 s wall for the practical), and
    nothing of imblab's needs it: every file is closed by then. Exit handlers
    (joblib's worker shutdown among them) still run.
    """
    status = main()
    sys.stdout.flush()
    sys.stderr.flush()
    atexit._run_exitfuncs()
    os._exit(status)
