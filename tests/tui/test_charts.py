"""Pilot tests of the device charts: windows read from a seeded history, switched with ``v``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from firmware_sim.fleet import Fleet
from nanoheater.history import AsyncHistoryStore, Window
from nanoheater.history.plot import LINE
from nanoheater.tui.app import NanoheaterApp
from nanoheater.tui.screens.device import CHARTS, READ_AGE_S, DeviceScreen
from nanoheater.tui.screens.economics import EconomicsScreen
from nanoheater.tui.widgets.chart import TimeChart
from tests.tui.conftest import MODELS, AppFactory, poll, settle
from tests.tui.seeded_history import overnight_c, seed_ledger, seed_week

BLOCKS = " ▁▂▃▄▅▆▇█"


pytestmark = pytest.mark.usefixtures("utc")  # the seeded curve's hours are the axis's hours


async def seed_device(
    app: NanoheaterApp, history: AsyncHistoryStore, fleet: Fleet, model: str
) -> str:
    """Seed a week under the device's identity, ending at its last reading; return its key."""
    member = fleet.members[MODELS.index(model)]
    key = f"{member.server.host}:{member.server.port}"
    entry = app.fleet.get(key)
    assert entry is not None
    assert entry.status is not None
    assert entry.received_s is not None
    device, until = entry.status.identity_key, entry.received_s
    await history.call(lambda store: seed_week(store, device, until))
    return key


async def open_seeded(
    app: NanoheaterApp, history: AsyncHistoryStore, fleet: Fleet, model: str = "nano3s"
) -> DeviceScreen:
    """Seed a week under the device's identity, ending at its last reading, open its screen."""
    key = await seed_device(app, history, fleet, model)
    screen = DeviceScreen(key)
    await app.push_screen(screen)
    return screen


def chart_lines(screen: DeviceScreen, name: str) -> list[str]:
    """The chart's lines as the terminal shows them."""
    return chart_lines_of(screen.query_one(f"#chart-{name}", TimeChart))


def column_heights(rows: list[str]) -> list[int]:
    """Each column's filled height in eighths, read back from the rendered block characters."""
    heights = [0] * len(rows[0])
    for index, row in enumerate(rows):
        for column, ch in enumerate(row):
            if ch in BLOCKS:
                heights[column] += BLOCKS.index(ch)
            elif ch == LINE:
                # The set-point line hides the fill of its cell: full if the fill goes on below.
                below = rows[index + 1][column] if index + 1 < len(rows) else "█"
                heights[column] += 8 if below == "█" else 0
    return heights


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_overnight_curve_from_the_history_is_on_screen(
    make_app: AppFactory, sim_fleet: Fleet, history: AsyncHistoryStore, size: tuple[int, int]
) -> None:
    """The 24-hour room chart shows the seeded night: its lowest column is at 04:00 UTC."""
    app = make_app(history=history)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        screen = await open_seeded(app, history, sim_fleet)
        await settle(pilot)
        assert screen.window is Window.H24
        bar = str(screen.query_one("#window-bar", Static).render())
        assert "Last 24 hours, from the history" in bar
        lines = chart_lines(screen, "room_temp_c")
        plot_rows, axis = lines[1:-2], lines[-1]
        gutter = len(plot_rows[0].split(" ")[0]) + 1  # the scale's labels, "22.0 "
        width = len(lines[0])
        heights = column_heights([row.ljust(width)[gutter:width] for row in plot_rows])
        lowest = min(heights)
        coldest = [c for c, h in enumerate(heights) if h == lowest]
        middle = (coldest[0] + coldest[-1]) / 2
        plot = screen.query_one("#chart-room_temp_c", TimeChart).plot
        assert plot is not None
        when = plot.since_s + (middle + 0.5) * (plot.until_s - plot.since_s) / (width - gutter)
        hour = (when % 86_400) / 3600
        assert abs(hour - 4.0) < 1.5, (hour, lines)
        # The axis labels local time (UTC here) where it happens: "06:00" sits at 06:00.
        per_column = (plot.until_s - plot.since_s) / (width - gutter)
        labels = list(re.finditer(r"(\d\d):(\d\d)", axis))
        assert labels, axis
        for label in labels:
            at = (plot.since_s + (label.start() - gutter) * per_column) % 86_400
            meant = int(label[1]) * 3600 + int(label[2]) * 60
            off = abs(at - meant)
            assert min(off, 86_400 - off) <= per_column, (label[0], axis)
        assert overnight_c(4 * 3600.0) == pytest.approx(18.0)
        # The set-point line is drawn and the title names the one in force.
        assert any(LINE in row for row in plot_rows)
        assert "set-point" in lines[0]
        # The offline event three hours ago is marked under the axis.
        assert "!" in lines[-2]


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_v_cycles_the_windows_each_read_at_its_resolution(
    make_app: AppFactory, sim_fleet: Fleet, history: AsyncHistoryStore, size: tuple[int, int]
) -> None:
    """Each window at its resolution, with what its four charts must carry.

    Power and hashrate from zero, hashrate against its expected value, the room under its
    set-point, and a time axis under each.
    """
    app = make_app(history=history)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        screen = await open_seeded(app, history, sim_fleet)
        await settle(pilot)
        seen = []
        for _ in range(4):
            await pilot.press("v")
            await settle(pilot)
            plot = screen.query_one("#chart-power_w", TimeChart).plot
            assert plot is not None
            seen.append(screen.window)
            assert plot.until_s - plot.since_s <= screen.window.span_s
            assert plot.bucket_s == screen.window.bucket_s
            assert len(plot.points) <= screen.window.span_s // screen.window.bucket_s + 2
            bar = str(screen.query_one("#window-bar", Static).render())
            assert "from the history" in bar
            power, room, hashrate, chip = (chart_lines(screen, name) for name in CHARTS)
            for lines in (power, hashrate):
                assert lines[-3].split()[0] in ("0", "0.00"), lines  # the scale's floor
            assert "expected" in hashrate[0]
            assert "set-point" in room[0]
            assert chip[0].startswith("Chip")
            for lines in (power, room, hashrate, chip):
                assert re.search(r"\d\d:\d\d|\w\w\w \d\d", lines[-1]), lines  # time axis
        assert seen == [Window.D7, Window.M15, Window.H6, Window.H24]
        week = chart_lines(screen, "power_w")
        assert "no readings" not in week[0]


async def test_a_kept_read_is_drawn_at_once_with_the_live_readings_since(
    make_app: AppFactory,
    sim_fleet: Fleet,
    history: AsyncHistoryStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Back to a window read under a minute ago: no new read, its week plus the newest reading.

    A poll a minute later reads the shown window again (set-points, marks, whole buckets).
    """
    app = make_app(history=history)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_seeded(app, history, sim_fleet)
        await settle(pilot)
        for _ in range(4):  # every window read once
            await pilot.press("v")
            await settle(pilot)
        reads: list[Window] = []
        load_window = app.storage.load_window

        def counted(key: str, device: str, window: Window, until_s: float) -> None:
            reads.append(window)
            load_window(key, device, window, until_s)

        monkeypatch.setattr(app.storage, "load_window", counted)
        entry = screen.entry
        assert entry is not None
        await poll(pilot, sim_fleet, 30.0)  # a reading newer than every read
        assert reads == []
        for window in (Window.D7, Window.M15, Window.H6, Window.H24):
            await pilot.press("v")  # no settle: the key alone must draw the window
            assert screen.window is window
            plot = screen.query_one("#chart-power_w", TimeChart).plot
            assert plot is not None
            assert plot.until_s - plot.since_s <= window.span_s
            assert plot.since_s < screen._reads[window].until_s - window.span_s / 2
            assert plot.points[-1][0] == entry.recent[-1].ts_s  # the live reading, appended
            assert "from the history" in str(screen.query_one("#window-bar", Static).render())
        assert reads == []
        later = screen.read_clock() + READ_AGE_S
        screen.read_clock = lambda: later
        await poll(pilot)
        assert reads == [Window.H24]


async def open_economics_on_a_month(
    pilot: Pilot[None], app: NanoheaterApp, tmp_path: Path
) -> tuple[EconomicsScreen, float]:
    """Seed 30 days of ledger up to the app's latest reading, open ``e``: (screen, until_s)."""
    await settle(pilot)
    until = app.ledger.latest_s
    assert until is not None
    seed_ledger(tmp_path / "history.sqlite3", "seeded", until)
    await pilot.press("e")
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, EconomicsScreen)
    return screen, until


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_economics_bars_per_day_from_the_history(
    make_app: AppFactory,
    sim_fleet: Fleet,
    history: AsyncHistoryStore,
    tmp_path: Path,
    size: tuple[int, int],
) -> None:
    """30 days of seeded ledger appear as bars; v switches to 7 days; net cost under resistive."""
    app = make_app(history=history)
    async with app.run_test(size=size) as pilot:
        screen, until = await open_economics_on_a_month(pilot, app, tmp_path)
        heat = screen.query_one("#days-heat", TimeChart).plot
        assert heat is not None
        assert (heat.until_s - heat.since_s) / 86_400 == pytest.approx(30, abs=0.05)
        month = await history.call(lambda store: store.days(None, 30, until))
        assert heat.points == [(d.since_s, d.heat_kwh) for d in month if d.hours]
        assert len(heat.points) >= 29  # the seeded month, its first day cut at the window's start
        net = screen.query_one("#days-net", TimeChart)
        assert net.plot is not None
        assert {round(p, 3) for _, p in net.plot.line if p is not None} == {0.17}
        assert net.plot.expected == pytest.approx(0.17 / 3)
        assert all(v < 0.17 for _, v in net.plot.points)  # cheaper than resistive heat
        assert "─ re" in chart_lines_of(net)[0]  # the resistive line's key, cut to fit
        assert str(screen.query_one("#days-bar", Static).render()).startswith(
            "Per day, the last 30 days"
        )
        await pilot.press("v")
        await settle(pilot)
        week = screen.query_one("#days-heat", TimeChart).plot
        assert week is not None
        assert (week.until_s - week.since_s) / 86_400 == pytest.approx(7, abs=0.05)
        days = await history.call(lambda store: store.days(None, 7, until))
        assert week.points == [(d.since_s, d.heat_kwh) for d in days if d.hours]
        assert len(week.points) >= 6


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_economics_bars_are_on_screen_at_both_sizes(
    make_app: AppFactory,
    sim_fleet: Fleet,
    history: AsyncHistoryStore,
    tmp_path: Path,
    size: tuple[int, int],
) -> None:
    """Every day chart is on screen whole, axis included: under the table when tall, else on d.

    At 80x24 the table fills the screen, so ``d`` shows the bars instead (as on the fleet
    screen), for 30 days and, after ``v``, for 7; ``d`` again brings the table back.
    """
    app = make_app(history=history)
    async with app.run_test(size=size) as pilot:
        screen, _ = await open_economics_on_a_month(pilot, app, tmp_path)
        table = screen.query_one("#economics-table", Static)
        short = size[1] < 30
        if short:
            await pilot.press("d")
            await settle(pilot)
        for days in (30, 7):
            assert screen.days == days
            for name in ("heat", "cost", "sats", "net"):
                chart = screen.query_one(f"#days-{name}", TimeChart)
                assert chart.plot is not None
                region = chart.region
                assert region.height >= 7, (name, region)  # title, plot rows, marks, axis
                assert screen.region.contains_region(region), (name, region, screen.region)
                assert re.search(r"\b\d\d\b", chart_lines_of(chart)[-1])  # the days' axis
            await pilot.press("v")
            await settle(pilot)
        assert table.display is not short  # the bars instead of the table
        await pilot.press("d")
        await settle(pilot)
        assert table.display is short  # d toggles at any size, as on the fleet screen
        if short:
            assert screen.region.contains_region(table.region)


def chart_lines_of(chart: TimeChart) -> list[str]:
    """The lines the chart paints (its content area, as the compositor asks for them)."""
    return [chart.render_line(y).text for y in range(chart.size.height)]
