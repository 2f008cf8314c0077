"""Checks a discovery payload against Home Assistant's MQTT discovery schema, per platform.

Written from the configuration variables Home Assistant documents for each MQTT platform
(climate, select, switch, number, button, sensor, binary_sensor) and for every entity (device,
availability, origin): a key outside the platform's list is an error (Home Assistant rejects the
whole config), so are a missing required key, a value of the wrong type or outside its documented
set, and the cross-field rules the integration enforces (an energy sensor must be
``total``/``total_increasing``; a device needs identifiers or connections; preset modes need a
command topic and may not contain "none"; a number's max exceeds its min).
"""

from __future__ import annotations

import re
from typing import Any

_TOPIC = re.compile(r"^[^#+\x00]+$")  # a publish/subscribe topic without wildcards
_COMMON = {
    "availability",
    "availability_mode",
    "availability_template",
    "availability_topic",
    "payload_available",
    "payload_not_available",
    "device",
    "enabled_by_default",
    "encoding",
    "entity_category",
    "entity_picture",
    "icon",
    "json_attributes_template",
    "json_attributes_topic",
    "name",
    "object_id",
    "default_entity_id",
    "origin",
    "qos",
    "unique_id",
}
_PLATFORM_KEYS: dict[str, set[str]] = {
    "climate": {
        "action_template",
        "action_topic",
        "current_humidity_template",
        "current_humidity_topic",
        "current_temperature_template",
        "current_temperature_topic",
        "fan_mode_command_template",
        "fan_mode_command_topic",
        "fan_mode_state_template",
        "fan_mode_state_topic",
        "fan_modes",
        "initial",
        "max_humidity",
        "max_temp",
        "min_humidity",
        "min_temp",
        "mode_command_template",
        "mode_command_topic",
        "mode_state_template",
        "mode_state_topic",
        "modes",
        "optimistic",
        "payload_off",
        "payload_on",
        "power_command_template",
        "power_command_topic",
        "precision",
        "preset_mode_command_template",
        "preset_mode_command_topic",
        "preset_mode_state_topic",
        "preset_mode_value_template",
        "preset_modes",
        "retain",
        "swing_mode_command_template",
        "swing_mode_command_topic",
        "swing_mode_state_template",
        "swing_mode_state_topic",
        "swing_modes",
        "target_humidity_command_template",
        "target_humidity_command_topic",
        "target_humidity_state_template",
        "target_humidity_state_topic",
        "temperature_command_template",
        "temperature_command_topic",
        "temperature_high_command_template",
        "temperature_high_command_topic",
        "temperature_high_state_template",
        "temperature_high_state_topic",
        "temperature_low_command_template",
        "temperature_low_command_topic",
        "temperature_low_state_template",
        "temperature_low_state_topic",
        "temperature_state_template",
        "temperature_state_topic",
        "temperature_unit",
        "temp_step",
        "value_template",
    },
    "select": {
        "command_template",
        "command_topic",
        "optimistic",
        "options",
        "retain",
        "state_topic",
        "value_template",
    },
    "switch": {
        "command_template",
        "command_topic",
        "device_class",
        "optimistic",
        "payload_off",
        "payload_on",
        "retain",
        "state_off",
        "state_on",
        "state_topic",
        "value_template",
    },
    "number": {
        "command_template",
        "command_topic",
        "device_class",
        "max",
        "min",
        "mode",
        "optimistic",
        "payload_reset",
        "retain",
        "state_topic",
        "step",
        "unit_of_measurement",
        "value_template",
    },
    "button": {
        "command_template",
        "command_topic",
        "device_class",
        "payload_press",
        "retain",
    },
    "sensor": {
        "device_class",
        "expire_after",
        "force_update",
        "last_reset_value_template",
        "options",
        "state_class",
        "state_topic",
        "suggested_display_precision",
        "unit_of_measurement",
        "value_template",
    },
    "binary_sensor": {
        "device_class",
        "expire_after",
        "force_update",
        "off_delay",
        "payload_off",
        "payload_on",
        "state_topic",
        "value_template",
    },
}
_REQUIRED = {
    "select": {"command_topic", "options"},
    "switch": {"command_topic"},
    "number": {"command_topic"},
    "button": {"command_topic"},
    "sensor": {"state_topic"},
    "binary_sensor": {"state_topic"},
    "climate": set(),
}
_DEVICE_KEYS = {
    "configuration_url",
    "connections",
    "hw_version",
    "identifiers",
    "manufacturer",
    "model",
    "model_id",
    "name",
    "serial_number",
    "suggested_area",
    "sw_version",
    "via_device",
}
_ORIGIN_KEYS = {"name", "sw_version", "support_url"}
_CLIMATE_MODES = {"off", "auto", "cool", "heat", "dry", "fan_only", "heat_cool"}
_SENSOR_UNITS = {
    "power": {"W", "kW", "mW", "MW", "GW", "TW", "BTU/h"},
    "energy": {"Wh", "kWh", "MWh", "GWh", "TWh", "J", "kJ", "MJ", "GJ", "cal", "kcal"},
    "temperature": {"°C", "°F", "K"},
}
_DEVICE_CLASSES = {
    "sensor": set(_SENSOR_UNITS) | {"monetary", "duration", "frequency", "voltage", "current"},
    "binary_sensor": {"problem", "running", "power", "heat", "connectivity", "safety"},
    "button": {"identify", "restart", "update"},
    "switch": {"outlet", "switch"},
    "number": {"temperature", "power", "power_factor", "voltage", "current"},
}
_STATE_CLASSES = {"measurement", "measurement_angle", "total", "total_increasing"}


def _is_topic(value: object) -> bool:
    return isinstance(value, str) and bool(_TOPIC.match(value)) and len(value) < 256


def validate(component: str, config: dict[str, Any]) -> list[str]:
    """Every way ``config`` breaks Home Assistant's schema for ``component`` (empty: valid)."""
    if component not in _PLATFORM_KEYS:
        return [f"unknown platform {component}"]
    errors = [
        f"unknown key {key}" for key in config if key not in _COMMON | _PLATFORM_KEYS[component]
    ]
    errors += [f"missing {key}" for key in _REQUIRED[component] if key not in config]
    for key, value in config.items():
        if key.endswith("_topic") and not _is_topic(value):
            errors.append(f"{key} is not a topic: {value!r}")
        if key.endswith("_template") and not isinstance(value, str):
            errors.append(f"{key} is not a template")
    errors += _common_errors(config)
    errors += _platform_errors(component, config)
    return errors


def _common_errors(config: dict[str, Any]) -> list[str]:
    errors: list[str] = []
    if "availability" in config and "availability_topic" in config:
        errors.append("availability and availability_topic together")
    for entry in config.get("availability", []):
        if not isinstance(entry, dict) or not _is_topic(entry.get("topic")):
            errors.append(f"availability entry without a topic: {entry!r}")
        elif set(entry) - {"topic", "payload_available", "payload_not_available", "value_template"}:
            errors.append(f"availability entry with unknown keys: {entry!r}")
    if config.get("availability_mode", "latest") not in ("all", "any", "latest"):
        errors.append("availability_mode not all/any/latest")
    if config.get("entity_category") not in (None, "config", "diagnostic"):
        errors.append("entity_category not config/diagnostic")
    if config.get("qos", 0) not in (0, 1, 2):
        errors.append("qos not 0/1/2")
    unique_id = config.get("unique_id")
    device = config.get("device")
    if device is not None:
        if not unique_id:
            errors.append("a device needs a unique_id")
        if not isinstance(device, dict):
            return [*errors, "device is not an object"]
        errors += [f"unknown device key {key}" for key in device if key not in _DEVICE_KEYS]
        if not device.get("identifiers") and not device.get("connections"):
            errors.append("device without identifiers or connections")
        for connection in device.get("connections", []):
            if not (isinstance(connection, list) and len(connection) == 2):
                errors.append(f"connection is not a [type, id] pair: {connection!r}")
    origin = config.get("origin")
    if origin is not None and (
        not isinstance(origin, dict) or "name" not in origin or set(origin) - _ORIGIN_KEYS
    ):
        errors.append("origin needs a name and only name/sw_version/support_url")
    return errors


def _platform_errors(component: str, config: dict[str, Any]) -> list[str]:
    errors: list[str] = []
    device_class = config.get("device_class")
    if device_class is not None and device_class not in _DEVICE_CLASSES.get(component, set()):
        errors.append(f"device_class {device_class} not valid for {component}")
    if component == "sensor":
        state_class = config.get("state_class")
        if state_class is not None and state_class not in _STATE_CLASSES:
            errors.append(f"state_class {state_class} unknown")
        unit = config.get("unit_of_measurement")
        if device_class in _SENSOR_UNITS and unit not in _SENSOR_UNITS[device_class]:
            errors.append(f"unit {unit} not valid for device_class {device_class}")
        if device_class == "energy" and state_class not in ("total", "total_increasing"):
            errors.append("an energy sensor must be total or total_increasing")
    if component == "select":
        options = config.get("options")
        if (
            not isinstance(options, list)
            or not options
            or not all(isinstance(o, str) for o in options)
        ):
            errors.append("options must be a non-empty list of strings")
    if component == "number":
        low, high = config.get("min", 1), config.get("max", 100)
        if not high > low:
            errors.append("number max must exceed min")
        if config.get("step", 1) < 0.001:
            errors.append("number step below 0.001")
        if config.get("mode", "auto") not in ("auto", "box", "slider"):
            errors.append("number mode not auto/box/slider")
    if component == "climate":
        modes = config.get("modes", ["auto", "off", "cool", "heat", "dry", "fan_only"])
        if not set(modes) <= _CLIMATE_MODES:
            errors.append(f"climate modes outside {sorted(_CLIMATE_MODES)}")
        presets = config.get("preset_modes")
        if presets is not None:
            if "none" in presets:
                errors.append("preset_modes may not contain none")
            if "preset_mode_command_topic" not in config:
                errors.append("preset_modes need preset_mode_command_topic")
        if config.get("precision", 0.1) not in (0.1, 0.5, 1.0):
            errors.append("precision not 0.1/0.5/1.0")
        if config.get("temperature_unit", "C") not in ("C", "F"):
            errors.append("temperature_unit not C/F")
        if config.get("min_temp", 7) >= config.get("max_temp", 35):
            errors.append("min_temp not below max_temp")
    return errors
