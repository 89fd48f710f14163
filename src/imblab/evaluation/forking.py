"""Forking a child process safely: when it is safe at all, and what a child must drop of its parent's.

The map's workers (:mod:`.engines`), the networks' helper (:mod:`.helper`) and
the report process (:mod:`imblab.report.ahead`) are all forked here: a forked
child starts in milliseconds with its parent's imports, where a spawned one
would import everything again.
"""

from __future__ import annotations

import multiprocessing
import sys

# This process's ends of its children's pipes, and in a forked child its own end of the pipe to its parent.
# A child forked from here inherits a copy of each, and must close them: a child holding its own pipe's
# other end open never sees it close when this process dies (killed with SIGKILL, it left its workers
# waiting forever), nor does this process's parent see this process die while the child lives.
_PARENT_ENDS = []
# What each forked child resets first: its parent's state that is not its own (see in_each_child).
_IN_EACH_CHILD = []


def can_fork():
    """Whether forking is safe: not after JAX has started its runtime, nor once TensorFlow or
    PyTorch (whose thread pools do not survive a fork either) are loaded."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return False
    if "tensorflow" in sys.modules or "torch" in sys.modules:
        return False
    xla_bridge = sys.modules.get("jax._src.xla_bridge")
    return not getattr(xla_bridge, "_backends", None)


def fork_child(target, *args, daemon=True):
    """Fork a child running ``target(*args, conn)``; return ``(process, this process's end of its pipe)``.
    A daemonic one (the default) may not fork children of its own. Raises OSError where the system
    cannot fork (no memory, no process left)."""
    context = multiprocessing.get_context("fork")
    here, there = context.Pipe()
    _PARENT_ENDS[:] = [c for c in _PARENT_ENDS if not c.closed] + [here]
    process = context.Process(target=_child, args=(target, *args, there), daemon=daemon)
    try:
        process.start()
    except BaseException:  # e.g. no memory or no process left to fork
        here.close()
        raise
    finally:
        there.close()
    return process, here


def in_each_child(reset):
    """Call ``reset()`` first thing in every child forked by :func:`fork_child` (for a module's state
    that belongs to the parent: its helper, its warm workers)."""
    _IN_EACH_CHILD.append(reset)


def _child(target, *args):
    for inherited in _PARENT_ENDS:  # the parent's ends, this one's own included
        inherited.close()
    _PARENT_ENDS[:] = [args[-1]]  # its own end, which a child it forks must close in turn
    for reset in _IN_EACH_CHILD:
        reset()
    target(*args)
