"""The README's demo quit summary is what the TUI prints, in the situation the README names."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from firmware_sim.clock import VirtualClock
from firmware_sim.fleet import Fleet, parse_models
from nanoheater.cli.demo import DEFAULT_MODELS
from nanoheater.controller.targets import RoomTemperature
from nanoheater.tui.regulation import TargetChoice
from nanoheater.tui.screens.quit_wait import QuitWaitScreen
from tests.fleets import member
from tests.readme_blocks import normalised, readme_exit_lines
from tests.tui.conftest import AppFactory, poll, settle


@pytest.fixture
async def sim_fleet() -> AsyncIterator[Fleet]:
    """The demo's fleet (its models and seed, so its names), in virtual time on free ports."""
    fleet = Fleet(
        parse_models(DEFAULT_MODELS), address="127.0.0.1", port=0, layout="ports",
        clock=VirtualClock(), seed=0, tick_s=3600,
    )  # fmt: skip
    async with fleet:
        yield fleet


async def test_the_readme_demo_quit_summary_is_what_the_tui_prints(
    make_app: AppFactory, sim_fleet: Fleet
) -> None:
    """A heat target on the Q (its window long closed) and on a Nano 3S just switched to Mid.

    Quit, skip the wait: the lines must be the README's, but for addresses and the power read
    at that moment (a stale README said 15 W where a Q now settles to 20 W, and named devices
    the demo no longer has).
    """
    app = make_app()
    q_key, _ = member(sim_fleet, "q")
    nano_key, nano = member(sim_fleet, "nano3s")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.devices.engage(q_key, TargetChoice(RoomTemperature(24.0)))
        await settle(pilot)
        await poll(pilot, sim_fleet, 900)  # the Q's window after its mode change closes
        nano.set_mode(1)  # someone just switched it to Mid: its window is open
        await poll(pilot, sim_fleet, 120)  # its power settles; 3 of its 5 minutes are left
        app.devices.engage(nano_key, TargetChoice(RoomTemperature(30.0)))
        await settle(pilot)
        await pilot.press("q")
        await settle(pilot)
        assert isinstance(app.screen, QuitWaitScreen)
        await pilot.press("s")
    printed = [normalised(f"exit: {line}") for line in app.quit_summary]
    shown = readme_exit_lines("the wait skipped with `s`")
    assert printed == [normalised(line) for line in shown]
