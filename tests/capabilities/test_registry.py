"""The capability registry: every model loads, lookups work, and it agrees with the simulator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from firmware_sim.profile import load_profile
from nanoheater.capabilities import capabilities, find_profile, model_from_version
from nanoheater.exceptions import UsageError
from nanoheater.models import ModelId

CAPTURES = Path(__file__).parent.parent / "captures"


@pytest.mark.parametrize("model", list(ModelId))
def test_every_model_loads_with_sorted_profiles(model: ModelId) -> None:
    """Each registry file validates, and profiles go from lowest to highest power."""
    caps = capabilities(model)
    assert caps.model is model
    powers = [p.power_w for p in caps.profiles]
    assert powers == sorted(powers)
    assert caps.mode_command in caps.ascset_options
    assert ("softoff" in caps.ascset_options) == caps.soft_off
    assert ("target-temp" in caps.ascset_options) == (caps.chip_target_c is not None)
    for profile in caps.profiles:
        assert profile.hashrate_ths > 0
        assert (profile.workmode is None) == (caps.mode_command == "worklevel")


def test_model_facts_from_the_protocol_reference() -> None:
    """Nano 3S: no soft off and no inlet sensor; Nano 3: worklevel only, fan 0-100; Q: no target."""
    nano3s, nano3, q = capabilities("nano3s"), capabilities("nano3"), capabilities("q")
    assert not nano3s.soft_off
    assert not nano3s.has_inlet_sensor
    assert nano3.mode_command == "worklevel"
    assert (nano3.fan_percent.min, nano3s.fan_percent.min) == (0, 15)
    assert q.chip_target_c is None
    assert capabilities("mini3").room_limit
    assert find_profile("mini3", "eco").worklevel == -1


@pytest.mark.parametrize(
    ("capture", "model"),
    [
        ("nano3s_version.json", ModelId.NANO3S),
        ("q_version.json", ModelId.Q),
        ("nano3_version_ABRIDGED.json", ModelId.NANO3),
    ],
)
def test_model_from_captured_versions(capture: str, model: ModelId) -> None:
    """The captured version replies identify their models."""
    version = json.loads((CAPTURES / capture).read_text(encoding="utf-8"))["VERSION"][0]
    assert model_from_version(version) is model


@pytest.mark.parametrize(
    ("version", "model"),
    [
        ({"PROD": "Avalon Mini3", "MODEL": "Mini3", "SWTYPE": "MM319"}, ModelId.MINI3),
        ({"PROD": "Avalonnano", "MODEL": "nano3", "SWTYPE": "MM318_X2"}, ModelId.NANO3),
        ({"PROD": "Avalon Nano3s", "MODEL": "nano3", "SWTYPE": "MM319"}, ModelId.NANO3S),
        ({"PROD": "AvalonMiner 10xx", "MODEL": "10xx", "SWTYPE": "MM320"}, None),
        ({}, None),
    ],
)
def test_model_from_version_rules(version: dict[str, str], model: ModelId | None) -> None:
    """MM318 is the Nano 3 whatever MODEL says; MM319 needs MODEL/PROD; others are unknown."""
    assert model_from_version(version) is model


def test_lookups_fail_as_usage_errors() -> None:
    """Unknown models and modes are usage errors naming the valid choices."""
    with pytest.raises(UsageError, match="nano3s"):
        capabilities("s19")
    with pytest.raises(UsageError, match="Low, Mid, High"):
        find_profile("nano3s", "turbo")
    assert find_profile("nano3s", " MEDIUM ").name == "Mid"


@pytest.mark.parametrize("model", list(ModelId))
def test_registry_agrees_with_the_simulator_profiles(model: ModelId) -> None:
    """Written independently, the registry and firmware_sim agree on names, mode values, options."""
    caps, sim = capabilities(model), load_profile(model.value)
    assert caps.mode_command == sim.mode_option
    assert caps.soft_off == sim.soft_off
    assert caps.has_inlet_sensor == sim.has_inlet_sensor
    sim_modes = {m.name.casefold(): m for m in sim.modes}
    for profile in caps.profiles:
        mode = sim_modes[profile.name.casefold()]
        if profile.workmode is not None:
            assert profile.workmode == mode.workmode
        if profile.worklevel is not None:
            assert profile.worklevel == mode.worklevel
    for option in ("workmode", "worklevel", "softoff", "target-temp", "lcd", "ledset", "fan-spd"):
        if option in caps.ascset_options:
            assert option in sim.ascset_options


def test_option_lists_match_the_captured_help_replies() -> None:
    """The Nano 3S and Q option lists are exactly what their ascset|0,help printed."""
    nano3s_help = (CAPTURES / "nano3s_ascset_help_options_CLEANED.txt").read_text("utf-8").split()
    assert list(capabilities("nano3s").ascset_options) == nano3s_help
    q_msg = json.loads((CAPTURES / "q_ascset_help.json").read_text("utf-8"))["STATUS"][0]["Msg"]
    q_help = q_msg.removeprefix("ASC 0 set info: ").strip("|").split("|")
    assert list(capabilities("q").ascset_options) == q_help


def test_nano3_default_level_from_the_firmware_dump() -> None:
    """The Nano 3 config dump's work_level is one of the registry's levels (High)."""
    ini = (CAPTURES / "nano3_firmware_dump_systemcfg.ini").read_text("utf-8")
    level = int(ini.split("work_level", 1)[1].split("=", 1)[1].split()[0])
    profile = next(p for p in capabilities("nano3").profiles if p.worklevel == level)
    assert profile.name == "High"
