"""Provides FaultPlan, the per-device fault injection testers drive from the CLI or control endpoint.

Transport faults (drop, delay, truncate, garbage, no NUL) are applied by the server to the next
replies; device faults (refuse while calibrating, blocked fan, empty Q summary, reboot) change
what the firmware does and are read by the handlers and the physics.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class FaultPlan:
    """Faults armed on one device. Counters count down per reply; -1 means "until cleared"."""

    drop_replies: int = 0
    """Close the connection without replying."""
    delay_s: float = 0.0
    """Wait this long (wall seconds) before replying."""
    delay_replies: int = 0
    truncate_replies: int = 0
    """Send only the first half of the reply, then close."""
    garbage_replies: int = 0
    """Send random bytes instead of the reply."""
    no_nul_replies: int = 0
    """Send the reply without its trailing NUL."""
    refuse_calibrating: bool = False
    """Refuse mode changes with the firmware's calibration message even when ADJ is 1."""
    empty_summary_replies: int = 0
    """Q only: ``stats`` returns an empty ``MM ID0:Summary`` (a real firmware quirk)."""

    def clear(self) -> None:
        """Disarm every fault."""
        for name in self.__slots__:  # type: ignore[attr-defined]
            setattr(self, name, type(getattr(self, name))())
