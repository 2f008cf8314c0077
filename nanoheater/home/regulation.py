"""Provides build_zone_regulator: a zone's Regulator from its target, members and the settings.

The same parts ``nanoheater thermostat`` uses (``controller.configure``: the control law with the
user's settings, the quiet-hours window over the zone's ladders; safety limits and the power
budget from ``[caps]``), so a zone in the service regulates exactly as the thermostat does.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from nanoheater.config import Settings
from nanoheater.controller.configure import controller_from_settings, quiet_from_settings
from nanoheater.controller.regulator import Member, Regulator
from nanoheater.controller.safety import SafetyLimits
from nanoheater.controller.sensors import RoomSensor, SensorGuard
from nanoheater.controller.targets import Schedule, parse_schedule
from nanoheater.home.types import Target

SENSOR_MAX_AGE_S = 900.0
"""A room reading older than this trips the regulator's fail-safe."""


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
    sensor: RoomSensor | None,
    interval_s: float,
    clock: Callable[[], float] = time.time,
) -> Regulator:
    """A regulator over ``members`` aiming for ``target``; the Home calls ``tick()`` itself."""
    plan = schedule_for(target)
    quiet = settings.caps.quiet_hours
    if quiet is not None and target.kind != "off":
        window = quiet_from_settings(quiet, [m.ladder for m in members])
        plan = replace(plan, quiet=(*plan.quiet, window))

    async def no_sleep(_: float) -> None:
        return None  # the Home schedules ticks; the regulator's own loop is not used

    return Regulator(
        members,
        controller_from_settings(settings.controller.kind, settings.controller, None),
        plan,
        sensor=SensorGuard(sensor, max_age_s=SENSOR_MAX_AGE_S) if sensor is not None else None,
        clock=clock,
        sleep=no_sleep,
        interval_s=interval_s,
        tz=datetime.now().astimezone().tzinfo or UTC,
        limits=SafetyLimits(max_room_c=settings.caps.max_room_temp_c),
        budget_w=settings.caps.power_budget_w,
        status_interval_s=interval_s,
    )
