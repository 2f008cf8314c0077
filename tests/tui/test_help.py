"""Pilot tests of the in-app help and of Esc closing the Keys panel."""

from __future__ import annotations

from textual.widgets import Markdown

from firmware_sim.fleet import Fleet
from nanoheater.tui.screens.device import DeviceScreen
from nanoheater.tui.screens.fleet import FleetScreen
from nanoheater.tui.screens.help import HelpScreen
from tests.tui.conftest import AppFactory, endpoints, settle


async def test_question_mark_and_f1_open_the_help(make_app: AppFactory) -> None:
    """Pins that ? and F1 open a help that explains calibrating and modes; Esc closes it."""
    app = make_app(scan_on_start=False)
    async with app.run_test(size=(80, 24)) as pilot:
        for key in ("question_mark", "f1"):
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, HelpScreen)
            text = app.screen.query_one(Markdown).source
            assert "**calibrating**" in text
            assert "refuses another mode change" in text
            assert "## Modes" in text
            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, FleetScreen)


async def test_escape_closes_the_keys_panel_before_leaving_the_screen(
    make_app: AppFactory, sim_fleet: Fleet
) -> None:
    """Pins that Esc first closes the Keys panel, and only a second Esc goes back."""
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        app.action_show_help_panel()  # on the fleet screen, which has no Esc of its own
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, FleetScreen)
        assert not app.screen.query("HelpPanel")
        await app.push_screen(DeviceScreen(endpoints(sim_fleet)[0]))
        await settle(pilot)
        app.action_show_help_panel()
        await settle(pilot)
        assert app.screen.query("HelpPanel")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DeviceScreen)
        assert not app.screen.query("HelpPanel")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, FleetScreen)
