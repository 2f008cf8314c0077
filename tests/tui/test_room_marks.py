"""The room chart marks the quiet hours (the config's, a schedule's) and the schedule's steps."""

from __future__ import annotations

import math
import time

import pytest
from textual.widgets import Static

from firmware_sim.fleet import Fleet
from nanoheater.config import CapsSettings, QuietHoursSettings, Settings
from nanoheater.controller.targets import parse_schedule
from nanoheater.history import AsyncHistoryStore
from nanoheater.history.plot import MODE_MARK, QUIET_MARK, STEP_MARKS
from nanoheater.tui.regulation import TargetChoice
from nanoheater.tui.screens.device import DeviceScreen
from nanoheater.tui.widgets.chart import TimeChart
from tests.tui.conftest import MODELS, AppFactory, settle
from tests.tui.test_charts import chart_lines, seed_device

SCHEDULE = """
[[entry]]
days = "all"
at = "06:30"
target_c = 21

[[entry]]
days = "all"
at = "22:30"
target_c = 17
"""
QUIET = QuietHoursSettings(start_hour=22, end_hour=7, max_power_w=0)


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> None:
    """Local time is UTC, so the hours on the axis are the hours of the epoch seconds."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


def marks_row(screen: DeviceScreen) -> tuple[str, float, float]:
    """The room chart's marks row (plot columns only) and the chart's start and column width."""
    lines = chart_lines(screen, "room_temp_c")
    plot = screen.query_one("#chart-room_temp_c", TimeChart).plot
    assert plot is not None
    gutter = len(lines[1].split(" ")[0]) + 1  # the scale's labels, "22.0 "
    row = lines[-2][gutter:].rstrip("▃▄▅▆▇█")  # the scroll bar may sit at the right edge
    per_column = (plot.until_s - plot.since_s) / (len(lines[0]) - gutter)
    return row, plot.since_s, per_column


def quiet_at(ts_s: float) -> bool:
    hour = (ts_s % 86_400) / 3600
    return hour >= 22 or hour < 7


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_quiet_hours_and_schedule_steps_under_the_room_chart(
    make_app: AppFactory, sim_fleet: Fleet, history: AsyncHistoryStore, size: tuple[int, int]
) -> None:
    """22:00-07:00 shaded ░ column by column; ↑ at 06:30 (17 -> 21 °C), ↓ at 22:30; a legend."""
    app = make_app(history=history, settings=Settings(caps=CapsSettings(quiet_hours=QUIET)))
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        server = sim_fleet.members[MODELS.index("nano3s")].server
        key = f"{server.host}:{server.port}"
        choice = TargetChoice(schedule=parse_schedule(SCHEDULE), schedule_name="week.toml")
        # Engaged before the seeding: its first reading would compact the store on the wall
        # clock (a year after the fleet's virtual one) and age the seeded week away.
        app.devices.engage(key, choice)
        await settle(pilot)
        assert await seed_device(app, history, sim_fleet, "nano3s") == key
        screen = DeviceScreen(key)
        await app.push_screen(screen)
        await settle(pilot)
        row, since, per_column = marks_row(screen)
        steps = {STEP_MARKS["up"]: 6.5, STEP_MARKS["down"]: 22.5}
        shaded = 0
        for column, ch in enumerate(row):
            start, end = since + column * per_column, since + (column + 1) * per_column
            if ch in steps:  # the step sits in the column of its time of day
                hour = steps.pop(ch)
                day = math.floor(start / 86_400) * 86_400
                at = next(d + hour * 3600 for d in (day, day + 86_400) if start <= d + hour * 3600)
                assert start <= at < end, (ch, column, row)
            elif ch == QUIET_MARK:
                shaded += 1
                assert quiet_at(start) or quiet_at(end - 1), (column, row)
            elif ch in (" ", MODE_MARK):
                # Not shaded: the column is not wholly inside the quiet hours.
                assert not (quiet_at(start) and quiet_at(end - 1)) or ch == MODE_MARK, (column, row)
        assert steps == {}, f"steps not marked: {steps} in {row!r}"
        assert shaded >= len(row) * 8 // 24  # about 9 of the 24 hours
        bar = str(screen.query_one("#window-bar", Static).render())
        assert f"{QUIET_MARK} quiet hours" in bar
        assert "↑↓ schedule" in bar


async def test_quiet_hours_switched_off_are_not_shaded(
    make_app: AppFactory, sim_fleet: Fleet, history: AsyncHistoryStore
) -> None:
    """A target with the quiet hours off shows none of the config's; no schedule, no steps."""
    app = make_app(history=history, settings=Settings(caps=CapsSettings(quiet_hours=QUIET)))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        key = await seed_device(app, history, sim_fleet, "nano3s")
        screen = DeviceScreen(key)
        await app.push_screen(screen)
        await settle(pilot)
        row = marks_row(screen)[0]
        assert QUIET_MARK in row  # under manual control: the config's hours
        app.devices.engage(
            key, TargetChoice(parse_schedule(SCHEDULE).entries[0].target, quiet_hours=False)
        )
        await settle(pilot)
        screen.fleet_changed(key)
        await settle(pilot)
        row = marks_row(screen)[0]
        assert QUIET_MARK not in row
        assert not set(row) & set(STEP_MARKS.values())
        bar = str(screen.query_one("#window-bar", Static).render())
        assert "quiet hours" not in bar
