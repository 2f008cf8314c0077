"""Pilot tests of the device screen: charts, controls reaching the simulator, refusals."""

from __future__ import annotations

from textual.widgets import Select

from firmware_sim.device import SimulatedHeater
from firmware_sim.faults import arm_fault
from firmware_sim.fleet import Fleet
from nanoheater.models import HeaterStatus
from nanoheater.tui.app import NanoheaterApp
from nanoheater.tui.screens.device import DeviceScreen
from nanoheater.tui.widgets.chart import TimeChart
from nanoheater.tui.widgets.device_stats import RefusalBanner
from tests.fleets import MODELS
from tests.tui.conftest import AppFactory, poll, settle


def _key(fleet: Fleet, model: str) -> tuple[str, SimulatedHeater]:
    member = fleet.members[MODELS.index(model)]
    return f"{member.server.host}:{member.server.port}", member.heater


def _mode_name(heater: SimulatedHeater) -> str:
    return heater.profile.modes[heater.state.mode_index].name


def _standby(heater: SimulatedHeater) -> bool:
    return heater.state.soft_off


def _reading(app: NanoheaterApp, key: str) -> HeaterStatus:
    entry = app.fleet.get(key)
    assert entry is not None
    assert entry.status is not None
    return entry.status


async def _open(app: NanoheaterApp, key: str) -> DeviceScreen:
    screen = DeviceScreen(key)
    await app.push_screen(screen)
    return screen


async def test_charts_follow_polls(make_app: AppFactory, sim_fleet: Fleet) -> None:
    """Pins that each poll adds one point to the power, room, hashrate and chip charts."""
    app = make_app()
    key, _ = _key(sim_fleet, "q")
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        screen = await _open(app, key)
        for _ in range(3):
            await poll(pilot, sim_fleet, 60)
        entry = app.fleet.get(key)
        assert entry is not None
        assert entry.status is not None
        for series in ("hashrate_ths", "power_w", "chip_temp_c", "room_temp_c"):
            plot = screen.query_one(f"#chart-{series}", TimeChart).plot
            assert plot is not None, series
            assert len(plot.points) == 4, series
        power = screen.query_one("#chart-power_w", TimeChart).plot
        assert power is not None
        assert power.points[-1] == (entry.received_s, entry.status.power_w)
        assert screen.window == "15m"  # no history file: the live window


async def test_mode_change_reaches_the_simulator(make_app: AppFactory, sim_fleet: Fleet) -> None:
    """Pins that choosing a mode sends it: the simulated device runs that mode afterwards."""
    app = make_app()
    key, heater = _key(sim_fleet, "nano3")
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        screen = await _open(app, key)
        wanted = next(m.name for m in heater.profile.modes if m.name != _mode_name(heater))
        screen.query_one("#mode-select", Select).value = wanted
        await settle(pilot)
        assert _mode_name(heater) == wanted
        entry = app.fleet.get(key)
        assert entry is not None
        assert entry.status is not None
        assert entry.status.mode == wanted
        assert any(f"set mode {wanted}: done" in e.text for e in app.events)


async def test_calibrating_refusal_is_shown_with_retry_time(
    make_app: AppFactory, sim_fleet: Fleet
) -> None:
    """Pins that a refused mode change shows a banner with the reason and a retry time."""
    app = make_app()
    key, heater = _key(sim_fleet, "nano3s")
    arm_fault(heater, "calibrating")
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        screen = await _open(app, key)
        before = _mode_name(heater)
        wanted = next(m.name for m in heater.profile.modes if m.name != before)
        screen.query_one("#mode-select", Select).value = wanted
        await settle(pilot)
        assert _mode_name(heater) == before, "the simulator refused"
        entry = app.fleet.get(key)
        assert entry is not None
        assert entry.refusal is not None
        assert entry.refusal.retry_at_s is not None
        banner = screen.query_one(RefusalBanner)
        assert banner.display
        assert banner.has_class("-shown")
        text = str(banner.render())
        assert f"set mode {wanted}" in text
        assert "Retry in" in text
        assert any("refused" in n.message for n in app._notifications)


async def test_a_mode_pick_survives_a_redraw_before_it_is_handled(
    make_app: AppFactory, sim_fleet: Fleet
) -> None:
    """A redraw between a pick and its Changed message must not eat the pick.

    Every reading and every event redraws the screen, which presets the selector to the
    device's mode. A preset flag consumed by the next Changed took the user's pick for the
    preset and sent the old mode back: the change was lost (under load, the screen's own
    resume redraw did it to test_calibrating_refusal_is_shown_with_retry_time).
    """
    app = make_app()
    key, heater = _key(sim_fleet, "nano3s")
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        screen = await _open(app, key)
        await settle(pilot)
        before = _mode_name(heater)
        wanted = next(m.name for m in heater.profile.modes if m.name != before)
        screen.query_one("#mode-select", Select).value = wanted
        screen.fleet_changed(key)  # a reading or an event lands before the pick is handled
        await settle(pilot)
        assert _mode_name(heater) == wanted
        assert any(f"set mode {wanted}: done" in e.text for e in app.events)


async def test_soft_off_and_on_reach_the_simulator(make_app: AppFactory, sim_fleet: Fleet) -> None:
    """Pins that the soft off and soft on keys switch a Nano 3 to standby and back."""
    app = make_app()
    key, heater = _key(sim_fleet, "nano3")
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        await _open(app, key)
        await pilot.press("o")
        await settle(pilot)
        await poll(pilot, sim_fleet, 120)
        assert _standby(heater)
        assert _reading(app, key).soft_off
        assert app.fleet.entries[key].state_label == "off"
        await pilot.press("n")
        await settle(pilot)
        await poll(pilot, sim_fleet, 120)
        assert not _standby(heater)
        assert not _reading(app, key).soft_off


async def test_soft_off_unsupported_model_is_explained(
    make_app: AppFactory, sim_fleet: Fleet
) -> None:
    """Pins that a Nano 3S (no soft off) gets a notification instead of a command."""
    app = make_app()
    key, _ = _key(sim_fleet, "nano3s")
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        screen = await _open(app, key)
        assert screen.query_one("#soft-off").disabled
        await pilot.press("o")
        await settle(pilot)
        assert any("no soft off" in n.message for n in app._notifications)
        assert not any("soft off" in e.text for e in app.events)


async def test_fan_choice_reaches_the_simulator(make_app: AppFactory, sim_fleet: Fleet) -> None:
    """Pins that choosing a fan duty sets it on the device."""
    app = make_app()
    key, _ = _key(sim_fleet, "q")
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        screen = await _open(app, key)
        screen.query_one("#fan-select", Select).value = 75
        await settle(pilot)
        await poll(pilot, sim_fleet, 30)
        entry = app.fleet.get(key)
        assert entry is not None
        assert entry.status is not None
        assert entry.status.fan_percent == 75


async def test_select_prompts_do_not_read_as_values(make_app: AppFactory, sim_fleet: Fleet) -> None:
    """Pins that the mode, fan and level lists prompt "choose…", not "fan"/"hold level"."""
    app = make_app()
    key, _ = _key(sim_fleet, "q")
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        screen = await _open(app, key)
        await settle(pilot)
        for select_id in ("#mode-select", "#fan-select", "#level-select"):
            assert screen.query_one(select_id, Select).prompt == "choose…", select_id
