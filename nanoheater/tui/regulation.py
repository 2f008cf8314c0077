"""Provides the glue from the TUI's heat-target controls to ``nanoheater.controller.Regulator``.

Plain code, no Textual and no I/O: it builds a one-device regulator from the settings (control
law, safety limits, quiet hours, power budget) and a target (room set-point, fixed level or a
loaded schedule). The App runs ``Regulator.tick`` in workers and shows each decision's reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, tzinfo

from nanoheater.config import Settings
from nanoheater.controller.configure import clock_time, controller_from_settings
from nanoheater.controller.decision import Controller
from nanoheater.controller.ladder import Ladder
from nanoheater.controller.port import HeaterPort
from nanoheater.controller.regulator import Member, Regulator
from nanoheater.controller.safety import SafetyLimits
from nanoheater.controller.sensors import RoomSensor, SensorGuard
from nanoheater.controller.targets import (
    ALL_DAYS,
    FixedLevel,
    HeatTarget,
    QuietHours,
    RoomTemperature,
    Schedule,
)
from nanoheater.models import DiscoveredHeater, ModelCapabilities

SENSOR_MAX_AGE_S = 900.0
"""A room reading older than this (device time) trips the regulator's fail-safe."""


@dataclass(frozen=True, slots=True)
class TargetChoice:
    """What the user asked the controller to aim for on one device."""

    target: HeatTarget | None = None
    """A set-point or a fixed level; None when ``schedule`` decides."""
    schedule: Schedule | None = None
    """A loaded weekly schedule (its own quiet hours apply too)."""
    schedule_name: str = ""
    quiet_hours: bool = True
    """Apply the quiet hours from the settings."""

    def describe(self) -> str:
        """Short text for the events log: ``21.0 C``, ``mode Night`` or ``schedule x.toml``."""
        if self.schedule is not None:
            return f"schedule {self.schedule_name}"
        return self.target.describe() if self.target is not None else "nothing"

    @property
    def setpoint_c(self) -> float | None:
        """The room set-point, when the target is one."""
        return self.target.setpoint_c if isinstance(self.target, RoomTemperature) else None


@dataclass(frozen=True, slots=True)
class RoomModel:
    """What the caller knows about a device's room: its heat loss and the outdoor temperature.

    The same estimate ``nanoheater thermostat --ua`` (and ``--outdoor``) gives the regulator: the
    controllers' feed-forward ``UA · (set - outdoor)`` and the reachability warning need both.
    """

    ua_w_k: float
    """Heat loss of the room in W/K."""
    outdoor_c: Callable[[float], float | None] | None = None
    """Outdoor temperature at a (device) time, or None when unknown."""


RoomModelFactory = Callable[[DiscoveredHeater], RoomModel | None]
"""Returns the heat-loss estimate (and outdoor temperature) of a device's room, or None."""


def controller_for(settings: Settings, ua_w_k: float | None) -> Callable[[Ladder], Controller]:
    """The control law the settings choose, as ``nanoheater thermostat`` builds it.

    Only values the user set (config.toml or the environment) override the controllers' tuned
    defaults (PI Kp 200 W/K, bang-bang 0.3 K), not the config file's built-in starting points.
    """
    return controller_from_settings(settings.controller.kind, settings.controller, ua_w_k)


def quiet_window(settings: Settings, caps: ModelCapabilities) -> QuietHours | None:
    """The settings' quiet hours as a controller window capping this model's mode, if any."""
    quiet = settings.caps.quiet_hours
    if quiet is None:
        return None
    allowed = [p for p in caps.profiles if p.power_w <= quiet.max_power_w]
    # 0 W (or a ceiling below every profile) means "the lowest profile", as config.py documents.
    profile = max(allowed, key=lambda p: p.power_w) if allowed else caps.profiles[0]
    # A one-device zone ladder names its steps after the device's modes, so the cap is by name.
    return QuietHours(
        days=ALL_DAYS,
        start=clock_time(quiet.start_hour),
        end=clock_time(quiet.end_hour),
        max_mode=profile.name,
    )


def local_zone() -> tzinfo:
    """This machine's time zone (schedules and quiet hours are local wall-clock times)."""
    return datetime.now().astimezone().tzinfo or UTC


def build_schedule(choice: TargetChoice, settings: Settings, caps: ModelCapabilities) -> Schedule:
    """The schedule to follow: the loaded one, or the single target, plus quiet hours.

    Modes are used by name: a one-device zone ladder names its steps after the device's modes.
    """
    schedule = choice.schedule if choice.schedule is not None else Schedule(default=choice.target)
    window = quiet_window(settings, caps) if choice.quiet_hours else None
    if window is not None:
        schedule = replace(schedule, quiet=(*schedule.quiet, window))
    return schedule


def build_regulator(
    *,
    label: str,
    port: HeaterPort,
    caps: ModelCapabilities,
    choice: TargetChoice,
    settings: Settings,
    sensor: RoomSensor | None,
    clock: Callable[[], float],
    tz: tzinfo | None = None,
    room: RoomModel | None = None,
) -> Regulator:
    """A regulator for one device; call ``tick()`` to read, decide and apply once.

    ``room`` is the heat-loss estimate (and outdoor temperature) when one is known.
    """

    async def no_sleep(_: float) -> None:
        # The App schedules ticks itself; the regulator's own loop is not used.
        return None

    return Regulator(
        [Member(label, port, caps)],
        controller_for(settings, room.ua_w_k if room is not None else None),
        build_schedule(choice, settings, caps),
        sensor=SensorGuard(sensor, max_age_s=SENSOR_MAX_AGE_S) if sensor is not None else None,
        clock=clock,
        sleep=no_sleep,
        tz=tz or local_zone(),
        limits=SafetyLimits(max_room_c=settings.caps.max_room_temp_c),
        budget_w=settings.caps.power_budget_w,
        outdoor=room.outdoor_c if room is not None else None,
        ua_w_k=room.ua_w_k if room is not None else None,
    )


__all__ = ["FixedLevel", "RoomModel", "RoomTemperature", "TargetChoice", "build_regulator"]
