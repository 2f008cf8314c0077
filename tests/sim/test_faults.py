"""Tests for every fault kind as a client on the wire sees it, and for FaultPlan's verbs."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from firmware_sim.clock import VirtualClock
from firmware_sim.device import SimulatedHeater, create_heater
from firmware_sim.faults import FAULT_KINDS, FaultPlan, arm_fault, clear_faults, trip_temp_c
from firmware_sim.server import SimServer
from tests.sim.netclient import exchange

VERSION = b'{"command":"version"}'


@pytest.fixture
async def sim() -> AsyncIterator[SimServer]:
    """A Nano 3S on a virtual clock (so replies are byte-for-byte repeatable)."""
    async with SimServer(create_heater("nano3s")) as server:
        yield server


def heater_of(sim: SimServer) -> SimulatedHeater:
    """Return the served heater with its concrete type."""
    assert isinstance(sim.device, SimulatedHeater)
    return sim.device


async def ask(sim: SimServer, request: bytes = VERSION) -> bytes:
    """One exchange with the served device."""
    return await exchange(sim.host, sim.port, request)


async def test_drop_closes_without_a_reply_for_count_replies(sim: SimServer) -> None:
    """Pins drop: the connection closes with no bytes, for exactly ``count`` replies."""
    good = await ask(sim)
    arm_fault(heater_of(sim), "drop", count=2)
    assert await ask(sim) == b""
    assert await ask(sim) == b""
    assert await ask(sim) == good


async def test_delay_holds_the_reply_back_then_sends_it_whole(sim: SimServer) -> None:
    """Pins delay: the reply is not there before the delay, and arrives complete after it."""
    good = await ask(sim)
    arm_fault(heater_of(sim), "delay", delay_s=0.6)
    pending = asyncio.create_task(ask(sim))
    await asyncio.sleep(0.2)
    assert not pending.done()
    assert await pending == good


async def test_truncate_sends_the_first_half_without_nul(sim: SimServer) -> None:
    """Pins truncate: a strict prefix of the real reply (its first half), no NUL, then close."""
    good = await ask(sim)
    arm_fault(heater_of(sim), "truncate")
    cut = await ask(sim)
    assert cut == good[: len(good) // 2]
    assert b"\x00" not in cut
    assert await ask(sim) == good


async def test_garbage_replaces_the_reply_with_other_bytes(sim: SimServer) -> None:
    """Pins garbage: bytes of the reply's length that are not the reply."""
    good = await ask(sim)
    arm_fault(heater_of(sim), "garbage")
    junk = await ask(sim)
    assert len(junk) == len(good)
    assert junk != good


async def test_no_nul_sends_the_reply_without_its_terminator(sim: SimServer) -> None:
    """Pins no-nul: the exact reply minus the trailing NUL, then close."""
    good = await ask(sim)
    arm_fault(heater_of(sim), "no-nul")
    assert await ask(sim) == good[:-1]


async def test_forever_keeps_a_fault_until_cleared(sim: SimServer) -> None:
    """Pins count -1: the fault stays armed across replies until clear_faults."""
    good = await ask(sim)
    heater = heater_of(sim)
    arm_fault(heater, "drop", count=-1)
    for _ in range(3):
        assert await ask(sim) == b""
    clear_faults(heater)
    assert await ask(sim) == good


async def test_reboot_refuses_connections_for_the_downtime(sim: SimServer) -> None:
    """Pins reboot: refused while down (simulated downtime), serving again afterwards."""
    heater = heater_of(sim)
    clock = heater.world.clock
    assert isinstance(clock, VirtualClock)
    arm_fault(heater, "reboot", downtime_s=45.0)
    sim.notice_down()
    await asyncio.sleep(0.1)
    with pytest.raises(ConnectionRefusedError):
        await ask(sim)
    clock.advance(44.0)
    assert heater.is_down()
    clock.advance(2.0)
    for _ in range(50):
        await asyncio.sleep(0.05)
        try:
            reply = await ask(sim)
            break
        except ConnectionRefusedError:
            continue
    assert b"CGMiner versions" in reply


async def test_calibrating_refuses_a_mode_change(sim: SimServer) -> None:
    """Pins calibrating: a workmode change is refused and the mode stays as it was."""
    heater = heater_of(sim)
    before = heater.state.mode_index
    other = next(m.workmode for m in heater.profile.modes if m.workmode != heater.state.workmode)
    arm_fault(heater, "calibrating")
    reply = await ask(sim, f"ascset|0,workmode,set,{other}".encode())
    assert heater.state.mode_index == before
    assert b"STATUS=E" in reply
    assert b"caling" in reply
    clear_faults(heater)
    reply = await ask(sim, f"ascset|0,workmode,set,{other}".encode())
    assert b"set OK" in reply
    assert heater.state.mode_index != before


async def test_fan_blocked_stops_the_fan_and_heats_the_chips() -> None:
    """Pins fan-blocked: fan RPM 0 and the chips end up tripping to standby power."""
    heater = create_heater("nano3s")
    heater.world.run_for(600)
    hot_before = heater.state.chip_temp_max_c
    arm_fault(heater, "fan-blocked")
    heater.world.run_for(1800)
    assert heater.state.fan_rpm == 0
    assert heater.state.chip_temp_max_c > hot_before
    assert heater.state.power_w < heater.profile.modes[heater.state.mode_index].power_w / 2


async def test_overheat_trips_at_once() -> None:
    """Pins overheat: chips start above the trip point and the unit drops to standby power."""
    heater = create_heater("nano3s")
    heater.world.run_for(600)
    arm_fault(heater, "overheat")
    assert heater.state.chip_temp_max_c > trip_temp_c(heater)
    heater.world.run_for(5)
    assert heater.state.derated
    assert heater.state.power_w < heater.profile.modes[heater.state.mode_index].power_w / 2
    clear_faults(heater)
    assert not heater.state.fan_blocked


async def test_empty_summary_is_a_q_fault() -> None:
    """Pins empty-summary: Q stats carries an empty MM ID0:Summary once; other models refuse it."""
    q = create_heater("q")
    async with SimServer(q) as sim:
        normal = await ask(sim, b'{"command":"stats"}')
        arm_fault(q, "empty-summary")
        empty = await ask(sim, b'{"command":"stats"}')
        again = await ask(sim, b'{"command":"stats"}')
    assert json.loads(normal[:-1])["STATS"][0]["MM ID0:Summary"] != ""
    assert json.loads(empty[:-1])["STATS"][0]["MM ID0:Summary"] == ""
    assert json.loads(again[:-1])["STATS"][0]["MM ID0:Summary"] != ""
    with pytest.raises(ValueError, match="Q"):
        arm_fault(create_heater("nano3s"), "empty-summary")


async def test_clock_skew_moves_the_reported_clock_until_cleared() -> None:
    """Pins clock-skew: every reply's When is off by offset_s (behind, ahead, jumped), then not."""
    heater = create_heater("nano3s")

    async with SimServer(heater) as served:

        async def when() -> int:
            reply = await ask(served, b'{"command":"summary"}')
            return int(json.loads(reply[:-1])["STATUS"][0]["When"])

        now = int(heater.now())  # a virtual clock: it does not move by itself
        assert await when() == now
        arm_fault(heater, "clock-skew", offset_s=-86_400.0)
        assert await when() == now - 86_400
        arm_fault(heater, "clock-skew", offset_s=3 * 3600.0)
        assert await when() == now + 3 * 3600
        clear_faults(heater)
        assert await when() == now
    for bad in (float("nan"), float("inf"), 0.0):
        with pytest.raises(ValueError, match="finite, non-zero"):
            arm_fault(heater, "clock-skew", offset_s=bad)


def test_arm_rejects_unknown_kinds_and_bad_counts() -> None:
    """Pins input checks: unknown kind, zero or below -1 counts, delay without seconds."""
    plan = FaultPlan()
    with pytest.raises(ValueError, match="unknown"):
        plan.arm("explode")
    for count in (0, -2):
        with pytest.raises(ValueError, match="count"):
            plan.arm("drop", count=count)
    with pytest.raises(ValueError, match="delay"):
        plan.arm("delay")
    with pytest.raises(ValueError, match="downtime"):
        arm_fault(create_heater("nano3s"), "reboot", downtime_s=-1)
    assert plan.as_dict() == FaultPlan().as_dict()


def test_every_kind_is_armable_and_clearable() -> None:
    """Pins that each FAULT_KINDS name arms on a Q and clear_faults disarms all of it."""
    heater = create_heater("q")
    for kind in FAULT_KINDS:
        if kind != "reboot":
            arm_fault(heater, kind, count=-1, delay_s=1.0, offset_s=-86_400.0)
    armed = heater.faults.as_dict()
    assert all(armed[name] for name in armed)
    assert heater.state.fan_blocked
    clear_faults(heater)
    assert heater.faults.as_dict() == FaultPlan().as_dict()
    assert not heater.state.fan_blocked
