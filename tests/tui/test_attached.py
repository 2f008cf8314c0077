"""The TUI attached to a running service (Pilot): it sees zones, changes a target, quits cleanly.

Quitting leaves the target with the service and the devices as the service runs them.
"""

from __future__ import annotations

import asyncio
import re
import time

import pytest
from textual.widgets import Static

from firmware_sim.fleet import Fleet
from nanoheater.history import HistoryStore, Sample, StoredDecision
from nanoheater.home import Home, Target
from nanoheater.home.intents import Intents
from nanoheater.service.remote import RemoteHome
from nanoheater.tui.attached import AttachedApp, left_to_service
from nanoheater.tui.widgets.chart import TimeChart
from nanoheater.tui.widgets.zone_charts import ZoneCharts, zone_point
from tests.home.conftest import fleet, hosts, served, until
from tests.tui.test_charts import chart_lines_of

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


async def _seed_zone_history(home: Home, keys: list[str], now_s: float) -> None:
    """Six hours before ``now_s`` (to two minutes before it): 100 W and 50 W, the room 18 -> 21 C.

    Both devices record the zone's decisions: 19 C, then 21 C for the last two hours.
    """
    start = now_s - 6 * 3600
    samples = [
        Sample(key, start + 60 * m, power_w=power_w, room_temp_c=18.0 + 3.0 * m / 360)
        for key, power_w in zip(keys, (100.0, 50.0), strict=True)
        for m in range(358)
    ]
    decisions = [
        StoredDecision(ts, key, "High", "zone", setpoint)
        for key in keys
        for ts, setpoint in ((start, 19.0), (now_s - 2 * 3600, 21.0))
    ]

    def seed(store: HistoryStore) -> None:
        store.add_samples(samples)
        for decision in decisions:
            store.add_decision(decision)

    assert home.history is not None
    await home.history.call(seed)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_a_zone_is_charted_from_the_services_history_and_v_switches_its_window(
    served: tuple[Home, str], fleet: Fleet, size: tuple[int, int]
) -> None:
    """A zone of two devices: its room under the set-point, its power summed; v to 7 days.

    The attached TUI reads the window through the service's API (no history file of its own).
    """
    home, api = served
    nano, q = hosts(fleet)
    await home.create_zone("living", [nano, q])
    keys = [home.device(nano).key, home.device(q).key]
    now = time.time()
    await _seed_zone_history(home, keys, now)
    async with RemoteHome(api) as remote:
        app = AttachedApp(remote)
        async with app.run_test(size=size) as pilot:
            charts = app.query_one(ZoneCharts)
            room = app.query_one("#zone-room", TimeChart)
            power = app.query_one("#zone-power", TimeChart)
            await until(lambda: room.plot is not None and power.plot is not None)
            assert charts.zone == "living"
            assert charts.window.value == "24h"
            assert room.plot is not None
            assert power.plot is not None
            seeded = [(ts, v) for ts, v in power.plot.points if ts < now - 300]
            assert len(seeded) >= 350
            assert {v for _, v in seeded} == {150.0}  # 100 W + 50 W, summed per minute
            rooms = [v for ts, v in room.plot.points if ts < now - 300]
            assert rooms[0] == pytest.approx(18.0, abs=0.05)
            assert rooms[-1] == pytest.approx(21.0, abs=0.05)
            assert [v for _, v in room.plot.line] == [19.0, 21.0]
            await pilot.pause()
            assert room.region.height >= 8  # on screen at this size, with its axis
            if size[1] >= 40:
                assert room.region.height >= 14  # half a tall terminal
            room_lines = chart_lines_of(room)
            assert room_lines[0].startswith("Room")
            assert "set-point 21.0 °C" in room_lines[0]
            assert re.search(r"\d\d:\d\d", room_lines[-1])  # the local-time axis
            assert chart_lines_of(power)[0].startswith("Zone power")
            bar = str(app.query_one("#zone-window-bar", Static).render())
            assert "Zone living, last 24 hours" in bar
            await pilot.press("v")
            await until(lambda: room.plot is not None and room.plot.bucket_s == 3600)
            assert charts.window.value == "7d"
            assert room.plot.until_s - room.plot.since_s == pytest.approx(7 * 86_400, abs=3600)
            assert "last 7 days" in str(app.query_one("#zone-window-bar", Static).render())
            # On to 15 minutes (per second: the service's own readings) and 6 hours (per minute).
            for name, bucket_s, span_s in (("15 minutes", 1, 900), ("6 hours", 60, 6 * 3600)):
                await pilot.press("v")

                def switched(bucket_s: int = bucket_s) -> bool:
                    return power.plot is not None and power.plot.bucket_s == bucket_s

                await until(switched)
                assert room.plot is not None
                assert power.plot is not None
                assert power.plot.until_s - power.plot.since_s == pytest.approx(span_s, abs=60)
                assert power.plot.points, name  # the service's readings, or the seeded minutes
                assert all(v > 0 for _, v in power.plot.points)
                bar = str(app.query_one("#zone-window-bar", Static).render())
                assert f"last {name}" in bar
                await pilot.pause()
                assert re.search(r"\d\d:\d\d", chart_lines_of(room)[-1])  # the time axis
            seeded = [(ts, v) for ts, v in power.plot.points if ts < now - 300]
            assert len(seeded) >= 340
            assert {v for _, v in seeded} == {150.0}
            await pilot.press("q")


async def test_a_zones_live_readings_are_appended_between_its_window_reads(
    served: tuple[Home, str], fleet: Fleet
) -> None:
    """After a window read, each reading the service streams adds the zone's point at once.

    The window is read again only once a minute (``ZONE_WINDOW_REFRESH_S``); in between the
    chart ends at the newest reading and its last point is the zone's power then: both devices'
    latest power summed, as the service sent them.
    """
    home, api = served
    nano, q = hosts(fleet)
    await home.create_zone("living", [nano, q])
    async with RemoteHome(api) as remote:
        app = AttachedApp(remote)
        reads: list[str] = []
        zone_window = remote.zone_window

        async def counted(ref: str, window: str) -> dict[str, object]:
            reads.append(window)
            return await zone_window(ref, window)

        remote.zone_window = counted  # type: ignore[method-assign]
        async with app.run_test(size=(80, 24)) as pilot:
            power = app.query_one("#zone-power", TimeChart)
            room = app.query_one("#zone-room", TimeChart)
            charts = app.query_one(ZoneCharts)
            await until(lambda: power.plot is not None)
            await until(
                lambda: not any(w.group == "zone-window" and w.is_running for w in app.workers)
            )
            assert power.plot is not None
            read_until, asked = power.plot.until_s, len(reads)
            await until(lambda: power.plot is not None and power.plot.until_s > read_until + 1.0)
            assert len(reads) == asked  # no read since: the chart moved on live points alone
            plot, room_plot = power.plot, room.plot
            assert plot is not None
            assert room_plot is not None
            newest = max(float(d["updated_s"]) for d in app.seen_devices.values())
            assert plot.until_s == pytest.approx(newest + 1.0)
            assert plot.since_s == pytest.approx(plot.until_s - 86_400, abs=60)
            last_ts = plot.points[-1][0]
            assert last_ts > read_until
            watts = [d["power_w"] for d in app.seen_devices.values() if d["zone"] == "living"]
            assert len(watts) == 2
            assert min(watts) > 0
            live = [(ts, w) for ts, w in plot.points if ts > read_until]
            assert any(w == pytest.approx(sum(watts)) for _, w in live[-3:]), (live[-3:], watts)
            assert room_plot.points[-1][0] > read_until
            assert charts.window.value == "24h"
            await pilot.press("q")


def test_a_zones_live_point_takes_only_plausible_readings() -> None:
    """The service's JSON is input: past 2100, NaN, infinity, text, a stale member: none count."""
    now = 1_764_590_400.0
    devices = [
        {"zone": "living", "online": True, "updated_s": now, "power_w": 100.0, "room_c": 20.0},
        {"zone": "living", "online": True, "updated_s": now - 5, "power_w": 50.0, "room_c": None,
         "inlet_temp_c": 22.0},
        {"zone": "living", "online": True, "updated_s": 1e300, "power_w": 1e9},
        {"zone": "living", "online": True, "updated_s": now - 600, "power_w": 7.0},
        {"zone": "living", "online": False, "updated_s": now, "power_w": 9.0},
        {"zone": "living", "online": True, "updated_s": now, "power_w": float("nan")},
        {"zone": "living", "online": True, "updated_s": now, "power_w": float("inf"),
         "room_c": float("-inf")},
        {"zone": "living", "online": True, "updated_s": now, "power_w": "300"},
        {"zone": "hall", "online": True, "updated_s": now, "power_w": 500.0},
    ]  # fmt: skip
    point = zone_point(devices, "living")
    assert point is not None
    assert point.ts_s == now
    assert point.power_w == 150.0
    assert point.room_temp_c == 21.0  # 20 °C and the second's inlet, 22 °C
    assert zone_point(devices, "attic") is None


async def test_the_selected_zone_shows_the_room_the_service_learned(
    served: tuple[Home, str], fleet: Fleet
) -> None:
    """Under the zone's charts: its room model from the zone JSON (here, what the fit needs)."""
    home, api = served
    nano, _q = hosts(fleet)
    await home.create_zone("living", [nano])
    await until(lambda: bool((home.zone("living").room or {}).get("text")))
    async with RemoteHome(api) as remote:
        app = AttachedApp(remote)
        async with app.run_test(size=(100, 30)) as pilot:
            charts = app.query_one(ZoneCharts)
            line = app.query_one("#zone-room-model", Static)
            zones = app.query_one("#zones")
            await until(lambda: zones.row_count >= 2)  # type: ignore[attr-defined]
            for _ in range(zones.row_count):  # type: ignore[attr-defined]
                if charts.zone == "living":
                    break
                await pilot.press("down")
            assert charts.zone == "living"
            await until(lambda: line.display and "living" in str(line.render()))
            text = str(line.render())
            assert text.startswith("Room (living): learning the room: needs more hours"), text
            await pilot.press("q")
