"""Provides the alert conditions: what is wrong now, per device and per zone, with hysteresis.

``RuleState`` looks at the Home's views at each check and returns the conditions that hold, each
with a stable key (one episode per key), a severity and a one-line message. Conditions that need
time ("unreachable for 10 minutes") remember when they were first seen; temperature limits
resolve only ``hysteresis_k`` back inside the limit, so a room hovering at the frost limit is
one episode, not one alert a minute.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from nanoheater.bridge_settings import AlertSettings
from nanoheater.bridges.problems import device_problems
from nanoheater.diagnosis import OVERHEAT_C
from nanoheater.home.types import DeviceView, ZoneView
from nanoheater.units import celsius

OVERHEAT_RESOLVE_K = 5.0
"""An overheating chip counts as cool again this far below the limit."""


class Severity(StrEnum):
    """How urgent an alert is; only critical alerts break through quiet hours."""

    CRITICAL = "critical"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Condition:
    """One thing wrong now; ``key`` names its episode."""

    key: str
    severity: Severity
    message: str


@dataclass(slots=True)
class RuleState:
    """Remembers since when each timed condition holds, and which limits are latched."""

    settings: AlertSettings
    max_room_c: float
    since: dict[str, float] = field(default_factory=dict)
    latched: set[str] = field(default_factory=set)

    def _held(self, key: str, holds: bool, now_s: float, after_s: float) -> bool:
        """Whether ``holds`` has been true for at least ``after_s`` (tracking starts now)."""
        if not holds:
            self.since.pop(key, None)
            return False
        start = self.since.setdefault(key, now_s)
        return now_s - start >= after_s

    def _latch(self, key: str, enter: bool, stay: bool) -> bool:
        """Hysteresis: true from ``enter`` until ``stay`` no longer holds."""
        if enter or (key in self.latched and stay):
            self.latched.add(key)
            return True
        self.latched.discard(key)
        return False

    def evaluate(
        self, devices: list[DeviceView], zones: list[ZoneView], now_s: float
    ) -> list[Condition]:
        """Every condition that holds at ``now_s``."""
        found: list[Condition] = []
        for device in devices:
            found += self._device(device, now_s)
        by_address = {d.address: d for d in devices}
        for zone in zones:
            found += self._zone(
                zone, [by_address[a] for a in zone.devices if a in by_address], now_s
            )
        return found

    def _device(self, device: DeviceView, now_s: float) -> list[Condition]:
        s = self.settings
        name = device.name
        problems = {p.kind: p for p in device_problems(device)}
        found: list[Condition] = []
        key = f"unreachable:{device.key}"
        if self._held(key, "unreachable" in problems, now_s, s.unreachable_after_min * 60):
            found.append(
                Condition(
                    key,
                    Severity.CRITICAL,
                    f"{name} unreachable for {s.unreachable_after_min:g} min "
                    f"({problems['unreachable'].reason})",
                )
            )
        if device.online:
            for kind in ("fault", "fan_stopped"):
                if kind in problems:
                    found.append(
                        Condition(
                            f"{kind}:{device.key}",
                            Severity.CRITICAL,
                            f"{name}: {problems[kind].reason}",
                        )
                    )
            chip = device.status.chip_temp_max_c if device.status else None
            key = f"overheat:{device.key}"
            hot = chip is not None and chip >= OVERHEAT_C
            warm = chip is not None and chip > OVERHEAT_C - OVERHEAT_RESOLVE_K
            if self._latch(key, hot, warm):
                found.append(
                    Condition(
                        key,
                        Severity.CRITICAL,
                        f"{name}: chip overheating ({celsius(chip, '.0f')})"
                        if chip is not None
                        else name,
                    )
                )
            key = f"not_hashing:{device.key}"
            if self._held(key, "not_hashing" in problems, now_s, s.not_hashing_after_min * 60):
                found.append(
                    Condition(
                        key,
                        Severity.WARNING,
                        f"{name}: mining but not hashing for {s.not_hashing_after_min:g} min",
                    )
                )
        return found

    def _zone(self, zone: ZoneView, members: list[DeviceView], now_s: float) -> list[Condition]:
        s = self.settings
        found: list[Condition] = []
        decision = zone.last_decision
        room = decision.room_c if decision is not None else None
        if room is None:
            room = next((d.room_c for d in members if d.room_c is not None), None)
        hyst = s.hysteresis_k
        key = f"room_high:{zone.name}"
        if self._latch(
            key,
            room is not None and room > self.max_room_c,
            room is not None and room > self.max_room_c - hyst,
        ):
            found.append(
                Condition(
                    key,
                    Severity.CRITICAL,
                    f"{zone.name}: room at {celsius(room)}, "
                    f"above the maximum {celsius(self.max_room_c, 'g')}",
                )
            )
        key = f"frost:{zone.name}"
        if self._latch(
            key, room is not None and room < s.frost_c, room is not None and room < s.frost_c + hyst
        ):
            found.append(
                Condition(
                    key,
                    Severity.CRITICAL,
                    f"{zone.name}: room at {celsius(room)}, "
                    f"below the frost limit {celsius(s.frost_c, 'g')}",
                )
            )
        regulated = zone.target is not None and zone.target.kind in ("setpoint", "schedule")
        key = f"sensor_stale:{zone.name}"
        stale = regulated and decision is not None and decision.room_c is None
        if self._held(key, stale, now_s, s.sensor_stale_after_min * 60):
            found.append(
                Condition(
                    key,
                    Severity.WARNING,
                    f"{zone.name}: no room reading for {s.sensor_stale_after_min:g} min",
                )
            )
        if decision is not None and decision.reason.startswith("fail-safe"):
            found.append(
                Condition(
                    f"fail_safe:{zone.name}", Severity.WARNING, f"{zone.name}: {decision.reason}"
                )
            )
        key = f"setpoint_unreachable:{zone.name}"
        setpoint = zone.setpoint_c
        cold = (
            regulated
            and room is not None
            and setpoint is not None
            and room < setpoint - s.setpoint_margin_k
        )
        if self._held(key, cold, now_s, s.setpoint_unreachable_after_h * 3600):
            found.append(
                Condition(
                    key,
                    Severity.WARNING,
                    f"{zone.name}: {celsius(room)}, set-point {celsius(setpoint, 'g')} not "
                    f"reached in {s.setpoint_unreachable_after_h:g} h",
                )
            )
        return found
