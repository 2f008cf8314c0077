"""Provides ``diagnose`` and ``problems``: what a reading shows wrong, in words and as kinds.

One home for the question "is this heater in trouble?": ``status`` prints the reasons, the TUI
logs each as an event and raises it as a notice, and the bridges (``nanoheater.bridges``) show
the first as the Home Assistant ``problem`` sensor and open an alert episode per ``kind``.

A device in ``fault`` only says so; the reading usually shows why (a fan at 0 rpm while driven
at full duty, chips far above their target). And after a fault clears, a device can report
``mining`` while drawing standby power and hashing nothing for minutes. Each of these becomes one
sentence with what to do about it.
"""

from __future__ import annotations

from dataclasses import dataclass

from nanoheater.models import HeaterState, HeaterStatus

STALLED_FAN_RPM = 100
"""Below this the fan is not turning, whatever duty it is driven at."""

OVERHEAT_C = 105.0
"""Hottest chip at or above which a device counts as overheating: where the firmware starts to
derate, 8 K under its trip (about 113 °C, docs/physics.md). A TMax in the 90s, even TarT + 11 K,
is normal work at a 90 °C chip target (a Mini 3 capture), so a lower limit would alarm all day."""

MIN_HASHING_THS = 0.01
"""Below this a device that says "mining" is not hashing."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong: ``kind`` is stable (alert keys), ``reason`` is for people."""

    kind: str
    """One of: fan_stopped, overheat, fault, not_hashing (the bridges add unreachable)."""
    reason: str
    critical: bool


def problems(status: HeaterStatus) -> list[Problem]:
    """The problems a reading shows, most important first; empty when there are none.

    >>> from nanoheater.models import HeaterInfo
    >>> info = HeaterInfo(model=None, product="Avalon Q", firmware="1")
    >>> [p.kind for p in problems(HeaterStatus(info=info, host="h", port=1,
    ...     state=HeaterState.FAULT, fan_rpm=0, fan_percent=99, chip_temp_max_c=114.0))]
    ['fan_stopped', 'overheat']
    """
    found = []
    rpm, duty = status.fan_rpm, status.fan_percent
    running = status.state is HeaterState.MINING and not status.soft_off
    # Driven: a duty above zero, or (a model that does not report its duty) mining.
    driven = (duty or 0) > 0 if duty is not None else running
    if rpm is not None and rpm < STALLED_FAN_RPM and driven and not status.soft_off:
        found.append(
            Problem(
                "fan_stopped",
                f"fan {rpm} rpm at {duty if duty is not None else '?'} % duty: the fan has "
                "stopped; check it is not blocked",
                critical=True,
            )
        )
    chip_c = status.chip_temp_max_c
    if chip_c is not None and chip_c >= OVERHEAT_C:
        found.append(
            Problem(
                "overheat",
                f"chips at {chip_c:.0f} °C: overheating; it stops hashing to protect itself "
                "until they cool (check the fan and that the intake is free)",
                critical=True,
            )
        )
    if status.state is HeaterState.FAULT and not found:
        found.append(
            Problem(
                "fault",
                "the device reports a fault; its reading shows no cause (try a reboot)",
                critical=True,
            )
        )
    hashrate = status.hashrate_ths
    if running and not status.calibrating and hashrate is not None and hashrate < MIN_HASHING_THS:
        power = "" if status.power_w is None else f" at {status.power_w:.0f} W"
        found.append(
            Problem(
                "not_hashing",
                f"mining but not hashing: 0 TH/s{power}; after a fault or a restart this can "
                "last a few minutes; if it goes on, check its pool and network, then reboot it",
                critical=False,
            )
        )
    return found


def diagnose(status: HeaterStatus) -> tuple[str, ...]:
    """The reasons of ``problems(status)``, most important first.

    >>> from nanoheater.models import HeaterInfo
    >>> info = HeaterInfo(model=None, product="Avalon Q", firmware="1")
    >>> diagnose(HeaterStatus(info=info, host="h", port=1, state=HeaterState.FAULT,
    ...                       fan_rpm=0, fan_percent=99, chip_temp_max_c=114.0))[0]
    'fan 0 rpm at 99 % duty: the fan has stopped; check it is not blocked'
    """
    return tuple(p.reason for p in problems(status))
