"""A zone's room chart in the attached TUI shades its quiet hours and marks its schedule's steps.

Against a running service: the zone follows a schedule (21 °C from 06:30, 17 °C from 22:30) and
the config has quiet hours 22:00-07:00, so the service's zone window carries both and the
attached TUI draws them under the room chart, as the device screen does (test_room_marks.py).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import DataTable, Static

from firmware_sim.fleet import Fleet
from nanoheater.config import CapsSettings, Settings
from nanoheater.history.plot import QUIET_MARK, STEP_MARKS
from nanoheater.history.series import Window
from nanoheater.home import Home, Target
from nanoheater.service.remote import RemoteHome
from nanoheater.tui.attached import AttachedApp
from nanoheater.tui.widgets.chart import TimeChart
from tests.home.conftest import fleet, hosts, options, serving, until
from tests.tui.test_charts import chart_lines_of
from tests.tui.test_room_marks import QUIET, SCHEDULE, quiet_at

__all__ = ["fleet"]


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time is UTC for the service and the chart, so hours are the epoch's hours."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


async def test_a_zones_quiet_hours_and_schedule_steps_are_under_its_room_chart(
    tmp_path: Path, fleet: Fleet
) -> None:
    nano, q = hosts(fleet)
    settings = Settings(caps=CapsSettings(quiet_hours=QUIET))
    home = Home(options(tmp_path / "data", fleet), settings)
    async with serving(home) as api:
        await home.create_zone("living", [nano])
        await home.create_zone("hall", [q])
        week = Target(kind="schedule", schedule_toml=SCHEDULE, schedule_name="week.toml")
        await home.set_target("living", week)
        await home.set_target("hall", Target(kind="off"))
        answer = await home.zone_window("living", Window.H24)
        until_s = answer["until_s"]
        assert answer["quiet"], answer["quiet"]
        for start, end in answer["quiet"]:
            assert quiet_at(start), (start, end)
            assert quiet_at(end - 1), (start, end)
        assert answer["quiet"][-1][1] > until_s or not quiet_at(until_s)  # on past now
        kinds = {step["kind"]: (step["ts_s"] % 86_400) / 3600 for step in answer["steps"]}
        assert kinds == {"up": 6.5, "down": 22.5}
        off = await home.zone_window("hall", Window.H24)
        assert off["quiet"] == []  # off: no quiet hours apply
        assert off["steps"] == []
        async with RemoteHome(api) as remote:
            app = AttachedApp(remote)
            async with app.run_test(size=(120, 40)) as pilot:
                room = app.query_one("#zone-room", TimeChart)
                zones: DataTable[str] = app.query_one("#zones", DataTable)
                await until(lambda: "living" in zones.rows and "hall" in zones.rows)
                zones.move_cursor(row=zones.get_row_index("living"))
                await until(lambda: room.plot is not None and room.plot.spans != ())
                await pilot.pause()
                lines = chart_lines_of(room)
                gutter = len(lines[1].split(" ")[0]) + 1
                row = lines[-2][gutter:]
                assert room.plot is not None
                per_column = (room.plot.until_s - room.plot.since_s) / (len(lines[0]) - gutter)
                for column, ch in enumerate(row.rstrip()):
                    start = room.plot.since_s + column * per_column
                    end = start + per_column
                    if ch == QUIET_MARK:  # a column at least partly in the quiet hours
                        assert quiet_at(start) or quiet_at(end - 1), (column, row)
                    elif ch == " ":
                        assert not (quiet_at(start) and quiet_at(end - 1)), (column, row)
                assert row.count(QUIET_MARK) >= 9 * 3600 / per_column - 4  # one night at least
                assert STEP_MARKS["up"] in row, row
                assert STEP_MARKS["down"] in row, row
                bar = str(app.query_one("#zone-window-bar", Static).render())
                assert f"{QUIET_MARK} quiet hours · ↑↓ schedule" in bar
                power = chart_lines_of(app.query_one("#zone-power", TimeChart))
                assert QUIET_MARK not in power[-2]  # the room chart's, not the power's
                await pilot.press("q")
