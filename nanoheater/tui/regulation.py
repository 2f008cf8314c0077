"""Provides the glue from the TUI's heat-target controls to ``nanoheater.controller.Regulator``.

Plain code, no Textual and no I/O: it builds a one-device regulator from the settings (control
law, safety limits, quiet hours, power budget) and a target (room set-point, fixed level or a
loaded schedule). The App runs ``Regulator.tick`` in workers and shows each decision's reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, tzinfo

from nanoheater.config import Settings
from nanoheater.controller.bangbang import BangBang
from nanoheater.controller.decision import Controller
from nanoheater.controller.ladder import Ladder
from nanoheater.controller.pi import PI
from nanoheater.controller.port import HeaterPort
from nanoheater.controller.regulator import Member, Regulator
from nanoheater.controller.safety import SafetyLimits
from nanoheater.controller.sensors import RoomSensor, SensorGuard
from nanoheater.controller.staged import Staged
from nanoheater.controller.targets import (
    ALL_DAYS,
    FixedLevel,
    HeatTarget,
    QuietHours,
    RoomTemperature,
    Schedule,
)
from nanoheater.models import ModelCapabilities

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


def controller_factory(settings: Settings) -> Callable[[Ladder], Controller]:
    """The control law the settings choose, with their tuning."""
    tuning = settings.controller
    if tuning.kind == "pi":
        return lambda ladder: PI(
            ladder, kp_w_k=tuning.pi_kp_w_per_k, ti_s=tuning.pi_ti_s, period_s=tuning.pi_period_s
        )
    if tuning.kind == "bang-bang":
        tolerance = tuning.bang_bang_tolerance_k
        return lambda ladder: BangBang(
            ladder,
            cold_tolerance_k=tolerance,
            hot_tolerance_k=tolerance,
            min_cycle_s=tuning.min_on_off_s,
        )
    return lambda ladder: Staged(ladder, band_k=tuning.tolerance_k, dwell_s=tuning.min_dwell_s)


def quiet_window(settings: Settings, caps: ModelCapabilities) -> QuietHours | None:
    """The settings' quiet hours as a controller window capping this model's mode, if any."""
    quiet = settings.caps.quiet_hours
    if quiet is None:
        return None
    allowed = [p for p in caps.profiles if p.power_w <= quiet.max_power_w]
    # 0 W (or a ceiling below every profile) means "the lowest profile", as config.py documents.
    profile = max(allowed, key=lambda p: p.power_w) if allowed else caps.profiles[0]
    # Capped by the profile's noise, not its name: the regulator's zone ladder names its steps
    # "<device>:<mode>", so a bare mode name would not resolve there.
    return QuietHours(
        days=ALL_DAYS,
        start=_clock(quiet.start_hour),
        end=_clock(quiet.end_hour),
        max_noise_db=profile.noise_db,
    )


def local_zone() -> tzinfo:
    """This machine's time zone (schedules and quiet hours are local wall-clock times)."""
    return datetime.now().astimezone().tzinfo or UTC


def _clock(hours: float) -> time:
    # 24 means the end of the day; a time of day cannot say 24:00, so end a minute early.
    minutes = min(round(hours * 60), 24 * 60 - 1)
    return time(minutes // 60, minutes % 60)


def build_schedule(choice: TargetChoice, settings: Settings, caps: ModelCapabilities) -> Schedule:
    """The schedule to follow: the loaded one, or the single target, plus quiet hours."""
    schedule = choice.schedule if choice.schedule is not None else Schedule(default=choice.target)
    schedule = _by_power(schedule, caps)
    window = quiet_window(settings, caps) if choice.quiet_hours else None
    if window is not None:
        schedule = replace(schedule, quiet=(*schedule.quiet, window))
    return schedule


def _level(target: HeatTarget | None, caps: ModelCapabilities) -> HeatTarget | None:
    if isinstance(target, FixedLevel) and target.mode is not None:
        return FixedLevel(power_w=caps.profile(target.mode).power_w)
    return target


def _by_power(schedule: Schedule, caps: ModelCapabilities) -> Schedule:
    """The same schedule with modes named as powers and noise levels.

    The regulator's zone ladder names its steps "<device>:<mode>", so a bare mode name from the
    UI or a schedule file would not resolve there; a power or a noise ceiling always does.
    """
    entries = tuple(
        replace(entry, target=_level(entry.target, caps) or entry.target)
        for entry in schedule.entries
    )
    quiet = tuple(
        replace(window, max_mode=None, max_noise_db=caps.profile(window.max_mode).noise_db)
        if window.max_mode is not None and window.max_noise_db is None
        else window
        for window in schedule.quiet
    )
    return replace(schedule, entries=entries, quiet=quiet, default=_level(schedule.default, caps))


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
) -> Regulator:
    """A regulator for one device; call ``tick()`` to read, decide and apply once."""

    async def no_sleep(_: float) -> None:
        # The App schedules ticks itself; the regulator's own loop is not used.
        return None

    return Regulator(
        [Member(label, port, caps)],
        controller_factory(settings),
        build_schedule(choice, settings, caps),
        sensor=SensorGuard(sensor, max_age_s=SENSOR_MAX_AGE_S) if sensor is not None else None,
        clock=clock,
        sleep=no_sleep,
        tz=tz or local_zone(),
        limits=SafetyLimits(max_room_c=settings.caps.max_room_temp_c),
        budget_w=settings.caps.power_budget_w,
    )


__all__ = ["FixedLevel", "RoomTemperature", "TargetChoice", "build_regulator"]
