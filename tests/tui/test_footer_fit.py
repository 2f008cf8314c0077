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
