"""Provides what every controller takes and returns: Observation in, Decision out, and the protocol.

Controllers are pure and clock-free: the caller passes the time and the measurement, and the
controller answers with a rung of its ladder and a human reason. They keep a little memory
(last change, integral) but never read a clock, sleep or do I/O, so a test can drive them with
any sequence of times and temperatures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from nanoheater.controller.ladder import Caps, Ladder


@dataclass(frozen=True, slots=True)
class Observation:
    """One control instant: time, measured room temperature, set-point and what the device runs."""

    now_s: float
    room_c: float
    setpoint_c: float
    current: int
    """Rung the device runs now (as last confirmed); may differ from the last request."""
    caps: Caps
    outdoor_c: float | None = None
    """Outdoor temperature, for feed-forward; None when unknown."""


@dataclass(frozen=True, slots=True)
class Decision:
    """A requested rung and why; ``warnings`` are things the user should be told."""

    index: int
    reason: str
    warnings: tuple[str, ...] = field(default=())


class Controller(Protocol):
    """A room-temperature controller over a fixed ladder."""

    name: str
    ladder: Ladder

    def decide(self, obs: Observation) -> Decision:
        """Return the rung to run from ``obs``; never outside ``obs.caps``."""
        ...


class ChangeTracker:
    """Remembers when the applied rung last changed, as seen through observations.

    The controller learns about changes from ``Observation.current`` rather than from its own
    requests, so a refused request (device calibrating) does not reset the dwell timer.
    """

    __slots__ = ("changed_at_s", "last")

    def __init__(self) -> None:
        self.last: int | None = None
        self.changed_at_s: float | None = None

    def see(self, now_s: float, current: int) -> None:
        """Record the rung applied at ``now_s``."""
        if self.last is None:
            self.last = current
            return
        if current != self.last:
            self.last = current
            self.changed_at_s = now_s

    def held_for_s(self, now_s: float) -> float:
        """Seconds since the last observed change (infinite before the first one)."""
        if self.changed_at_s is None:
            return float("inf")
        return now_s - self.changed_at_s
