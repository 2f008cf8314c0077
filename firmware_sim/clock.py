"""Provides the injectable simulation clocks: virtual (stepped by hand) and scaled wall time.

Simulated time is epoch seconds, so ``When`` and soft-off timestamps look like a real device's.
"""

from __future__ import annotations

import time
from typing import Protocol

DEFAULT_EPOCH_S = 1_764_547_200.0
"""2025-12-01 00:00 UTC: a winter start for simulated runs; fixed so runs repeat."""


class Clock(Protocol):
    """A source of simulated time."""

    def now(self) -> float:
        """Return the simulated time in epoch seconds."""
        ...


class VirtualClock:
    """A clock that only moves when told to; for in-process runs as fast as the CPU allows."""

    def __init__(self, start_s: float = DEFAULT_EPOCH_S) -> None:
        self._now = start_s

    def now(self) -> float:
        """Return the current virtual time."""
        return self._now

    def advance(self, dt_s: float) -> None:
        """Move time forward by ``dt_s`` seconds."""
        if dt_s < 0:
            raise ValueError("time cannot run backwards")
        self._now += dt_s

    def set(self, t_s: float) -> None:
        """Jump to ``t_s`` (not earlier than now)."""
        self.advance(t_s - self._now)


class ScaledClock:
    """Wall time running ``speed`` times faster, starting at ``start_s``."""

    def __init__(self, speed: float = 1.0, start_s: float | None = None) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self._start = time.time() if start_s is None else start_s
        self._origin = time.monotonic()

    def now(self) -> float:
        """Return the scaled time."""
        return self._start + (time.monotonic() - self._origin) * self.speed
