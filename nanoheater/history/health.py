"""Provides WriteHealth: a writer's failures and recovery as one line each, not one per write.

A full disk (or a folder gone read-only) fails every history write until space returns. The
writer keeps working and keeps trying with each reading; the user gets one line when writes
start failing and one when they succeed again, with how many were lost in between.

Example:
    >>> health = WriteHealth()
    >>> health.failed(OSError("database or disk is full"))
    'history not recorded: database or disk is full (retrying with each reading)'
    >>> health.failed(OSError("database or disk is full")) is None
    True
    >>> health.succeeded()
    'history recorded again (2 writes were lost)'
    >>> health.succeeded() is None
    True
"""

from __future__ import annotations

from nanoheater.protocol.sanitize import sanitize


class WriteHealth:
    """Whether the history's writes fail now, and how many were lost since they started to."""

    def __init__(self) -> None:
        self.failing = False
        self.lost = 0
        """Writes lost in the current failure episode."""

    def failed(self, exc: BaseException) -> str | None:
        """Count a failed write; the line to show when it starts an episode, else None."""
        self.lost += 1
        if self.failing:
            return None
        self.failing = True
        reason = sanitize(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, 200)
        return f"history not recorded: {reason} (retrying with each reading)"

    def succeeded(self) -> str | None:
        """Count a successful write; the line to show when it ends an episode, else None."""
        if not self.failing:
            return None
        lost, self.failing, self.lost = self.lost, False, 0
        return f"history recorded again ({lost} writes were lost)"
