"""Pilot tests of the heat target: the controller engages, acts on the simulator, says why."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, Select, Static

from firmware_sim.device import SimulatedHeater
from firmware_sim.fleet import Fleet
from nanoheater.config import CapsSettings, QuietHoursSettings, Settings
from nanoheater.tui.app import NanoheaterApp
from nanoheater.tui.screens.device import DeviceScreen
from nanoheater.tui.widgets.target_panel import TargetPanel
from tests.fleets import member
from tests.tui.conftest import AppFactory, poll, settle


def _mode(heater: SimulatedHeater) -> str:
    return heater.profile.modes[heater.state.mode_index].name


async def _open(app: NanoheaterApp, key: str) -> DeviceScreen:
    screen = DeviceScreen(key)
    await app.push_screen(screen)
    return screen


async def test_setting_a_target_engages_the_controller(
    make_app: AppFactory, sim_fleet: Fleet
) -> None:
    """Pins that heating to a set-point above a cold room makes the controller raise the mode."""
    app = make_app()
    key, heater = member(sim_fleet, "q")
    lowest = heater.profile.modes[0].name
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        assert _mode(heater) == lowest
        screen = await _open(app, key)
        await pilot.press("plus", "plus")
        assert screen.query_one(TargetPanel).setpoint_c == 22.0
        await pilot.press("t")
        await settle(pilot)
        entry = app.fleet.entries[key]
        assert entry.control == "22.0 °C"
        assert entry.decision is not None
        assert "below set-point" in entry.decision
        assert _mode(heater) != lowest, "the controller turned the heat up"
        decision = str(screen.query_one("#decision", Static).content)
        assert entry.decision in decision
        assert any(e.text.startswith("controller:") for e in app.events)


async def test_manual_stops_the_controller(make_app: AppFactory, sim_fleet: Fleet) -> None:
    """Pins that after Manual the controller no longer changes the device."""
    app = make_app()
    key, heater = member(sim_fleet, "q")
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        await _open(app, key)
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        assert app.fleet.entries[key].control is None
        assert key not in app.devices.regulators
        lowest = heater.profile.modes[0].name
        heater.set_mode(0)
        await poll(pilot, sim_fleet, 900)
        app.devices.tick_all()
        await settle(pilot)
        assert _mode(heater) == lowest


async def test_no_room_reading_is_explained(make_app: AppFactory, sim_fleet: Fleet) -> None:
    """Pins that a Nano 3S (no room sensor) under a set-point shows the fail-safe reason."""
    app = make_app()
    key, _ = member(sim_fleet, "nano3s")
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        await _open(app, key)
        await pilot.press("t")
        await settle(pilot)
        decision = app.fleet.entries[key].decision
        assert decision is not None
        assert "fail-safe" in decision
        assert "no sensor configured" in decision


async def test_fixed_level_is_held(make_app: AppFactory, sim_fleet: Fleet) -> None:
    """Pins that choosing a heat level makes the controller put the device in that mode."""
    app = make_app()
    key, heater = member(sim_fleet, "mini3")
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        screen = await _open(app, key)
        screen.query_one("#level-select", Select).value = "Night"
        await settle(pilot)
        assert app.fleet.entries[key].control == "mode Night"
        assert _mode(heater) == "Night"


async def test_quiet_hours_cap_the_level(
    make_app: AppFactory, sim_fleet: Fleet, tmp_path: Path
) -> None:
    """Pins that quiet hours from the settings cap a schedule's level, and the reason says so."""
    quiet = QuietHoursSettings(start_hour=0, end_hour=24, max_power_w=0)
    app = make_app(settings=Settings(caps=CapsSettings(quiet_hours=quiet)))
    key, heater = member(sim_fleet, "q")
    schedule = tmp_path / "week.toml"
    schedule.write_text('[[entry]]\ndays = "all"\nat = "00:00"\nmode = "Super"\n')
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        screen = await _open(app, key)
        field = screen.query_one("#schedule-path", Input)
        field.value = str(schedule)
        field.focus()
        await pilot.press("enter")
        await settle(pilot)
        entry = app.fleet.entries[key]
        assert entry.control == "schedule week.toml"
        lowest = heater.profile.modes[0].name
        assert entry.decision is not None
        assert lowest in entry.decision, "Super asked, capped to the quietest mode"
        assert "quiet hours" in entry.decision
        assert _mode(heater) == lowest


async def test_bad_schedule_file_is_a_notification(make_app: AppFactory, tmp_path: Path) -> None:
    """Pins that an unreadable schedule is reported and nothing is engaged."""
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        key = next(iter(app.fleet)).key
        screen = await _open(app, key)
        field = screen.query_one("#schedule-path", Input)
        field.value = str(tmp_path / "missing.toml")
        field.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert app.fleet.entries[key].control is None
        assert any("load schedule" in n.message for n in app._notifications)


async def test_a_target_that_cannot_engage_leaves_the_device_as_it_was(
    make_app: AppFactory, sim_fleet: Fleet
) -> None:
    """Engaging showed "Controller (22.0 C): starting…" before the worker failed; now it waits.

    A Nano 3S with the inlet configured as the room sensor cannot be regulated (its inlet reads
    -273): the regulator is never built, so the panel must stay on manual control and say why.
    """
    app = make_app(settings=Settings(sensors=("inlet",)))
    key, heater = member(sim_fleet, "nano3s")
    mode_before = _mode(heater)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        screen = await _open(app, key)
        await pilot.press("t")
        await settle(pilot)
        entry = app.fleet.entries[key]
        assert entry.control is None
        assert key not in app.devices.regulators
        decision = str(screen.query_one("#decision", Static).content)
        assert "starting" not in decision
        assert "Manual control" in decision
        texts = [e.text for e in app.events]
        assert any("heat to 21.0 °C failed" in t and "inlet" in t for t in texts), texts
        assert _mode(heater) == mode_before
