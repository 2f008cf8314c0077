"""Fault matrix, thermostat part: the Regulator over a real client while the device misbehaves.

Each case runs the production regulator (BangBang, one device) against firmware_sim in virtual
time, arms one fault for several ticks, then clears it. Pinned for every fault: no tick raises,
what the decision record says (what a user of ``nanoheater`` or the TUI is shown), nothing is
sent to a device that cannot be read, the wanted mode is reached once the fault clears (the
intent is not lost) and the firmware applies it exactly once.
"""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from firmware_sim.clock import VirtualClock
from firmware_sim.device import SimulatedHeater
from firmware_sim.faults import arm_fault, clear_faults
from nanoheater.capabilities import capabilities
from nanoheater.controller.bangbang import BangBang
from nanoheater.controller.regulator import DecisionRecord, Member, Regulator
from nanoheater.controller.safety import SafetyLimits
from nanoheater.controller.sensors import InletSensor, Reading, SensorError, SensorGuard
from nanoheater.controller.targets import RoomTemperature, Schedule
from nanoheater.models import ModelId
from tests.reliability.rigs import Ledger, advance, make_heater, memory_client, mode_name, open_tcp

TICK_S = 30.0
LABEL = "dev"


@dataclass
class Thermometer:
    """A room sensor the test sets by hand; ``broken`` makes every read fail."""

    temp_c: float = 16.0
    broken: bool = False
    label: str = "test thermometer"

    async def read(self, now_s: float) -> Reading:
        if self.broken:
            raise SensorError("thermometer unplugged")
        return Reading(self.temp_c, now_s)


@dataclass
class Loop:
    """A regulator on one simulated device, with its ledger and clock."""

    heater: SimulatedHeater
    clock: VirtualClock
    ledger: Ledger
    regulator: Regulator
    thermometer: Thermometer

    async def ticks(self, n: int) -> list[DecisionRecord]:
        records = []
        for _ in range(n):
            records.append(await self.regulator.tick())
            advance(self.heater, self.clock, TICK_S)
        return records


def _loop(model: str, start: str, *, timeout_s: float = 0.3, max_age_s: float = 120.0) -> Loop:
    heater, clock = make_heater(model)
    heater.set_mode(next(i for i, m in enumerate(heater.profile.modes) if m.name == start))
    advance(heater, clock, 301.0)  # out of the calibration window
    ledger = Ledger(heater)
    client = memory_client(heater, clock, timeout_s=timeout_s)
    thermometer = Thermometer()
    regulator = Regulator(
        [Member(LABEL, client, capabilities(ModelId(model)))],
        lambda ladder: BangBang(ladder, min_cycle_s=0),
        Schedule(default=RoomTemperature(21.0)),
        sensor=SensorGuard(thermometer, max_age_s=max_age_s),
        clock=clock.now,
        sleep=_no_sleep,
        interval_s=TICK_S,
        soft_switch_lead_s=0.0,
        limits=SafetyLimits(max_chip_c=95.0),
    )
    return Loop(heater, clock, ledger, regulator, thermometer)


async def _no_sleep(_s: float) -> None:
    return None


TOP = {"mini3": "Mining", "q": "Super"}
START = {"mini3": "Night", "q": "Eco"}

# fault -> (model, what the decision record says while it lasts)
UNREADABLE = {
    "drop": ("mini3", "unreachable"),
    "truncate": ("mini3", "unreachable"),
    "garbage": ("mini3", "unreachable"),
    "delay": ("mini3", "unreachable"),
    "reboot": ("mini3", "unreachable"),
}


@pytest.mark.parametrize("kind", sorted(UNREADABLE))
async def test_unreadable_device_gets_nothing_then_gets_the_intent_once(kind: str) -> None:
    """Pins: nothing is sent to a device that cannot be read; afterwards the mode lands once."""
    model, shown = UNREADABLE[kind]
    loop = _loop(model, START[model])
    if kind == "reboot":
        arm_fault(loop.heater, "reboot", downtime_s=4 * TICK_S)
    else:
        arm_fault(loop.heater, kind, count=-1, delay_s=0.5)
    during = await loop.ticks(3)
    assert all(r.applied[LABEL] == shown for r in during)
    assert loop.ledger.mode_writes() == []
    assert mode_name(loop.heater) == START[model]
    clear_faults(loop.heater)
    advance(loop.heater, loop.clock, 4 * TICK_S)
    after = await loop.ticks(4)
    assert mode_name(loop.heater) == TOP[model]
    assert loop.ledger.applied_modes == [TOP[model]]
    assert len(loop.ledger.mode_writes()) == 1
    assert after[-1].applied[LABEL] == "ok"


@pytest.mark.parametrize("kind", ["drop", "truncate", "garbage", "delay"])
async def test_fault_on_the_write_is_retried_next_tick_not_doubled(kind: str) -> None:
    """Pins: a write lost to a fault is reported, re-sent on a later tick, applied once."""
    loop = _loop("mini3", "Night")
    loop.ledger.before_write = lambda: arm_fault(loop.heater, kind, count=1, delay_s=0.5)
    first = (await loop.ticks(1))[0]
    applied_now = bool(loop.ledger.applied_modes)
    if not first.applied[LABEL].startswith("mode"):
        assert first.applied[LABEL].startswith("failed: ")
    clear_faults(loop.heater)
    await loop.ticks(4)
    assert mode_name(loop.heater) == "Mining"
    assert loop.ledger.applied_modes == ["Mining"]
    # Drop: the firmware never saw the first write, so exactly one more was needed.
    assert len(loop.ledger.mode_writes()) == (1 if applied_now else 2)


async def test_calibration_refusal_is_held_without_hammering() -> None:
    """Pins: a calibrating device is "held", retried at most once a minute, then switched once."""
    loop = _loop("mini3", "Night")
    arm_fault(loop.heater, "calibrating")
    during = await loop.ticks(10)  # five minutes of refusals
    assert any(r.applied[LABEL].startswith("held: ") for r in during)
    assert "caling" in during[0].applied[LABEL]  # the firmware's own word, passed on
    assert 1 <= len(loop.ledger.mode_writes()) <= 10 * TICK_S / 60 + 1
    assert loop.ledger.applied_modes == []
    clear_faults(loop.heater)
    await loop.ticks(4)
    assert loop.ledger.applied_modes == ["Mining"]


async def test_overheating_device_is_stepped_down_and_recovers() -> None:
    """Pins: a chip over the limit steps the device down (said in the record) until it cools."""
    loop = _loop("mini3", "Mining")
    arm_fault(loop.heater, "overheat")
    during = await loop.ticks(3)
    assert "step down" in during[0].applied[LABEL]
    ladder = loop.regulator.members[0].ladder
    rung_now = ladder.index_of(mode_name(loop.heater))
    rung_top = ladder.index_of("Mining")
    assert rung_now is not None
    assert rung_top is not None
    assert loop.heater.state.soft_off or rung_now < rung_top
    assert loop.ledger.applied_modes[0] != "Mining"
    clear_faults(loop.heater)
    advance(loop.heater, loop.clock, 3600.0)
    await loop.ticks(8)
    assert mode_name(loop.heater) == "Mining"
    assert not loop.heater.state.soft_off


async def test_empty_q_summary_changes_nothing() -> None:
    """Pins: the Q's empty-summary quirk is invisible to the thermostat: it reaches its mode."""
    loop = _loop("q", "Eco")
    arm_fault(loop.heater, "empty-summary", count=-1)
    await loop.ticks(3)
    assert mode_name(loop.heater) == "Super"
    assert loop.ledger.applied_modes == ["Super"]


async def test_lost_room_sensor_falls_back_to_the_lowest_step() -> None:
    """Pins: once the room reading is stale the fail-safe runs the lowest heating step."""
    loop = _loop("mini3", "Mining", max_age_s=60.0)
    loop.thermometer.broken = True
    records = await loop.ticks(5)
    assert records[-1].reason.startswith("fail-safe")
    ladder = loop.regulator.members[0].ladder
    assert mode_name(loop.heater) == ladder.steps[ladder.lowest_on()].name


async def test_inlet_sensor_on_an_unreachable_device_falls_back() -> None:
    """Pins: the inlet sensor of a dropped device is a sensor fault: ticks go on, fail-safe runs."""
    heater, clock = make_heater("mini3")
    client = memory_client(heater, clock, timeout_s=0.3)
    caps = await client.get_capabilities()
    member = Member(LABEL, client, caps)
    regulator = Regulator(
        [member],
        lambda ladder: BangBang(ladder, min_cycle_s=0),
        Schedule(default=RoomTemperature(21.0)),
        sensor=SensorGuard(InletSensor(member), max_age_s=60.0),
        clock=clock.now,
        sleep=_no_sleep,
        interval_s=TICK_S,
    )
    await regulator.tick()
    arm_fault(heater, "drop", count=-1)
    records = []
    for _ in range(4):
        advance(heater, clock, TICK_S)
        records.append(await regulator.tick())
    assert records[-1].reason.startswith("fail-safe")
    assert "closed the connection" in records[-1].reason
    assert records[-1].applied[LABEL] == "unreachable"


async def test_headless_thermostat_command_rides_out_a_mid_run_fault(tmp_path: Path) -> None:
    """Pins: ``nanoheater thermostat`` keeps ticking through a dropped device, says so, exits 0."""
    heater, _clock = make_heater("mini3")
    room = tmp_path / "room"
    room.write_text("19.5")
    async with open_tcp(heater) as sim:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "nanoheater",
            "thermostat",
            f"{sim.host}:{sim.port}",
            "--target",
            "21",
            "--sensor",
            f"file:{room}",
            "--interval",
            "0.2",
            "--duration",
            "1.6",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env={**os.environ, "NANOHEATER_CONFIG_DIR": str(tmp_path)},
        )
        assert proc.stdout is not None
        first = await asyncio.wait_for(proc.stdout.readline(), 30)
        assert b": ok]" in first
        arm_fault(heater, "drop", count=-1)
        rest, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, err
    assert b": unreachable]" in rest
    assert b"Traceback" not in err
    assert b"exit: " in rest + err
    assert b"unreachable: " in rest + err
