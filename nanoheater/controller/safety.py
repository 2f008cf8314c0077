"""Provides the safety interlocks every decision passes through, whatever controller made it.

Order matters and is fixed: a room at or above the hard maximum forces the floor, whether the
reading is fresh, stale or implausible (a sensor reporting 80 C is broken or the room is on
fire; either way heating is wrong); otherwise a lost or stale room sensor forces the fail-safe
rung; a chip over its temperature limit forces one rung below what
runs now; last, everything is clamped into the caps (quiet hours, power budget, user caps), so
no path can exceed them. On a model without off (Nano 3S) the floor still heats, so the user is
told when the room overheats anyway.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from nanoheater.controller.decision import Decision
from nanoheater.controller.ladder import Caps, Ladder
from nanoheater.exceptions import UsageError
from nanoheater.units import celsius, kelvin

MAX_CHIP_DEFAULT_C = 105.0
"""Above every hottest chip seen in normal running and under the firmware's 113 C trip: the
firmware holds the average chip at TarT, so a Nano 3S in High runs TMax 95 at TarT 90
(tests/captures/nano3s_estats_mmid0.txt) and a 95 C limit stepped it down every few minutes."""


@dataclass(frozen=True, slots=True)
class SafetyLimits:
    """User-settable interlock thresholds."""

    max_room_c: float = 27.0
    """Hard maximum room temperature: at or above it, heat drops to the floor."""
    max_chip_c: float = MAX_CHIP_DEFAULT_C
    """Chip temperature at or above which the device steps one rung down."""
    fail_safe: Literal["lowest", "off"] = "lowest"
    """What to run without a room reading: the lowest heating step, or off where possible."""
    overheat_margin_k: float = 1.0
    """Warn when the room is this far above the set-point while already at the floor."""

    def __post_init__(self) -> None:
        # NaN compares false with everything: a NaN maximum would switch the interlock off.
        for name in ("max_room_c", "max_chip_c", "overheat_margin_k"):
            if not math.isfinite(getattr(self, name)):
                raise UsageError(f"{name} must be a finite number, not {getattr(self, name)}")

    def fail_safe_index(self, ladder: Ladder) -> int:
        """The rung the fail-safe runs."""
        return 0 if self.fail_safe == "off" else ladder.lowest_on()


@dataclass(frozen=True, slots=True)
class SafetyInput:
    """What the interlocks look at besides the controller's decision."""

    room_c: float | None
    """Fresh room reading, or None when the sensor is lost or stale."""
    current: int
    """Rung running now."""
    chip_c: float | None = None
    setpoint_c: float | None = None
    sensor_problem: str = "no room reading"
    needs_room: bool = True
    """False for a fixed level, which runs without a room reading."""
    latest_room_c: float | None = None
    """The newest value the sensor gave, even stale or implausible (``SensorGuard.latest_c``)."""


def guard(
    decision: Decision, ladder: Ladder, caps: Caps, inp: SafetyInput, limits: SafetyLimits
) -> Decision:
    """Return ``decision`` after the interlocks; the reason says which one acted."""
    index, reason = decision.index, decision.reason
    warnings = list(decision.warnings)
    # The newest value counts even when the guard still reports an older good one: a sensor
    # jumping to 80 C must not leave the last cold reading heating for the whole stale window.
    hot_c = max((t for t in (inp.room_c, inp.latest_room_c) if t is not None), default=None)
    if hot_c is not None and hot_c >= limits.max_room_c:
        index = 0
        how = "" if hot_c == inp.room_c else f" (latest reading; {inp.sensor_problem})"
        hard = celsius(limits.max_room_c)
        reason = f"room {celsius(hot_c)} >= hard maximum {hard}{how}: {ladder.name(0)}"
    elif inp.room_c is None and inp.needs_room:
        index = limits.fail_safe_index(ladder)
        reason = f"fail-safe ({inp.sensor_problem}): {ladder.name(index)}"
    if inp.chip_c is not None and inp.chip_c >= limits.max_chip_c:
        lower = max(0, min(index, inp.current - 1))
        if lower < index or inp.current > 0:
            index = lower
            reason = (
                f"chip {celsius(inp.chip_c, '.0f')} >= {celsius(limits.max_chip_c, '.0f')}: "
                f"step down to {ladder.name(index)}"
            )
    clamped = max(caps.low, min(caps.high, index))
    if clamped != index:
        why = caps.why_high or "caps"
        reason = f"{reason}; capped at {ladder.name(clamped)} ({why})"
        index = clamped
    elif index == caps.high < ladder.top and caps.why_high:
        # The controller chose the ceiling itself; say which cap made it the ceiling.
        reason = f"{reason} (ceiling: {caps.why_high})"
    if (
        not ladder.can_off
        and index == 0
        and inp.room_c is not None
        and inp.setpoint_c is not None
        and inp.room_c > inp.setpoint_c + limits.overheat_margin_k
    ):
        step = ladder.steps[0]
        warnings.append(
            f"room {celsius(inp.room_c)} is {kelvin(inp.room_c - inp.setpoint_c)} above the "
            "set-point "
            f"at the lowest step ({step.name}, {step.power_w:.0f} W); this model cannot switch off"
        )
    return Decision(index, reason, tuple(warnings))
