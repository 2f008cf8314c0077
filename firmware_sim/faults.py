"""Provides FaultPlan, the per-device fault injection testers drive from the CLI or control API.

Transport faults (drop, delay, truncate, garbage, no NUL) are applied by the server to the next
replies; device faults (refuse while calibrating, blocked fan, empty Q summary, reboot) change
what the firmware does and are read by the handlers and the physics.

``arm_fault(heater, kind, ...)`` is the one verb every front end (control endpoint, CLI, tests)
uses, so a fault kind means the same thing everywhere; ``FAULT_KINDS`` lists the names.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

FAULT_KINDS: dict[str, str] = {
    "drop": "close the connection without a reply (count replies)",
    "delay": "wait delay_s wall seconds before replying (count replies)",
    "truncate": "send the first half of the reply, then close (count replies)",
    "garbage": "send random bytes instead of the reply (count replies)",
    "no-nul": "send the reply without its trailing NUL (count replies)",
    "empty-summary": "Avalon Q: stats returns an empty MM ID0:Summary (count replies)",
    "calibrating": "refuse mode and level changes as if calibrating, until cleared",
    "fan-blocked": "the fan stops turning: chips heat up until the overheat trip, until cleared",
    "overheat": "fan blocked and chips already at the overheat trip, until cleared",
    "reboot": "reboot now; refuse connections for downtime_s simulated seconds",
    "clock-skew": "report the device clock (When) offset_s seconds off (negative: lagging), "
    "until cleared; arming it again moves the clock by the new offset (a jump)",
}
"""Every fault kind by its CLI/control name, with what it does."""

_COUNTED = {
    "drop": "drop_replies",
    "delay": "delay_replies",
    "truncate": "truncate_replies",
    "garbage": "garbage_replies",
    "no-nul": "no_nul_replies",
    "empty-summary": "empty_summary_replies",
}
DEFAULT_DOWNTIME_S = 60.0
"""Reboot downtime when none is given (simulated seconds; the device's own default)."""


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
    clock_offset_s: float = 0.0
    """Added to the device clock every reply reports (``When``): a wrong or jumping clock."""

    def clear(self) -> None:
        """Disarm every fault."""
        for name in self.__slots__:
            setattr(self, name, type(getattr(self, name))())

    def arm(self, kind: str, *, count: int = 1, delay_s: float = 0.0) -> None:
        """Arm a reply-level fault by name for ``count`` replies (-1: until cleared).

        ValueError for an unknown kind, a count below -1, or a negative delay.
        """
        if kind == "calibrating":
            self.refuse_calibrating = True
            return
        field_name = _COUNTED.get(kind)
        if field_name is None:
            raise ValueError(f"unknown reply fault {kind!r}; known: {', '.join(_COUNTED)}")
        if count < -1 or count == 0:
            raise ValueError("count must be a positive number of replies, or -1 for until cleared")
        if kind == "delay":
            if delay_s <= 0:
                raise ValueError("delay needs delay_s > 0")
            self.delay_s = delay_s
        setattr(self, field_name, count)

    def as_dict(self) -> dict[str, int | float | bool]:
        """Return every field by name (for the control endpoint's JSON)."""
        return {name: getattr(self, name) for name in self.__slots__}


class _FaultState(Protocol):
    fan_blocked: bool
    chip_temp_max_c: float
    chip_temp_avg_c: float


class _FaultProfile(Protocol):
    @property
    def model(self) -> str: ...


class FaultTarget(Protocol):
    """What ``arm_fault`` needs of a device (``firmware_sim.device.SimulatedHeater`` has it)."""

    @property
    def faults(self) -> FaultPlan:
        """The device's fault plan."""
        ...

    @property
    def state(self) -> _FaultState:
        """The device's mutable state."""
        ...

    @property
    def profile(self) -> _FaultProfile:
        """The device's profile."""
        ...

    def reboot(self, downtime_s: float) -> None:
        """Reboot, staying down for ``downtime_s`` simulated seconds."""
        ...


def trip_temp_c(heater: FaultTarget) -> float:
    """Return the chip temperature at which the firmware trips (113 °C unless the profile says)."""
    thermal = getattr(heater.profile, "thermal", None)
    return float(getattr(thermal, "trip_chip_c", 113.0))


def arm_fault(
    heater: FaultTarget,
    kind: str,
    *,
    count: int = 1,
    delay_s: float = 0.0,
    downtime_s: float = DEFAULT_DOWNTIME_S,
    offset_s: float = 0.0,
) -> None:
    """Arm fault ``kind`` (a FAULT_KINDS name) on ``heater``; ValueError for bad input."""
    if kind == "clock-skew":
        if not math.isfinite(offset_s) or offset_s == 0:
            raise ValueError("clock-skew needs a finite, non-zero offset_s")
        heater.faults.clock_offset_s = offset_s
    elif kind == "reboot":
        if downtime_s < 0:
            raise ValueError("downtime_s must not be negative")
        heater.reboot(downtime_s)
    elif kind == "fan-blocked":
        heater.state.fan_blocked = True
    elif kind == "overheat":
        heater.state.fan_blocked = True
        # Start at the trip point so the overheat shows at once, not after the heatsink warms.
        trip = trip_temp_c(heater)
        heater.state.chip_temp_max_c = max(heater.state.chip_temp_max_c, trip + 1.0)
        heater.state.chip_temp_avg_c = max(heater.state.chip_temp_avg_c, trip - 2.0)
    elif kind == "empty-summary" and heater.profile.model != "q":
        raise ValueError("empty-summary is an Avalon Q quirk; this device is not a Q")
    else:
        heater.faults.arm(kind, count=count, delay_s=delay_s)


def clear_faults(heater: FaultTarget) -> None:
    """Disarm every fault on ``heater``, including a blocked fan (a running reboot continues)."""
    heater.faults.clear()
    heater.state.fan_blocked = False
