"""Files written whole: beside their place, then moved in, in one step."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import ImblabError


def atomic_write(path, write):
    """Call ``write(temporary_path)``, then move the file into ``path`` in one step; a folder that
    cannot be written to is one clear ImblabError."""
    path = Path(path)
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise ImblabError(f"cannot write '{path}': {exc.strerror or exc}; check the folder's permissions and "
                          "free space") from None
    os.close(handle)
    try:
        write(temporary)
        os.chmod(temporary, 0o666 & ~_umask())  # as any new file here would be, not mkstemp's 0600
        os.replace(temporary, path)
    except OSError as exc:  # a full disk, a quota, a folder gone: the file is not there, half or whole
        Path(temporary).unlink(missing_ok=True)
        raise ImblabError(f"cannot write '{path}': {exc.strerror or exc}; free some space (or check the "
                          "folder's permissions)") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask():
    """The process's umask, read without changing it (Linux); the usual 022 elsewhere."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


def atomic_write_text(path, text):
    atomic_write(path, lambda temporary: Path(temporary).write_text(text, encoding="utf-8"))
