"""Tests for ``controller.build``: the one regulator builder every front end calls."""

from __future__ import annotations

from datetime import UTC

import pytest

from firmware_sim.clock import VirtualClock
from firmware_sim.device import SimulatedHeater
from firmware_sim.server import MemoryLink
from nanoheater.capabilities import capabilities
from nanoheater.client import HeaterClient
from nanoheater.config import CapsSettings, QuietHoursSettings, Settings
from nanoheater.controller.build import ZoneChoices, build_regulator, zone_sensor
from nanoheater.controller.regulator import Member
from nanoheater.controller.sensors import FileSensor, InletSensor
from nanoheater.controller.targets import RoomTemperature, Schedule
from nanoheater.exceptions import UsageError
from nanoheater.models import HeaterStatus
from nanoheater.transport.memory import CallableTransport
from tests.reliability.rigs import make_heater

HOLD_21 = Schedule(default=RoomTemperature(21.0))


def counting_client(
    heater: SimulatedHeater, clock: VirtualClock, seen: list[bytes]
) -> HeaterClient:
    """A real client on ``heater`` in-process that records every request it sends."""
    link = MemoryLink(heater)

    async def exchange(request: bytes) -> bytes:
        seen.append(request)
        clock.advance(1.0)
        return await link.request(request)

    return HeaterClient(CallableTransport(exchange, label="sim"), host="sim", timeout_s=1.0)


async def test_inlet_sensor_costs_no_second_device_read_per_tick() -> None:
    """Each tick read the device twice (regulator, then inlet sensor); now it reads it once."""
    heater, clock = make_heater("q")  # the Q's inlet reads the room
    seen: list[bytes] = []
    client = counting_client(heater, clock, seen)
    member = Member("q", client, capabilities("q"))
    regulator = build_regulator(
        [member],
        Settings(),
        ZoneChoices(HOLD_21, sensor_spec="inlet", interval_s=30.0),
        clock=clock.now,
        tz=UTC,
    )
    assert isinstance(regulator.sensor.sensor if regulator.sensor else None, InletSensor)
    await regulator.tick()  # the first read also fetches version and pools
    for _ in range(3):
        clock.advance(30.0)
        heater.world.sync()
        before = len(seen)
        record = await regulator.tick()
        reads = [r for r in seen[before:] if b"ascset" not in r]
        assert len(reads) == 1, reads
        assert record.room_c == pytest.approx(member.status.inlet_temp_c if member.status else 0)


def test_quiet_hours_are_one_window_on_the_zone_power() -> None:
    """Pins the one quiet-hours translation: a power ceiling on the zone, for one device too."""
    settings = Settings(caps=CapsSettings(quiet_hours=QuietHoursSettings(max_power_w=0)))
    member = Member("m", _Unused(), capabilities("mini3"))
    regulator = build_regulator([member], settings, ZoneChoices(HOLD_21), clock=lambda: 0.0)
    (window,) = regulator.schedule.quiet
    assert window.max_power_w == member.ladder.power_w(member.ladder.lowest_on())
    off = build_regulator(
        [member], settings, ZoneChoices(HOLD_21, quiet_hours=False), clock=lambda: 0.0
    )
    assert off.schedule.quiet == ()


def test_sensor_resolution_follows_choice_then_settings_then_inlet() -> None:
    """Pins: an explicit spec, else the configured sensor, else an inlet that reads the room."""
    nano3s = Member("n", _Unused(), capabilities("nano3s"))  # its inlet reads -273
    q = Member("q", _Unused(), capabilities("q"))
    configured = Settings(sensors=("file:/tmp/room",))
    assert isinstance(zone_sensor([nano3s], configured, ZoneChoices(HOLD_21)), FileSensor)
    assert zone_sensor([nano3s], Settings(), ZoneChoices(HOLD_21)) is None
    inlet = zone_sensor([nano3s, q], Settings(), ZoneChoices(HOLD_21))
    assert isinstance(inlet, InletSensor)
    assert inlet.source is q
    with pytest.raises(UsageError, match="inlet sensor"):
        zone_sensor([nano3s], Settings(), ZoneChoices(HOLD_21, sensor_spec="inlet"))


def test_flags_override_settings_and_none_keeps_them() -> None:
    """Pins: a ZoneChoices field left None is the settings' value; a given one wins."""
    settings = Settings(caps=CapsSettings(max_room_temp_c=24.0, power_budget_w=500.0))
    member = Member("m", _Unused(), capabilities("mini3"))
    kept = build_regulator([member], settings, ZoneChoices(HOLD_21), clock=lambda: 0.0)
    assert (kept.limits.max_room_c, kept.zone.budget_w) == (24.0, 500.0)
    given = build_regulator(
        [member],
        settings,
        ZoneChoices(HOLD_21, max_room_c=22.0, budget_w=300.0, controller="pi"),
        clock=lambda: 0.0,
    )
    assert (given.limits.max_room_c, given.zone.budget_w) == (22.0, 300.0)
    assert type(given.controller).__name__ == "PI"


class _Unused:
    """A port for regulators that are built but never ticked."""

    async def get_status(self) -> HeaterStatus:
        raise AssertionError("not read")

    async def set_mode(self, name: str) -> None:
        raise AssertionError("not written")

    async def soft_off(self, *, lead_s: float = 0.0) -> None:
        raise AssertionError("not written")

    async def soft_on(self, *, lead_s: float = 0.0) -> None:
        raise AssertionError("not written")
