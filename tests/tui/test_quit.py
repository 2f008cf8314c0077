"""Pilot tests of quitting: devices under the controller are left safe, others are left alone."""

from __future__ import annotations

from textual.widgets import Label

from firmware_sim.device import SimulatedHeater
from firmware_sim.faults import arm_fault
from firmware_sim.fleet import Fleet
from nanoheater.controller.targets import RoomTemperature
from nanoheater.tui.regulation import TargetChoice
from nanoheater.tui.screens.quit_wait import TICK_S, QuitWaitScreen
from tests.fleets import MODELS, member
from tests.tui.conftest import AppFactory, poll, settle


def _mode(heater: SimulatedHeater) -> str:
    return heater.profile.modes[heater.state.mode_index].name


async def test_quit_leaves_controlled_devices_at_the_exit_level(
    make_app: AppFactory, sim_fleet: Fleet
) -> None:
    """Pins that quitting puts a regulated device at its lowest heating step, and no other."""
    app = make_app()
    q_key, q = member(sim_fleet, "q")
    _, mini = member(sim_fleet, "mini3")
    top = mini.profile.modes[-1].name
    mini.set_mode(len(mini.profile.modes) - 1)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        app.devices.engage(q_key, TargetChoice(RoomTemperature(22.0)))
        await settle(pilot)
        assert _mode(q) != q.profile.modes[0].name, "the controller turned the heat up"
        await poll(pilot, sim_fleet, 900)  # past the mode change's calibration
        await pilot.press("q")
    assert _mode(q) == q.profile.modes[0].name
    assert not q.state.soft_off
    assert _mode(mini) == top, "a device under manual control is left alone"
    exits = [e for e in app.events if e.text.startswith("exit level lowest")]
    assert [e.device for e in exits] == [app.fleet.entries[q_key].name]
    # The quit summary names every device: what the exit level did, or that it was not touched.
    summary = {line.split(" (")[0]: line for line in app.quit_summary}
    assert len(summary) == len(MODELS)
    q_line = summary[app.fleet.entries[q_key].name]
    assert f"exit level lowest: left at {q.profile.modes[0].name}" in q_line
    mini_name = next(e.name for e in app.fleet if e.status and e.status.mode == top)
    assert f"not touched (manual control): {top}" in summary[mini_name]


async def test_quit_inside_the_calibration_window_says_what_the_device_was_left_at(
    make_app: AppFactory, sim_fleet: Fleet
) -> None:
    """Pins that a quit right after a mode change says the Nano 3S heats on, and why."""
    app = make_app()
    key, nano = member(sim_fleet, "nano3s")
    nano.set_mode(1)  # someone just switched it: its calibration window is open
    middle = _mode(nano)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        app.devices.engage(key, TargetChoice(RoomTemperature(30.0)))
        await settle(pilot)
        await pilot.press("q")
        await settle(pilot)
        assert isinstance(app.screen, QuitWaitScreen), "quitting waits for calibration"
        await pilot.press("s")  # the user does not wait
    assert _mode(nano) == middle, "the exit mode was refused"
    line = next(x for x in app.quit_summary if key in x)
    assert f"left at {middle}" in line, line
    assert "(asked: Low)" in line
    assert "calibrating after a mode change" in line
    assert f"no soft off, so it keeps heating at {middle}" in line


async def test_quit_does_not_wait_for_an_unreachable_device(
    make_app: AppFactory, sim_fleet: Fleet
) -> None:
    """Pins that a regulated device that stops answering is given up on at the exit bound."""
    app = make_app(exit_timeout_s=0.5)
    q_key, q = member(sim_fleet, "q")
    mini_key, mini = member(sim_fleet, "mini3")
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        for key in (q_key, mini_key):
            app.devices.engage(key, TargetChoice(RoomTemperature(22.0)))
        await settle(pilot)
        await poll(pilot, sim_fleet, 900)
        arm_fault(mini, "delay", count=-1, delay_s=5.0)
        await pilot.press("q")
    assert _mode(q) == q.profile.modes[0].name, "the reachable device is still left safe"
    texts = {e.device: e.text for e in app.events if e.text.startswith("exit level")}
    assert "no answer within 0.5 s" in texts[app.fleet.entries[mini_key].name]


async def test_quit_waits_visibly_for_calibration_then_sets_the_exit_level(
    make_app: AppFactory, sim_fleet: Fleet
) -> None:
    """Pins that quitting inside a calibration window counts down, then leaves the exit level.

    Before, the TUI quit at once: the Nano 3S refused the exit mode and kept heating.
    """
    app = make_app()
    key, nano = member(sim_fleet, "nano3s")
    nano.set_mode(1)  # someone just switched it: its calibration window is open
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        app.devices.engage(key, TargetChoice(RoomTemperature(30.0)))
        await settle(pilot)
        await pilot.press("q")
        await settle(pilot)
        assert isinstance(app.screen, QuitWaitScreen)
        text = str(app.screen.query_one("#quit-wait-text", Label).render())
        assert "Calibrating after a mode change" in text, text
        assert "6:00" in text, text
        assert app.is_running, "still waiting"
        await poll(pilot, sim_fleet, 900)  # the window closes on the device's clock
        await pilot.pause(TICK_S * 2)
    assert _mode(nano) == nano.profile.modes[0].name, "the exit level was set after the wait"
    line = next(x for x in app.quit_summary if key in x)
    assert f"exit level lowest: left at {nano.profile.modes[0].name}" in line, line


async def test_the_quit_wait_is_bounded(make_app: AppFactory, sim_fleet: Fleet) -> None:
    """Pins that the wait ends at its bound with the honest summary, calibrating or not."""
    app = make_app(quit_wait_s=0.2)
    key, nano = member(sim_fleet, "nano3s")
    nano.set_mode(1)
    middle = _mode(nano)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        app.devices.engage(key, TargetChoice(RoomTemperature(30.0)))
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause(TICK_S * 2)
    assert _mode(nano) == middle
    assert any("still calibrating after the wait" in e.text for e in app.events)
    assert "calibrating after a mode change" in next(x for x in app.quit_summary if key in x)
