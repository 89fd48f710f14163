"""Ctrl-C that is not lost.

Python raises KeyboardInterrupt wherever the main thread happens to be when
the signal arrives. If that is inside a garbage-collector callback (JAX
registers one, and the network's fits run its code in this process with
``--jobs 1``), the exception is printed as "ignored" and the run carries on:
it was lost in 3 of 12 tries. :func:`remembered` records the signal as well,
and its ``check()``, called after each fit, raises it again if it was lost.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager


@contextmanager
def remembered():
    """Within it, Ctrl-C raises KeyboardInterrupt as usual and is remembered; yields ``check()``, which
    raises KeyboardInterrupt if one came and was swallowed. Outside the main thread, or where Ctrl-C
    is not Python's default, nothing changes."""
    seen = []

    def check():
        if seen:
            raise KeyboardInterrupt

    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler):
        yield lambda: None
        return

    def handler(signum, frame):
        seen.append(signum)
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, handler)
    try:
        yield check
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
