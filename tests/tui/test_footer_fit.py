"""Pilot tests that every screen's key list fits an 80x24 terminal."""

from __future__ import annotations

from textual.widgets._footer import FooterKey

from firmware_sim.fleet import Fleet
from nanoheater.tui.screens.device import DeviceScreen
from tests.tui.conftest import AppFactory, endpoints, settle


async def test_device_screen_keys_fit_80_columns(make_app: AppFactory, sim_fleet: Fleet) -> None:
    """Pins that no key of the device screen's footer is cut off at 80x24 (help stays one key)."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.push_screen(DeviceScreen(endpoints(sim_fleet)[0]))
        await settle(pilot)
        keys = list(app.screen.query(FooterKey))
        shown = {k.key for k in keys if k.region.right <= 80 and k.region.width > 0}
        assert {"escape", "plus", "t", "w", "v", "question_mark", "q", "ctrl+p"} == shown, shown
        assert all(k.region.right <= 80 for k in keys), "nothing is cut off"


async def test_every_screen_shows_help_and_quit_at_80_columns(
    make_app: AppFactory, sim_fleet: Fleet
) -> None:
    """Pins that ? and q are in view on every screen at 80x24, no key under the palette key.

    The fleet screen's footer ran to column 106: at 80 it ended at "l Events", so a new user
    saw neither ? (help) nor q (quit); the economics, events and settings footers put ? under
    the palette key. The app-wide f/l/s/e keys give way first; wide terminals keep them.
    """
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for screen_key in ("f", "d", "e", "l", "s"):  # d: the fleet's day view (Enter shown)
            await pilot.press(screen_key)
            await settle(pilot)
            keys = list(app.screen.query(FooterKey))
            palette = next(k for k in keys if k.has_class("-command-palette"))
            listed = [k for k in keys if k is not palette]
            name = type(app.screen).__name__
            assert {"q", "question_mark"} <= {k.key for k in listed}, (name, keys)
            assert all(k.region.right <= palette.region.x for k in listed), (name, keys)
            assert palette.region.right <= 80, name
        await pilot.press("f")
        await settle(pilot)
        await pilot.resize_terminal(120, 40)
        await settle(pilot)
        await pilot.pause(0.1)
        shown = {k.key for k in app.screen.query(FooterKey)}
        assert {"e", "l", "s", "q", "question_mark"} <= shown, shown
