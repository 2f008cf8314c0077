"""Provides EventLog, the session's record of what happened to the fleet, newest last.

Plain data, no Textual: the App appends as messages arrive; the events screen reads it.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

MAX_EVENTS = 1000
"""Oldest events drop off beyond this many."""


class Severity(StrEnum):
    """How much an event matters; warnings and errors also become notifications."""

    INFO = "information"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    """One line of the events log."""

    at_s: float
    """Wall-clock time (``time.time()``)."""
    device: str
    """Device name or key; empty for app-wide events."""
    text: str
    severity: Severity = Severity.INFO


class EventLog:
    """A bounded, append-only list of events with a counter that only grows."""

    def __init__(self, limit: int = MAX_EVENTS) -> None:
        self._events: deque[LoggedEvent] = deque(maxlen=limit)
        self.total = 0
        """Events ever logged, so a view can tell what it has not shown yet."""

    def __iter__(self) -> Iterator[LoggedEvent]:
        return iter(self._events)

    def __len__(self) -> int:
        return len(self._events)

    def add(self, device: str, text: str, severity: Severity = Severity.INFO) -> LoggedEvent:
        """Append an event stamped now and return it."""
        event = LoggedEvent(time.time(), device, text, severity)
        self._events.append(event)
        self.total += 1
        return event

    def since(self, total: int) -> list[LoggedEvent]:
        """Return the events logged after the log's counter was ``total`` (as many as are kept)."""
        missing = min(self.total - total, len(self._events))
        return list(self._events)[len(self._events) - missing :] if missing > 0 else []
