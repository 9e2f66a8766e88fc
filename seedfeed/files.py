"""Writing files so that a reader, or a process killed halfway, never sees a torn one."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def atomic_write(path: str | Path, body: bytes, mtime: int | None) -> tuple[int, int]:
    """Write via a temporary file in the same folder and a rename: never a torn file.

    Returns the file's (size, mtime_ns).  The temporary name is derived from the process
    id instead of drawn at random: a build runs once per output folder at a time, and
    mkstemp's retries cost as much as the write itself.  (Paths are handled as strings: a
    build writes thousands of files, and pathlib's objects cost a fifth of each write.)
    """
    path = os.fspath(path)
    folder, name = os.path.split(path)
    tmp = os.path.join(folder, f".{name}.sf{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    except FileNotFoundError:
        os.makedirs(folder, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        try:
            view = memoryview(body)
            while view:
                view = view[os.write(fd, view):]
            if mtime is not None:
                os.utime(fd, (mtime, mtime))
            info = os.fstat(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return info.st_size, info.st_mtime_ns
