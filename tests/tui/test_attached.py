"""The TUI attached to a running service (Pilot): it sees zones, changes a target, quits cleanly.

Quitting leaves the target with the service and the devices as the service runs them.
"""

from __future__ import annotations

import asyncio

from firmware_sim.fleet import Fleet
from nanoheater.home import Home, Target
from nanoheater.home.intents import Intents
from nanoheater.service.remote import RemoteHome
from nanoheater.tui.attached import AttachedApp
from tests.home.conftest import fleet, hosts, served, until

__all__ = ["fleet", "served"]


async def test_attached_tui_changes_a_target_that_survives_quitting(
    served: tuple[Home, str], fleet: Fleet
) -> None:
    """Select the Q's zone, set level Standard; after quitting the target and the mode remain."""
    home, api = served
    q = hosts(fleet)[1]
    heater = fleet.members[1].heater
    async with RemoteHome(api) as remote:
        app = AttachedApp(remote)
        async with app.run_test() as pilot:
            assert "attached to nanoheater serve" in app.sub_title
            zones = app.query_one("#zones")
            await until(lambda: zones.row_count == 2)  # type: ignore[attr-defined]
            devices = app.query_one("#devices")
            await until(lambda: devices.row_count == 2)  # type: ignore[attr-defined]
            await pilot.press("down", "l")
            await pilot.press(*"Standard", "enter")
            await until(lambda: home.zone(q).target == Target("level", level="Standard"))
            await until(lambda: heater.state.mode_index == 1 and not heater.is_calibrating(), 15)
            await until(lambda: "Standard" in str(zones.get_row(q)))  # type: ignore[attr-defined]
            await pilot.press("q")
        await asyncio.sleep(1.0)  # several control intervals after the TUI is gone
    assert home.zone(q).target == Target("level", level="Standard")
    assert Intents.load(home.intents_path).targets[q] == Target("level", level="Standard")
    assert heater.state.mode_index == 1  # quitting the TUI changed nothing on the device
    assert home.zone(hosts(fleet)[0]).target is None  # the other zone was never touched


async def test_an_alert_of_the_service_is_shown_with_its_severity(
    served: tuple[Home, str], fleet: Fleet
) -> None:
    """An alert event from the service becomes an error toast and the status line."""
    home, api = served
    async with RemoteHome(api) as remote:
        app = AttachedApp(remote)
        async with app.run_test() as pilot:
            zones = app.query_one("#zones")
            await until(lambda: zones.row_count == 2)  # type: ignore[attr-defined]
            await asyncio.sleep(0.3)  # the stream is followed
            home.record_event("office", "alert", "[critical] office: room at 4.2 C")
            await until(lambda: any("room at 4.2" in n.message for n in app._notifications))
            toast = next(n for n in app._notifications if "room at 4.2" in n.message)
            assert toast.severity == "error"
            status = app.query_one("#status")
            assert "alert: [critical]" in str(status.render())
            await pilot.press("q")
