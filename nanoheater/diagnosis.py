"""Provides ``diagnose``: a reading's problems, each a reason in words with what to do about it.

A device in ``fault`` only says so; the reading usually shows why (a fan at 0 rpm while driven
at full duty, chips far above their target). And after a fault clears, a device can report
``mining`` while drawing standby power and hashing nothing for minutes. Each of these becomes one
sentence that the TUI logs as an event and raises as a notice, and ``status`` prints.
"""

from __future__ import annotations

from nanoheater.models import HeaterState, HeaterStatus

STALLED_FAN_RPM = 100
"""Below this the fan is not turning, whatever duty it is driven at."""

OVERHEAT_C = 100.0
"""Chips at or above this are overheating (targets are 65-90 °C; the firmware trips above)."""


def diagnose(status: HeaterStatus) -> tuple[str, ...]:
    """The problems a reading shows, most important first; empty when there are none.

    >>> from nanoheater.models import HeaterInfo
    >>> info = HeaterInfo(model=None, product="Avalon Q", firmware="1")
    >>> diagnose(HeaterStatus(info=info, host="h", port=1, state=HeaterState.FAULT,
    ...                       fan_rpm=0, fan_percent=99, chip_temp_max_c=114.0))[0]
    'fan 0 rpm at 99 % duty: the fan has stopped; check it is not blocked'
    """
    problems = []
    rpm, duty = status.fan_rpm, status.fan_percent
    if rpm is not None and rpm < STALLED_FAN_RPM and (duty or 0) > 0 and not status.soft_off:
        problems.append(
            f"fan {rpm} rpm at {duty} % duty: the fan has stopped; check it is not blocked"
        )
    chip_c = status.chip_temp_max_c
    if chip_c is not None and chip_c >= OVERHEAT_C:
        problems.append(
            f"chips at {chip_c:.0f} °C: overheating; it stops hashing to protect itself until "
            "they cool (check the fan and that the intake is free)"
        )
    if status.state is HeaterState.FAULT and not problems:
        problems.append("the device reports a fault; its reading shows no cause (try a reboot)")
    hashing = (status.hashrate_ths or 0.0) > 0.0
    if status.state is HeaterState.MINING and not hashing and not status.calibrating:
        power = "" if status.power_w is None else f" at {status.power_w:.0f} W"
        problems.append(
            f"mining but not hashing: 0 TH/s{power}; after a fault or a restart this can last a "
            "few minutes; if it goes on, check its pool and network, then reboot it"
        )
    return tuple(problems)
