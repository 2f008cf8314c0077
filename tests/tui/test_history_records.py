"""Pilot tests of what the TUI writes into the local history: readings, decisions and events."""

from __future__ import annotations

from pathlib import Path

from firmware_sim.faults import arm_fault
from firmware_sim.fleet import Fleet
from nanoheater.client import HeaterClient
from nanoheater.controller.targets import RoomTemperature
from nanoheater.history import AsyncHistoryStore, HistoryStore
from nanoheater.history.records import DeviceEvent
from nanoheater.tui.regulation import TargetChoice
from tests.fleets import MODELS, member
from tests.tui.conftest import AppFactory, poll, settle


def _events(store: HistoryStore) -> list[DeviceEvent]:
    return store.events_since(0.0)


async def test_readings_decisions_and_events_are_stored(
    make_app: AppFactory, sim_fleet: Fleet, tmp_path: Path
) -> None:
    """Pins that polls, controller decisions and offline/refusal/mode/exit events are stored."""
    store = await AsyncHistoryStore.open(tmp_path / "history.sqlite3")
    try:
        app = make_app(history=store)
        q_key, _ = member(sim_fleet, "q")
        nano_key, _ = member(sim_fleet, "nano3")
        s_key, nano3s = member(sim_fleet, "nano3s")
        gone = sim_fleet.members[MODELS.index("mini3")]
        async with app.run_test(size=(100, 32)) as pilot:
            await settle(pilot)
            app.devices.engage(q_key, TargetChoice(RoomTemperature(22.0)))
            await settle(pilot)
            for _ in range(2):
                await poll(pilot, sim_fleet, 60)
                app.devices.tick_all()
                await settle(pilot)

            async def to_mid(client: HeaterClient) -> object:
                return await client.set_mode("Mid")

            app.run_command(nano_key, "set mode Mid", to_mid)
            arm_fault(nano3s, "calibrating")
            app.run_command(s_key, "set mode Mid", to_mid)
            await settle(pilot)
            await gone.server.stop()
            await poll(pilot)
        q_name = app.fleet.entries[q_key].status
        assert q_name is not None
        decisions = await store.call(lambda s: s.decisions_since(0.0))
        assert len(decisions) == 3, "the engaging tick and two more"
        assert {d.device for d in decisions} == {q_name.info.identity}
        assert all(d.reason for d in decisions)
        events = await store.call(_events)
        kinds = {(e.kind, e.detail.split(":")[0]) for e in events}
        assert ("command", "set mode Mid") in kinds
        assert ("refused", "set mode Mid refused") in kinds
        assert ("offline", "offline") in kinds
        assert ("control", "heat target") in kinds
        assert ("exit", "exit level lowest") in kinds
        samples = await store.call(lambda s: s.samples_since(q_name.info.identity or "", 0.0))
        assert len(samples) == 3, "one per poll: the first and two more"
    finally:
        await store.close()
