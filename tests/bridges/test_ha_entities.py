"""The discovery payloads of every model and of a zone pass Home Assistant's schema checks."""

from __future__ import annotations

import pytest

from nanoheater.bridges.ha_entities import (
    Topics,
    device_config_topics,
    device_entities,
    device_state,
    topic_id,
)
from nanoheater.bridges.ha_zone import ZonePresets, zone_entities, zone_state
from nanoheater.capabilities import capabilities
from nanoheater.home.types import DeviceView, Target, ZoneView
from nanoheater.models import HeaterInfo, HeaterState, HeaterStatus, ModelId
from tests.bridges.ha_schema import validate


def _view(
    model: ModelId,
    *,
    online: bool = True,
    state: HeaterState = HeaterState.MINING,
    soft_off: bool = False,
) -> DeviceView:
    caps = capabilities(model)
    status = HeaterStatus(
        info=HeaterInfo(
            model=model,
            product=caps.display_name,
            firmware="25021401_1.0",
            mac="02:00:00:00:00:07",
            dna="0203000012345678",
        ),
        host="127.0.0.2",
        port=4028,
        state=state,
        soft_off=soft_off,
        mode=caps.profiles[0].name,
        power_w=70.0,
        hashrate_ths=3.0,
        chip_temp_max_c=70.0,
        fan_rpm=2000,
        fan_percent=40,
    )
    return DeviceView(
        key="0203000012345678",
        name="Office",
        host="127.0.0.2",
        port=4028,
        zone="office",
        online=online,
        status=status,
    )


def _component(topic: str) -> str:
    return topic.split("/")[1]


@pytest.mark.parametrize("model", list(ModelId))
def test_every_device_config_passes_the_schema(model: ModelId) -> None:
    """Each entity of each model is a valid config of its platform with a stable unique id."""
    configs = device_entities(_view(model), capabilities(model), Topics(), "EUR")
    assert configs
    for topic, payload in configs:
        assert validate(_component(topic), payload) == [], topic
        assert payload["unique_id"].startswith("nanoheater_0203000012345678_")
        assert topic.startswith("homeassistant/")
        assert topic.endswith("/config")
    platforms = {_component(topic) for topic, _ in configs}
    assert {"select", "button", "sensor", "binary_sensor", "number"} <= platforms
    assert ("switch" in platforms) == capabilities(model).soft_off
    assert {t for t, _ in configs} <= set(
        device_config_topics(topic_id("0203000012345678"), Topics())
    )


def test_device_registry_and_the_mode_names_are_the_devices_own() -> None:
    """The select offers the model's own mode names; the registry names Canaan, MAC and DNA."""
    configs = dict(
        device_entities(_view(ModelId.MINI3), capabilities(ModelId.MINI3), Topics(), "EUR")
    )
    select = next(p for t, p in configs.items() if "/select/" in t)
    assert select["options"] == [p.name for p in capabilities(ModelId.MINI3).profiles]
    device = select["device"]
    assert device["manufacturer"] == "Canaan"
    assert device["connections"] == [["mac", "02:00:00:00:00:07"]]
    assert "avalon_dna_0203000012345678" in device["identifiers"]
    energy = next(p for t, p in configs.items() if t.endswith("/energy/config"))
    assert energy["state_class"] == "total_increasing"
    assert energy["unit_of_measurement"] == "kWh"
    # Sats and net cost carry where their market figures come from, as an attribute.
    for name in ("sats_today", "net_cost_heat"):
        sensor = next(p for t, p in configs.items() if t.endswith(f"/{name}/config"))
        assert sensor["json_attributes_template"] == "{{ {'market': value_json.market} | tojson }}"
        assert sensor["json_attributes_topic"] == energy["state_topic"]


def test_the_schema_check_rejects_broken_payloads() -> None:
    """The checker can fail: unknown keys, a wrong energy state class, presets with none."""
    configs = dict(device_entities(_view(ModelId.Q), capabilities(ModelId.Q), Topics(), "EUR"))
    energy = next(p for t, p in configs.items() if t.endswith("/energy/config"))
    assert validate("sensor", {**energy, "state_class": "measurement"})
    assert validate("sensor", {**energy, "colour": "red"})
    select = next(p for t, p in configs.items() if "/select/" in t)
    assert validate("select", {k: v for k, v in select.items() if k != "command_topic"})
    assert validate("select", {**select, "device": {"name": "x"}})
    zone = ZoneView(
        name="office",
        devices=("127.0.0.2:4028",),
        setpoint_c=21.0,
        target=Target("setpoint", setpoint_c=21.0),
    )
    climate = zone_entities(zone, Topics(), with_auto=False)[0][1]
    assert validate("climate", {**climate, "preset_modes": ["none", "eco"]})
    assert validate("climate", {**climate, "modes": ["heat", "boost"]})


@pytest.mark.parametrize("with_auto", [False, True])
def test_zone_climate_passes_the_schema(with_auto: bool) -> None:
    """The zone climate and quiet-hours entities validate; auto only with a schedule."""
    zone = ZoneView(
        name="Living room",
        devices=("127.0.0.2:4028",),
        setpoint_c=21.0,
        target=Target("setpoint", setpoint_c=21.0),
    )
    configs = zone_entities(zone, Topics(), with_auto=with_auto)
    for topic, payload in configs:
        assert validate(_component(topic), payload) == [], topic
    climate = configs[0][1]
    assert ("auto" in climate["modes"]) == with_auto
    assert climate["unique_id"] == "nanoheater_zone_living_room_climate"
    assert climate["preset_modes"] == ["comfort", "eco", "away"]


def test_device_state_carries_the_problem_reason() -> None:
    """An unreachable device's state names the problem; a healthy one has none."""
    assert device_state(_view(ModelId.NANO3S), None)["problem"] is None
    lost = device_state(_view(ModelId.NANO3S, online=False), None)
    assert lost["problem"].startswith("unreachable")


@pytest.mark.parametrize(
    ("state", "soft_off", "action"),
    [
        (HeaterState.MINING, False, "heating"),
        (HeaterState.CALIBRATING, False, "heating"),  # after a mode change, at its new power
        (HeaterState.IDLE, False, "idle"),
        (HeaterState.OFF, True, "idle"),
        (HeaterState.FAULT, False, "idle"),
    ],
)
def test_zone_action_says_heating_while_a_heater_heats(
    state: HeaterState, soft_off: bool, action: str
) -> None:
    """The climate's action: heating while a heater mines or calibrates, else idle."""
    zone = ZoneView(
        name="office",
        devices=("127.0.0.2:4028",),
        setpoint_c=21.0,
        target=Target("setpoint", setpoint_c=21.0),
    )
    view = _view(ModelId.Q, state=state, soft_off=soft_off)
    assert zone_state(zone, [view], presets=ZonePresets(), quiet=False)["action"] == action
