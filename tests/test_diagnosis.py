"""One home for a reading's problems: ``diagnosis`` decides, the bridges only add unreachable."""

from __future__ import annotations

from typing import Any

import pytest

from nanoheater.bridges.problems import device_problems, problem_reason
from nanoheater.diagnosis import OVERHEAT_C, diagnose, problems
from nanoheater.home.types import DeviceView
from nanoheater.models import HeaterInfo, HeaterState, HeaterStatus, ModelId


def _status(**fields: Any) -> HeaterStatus:
    base: dict[str, Any] = {
        "state": HeaterState.MINING,
        "power_w": 800.0,
        "hashrate_ths": 40.0,
        "chip_temp_max_c": 90.0,
        "fan_rpm": 3000,
        "fan_percent": 60,
    }
    base.update(fields)
    info = HeaterInfo(model=ModelId.MINI3, product="Avalon Mini 3", firmware="1")
    return HeaterStatus(info=info, host="127.0.0.2", port=4028, **base)


def _view(status: HeaterStatus | None, *, online: bool = True) -> DeviceView:
    return DeviceView(
        key="k", name="Office", host="127.0.0.2", port=4028, zone="z", online=online,
        error=None if online else "no answer within 3 s", status=status,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("fields", "kinds"),
    [
        ({}, []),
        # TarT + 11 K is normal work on a Mini 3 at a 90 C target: not overheating.
        ({"chip_temp_max_c": 101.0}, []),
        ({"chip_temp_max_c": OVERHEAT_C}, ["overheat"]),
        ({"fan_rpm": 0, "fan_percent": 99}, ["fan_stopped"]),
        ({"fan_rpm": 0, "fan_percent": 99, "soft_off": True}, []),
        ({"fan_rpm": 0, "fan_percent": None}, ["fan_stopped"]),  # mining, duty not reported
        ({"fan_rpm": 0, "fan_percent": 0, "state": HeaterState.IDLE}, []),
        ({"state": HeaterState.FAULT}, ["fault"]),
        (
            {"state": HeaterState.FAULT, "fan_rpm": 40, "chip_temp_max_c": 113.0},
            ["fan_stopped", "overheat"],
        ),
        ({"hashrate_ths": 0.0, "power_w": 12.0}, ["not_hashing"]),
        ({"hashrate_ths": 0.0, "calibrating": True}, []),
        ({"hashrate_ths": None}, []),
    ],
)
def test_problem_kinds(fields: dict[str, Any], kinds: list[str]) -> None:
    """Each rule fires on its reading and not on normal work; the order is the severity."""
    status = _status(**fields)
    assert [p.kind for p in problems(status)] == kinds
    assert diagnose(status) == tuple(p.reason for p in problems(status))


def test_bridges_show_the_diagnosis_reasons() -> None:
    """The HA problem sensor and the alerts read the same sentences ``status`` prints."""
    hot = _status(chip_temp_max_c=110.0, fan_rpm=0, fan_percent=100)
    assert device_problems(_view(hot)) == problems(hot)
    assert problem_reason(_view(hot)) == diagnose(hot)[0]
    assert problem_reason(_view(_status())) is None
    assert problem_reason(_view(None)) is None
    lost = device_problems(_view(hot, online=False))
    assert [p.kind for p in lost] == ["unreachable"]
    assert lost[0].reason == "unreachable: no answer within 3 s"
