"""Concurrency: the TUI and a headless thermostat commanding the same device at once.

Each actor has its own client, as two programs would; the simulated device serves one TCP
connection at a time, as the firmware does. Pinned: every request reaches the device whole
(nothing interleaved), each intent is sent once and applied once, the device ends on the intent
that reached it last, and both the TUI and the thermostat then show that state. Calibration is
switched off on these devices (a profile copy) so ordering, not the firmware's 300 s calibration
lock-out (covered by the fault matrix), decides the outcome.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import pytest

from firmware_sim.clock import VirtualClock
from firmware_sim.device import SimulatedHeater
from firmware_sim.faults import arm_fault
from firmware_sim.profile import load_profile
from firmware_sim.room import Room
from firmware_sim.world import World
from nanoheater.capabilities import capabilities
from nanoheater.client import HeaterClient
from nanoheater.controller.regulator import Member, Regulator
from nanoheater.controller.staged import Staged
from nanoheater.controller.targets import FixedLevel, Schedule
from nanoheater.models import DiscoveredHeater, DiscoverySource, ModelId
from nanoheater.transport.memory import CallableTransport
from nanoheater.tui.app import NanoheaterApp
from nanoheater.tui.devices import DeviceEntry
from tests.reliability.rigs import Ledger, mode_name, open_tcp, tcp_client
from tests.reliability.tui_rig import settle

TIMEOUT_S = 2.0


def _heater() -> tuple[SimulatedHeater, VirtualClock]:
    clock = VirtualClock()
    world = World(clock, 0)
    room = Room.preset("medium")
    world.add_room(room)
    profile = load_profile("mini3").model_copy(update={"calibration_s": 0.0})
    heater = SimulatedHeater(profile, world=world, room=room)
    heater.set_mode(next(i for i, m in enumerate(profile.modes) if m.name == "Night"))
    return heater, clock


def _thermostat(client: HeaterClient, clock: VirtualClock, mode: str) -> Regulator:
    return Regulator(
        [Member("headless", client, capabilities(ModelId.MINI3))],
        Staged,
        Schedule(default=FixedLevel(mode=mode)),
        sensor=None,
        clock=clock.now,
        sleep=asyncio.sleep,
        interval_s=30.0,
        status_interval_s=0.0,  # read the device every tick: see what the TUI did
    )


def _app(host: str, port: int, tmp_path: Path) -> NanoheaterApp:
    async def connect(heater: DiscoveredHeater) -> HeaterClient:
        return tcp_client(heater.host, heater.port, timeout_s=TIMEOUT_S)

    async def discover():
        nothing: tuple[DiscoveredHeater, ...] = ()
        for heater in nothing:
            yield heater

    from nanoheater.config import Settings

    return NanoheaterApp(
        Settings(),
        connect=connect,
        discover=discover,
        hosts=[DiscoveredHeater(name="", host=host, port=port, sources=(DiscoverySource.CONFIG,))],
        config_file=tmp_path / "config.toml",
        poll_interval_s=3600.0,
        control_interval_s=3600.0,
        scan_on_start=False,
    )


def _entry(app: NanoheaterApp, key: str) -> DeviceEntry:
    entry = app.fleet.get(key)
    assert entry is not None
    return entry


async def _wait_for(condition, what: str) -> None:
    for _ in range(400):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError(f"never happened: {what}")


@pytest.mark.parametrize("first", ["thermostat", "tui"])
async def test_two_actors_at_once_later_intent_wins_visibly(first: str, tmp_path: Path) -> None:
    """Pins: overlapping TUI and thermostat writes arrive whole, once each; the later one wins."""
    heater, clock = _heater()
    ledger = Ledger(heater)
    wants = {"thermostat": "Mining", "tui": "Heating Eco"}
    second = "tui" if first == "thermostat" else "thermostat"
    async with open_tcp(heater) as sim:
        key = f"{sim.host}:{sim.port}"
        headless = tcp_client(sim.host, sim.port, timeout_s=TIMEOUT_S)
        thermostat = _thermostat(headless, clock, wants["thermostat"])
        app = _app(sim.host, sim.port, tmp_path)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            # Hold the first write at the device for a moment so the second one overlaps it.
            ledger.before_write = lambda: arm_fault(heater, "delay", count=1, delay_s=0.3)

            async def tui() -> None:
                app.run_command(key, "set mode Heating Eco", lambda c: c.set_mode("Heating Eco"))
                await settle(pilot)

            actors = {"thermostat": thermostat.tick, "tui": tui}
            first_task = asyncio.create_task(actors[first]())
            await _wait_for(lambda: len(ledger.mode_writes()) == 1, "first write sent")
            record_or_none = await asyncio.gather(first_task, actors[second]())
            # Both intents reached the device whole, once each, in the order they were issued.
            assert ledger.unparsed == []
            assert len(ledger.requests) == sim.exchanges
            assert len(ledger.mode_writes()) == 2
            assert ledger.applied_modes == [wants[first], wants[second]]
            assert mode_name(heater) == wants[second]
            # Visibly: the TUI and the thermostat both now see the later intent.
            app.poll_all()
            await settle(pilot)
            entry = _entry(app, key)
            assert entry.status is not None
            assert entry.status.mode == wants[second]
            tui_lines = [e.text for e in app.events if e.text.startswith("set mode Heating Eco")]
            assert len(tui_lines) == 1
            status = await headless.get_status()
            assert status.mode == wants[second]
            records = [r for r in record_or_none if r is not None]
            assert len(records) == 1
            assert records[0].applied["headless"] == f"mode {wants['thermostat']}"
        await headless.close()


async def test_thermostat_reasserts_after_a_manual_change_and_the_tui_shows_it(
    tmp_path: Path,
) -> None:
    """Pins: a manual TUI change wins until the thermostat's next tick, which the TUI then shows."""
    heater, clock = _heater()
    ledger = Ledger(heater)
    async with open_tcp(heater) as sim:
        key = f"{sim.host}:{sim.port}"
        headless = tcp_client(sim.host, sim.port, timeout_s=TIMEOUT_S)
        thermostat = _thermostat(headless, clock, "Mining")
        app = _app(sim.host, sim.port, tmp_path)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            assert (await thermostat.tick()).applied["headless"] == "mode Mining"
            app.run_command(key, "set mode Heating Eco", lambda c: c.set_mode("Heating Eco"))
            await settle(pilot)
            assert _entry(app, key).status.mode == "Heating Eco"  # type: ignore[union-attr]
            assert mode_name(heater) == "Heating Eco"
            clock.advance(30.0)
            record = await thermostat.tick()
            assert record.applied["headless"] == "mode Mining"
            app.poll_all()
            await settle(pilot)
            assert _entry(app, key).status.mode == "Mining"  # type: ignore[union-attr]
            assert ledger.applied_modes == ["Mining", "Heating Eco", "Mining"]
        await headless.close()


async def test_two_quick_tui_commands_later_one_wins(tmp_path: Path) -> None:
    """Pins: a newer command replaces a pending one visibly; the device ends on the newer one."""
    heater, _clock = _heater()
    ledger = Ledger(heater)
    async with open_tcp(heater) as sim:
        key = f"{sim.host}:{sim.port}"
        app = _app(sim.host, sim.port, tmp_path)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            ledger.before_write = lambda: arm_fault(heater, "delay", count=1, delay_s=0.3)
            app.run_command(key, "set mode Mining", lambda c: c.set_mode("Mining"))
            await _wait_for(lambda: len(ledger.mode_writes()) == 1, "first write sent")
            app.run_command(key, "set mode Heating Eco", lambda c: c.set_mode("Heating Eco"))
            await settle(pilot)
            assert mode_name(heater) == "Heating Eco"
            assert ledger.applied_modes[-1] == "Heating Eco"
            assert len(ledger.mode_writes()) == len(ledger.applied_modes)  # none applied twice
            lines = [e.text for e in app.events if e.text.startswith("set mode")]
            # The replaced command is not dropped silently: the user is told, then the newer one.
            assert lines == [
                "set mode Mining failed: replaced by a newer command before confirmed",
                "set mode Heating Eco: done",
            ]
            app.poll_all()
            await settle(pilot)
            assert _entry(app, key).status.mode == "Heating Eco"  # type: ignore[union-attr]


async def test_one_client_never_overlaps_its_own_exchanges() -> None:
    """Pins: concurrent calls on one HeaterClient reach the device strictly one at a time."""
    heater, clock = _heater()
    from firmware_sim.server import MemoryLink

    link = MemoryLink(heater)
    in_flight = 0
    most = 0

    async def exchange(request: bytes) -> bytes:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        await asyncio.sleep(0.001)  # yield, so an unserialised caller would overlap here
        clock.advance(1.0)
        try:
            return link.exchange(request)
        finally:
            in_flight -= 1

    client = HeaterClient(CallableTransport(exchange), host="memory", timeout_s=TIMEOUT_S)
    ledger = Ledger(heater)
    calls: list[Coroutine[Any, Any, object]] = [client.get_status() for _ in range(8)]
    calls += [client.set_mode("Mining"), client.set_mode("Heating Eco"), client.get_pools()]
    results = await asyncio.gather(*calls)
    assert most == 1
    assert len(results) == len(calls)
    assert ledger.applied_modes == ["Mining", "Heating Eco"]
    assert mode_name(heater) == "Heating Eco"
