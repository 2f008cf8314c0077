"""Provides build_zone_regulator: a zone's Regulator from its target, members and the settings.

It calls ``controller.build.build_regulator``, the one builder ``nanoheater thermostat``, the TUI
and ``simulate`` use too, so a zone in the service regulates exactly as the thermostat does.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from nanoheater.config import Settings
from nanoheater.controller.build import SENSOR_MAX_AGE_S, ZoneChoices, build_regulator
from nanoheater.controller.regulator import Member, Regulator
from nanoheater.controller.targets import Schedule, parse_schedule
from nanoheater.home.types import Target


def schedule_for(target: Target) -> Schedule:
    """The controller schedule a target means (a set-point or level is a one-entry schedule)."""
    if target.kind == "schedule" and target.schedule_toml is not None:
        return parse_schedule(target.schedule_toml)
    return Schedule(default=target.heat_target())


def build_zone_regulator(
    members: list[Member],
    target: Target,
    settings: Settings,
    *,
    sensor_token: str | None = None,
    interval_s: float,
    clock: Callable[[], float] = time.time,
    adjust: Callable[[ZoneChoices], ZoneChoices] | None = None,
) -> Regulator:
    """A regulator over ``members`` aiming for ``target``; the Home calls ``tick()`` itself.

    The room sensor is the configured one, else the inlet of a member whose inlet reads the
    room (from the status the tick read), as ``controller.build.zone_sensor`` resolves it.
    ``adjust`` lets a front end replace these choices (``HomeOptions.zone_choices``).
    """
    choices = ZoneChoices(
        schedule_for(target),
        quiet_hours=target.kind != "off",
        sensor_token=sensor_token,
        sensor_max_age_s=SENSOR_MAX_AGE_S,
        interval_s=interval_s,
        status_interval_s=interval_s,
    )
    if adjust is not None:
        choices = adjust(choices)
    # A real sleep: the exit's wait for a calibrating device (``shutdown(wait_s=...)``) uses it.
    return build_regulator(members, settings, choices, clock=clock, sleep=asyncio.sleep)
