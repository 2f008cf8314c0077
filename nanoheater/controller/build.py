"""Provides ``build_regulator``: the one place a ``Regulator`` is assembled from the settings.

``nanoheater thermostat``, the TUI's heat targets, the home service's zones and ``nanoheater
simulate`` all call it, so a zone regulates the same way wherever it runs: the control law with
the values the user set (``controller.configure``), the quiet hours as one window on the zone's
total power, the safety limits and power budget from ``[caps]``, and the room sensor. The
device's own inlet sensor is read from the status the regulator has just read for the tick (one
device read per tick, not two). What a front end offers beyond the settings (a flag, a per-zone
choice) goes in ``ZoneChoices``; a field left None falls back to the settings.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, tzinfo
from typing import Literal

from nanoheater.config import Settings
from nanoheater.controller.configure import controller_from_settings, quiet_from_settings
from nanoheater.controller.regulator import DecisionRecord, Member, Regulator
from nanoheater.controller.safety import SafetyLimits
from nanoheater.controller.sensors import (
    InletSensor,
    RoomSensor,
    SensorGuard,
    sensor_from_spec,
)
from nanoheater.controller.targets import EconomicLimit, Schedule
from nanoheater.exceptions import UsageError

SENSOR_MAX_AGE_S = 900.0
"""Default: a room reading older than this trips the regulator's fail-safe."""


@dataclass(frozen=True, slots=True)
class ZoneChoices:
    """What one zone asks for on top of ``Settings``; None means "as the settings say"."""

    schedule: Schedule
    """The targets over time; a set-point or a fixed level is a one-entry ``Schedule``."""
    quiet_hours: bool = True
    """Apply ``[caps.quiet_hours]`` as a window on the zone's total power."""
    controller: str | None = None
    """Control law (staged, pi, bang-bang); default ``[controller] kind``."""
    sensor: RoomSensor | None = None
    """A sensor object the caller built (the simulator's thermometer); wins over specs."""
    sensor_spec: str | None = None
    """``inlet``, ``cmd:``, ``file:`` or an http(s) URL. Default: the first configured sensor,
    else the inlet of a member whose inlet reads the room, else none. Given explicitly as
    ``inlet`` with no such member, building fails (a UsageError naming the model)."""
    sensor_token: str | None = None
    """Bearer token for an HTTP sensor."""
    sensor_max_age_s: float = SENSOR_MAX_AGE_S
    ua_w_k: float | None = None
    """Room heat loss (feed-forward and the reachability warning)."""
    outdoor: Callable[[float], float | None] | None = None
    """Outdoor temperature at a time, when known."""
    max_room_c: float | None = None
    """Default ``[caps] max_room_temp_c``."""
    max_chip_c: float | None = None
    fail_safe: Literal["lowest", "off"] = "lowest"
    budget_w: float | None = None
    """Whole-zone power budget; default ``[caps] power_budget_w``."""
    economic: EconomicLimit | None = None
    net_cost: Callable[[float], float | None] | None = None
    soft_switch_lead_s: float | None = None
    interval_s: float = 30.0
    status_interval_s: float | None = None
    on_decision: Callable[[DecisionRecord], None] | None = None


def local_zone() -> tzinfo:
    """This machine's time zone: schedules and quiet hours are local wall-clock times."""
    return datetime.now().astimezone().tzinfo or UTC


async def _no_sleep(_: float) -> None:
    return None  # the caller schedules ticks itself; the regulator's run() loop is unused


def zone_sensor(
    members: list[Member], settings: Settings, choices: ZoneChoices
) -> RoomSensor | None:
    """The room sensor a zone reads (see ``ZoneChoices.sensor_spec``), unguarded."""
    if choices.sensor is not None:
        return choices.sensor
    spec = choices.sensor_spec or (settings.sensors[0] if settings.sensors else None)
    if spec is not None and spec != "inlet":
        return sensor_from_spec(spec, token=choices.sensor_token, ca_file=settings.sensor_ca_file)
    inlet = next((m for m in members if m.caps.has_inlet_sensor), None)
    if inlet is None:
        if spec == "inlet":
            model = members[0].caps.display_name if members else "this zone"
            raise UsageError(
                f"{model} has no trustworthy inlet sensor; give a room sensor"
                " (--sensor, or sensors in config.toml)"
            )
        return None
    return InletSensor(inlet)


def build_regulator(
    members: list[Member],
    settings: Settings,
    choices: ZoneChoices,
    *,
    clock: Callable[[], float],
    sleep: Callable[[float], Awaitable[None]] | None = None,
    tz: tzinfo | None = None,
) -> Regulator:
    """A ``Regulator`` over ``members`` (one zone) as ``settings`` and ``choices`` ask.

    Args:
        members: the zone's devices (``Member(label, client, capabilities)``), in order.
        settings: the loaded settings (controller, caps, sensors).
        choices: the zone's own choices; None fields fall back to the settings.
        clock: the time source (wall clock, a device clock or the simulator's virtual one).
        sleep: what ``Regulator.run`` waits with; None when the caller calls ``tick()`` itself.
        tz: the zone's time zone for schedules and quiet hours (default: this machine's).

    Raises:
        UsageError: an unknown controller or sensor spec, or ``inlet`` with no inlet in the zone.
    """
    if not members:
        raise UsageError("a zone needs at least one device")
    plan = choices.schedule
    quiet = settings.caps.quiet_hours
    if choices.quiet_hours and quiet is not None:
        window = quiet_from_settings(quiet, [m.ladder for m in members])
        plan = replace(plan, quiet=(*plan.quiet, window))
    sensor = zone_sensor(members, settings, choices)
    limits = SafetyLimits(
        max_room_c=(
            settings.caps.max_room_temp_c if choices.max_room_c is None else choices.max_room_c
        ),
        fail_safe=choices.fail_safe,
    )
    if choices.max_chip_c is not None:
        limits = replace(limits, max_chip_c=choices.max_chip_c)
    return Regulator(
        members,
        controller_from_settings(
            choices.controller or settings.controller.kind, settings.controller, choices.ua_w_k
        ),
        plan,
        sensor=SensorGuard(sensor, max_age_s=choices.sensor_max_age_s) if sensor else None,
        clock=clock,
        sleep=sleep or _no_sleep,
        interval_s=choices.interval_s,
        tz=tz or local_zone(),
        limits=limits,
        budget_w=settings.caps.power_budget_w if choices.budget_w is None else choices.budget_w,
        economic=choices.economic,
        net_cost=choices.net_cost,
        outdoor=choices.outdoor,
        ua_w_k=choices.ua_w_k,
        on_decision=choices.on_decision,
        soft_switch_lead_s=choices.soft_switch_lead_s,
        status_interval_s=choices.status_interval_s,
    )


__all__ = ["SENSOR_MAX_AGE_S", "ZoneChoices", "build_regulator", "local_zone", "zone_sensor"]
