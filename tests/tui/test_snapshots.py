"""Layout snapshots at fixed terminal sizes: fleet, device detail, and the error states.

The fleet runs in virtual time with a fixed seed on fixed loopback addresses, and the app's wall
clock is pinned, so every number on screen is the same on every run. ``snap_compare`` runs the
app in its own event loop, so the simulator is started inside ``run_before`` and stopped there
once the screen has what it needs. Update with ``--snapshot-update`` only after looking at the
report (Textual docs/guide/testing.md).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Select

from firmware_sim.clock import VirtualClock
from firmware_sim.faults import arm_fault
from firmware_sim.fleet import Fleet
from nanoheater.client import HeaterClient
from nanoheater.config import CapsSettings, QuietHoursSettings, Settings
from nanoheater.controller.targets import parse_schedule
from nanoheater.discovery import browse
from nanoheater.history import AsyncHistoryStore, HistoryStore, Window
from nanoheater.models import DiscoveredHeater
from nanoheater.tui.app import NanoheaterApp
from nanoheater.tui.regulation import TargetChoice
from nanoheater.tui.screens.device import DeviceScreen
from tests.fleets import MODELS
from tests.tui.conftest import settle
from tests.tui.seeded_history import seed_ledger
from tests.tui.test_charts import open_seeded
from tests.tui.test_fleet_day import seed_fleet
from tests.tui.test_room_marks import SCHEDULE as ROOM_SCHEDULE

SNAPSHOT_PORT = 40710
"""A fixed port: the run has its own network namespace, so nothing else holds it."""

Snap = Callable[..., bool]
Steps = Callable[[Pilot[None], Fleet], Awaitable[None]]


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> None:
    """Print local times as UTC so a retry time reads the same on every machine."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


ROOT = Path(__file__).resolve().parents[2]
README_PICTURES = {
    "assets/device-24h.svg": "test_device_quiet_hours[120x40].svg",
    "assets/fleet-day.svg": "test_fleet_day[120x40].svg",
    "assets/economics-month.svg": "test_economics_month[120x40].svg",
}
"""The README's chart pictures and the snapshots (of today's screens) they are copies of."""


@pytest.mark.parametrize("asset", list(README_PICTURES))
def test_readme_pictures_are_the_current_snapshots(asset: str) -> None:
    """A snapshot regenerated for a changed screen must be copied over its README picture too."""
    snapshot = Path(__file__).parent / "__snapshots__" / "test_snapshots" / README_PICTURES[asset]
    assert f"]({asset})" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert (ROOT / asset).read_bytes() == snapshot.read_bytes(), f"cp '{snapshot}' {asset}"


class SimFleet:
    """Starts a seeded fleet inside the snapshot's own event loop and serves the app from it."""

    def __init__(self) -> None:
        self.fleet: Fleet | None = None
        # One pinned virtual clock (2025-12-01 00:00 UTC, moved only by the steps) for the
        # fleet and the app, as in the demo: readings are booked when they arrive on it.
        self.clock = VirtualClock()

    def endpoints(self) -> list[str]:
        assert self.fleet is not None
        return [f"{m.server.host}:{m.server.port}" for m in self.fleet.members]

    async def connect(self, heater: DiscoveredHeater) -> HeaterClient:
        return await HeaterClient.connect_tcp(heater.host, heater.port, timeout_s=2.0)

    def discover(self) -> AsyncIterator[DiscoveredHeater]:
        return browse(mdns=False, hosts=self.endpoints(), timeout_s=1.0)

    def app(
        self,
        tmp_path: Path,
        history: AsyncHistoryStore | None = None,
        settings: Settings | None = None,
    ) -> NanoheaterApp:
        return NanoheaterApp(
            settings or Settings(),
            connect=self.connect,
            discover=self.discover,
            config_file=tmp_path / "config.toml",
            poll_interval_s=3600.0,
            control_interval_s=3600.0,
            scan_on_start=False,
            clock=self.clock.now,
            history=history,
        )

    def run_before(
        self, app: NanoheaterApp, steps: Steps
    ) -> Callable[[Pilot[None]], Awaitable[None]]:
        async def run(pilot: Pilot[None]) -> None:
            fleet = Fleet(
                list(MODELS),
                address="127.0.0.2",
                port=SNAPSHOT_PORT,
                clock=self.clock,
                seed=0,
                tick_s=3600,
            )
            self.fleet = fleet
            async with fleet:
                app.rescan()
                await settle(pilot)
                for _ in range(6):
                    _advance(fleet, 60)
                    app.poll_all()
                    await settle(pilot)
                await steps(pilot, fleet)
            await pilot.pause()

        return run


def _advance(fleet: Fleet, seconds: float) -> None:
    clock = fleet.clock
    assert isinstance(clock, VirtualClock)
    clock.advance(seconds)
    fleet.world.sync()


def _key(fleet: Fleet, model: str) -> str:
    member = fleet.members[MODELS.index(model)]
    return f"{member.server.host}:{member.server.port}"


async def _nothing(pilot: Pilot[None], fleet: Fleet) -> None:
    return None


def test_fleet_80x24(snap_compare: Snap, tmp_path: Path) -> None:
    """Pins the fleet screen in a standard 80x24 terminal."""
    sim = SimFleet()
    app = sim.app(tmp_path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=sim.run_before(app, _nothing))


def test_fleet_wide_120x30(snap_compare: Snap, tmp_path: Path) -> None:
    """Pins the wide fleet layout (full names, wider columns) in a 120x30 terminal."""
    sim = SimFleet()
    app = sim.app(tmp_path)
    assert snap_compare(app, terminal_size=(120, 30), run_before=sim.run_before(app, _nothing))


def test_device_100x32(snap_compare: Snap, tmp_path: Path) -> None:
    """Pins the device screen: stats, four charts, controls and the heat target."""
    sim = SimFleet()
    app = sim.app(tmp_path)

    async def open_q(pilot: Pilot[None], fleet: Fleet) -> None:
        await app.push_screen(DeviceScreen(_key(fleet, "q")))
        await pilot.pause()

    assert snap_compare(app, terminal_size=(100, 32), run_before=sim.run_before(app, open_q))


def test_refusal_80x24(snap_compare: Snap, tmp_path: Path) -> None:
    """Pins the refusal banner: what was refused, the device's words, when to retry."""
    sim = SimFleet()
    app = sim.app(tmp_path)

    async def refuse(pilot: Pilot[None], fleet: Fleet) -> None:
        arm_fault(fleet.members[MODELS.index("nano3s")].heater, "calibrating")
        screen = DeviceScreen(_key(fleet, "nano3s"))
        await app.push_screen(screen)
        screen.query_one("#mode-select", Select).value = "Low"
        await settle(pilot)
        app.clear_notifications()

    assert snap_compare(app, terminal_size=(80, 24), run_before=sim.run_before(app, refuse))


def test_offline_80x24(snap_compare: Snap, tmp_path: Path) -> None:
    """Pins an offline device: still listed, marked offline, last reading dimmed, and the toast."""
    sim = SimFleet()
    app = sim.app(tmp_path)

    async def unplug(pilot: Pilot[None], fleet: Fleet) -> None:
        await fleet.members[MODELS.index("nano3")].server.stop()
        app.poll_all()
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=sim.run_before(app, unplug))


WINDOW_PRESSES = {Window.H24: 0, Window.D7: 1, Window.M15: 2, Window.H6: 3}
"""Presses of ``v`` from the device screen's first window (24 h) to each window."""


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
@pytest.mark.parametrize("window", list(WINDOW_PRESSES), ids=[w.value for w in WINDOW_PRESSES])
def test_device_window(
    snap_compare: Snap, tmp_path: Path, window: Window, size: tuple[int, int]
) -> None:
    """Pins the four charts of a seeded week (overnight curve, set-back, an outage) per window."""
    sim = SimFleet()
    history = AsyncHistoryStore(HistoryStore.open(tmp_path / "history.sqlite3"))
    app = sim.app(tmp_path, history)

    async def open_window(pilot: Pilot[None], fleet: Fleet) -> None:
        await open_seeded(app, history, fleet)
        await settle(pilot)
        for _ in range(WINDOW_PRESSES[window]):
            await pilot.press("v")
            await settle(pilot)

    try:
        assert snap_compare(app, terminal_size=size, run_before=sim.run_before(app, open_window))
    finally:
        asyncio.run(history.close())


@pytest.mark.parametrize("window", list(WINDOW_PRESSES), ids=[w.value for w in WINDOW_PRESSES])
def test_device_window_lower_charts_80x24(
    snap_compare: Snap, tmp_path: Path, window: Window
) -> None:
    """Pins hashrate and chip per window at 80x24, scrolled to them (below the fold there)."""
    sim = SimFleet()
    history = AsyncHistoryStore(HistoryStore.open(tmp_path / "history.sqlite3"))
    app = sim.app(tmp_path, history)

    async def open_window(pilot: Pilot[None], fleet: Fleet) -> None:
        screen = await open_seeded(app, history, fleet)
        await settle(pilot)
        for _ in range(WINDOW_PRESSES[window]):
            await pilot.press("v")
            await settle(pilot)
        screen.query_one("#chart-chip_temp_c").scroll_visible(animate=False, top=False)
        await settle(pilot)

    try:
        assert snap_compare(
            app, terminal_size=(80, 24), run_before=sim.run_before(app, open_window)
        )
    finally:
        asyncio.run(history.close())


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_device_quiet_hours(snap_compare: Snap, tmp_path: Path, size: tuple[int, int]) -> None:
    """Pins the room chart's marks: quiet hours 22:00-07:00 shaded, a schedule's steps, legend."""
    sim = SimFleet()
    history = AsyncHistoryStore(HistoryStore.open(tmp_path / "history.sqlite3"))
    quiet = QuietHoursSettings(start_hour=22, end_hour=7, max_power_w=0)
    app = sim.app(tmp_path, history, Settings(caps=CapsSettings(quiet_hours=quiet)))
    schedule = parse_schedule(ROOM_SCHEDULE)

    async def open_day(pilot: Pilot[None], fleet: Fleet) -> None:
        # Engaged before the seeding: its first reading compacts the store on the wall clock.
        app.devices.engage(
            _key(fleet, "nano3s"), TargetChoice(schedule=schedule, schedule_name="week.toml")
        )
        await settle(pilot)
        await open_seeded(app, history, fleet)
        await settle(pilot)

    try:
        assert snap_compare(app, terminal_size=size, run_before=sim.run_before(app, open_day))
    finally:
        asyncio.run(history.close())


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_economics_month(snap_compare: Snap, tmp_path: Path, size: tuple[int, int]) -> None:
    """Pins the economics screen over a seeded month: the table and the four bars per day."""
    sim = SimFleet()
    history = AsyncHistoryStore(HistoryStore.open(tmp_path / "history.sqlite3"))
    app = sim.app(tmp_path, history)

    async def open_economics(pilot: Pilot[None], fleet: Fleet) -> None:
        until = app.ledger.latest_s
        assert until is not None
        seed_ledger(tmp_path / "history.sqlite3", "seeded", until)
        await pilot.press("e")
        await settle(pilot)

    try:
        assert snap_compare(app, terminal_size=size, run_before=sim.run_before(app, open_economics))
    finally:
        asyncio.run(history.close())


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_economics_week(snap_compare: Snap, tmp_path: Path, size: tuple[int, int]) -> None:
    """Pins the economics screen switched with ``v`` to the last 7 days of a seeded month.

    At 80x24 the bars are shown instead of the table (``d``), as a short terminal shows them.
    """
    sim = SimFleet()
    history = AsyncHistoryStore(HistoryStore.open(tmp_path / "history.sqlite3"))
    app = sim.app(tmp_path, history)

    async def open_week(pilot: Pilot[None], fleet: Fleet) -> None:
        until = app.ledger.latest_s
        assert until is not None
        seed_ledger(tmp_path / "history.sqlite3", "seeded", until)
        await pilot.press("e")
        await settle(pilot)
        keys = ("d", "v") if size[1] < 30 else ("v",)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    try:
        assert snap_compare(app, terminal_size=size, run_before=sim.run_before(app, open_week))
    finally:
        asyncio.run(history.close())


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_fleet_day(snap_compare: Snap, tmp_path: Path, size: tuple[int, int]) -> None:
    """Pins the fleet's day over a seeded history: each device's power and heat per hour, stacked.

    On the tall terminal it is under the table; at 80x24 ``d`` shows it instead of the table.
    """
    sim = SimFleet()
    history = AsyncHistoryStore(HistoryStore.open(tmp_path / "history.sqlite3"))
    app = sim.app(tmp_path, history)

    async def day(pilot: Pilot[None], fleet: Fleet) -> None:
        await seed_fleet(app, history, fleet, tmp_path / "history.sqlite3", steady=False)
        await settle(pilot)
        if size[1] < 30:
            await pilot.press("d")
        else:
            app.storage.load_fleet_window(Window.H24, app.ledger.latest_s or app.clock())
        await settle(pilot)

    try:
        assert snap_compare(app, terminal_size=size, run_before=sim.run_before(app, day))
    finally:
        asyncio.run(history.close())
