"""Pilot tests of switching between the fleet and a kept device screen: no needless rebuilds."""

from __future__ import annotations

from textual.widgets import Header
from textual.widgets._footer import FooterKey

from firmware_sim.fleet import Fleet
from nanoheater.tui.app import NanoheaterApp
from nanoheater.tui.screens.device import DeviceScreen
from nanoheater.tui.screens.fleet import FleetScreen
from nanoheater.tui.widgets.fleet_table import FleetTable
from tests.tui.conftest import AppFactory, poll, settle


def _keys(app: NanoheaterApp) -> list[FooterKey]:
    return list(app.screen.query(FooterKey))


async def test_footer_keys_survive_opening_and_closing_a_device(
    make_app: AppFactory, sim_fleet: Fleet
) -> None:
    """Pins that each screen's footer shows its own keys and is not rebuilt on every switch."""
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.screen.query_one(FleetTable).focus()
        await pilot.pause()
        fleet_keys = _keys(app)
        assert {"a", "r", "q"} <= {k.key for k in fleet_keys}
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DeviceScreen)
        device_keys = _keys(app)
        assert {"escape", "t", "w", "v", "plus"} <= {k.key for k in device_keys}
        for _ in range(2):
            await pilot.press("escape")
            await poll(pilot, sim_fleet, 60)
            assert isinstance(app.screen, FleetScreen)
            assert _keys(app) == fleet_keys, "the fleet footer was kept, not rebuilt"
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, DeviceScreen)
            assert _keys(app) == device_keys, "the device footer was kept, not rebuilt"


async def test_device_screen_follows_a_theme_change_made_while_away(
    make_app: AppFactory, sim_fleet: Fleet
) -> None:
    """Pins that a kept device screen is restyled when the theme changed while it was hidden."""
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.screen.query_one(FleetTable).focus()
        await pilot.press("enter")
        await settle(pilot)
        device = app.screen
        assert isinstance(device, DeviceScreen)
        dark = device.query_one(Header).styles.background
        await pilot.press("escape")
        await settle(pilot)
        app.theme = "textual-light"
        await settle(pilot)
        fleet_light = app.screen.query_one(Header).styles.background
        assert fleet_light != dark
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is device
        assert device.query_one(Header).styles.background == fleet_light


async def test_long_lived_widgets_are_kept_out_of_full_collections(make_app: AppFactory) -> None:
    """Pins gc.freeze after the first frame and after a device screen is built (no 100 ms GC)."""
    import gc

    gc.unfreeze()
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        after_start = gc.get_freeze_count()
        assert after_start > 0
        app.screen.query_one(FleetTable).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert gc.get_freeze_count() > after_start
    gc.unfreeze()
