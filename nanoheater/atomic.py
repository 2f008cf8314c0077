"""Provides write_atomic (a crash leaves the old or the new file) and read_regular_file.

It sits at the bottom layer so config, the market cache, sensors and anything else that saves
or reads a small file share one implementation.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path


def read_regular_file(path: Path, max_bytes: int) -> bytes:
    """Read a regular file of at most ``max_bytes``; anything else is an OSError at once.

    Opened non-blocking and checked before reading: a FIFO would block (every command hung on a
    FIFO config) and ``/dev/zero`` would never end.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        data = os.read(fd, max_bytes + 1)
        chunks = [data]
        while data and sum(map(len, chunks)) <= max_bytes:
            data = os.read(fd, max_bytes + 1)
            chunks.append(data)
    finally:
        os.close(fd)
    content = b"".join(chunks)
    if len(content) > max_bytes:
        raise OSError(errno.EFBIG, f"larger than {max_bytes} bytes", str(path))
    return content


def open_for_writing(path: Path, *, append: bool = False, mode: int = 0o644) -> int:
    """A descriptor writing ``path`` (created with ``mode``), never through a symlink there.

    A link planted at a path the user names (a CSV record, a log in the shared temporary
    folder) once redirected the write onto any file the user could write (issue 14).
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0)
    flags |= os.O_APPEND if append else os.O_TRUNC
    try:
        return os.open(path, flags, mode)
    except OSError as exc:
        if path.is_symlink():
            raise OSError(exc.errno, "refusing to write through a symlink", str(path)) from None
        raise


def write_atomic(path: Path, content: bytes) -> None:
    """Replace ``path`` with ``content`` so that a crash leaves either the old or the new file.

    A symlinked ``path`` is written at its target and the link kept (renaming over the link
    replaced a user's symlinked config.toml with a plain file). The new file is 0600
    (``mkstemp``): config and history folders hold tokens and habits.
    """
    if path.is_symlink():
        path = path.resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    # fsync the folder so the rename itself survives a power cut (POSIX only).
    if hasattr(os, "O_DIRECTORY"):
        dir_fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
