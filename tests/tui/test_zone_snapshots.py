"""Snapshots of a zone's charts (the attached TUI's ZoneCharts) at 80x24 and 120x40.

The charts are fed a fixed zone window (what ``GET /zones/{ref}/window`` answers, read back with
``window_from_json``), so every character on screen is the same on every run; the Pilot test in
test_attached.py reads the same charts through a running service.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.app import App, ComposeResult
from textual.pilot import Pilot

from nanoheater.history import Window
from nanoheater.history.series import window_since
from nanoheater.history.window_json import window_from_json
from nanoheater.tui.widgets.zone_charts import ZoneCharts
from tests.tui.seeded_history import overnight_c

pytestmark = pytest.mark.usefixtures("utc")

UNTIL_S = 1_764_590_400.0
"""2025-12-01 12:00 UTC."""


class ZoneApp(App[None]):
    """The zone charts alone, filling the screen from the top like under the zones table."""

    def compose(self) -> ComposeResult:
        yield ZoneCharts()


def zone_day(window: Window) -> dict[str, object]:
    """A zone of two heaters: 300 W while the room is under 21 C, else 80 W; 19 C at night."""
    since = window_since(window, UNTIL_S)
    step = window.bucket_s
    points = [
        {
            "ts_s": ts,
            "power_w": 300.0 if overnight_c(ts) < 21.0 else 80.0,
            "room_c": overnight_c(ts),
        }
        for ts in range(int(since), int(UNTIL_S), step)
    ]
    day = UNTIL_S - UNTIL_S % 86_400
    setpoints = [[since, 21.0]] + [
        [t, v]
        for t, v in (
            (day - 2 * 3600, 19.0),
            (day + 6 * 3600, 21.0),
        )
        if since <= t < UNTIL_S
    ]
    # Three hours ago, or a third of a shorter window ago, so every window shows its mark.
    fault_s = UNTIL_S - min(3 * 3600, window.span_s // 3)
    marks = [{"ts_s": fault_s, "kind": "fault", "text": "offline: timed out"}]
    return {
        "zone": "living",
        "window": window.value,
        "since_s": since,
        "until_s": UNTIL_S,
        "bucket_s": step,
        "points": points,
        "setpoints": setpoints,
        "marks": marks,
    }


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
@pytest.mark.parametrize("window", list(Window), ids=[w.value for w in Window])
def test_zone_charts(
    snap_compare: Callable[..., bool], size: tuple[int, int], window: Window
) -> None:
    """Pins a zone's room under its set-point (night set-back, an outage) and its power."""
    app = ZoneApp()

    async def show(pilot: Pilot[None]) -> None:
        charts = app.query_one(ZoneCharts)
        charts.pick("living")
        while charts.window != window:
            charts.next_window()
        charts.show(window_from_json(zone_day(window), name="living"))
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=show)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_zone_quiet_hours(snap_compare: Callable[..., bool], size: tuple[int, int]) -> None:
    """Pins the zone's room chart marks: quiet hours 22:00-07:00 shaded, schedule steps ↓ ↑."""
    app = ZoneApp()
    day = UNTIL_S - UNTIL_S % 86_400
    data = zone_day(Window.H24) | {
        "quiet": [[day - 2 * 3600, day + 7 * 3600]],
        "steps": [
            {"ts_s": day - 2 * 3600, "kind": "down", "text": "19.0 °C"},
            {"ts_s": day + 6 * 3600, "kind": "up", "text": "21.0 °C"},
        ],
    }

    async def show(pilot: Pilot[None]) -> None:
        charts = app.query_one(ZoneCharts)
        charts.pick("living")
        charts.show(window_from_json(data, name="living"))
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=show)
