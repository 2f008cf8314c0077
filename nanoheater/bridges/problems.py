"""Provides what is wrong with one device right now, as a kind and a one-line reason.

One home for the question "is this heater in trouble?": the Home Assistant ``problem``
binary_sensor shows the first problem's reason, and the alerts open an episode per problem kind.
Reasons come from the device's own reading (state, temperatures, fan) and never carry raw device
text beyond the Home's already-sanitised error line.
"""

from __future__ import annotations

from dataclasses import dataclass

from nanoheater.home.types import DeviceView
from nanoheater.models import HeaterState
from nanoheater.units import celsius

OVERHEAT_CHIP_C = 105.0
"""Hottest chip at or above which a device counts as overheating: where the firmware starts to
derate, 8 K under its trip (docs/physics.md; about 113 °C). A TMax in the 90s is normal work at a
90 C chip target, so the controller's 95 C step-down interlock would alarm all day."""
MIN_HASHING_THS = 0.01
"""Below this a device that says "mining" is not hashing."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a device: ``kind`` is stable (alert keys), ``reason`` is for people."""

    kind: str
    """One of: unreachable, fault, overheat, fan_stopped, not_hashing."""
    reason: str
    critical: bool


def device_problems(view: DeviceView) -> list[Problem]:
    """Every problem of ``view`` now, most serious first; empty when the device is healthy."""
    if not view.online:
        detail = f": {view.error}" if view.error else ""
        return [Problem("unreachable", f"unreachable{detail}", critical=True)]
    status = view.status
    if status is None:
        return []
    found: list[Problem] = []
    if status.state is HeaterState.FAULT:
        found.append(Problem("fault", "the device reports a fault", critical=True))
    chip = status.chip_temp_max_c
    if chip is not None and chip >= OVERHEAT_CHIP_C:
        found.append(Problem("overheat", f"chip at {celsius(chip, '.0f')}", critical=True))
    running = status.state is HeaterState.MINING and not status.soft_off
    if running and status.fan_rpm == 0:
        found.append(Problem("fan_stopped", "the fan reads 0 rpm while mining", critical=True))
    hashrate = status.hashrate_ths
    if running and hashrate is not None and hashrate < MIN_HASHING_THS:
        found.append(Problem("not_hashing", "mining but not hashing (0 TH/s)", critical=False))
    return found


def problem_reason(view: DeviceView) -> str | None:
    """The reason of the most serious problem, or None when there is none."""
    problems = device_problems(view)
    return problems[0].reason if problems else None
