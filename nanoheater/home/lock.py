"""Provides DataDirLock: one Home per data folder, and the refusal names the holder.

An advisory ``flock`` on ``<data>/serve.lock`` held for the process's life: the kernel drops it
when the process dies (even by kill -9), so a crash never leaves a stale lock behind. The file
holds the holder's pid and API address so a refused second start can say who holds it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from nanoheater.exceptions import UsageError

LOCK_FILE = "serve.lock"


class DataDirLocked(UsageError):
    """Another process owns this data folder (exit 2)."""


class DataDirLock:
    """Hold ``<data_dir>/serve.lock``; ``acquire()`` raises DataDirLocked naming the holder."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / LOCK_FILE
        self._fd: int | None = None

    def acquire(self, note: str = "") -> None:
        """Take the lock, recording this pid and ``note`` (the API address)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = self.holder()
            os.close(fd)
            raise DataDirLocked(
                f"{self.path.parent} is in use by another nanoheater serve ({holder})"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()} {note}".strip().encode() + b"\n")
        self._fd = fd

    def holder(self) -> str:
        """What the lock file says about its holder (pid and API), or ``unknown``."""
        try:
            text = self.path.read_text(errors="replace")[:200].strip()
        except OSError:
            return "unknown"
        return "".join(c if c.isprintable() else "?" for c in text) or "unknown"

    def release(self) -> None:
        """Drop the lock (the file stays; an unlocked file means nobody holds it)."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
