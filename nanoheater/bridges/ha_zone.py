"""Provides each zone's Home Assistant climate: its discovery configs, presets and state.

A zone is one climate entity: the current temperature is the room reading its controller used,
the target temperature is the zone's set-point, ``modes`` are ``off``/``heat`` (+ ``auto`` once
the zone has had a schedule), presets comfort/eco/away select set-points, and ``action`` says
whether any of its heaters is heating. A binary_sensor beside it shows the quiet hours.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from nanoheater.bridges.ha_entities import ORIGIN, Payload, Topics, availability, topic_id
from nanoheater.config import QuietHoursSettings
from nanoheater.controller.targets import parse_schedule
from nanoheater.exceptions import UsageError
from nanoheater.home.types import DeviceView, ZoneView
from nanoheater.models import HeaterState

PRESETS = ("comfort", "eco", "away")
"""Climate presets; each selects a set-point (config: comfort, eco; away from [mqtt])."""
ZONE_MIN_C, ZONE_MAX_C, ZONE_STEP_C = 5.0, 30.0, 0.5


@dataclass(frozen=True, slots=True)
class ZonePresets:
    """The set-point each climate preset selects."""

    comfort_c: float = 21.0
    eco_c: float = 18.0
    away_c: float = 12.0

    def setpoint(self, preset: str) -> float:
        """The set-point of ``preset``; UsageError for an unknown one."""
        table = {"comfort": self.comfort_c, "eco": self.eco_c, "away": self.away_c}
        if preset not in table:
            raise UsageError(f"unknown preset {preset!r}; choose comfort, eco or away")
        return table[preset]

    def name_of(self, setpoint_c: float | None) -> str:
        """The preset whose set-point is ``setpoint_c``, else ``none``."""
        for name in ("comfort", "eco", "away"):
            if setpoint_c is not None and math.isclose(setpoint_c, self.setpoint(name)):
                return name
        return "none"


def zone_entities(zone: ZoneView, topics: Topics, *, with_auto: bool) -> list[tuple[str, Payload]]:
    """The discovery configs of one zone: a climate entity and a quiet-hours binary_sensor."""
    uid = topic_id(zone.name)
    state = topics.zone(uid, "state")
    device: Payload = {
        "identifiers": [f"nanoheater_zone_{uid}"],
        "name": f"{zone.name} heating",
        "manufacturer": "nanoheater",
        "model": "Heating zone",
    }
    common: Payload = {"device": device, "origin": ORIGIN, **availability(topics, None)}
    climate: Payload = {
        "name": None,
        "unique_id": f"nanoheater_zone_{uid}_climate",
        "modes": ["off", "heat", "auto"] if with_auto else ["off", "heat"],
        "mode_state_topic": state,
        "mode_state_template": "{{ value_json.mode }}",
        "mode_command_topic": topics.zone(uid, "mode/set"),
        "current_temperature_topic": state,
        "current_temperature_template": "{{ value_json.current_c }}",
        "temperature_state_topic": state,
        "temperature_state_template": "{{ value_json.setpoint_c }}",
        "temperature_command_topic": topics.zone(uid, "temperature/set"),
        "preset_modes": list(PRESETS),
        "preset_mode_state_topic": state,
        "preset_mode_value_template": "{{ value_json.preset }}",
        "preset_mode_command_topic": topics.zone(uid, "preset/set"),
        "action_topic": state,
        "action_template": "{{ value_json.action }}",
        "json_attributes_topic": state,
        "json_attributes_template": (
            "{{ {'target': value_json.target, 'quiet_hours': value_json.quiet_hours, "
            "'manual_until_s': value_json.manual_until_s, 'reason': value_json.reason} | tojson }}"
        ),
        "min_temp": ZONE_MIN_C,
        "max_temp": ZONE_MAX_C,
        "temp_step": ZONE_STEP_C,
        "precision": 0.1,
        "temperature_unit": "C",
    }
    quiet: Payload = {
        "name": "Quiet hours",
        "unique_id": f"nanoheater_zone_{uid}_quiet",
        "icon": "mdi:volume-off",
        "state_topic": state,
        "value_template": "{{ 'ON' if value_json.quiet_hours else 'OFF' }}",
    }
    return [
        (topics.config("climate", f"zone_{uid}", "climate"), {**climate, **common}),
        (topics.config("binary_sensor", f"zone_{uid}", "quiet"), {**quiet, **common}),
    ]


def zone_config_topics(uid: str, topics: Topics) -> list[str]:
    """The config topics of a zone (for removal)."""
    return [
        topics.config("climate", f"zone_{uid}", "climate"),
        topics.config("binary_sensor", f"zone_{uid}", "quiet"),
    ]


@lru_cache(maxsize=64)
def _schedule_quiet(text: str) -> tuple[Any, ...]:
    try:
        return parse_schedule(text).quiet
    except UsageError:
        return ()


def quiet_now(zone: ZoneView, caps_quiet: QuietHoursSettings | None, local: datetime) -> bool:
    """Whether quiet hours hold now: the config's nightly window or the schedule's own."""
    if caps_quiet is not None:
        hour = local.hour + local.minute / 60
        start, end = caps_quiet.start_hour, caps_quiet.end_hour
        if (start <= hour < end) if start <= end else (hour >= start or hour < end):
            return True
    target = zone.target
    if target is not None and target.kind == "schedule" and target.schedule_toml:
        return any(window.active(local) for window in _schedule_quiet(target.schedule_toml))
    return False


def zone_mode(zone: ZoneView) -> str:
    """The climate mode: ``auto`` on a schedule, ``heat`` on a set-point or level, else ``off``."""
    target = zone.target
    if target is None or target.kind == "off":
        return "off"
    return "auto" if target.kind == "schedule" else "heat"


def zone_state(
    zone: ZoneView,
    devices: list[DeviceView],
    *,
    presets: ZonePresets,
    quiet: bool,
) -> dict[str, Any]:
    """The JSON a zone's climate entity reads; ``devices`` are the zone's own."""
    # A device calibrating after a mode change runs at its new power: it heats all along.
    heating = any(
        d.online
        and d.status is not None
        and d.status.state in (HeaterState.MINING, HeaterState.CALIBRATING)
        and not d.status.soft_off
        for d in devices
    )
    mode = zone_mode(zone)
    action = "off" if mode == "off" and not heating else ("heating" if heating else "idle")
    room = zone.last_decision.room_c if zone.last_decision is not None else None
    if room is None:
        room = next((d.room_c for d in devices if d.room_c is not None), None)
    return {
        "mode": mode,
        "current_c": room,
        "setpoint_c": zone.setpoint_c,
        "preset": presets.name_of(zone.setpoint_c) if mode != "off" else "none",
        "action": action,
        "target": zone.target.describe() if zone.target is not None else "manual",
        "quiet_hours": quiet,
        "manual_until_s": zone.override.until_s if zone.override is not None else None,
        "reason": zone.last_decision.reason if zone.last_decision is not None else None,
    }
