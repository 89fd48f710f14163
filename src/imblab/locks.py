"""Folder locks: one imblab process writes a run or bench folder at a time."""

from __future__ import annotations

import os
from pathlib import Path

from .errors import ImblabError

#: Run folders this process writes: resolved path -> the open folder whose lock it holds.
_LOCKED = {}


def lock_folder(folder):
    """Hold an exclusive lock on run folder ``folder`` (``flock`` on the folder itself, so no file is
    added) until :func:`unlock_folder`: a second imblab process writing the same folder, a resume
    of a run still running or an ``--overwrite`` of it, is refused instead of mixing or deleting the
    running one's fits. Where the file system has no locks, nothing is locked."""
    import fcntl

    key = str(Path(folder).resolve())
    if key in _LOCKED:
        return
    try:
        fd = os.open(key, os.O_RDONLY)
    except OSError:
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise ImblabError(f"run folder '{folder}' is being written by another imblab process right now: wait "
                          "for it to finish (or stop it), or choose another folder") from None
    except OSError:  # no locks here
        os.close(fd)
        return
    _LOCKED[key] = fd


def _locks_stay_with_the_parent():
    """In a forked child (a worker, a chart): close its copies of the locked folders, so that the lock
    ends with the process that writes the folder, not with the last of its children."""
    for fd in _LOCKED.values():
        try:
            os.close(fd)
        except OSError:
            pass
    _LOCKED.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_locks_stay_with_the_parent)


def unlock_folder(folder):
    """Let go of the lock :func:`lock_folder` took, if this process holds it."""
    fd = _LOCKED.pop(str(Path(folder).resolve()), None)
    if fd is not None:
        os.close(fd)
