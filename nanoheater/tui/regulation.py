"""Provides the glue from the TUI's heat-target controls to ``controller.build``.

Plain code, no Textual and no I/O: what the user chose for one device (a room set-point, a
fixed level or a loaded schedule, quiet hours on or off) becomes the ``ZoneChoices`` the one
regulator builder takes. The App runs ``Regulator.tick`` in workers and shows each decision.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from nanoheater.controller.build import ZoneChoices
from nanoheater.controller.sensors import RoomSensor
from nanoheater.controller.targets import FixedLevel, HeatTarget, RoomTemperature, Schedule
from nanoheater.models import DiscoveredHeater


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
        """Short text for the events log: ``21.0 °C``, ``mode Night`` or ``schedule x.toml``."""
        if self.schedule is not None:
            return f"schedule {self.schedule_name}"
        return self.target.describe() if self.target is not None else "nothing"

    @property
    def setpoint_c(self) -> float | None:
        """The room set-point, when the target is one."""
        return self.target.setpoint_c if isinstance(self.target, RoomTemperature) else None


@dataclass(frozen=True, slots=True)
class RoomModel:
    """What the caller knows about a device's room: the outdoor temperature, maybe a heat loss.

    What ``nanoheater thermostat --outdoor`` (and ``--ua``) give the regulator: the controllers'
    feed-forward ``UA · (set - outdoor)`` and the reachability warning need both. Without a heat
    loss here the TUI uses the one it fits from its history (``tui.rooms``), once it has one.
    """

    ua_w_k: float | None = None
    """Heat loss of the room in W/K, when the caller knows it; None: learn it."""
    outdoor_c: Callable[[float], float | None] | None = None
    """Outdoor temperature at a (device) time, or None when unknown."""


RoomModelFactory = Callable[[DiscoveredHeater], RoomModel | None]
"""Returns the heat-loss estimate (and outdoor temperature) of a device's room, or None."""


def zone_choices(
    choice: TargetChoice, *, sensor: RoomSensor | None, room: RoomModel | None
) -> ZoneChoices:
    """What ``controller.build.build_regulator`` needs from the TUI for one device.

    ``sensor`` is a thermometer the caller injected (the demo's virtual one); without it the
    builder takes the configured sensor, else the device's inlet where it reads the room.
    """
    schedule = choice.schedule if choice.schedule is not None else Schedule(default=choice.target)
    return ZoneChoices(
        schedule,
        quiet_hours=choice.quiet_hours,
        sensor=sensor,
        ua_w_k=room.ua_w_k if room is not None else None,
        outdoor=room.outdoor_c if room is not None else None,
    )


__all__ = ["FixedLevel", "RoomModel", "RoomTemperature", "TargetChoice", "zone_choices"]
