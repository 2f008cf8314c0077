"""Provides the Home Assistant MQTT discovery payloads and the state objects they read (pure).

Layout (``base`` is ``nanoheater`` by default, ``prefix`` is ``homeassistant``)::

    <base>/bridge/availability                 online | offline (retained; the last will)
    <base>/device/<id>/state                   one JSON object per reading (see device_state)
    <base>/device/<id>/availability            online | offline (retained)
    <base>/device/<id>/<command>/set           mode, soft, fan, chip_target, reboot
    <base>/device/<id>/result                  the last command's outcome (refusals included)
    <base>/zone/<id>/state                     one JSON object per zone
    <base>/zone/<id>/<command>/set             mode, temperature, preset
    <prefix>/<component>/nanoheater_<id>/<object>/config      retained discovery configs

``<id>`` is the device's identity key (DNA, else MAC, else host:port) with every character
outside ``[a-z0-9]`` turned into ``_``, so unique ids survive restarts, renames and new IP
addresses. Every entity is available only while both the bridge and (for a device) the device
are, so Home Assistant greys out a dead bridge (the last will) and an unreachable heater alike.
"""

from __future__ import annotations

import importlib.metadata
import re
from dataclasses import dataclass
from typing import Any

from nanoheater.bridges.counters import DeviceCounters
from nanoheater.bridges.problems import problem_reason
from nanoheater.home.types import DeviceView
from nanoheater.models import HeaterState, ModelCapabilities

Payload = dict[str, Any]


def _version() -> str:
    try:
        return importlib.metadata.version("nanoheater")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


ORIGIN: Payload = {"name": "nanoheater", "sw_version": _version()}
"""Who published the discovery configs (Home Assistant shows it in the entity's MQTT info)."""
ONLINE, OFFLINE = "online", "offline"

_NOT_ID = re.compile(r"[^a-z0-9]+")


def topic_id(key: str) -> str:
    """A device key or zone name as a topic level and unique-id part: ``[a-z0-9_]`` only."""
    return _NOT_ID.sub("_", key.casefold()).strip("_") or "unnamed"


@dataclass(frozen=True, slots=True)
class Topics:
    """Every topic of one bridge, from the discovery prefix and the bridge's base topic."""

    prefix: str = "homeassistant"
    base: str = "nanoheater"

    @property
    def bridge_availability(self) -> str:
        """Where the bridge says online, and its last will says offline."""
        return f"{self.base}/bridge/availability"

    @property
    def ha_status(self) -> str:
        """Home Assistant's birth and last-will topic (``online`` after it restarts)."""
        return f"{self.prefix}/status"

    def device(self, uid: str, leaf: str) -> str:
        """A device topic: ``state``, ``availability``, ``result`` or ``<command>/set``."""
        return f"{self.base}/device/{uid}/{leaf}"

    def zone(self, uid: str, leaf: str) -> str:
        """A zone topic: ``state``, ``result`` or ``<command>/set``."""
        return f"{self.base}/zone/{uid}/{leaf}"

    def config(self, component: str, node: str, obj: str) -> str:
        """A discovery config topic."""
        return f"{self.prefix}/{component}/nanoheater_{node}/{obj}/config"

    @property
    def command_filters(self) -> tuple[str, str]:
        """Subscriptions that catch every device and zone command."""
        return (f"{self.base}/device/+/+/set", f"{self.base}/zone/+/+/set")


def availability(topics: Topics, device_topic: str | None) -> Payload:
    """Available only while the bridge (and the device, when given) say ``online``."""
    entries = [{"topic": topics.bridge_availability}]
    if device_topic is not None:
        entries.append({"topic": device_topic})
    return {"availability": entries, "availability_mode": "all"}


def device_registry(view: DeviceView, caps: ModelCapabilities) -> Payload:
    """Home Assistant device registry info: Canaan, model, firmware, DNA and MAC."""
    status = view.status
    info = status.info if status is not None else None
    identifiers = [f"nanoheater_{topic_id(view.key)}"]
    if info is not None and info.dna:
        identifiers.append(f"avalon_dna_{topic_id(info.dna)}")
    registry: Payload = {
        "identifiers": identifiers,
        "name": view.name,
        "manufacturer": "Canaan",
        "model": caps.display_name,
        "model_id": caps.model.value,
    }
    if info is not None:
        registry["sw_version"] = info.firmware
        if info.dna:
            registry["serial_number"] = info.dna
        if info.mac:
            registry["connections"] = [["mac", info.mac]]
    return registry


def _sensor(
    key: str, name: str, template: str, unit: str | None, **extra: Any
) -> tuple[str, str, Payload]:
    payload: Payload = {"name": name, "value_template": template, **extra}
    if unit is not None:
        payload["unit_of_measurement"] = unit
    return "sensor", key, payload


def _value(field: str) -> str:
    # A null reading renders "None", which Home Assistant treats as "unknown" for these platforms.
    return f"{{{{ value_json.{field} }}}}"


def device_entities(
    view: DeviceView, caps: ModelCapabilities, topics: Topics, currency: str
) -> list[tuple[str, Payload]]:
    """Every discovery config of one device, as ``(config topic, payload)`` pairs."""
    uid = topic_id(view.key)
    state = topics.device(uid, "state")
    common: Payload = {
        "device": device_registry(view, caps),
        "origin": ORIGIN,
        **availability(topics, topics.device(uid, "availability")),
    }
    # Sats and revenue rest on market figures: an attribute says where from and how old.
    market: Payload = {
        "json_attributes_topic": state,
        "json_attributes_template": "{{ {'market': value_json.market} | tojson }}",
    }
    entities: list[tuple[str, str, Payload]] = [
        (
            "select",
            "mode",
            {
                "name": "Work mode",
                "icon": "mdi:radiator",
                "options": [profile.name for profile in caps.profiles],
                "state_topic": state,
                "value_template": _value("mode"),
                "command_topic": topics.device(uid, "mode/set"),
            },
        ),
        (
            "button",
            "reboot",
            {
                "name": "Reboot",
                "device_class": "restart",
                "entity_category": "config",
                "command_topic": topics.device(uid, "reboot/set"),
                "payload_press": "PRESS",
            },
        ),
        _sensor(
            "power",
            "Power",
            _value("power_w"),
            "W",
            device_class="power",
            state_class="measurement",
        ),
        _sensor(
            "energy",
            "Energy",
            _value("energy_kwh"),
            "kWh",
            device_class="energy",
            state_class="total_increasing",
        ),
        _sensor(
            "hashrate",
            "Hashrate",
            _value("hashrate_ths"),
            "TH/s",
            state_class="measurement",
            icon="mdi:pickaxe",
        ),
        _sensor(
            "chip_temp",
            "Chip temperature",
            _value("chip_temp_c"),
            "°C",
            device_class="temperature",
            state_class="measurement",
        ),
        _sensor(
            "outlet_temp",
            "Outlet temperature",
            _value("outlet_temp_c"),
            "°C",
            device_class="temperature",
            state_class="measurement",
        ),
        _sensor("fan", "Fan", _value("fan_rpm"), "rpm", state_class="measurement", icon="mdi:fan"),
        _sensor(
            "sats_today",
            "Sats today",
            _value("sats_today"),
            "sat",
            state_class="total_increasing",
            icon="mdi:bitcoin",
            **market,
        ),
        _sensor(
            "net_cost_heat",
            "Net cost of heat",
            _value("net_cost_per_kwh_heat"),
            f"{currency}/kWh",
            state_class="measurement",
            icon="mdi:cash",
            **market,
        ),
        _sensor(
            "last_command",
            "Last command",
            "{{ value_json.message }}",
            None,
            entity_category="diagnostic",
            icon="mdi:console",
            state_topic_leaf="result",
        ),
        (
            "binary_sensor",
            "problem",
            {
                "name": "Problem",
                "device_class": "problem",
                "value_template": "{{ 'ON' if value_json.problem else 'OFF' }}",
                "json_attributes_topic": state,
                "json_attributes_template": "{{ {'reason': value_json.problem} | tojson }}",
            },
        ),
    ]
    if caps.has_inlet_sensor:
        entities.append(
            _sensor(
                "inlet_temp",
                "Inlet temperature",
                _value("inlet_temp_c"),
                "°C",
                device_class="temperature",
                state_class="measurement",
            )
        )
    if caps.soft_off:
        entities.append(
            (
                "switch",
                "mining",
                {
                    "name": "Mining",
                    "icon": "mdi:power",
                    "state_topic": state,
                    "value_template": "{{ 'OFF' if value_json.soft_off else 'ON' }}",
                    "command_topic": topics.device(uid, "soft/set"),
                    "payload_on": "ON",
                    "payload_off": "OFF",
                },
            )
        )
    entities.append(
        (
            "number",
            "fan_duty",
            {
                "name": "Fan duty",
                "icon": "mdi:fan",
                "entity_category": "config",
                "min": caps.fan_percent.min,
                "max": caps.fan_percent.max,
                "step": 1,
                "mode": "slider",
                "unit_of_measurement": "%",
                "state_topic": state,
                "value_template": _value("fan_percent"),
                "command_topic": topics.device(uid, "fan/set"),
            },
        )
    )
    if caps.chip_target_c is not None:
        entities.append(
            (
                "number",
                "chip_target",
                {
                    "name": "Chip target",
                    "device_class": "temperature",
                    "entity_category": "config",
                    "min": caps.chip_target_c.min,
                    "max": caps.chip_target_c.max,
                    "step": 1,
                    "mode": "box",
                    "unit_of_measurement": "°C",
                    "state_topic": state,
                    "value_template": _value("chip_target_c"),
                    "command_topic": topics.device(uid, "chip_target/set"),
                },
            )
        )
    configs = []
    for component, obj, payload in entities:
        leaf = payload.pop("state_topic_leaf", "state")
        if component in ("sensor", "binary_sensor") and "state_topic" not in payload:
            payload["state_topic"] = topics.device(uid, leaf)
        payload["unique_id"] = f"nanoheater_{uid}_{obj}"
        configs.append((topics.config(component, uid, obj), {**payload, **common}))
    return configs


def device_config_topics(uid: str, topics: Topics) -> list[str]:
    """Every config topic a device may have had (for removal: an empty retained payload)."""
    objects = {
        "select": ("mode",),
        "button": ("reboot",),
        "switch": ("mining",),
        "number": ("fan_duty", "chip_target"),
        "binary_sensor": ("problem",),
        "sensor": (
            "power",
            "energy",
            "hashrate",
            "chip_temp",
            "outlet_temp",
            "inlet_temp",
            "fan",
            "sats_today",
            "net_cost_heat",
            "last_command",
        ),
    }
    return [topics.config(c, uid, o) for c, names in objects.items() for o in names]


def device_state(view: DeviceView, counters: DeviceCounters | None) -> Payload:
    """The JSON a device's entities read (null where unknown)."""
    status = view.status
    payload: Payload = {
        "mode": status.mode if status else None,
        "state": status.state.value if status else None,
        "soft_off": bool(status.soft_off or status.state is HeaterState.OFF) if status else None,
        "power_w": status.power_w if status else None,
        "hashrate_ths": status.hashrate_ths if status else None,
        "chip_temp_c": status.chip_temp_max_c if status else None,
        "inlet_temp_c": status.inlet_temp_c if status else None,
        "outlet_temp_c": status.outlet_temp_c if status else None,
        "fan_rpm": status.fan_rpm if status else None,
        "fan_percent": status.fan_percent if status else None,
        "chip_target_c": status.chip_target_c if status else None,
        "energy_kwh": None,
        "sats_today": None,
        "net_cost_per_kwh_heat": None,
        "market": None,
        "problem": problem_reason(view),
    }
    if counters is not None:
        net = counters.net_cost_per_kwh_heat
        payload.update(
            energy_kwh=round(counters.energy_kwh, 4),
            sats_today=round(counters.sats_today, 1),
            net_cost_per_kwh_heat=None if net is None else round(net, 4),
            market=counters.market,
        )
    return payload
