"""The TUI attached to a running service (Pilot): it sees zones, changes a target, quits cleanly.

Quitting leaves the target with the service and the devices as the service runs them.
"""

from __future__ import annotations

import asyncio
import re

from firmware_sim.fleet import Fleet
from nanoheater.home import Home, Target
from nanoheater.home.intents import Intents
from nanoheater.service.remote import RemoteHome
from nanoheater.tui.attached import AttachedApp, left_to_service
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


async def test_quitting_prints_what_the_service_keeps_each_device_at(
    served: tuple[Home, str], fleet: Fleet
) -> None:
    """The quit summary: one line per device, left to the service at its mode and its target.

    Quitting still changes nothing: the Q stays in the mode its target put it in.
    """
    home, api = served
    nano, q = hosts(fleet)
    await home.rename(nano, "Kitchen")
    await home.set_target(q, Target("level", level="Eco"))
    heater = fleet.members[1].heater

    def in_eco() -> bool:
        status = home.device(q).status
        return status is not None and status.mode == "Eco" and not heater.is_calibrating()

    await until(in_eco, 15)
    async with RemoteHome(api) as remote:
        app = AttachedApp(remote)
        async with app.run_test() as pilot:
            devices = app.query_one("#devices")
            await until(lambda: devices.row_count == 2)  # type: ignore[attr-defined]
            await until(lambda: len(app.seen_zones) == 2)
            assert devices.get_row(nano)[0] == f"Kitchen ({nano})"  # type: ignore[attr-defined]
            await pilot.press("q")
        mode_at_quit = heater.state.mode_index
        lines = app.quit_summary
    assert len(lines) == 2
    assert lines[0].startswith(f"Kitchen ({nano}): left to the service at ")
    assert lines[0].endswith(f"; zone {nano}: no target (the service leaves it as it is)")
    assert f"({q}): left to the service at Eco, " in lines[1]
    assert lines[1].endswith(f"; zone {q}: target level Eco")
    await asyncio.sleep(0.5)  # control intervals after the TUI is gone
    assert heater.state.mode_index == mode_at_quit


def test_the_quit_summary_names_overrides_and_offline_devices_and_is_sanitised() -> None:
    """An override shows until when and what follows; an offline device says so; no escapes."""
    devices = [
        {"host": "127.0.0.2", "port": 4028, "name": "\x1b[31mHall", "online": False,
         "error": "timed out", "zone": "hall", "power_w": 700.0},
        {"host": "127.0.0.3", "port": 4028, "name": "127.0.0.3:4028", "product": "Avalon Q",
         "online": True, "soft_off": True, "mode": "Super", "power_w": 15.0, "zone": "hall"},
    ]  # fmt: skip
    zones = [
        {"name": "hall", "target": {"describe": "21.0 °C"}, "override": {"action": "off"},
         "manual_until_s": 1_764_590_400.0},
    ]  # fmt: skip
    hall, q = left_to_service(devices, zones)
    assert "\x1b" not in hall
    assert "Hall (127.0.0.2:4028): left to the service at offline (timed out); zone hall: " in hall
    assert re.search(r"; zone hall: manual \(off\) until \d\d:\d\d, then 21\.0 °C$", hall)
    assert q.startswith("Avalon Q (127.0.0.3:4028): left to the service at off, 15 W; zone hall")
