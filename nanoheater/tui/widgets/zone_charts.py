"""Provides ZoneCharts: one zone's room under its set-point and its devices' power, over a window.

The attached TUI shows it under the zones table for the zone under the cursor; ``v`` cycles the
window (15 min, 6 h, 24 h, 7 d) as on the device screen. The points come from the service's
history (``GET /zones/{ref}/window``, read by a worker, once a minute) and, in between, from
the readings the service streams (``zone_point``: the zone's power and room now), appended as
they arrive, as the device screen appends its live readings. This widget only draws them, with
the charts ``history --zone NAME --plot`` draws (``history.charts.zone_plots``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Grid, Vertical
from textual.widgets import Static

from nanoheater.const import plausible_time_s
from nanoheater.history.charts import zone_plots
from nanoheater.history.plot import QUIET_MARK
from nanoheater.history.records import Sample
from nanoheater.history.series import ZONE_HOLD_S, DeviceSeries, Window, with_live
from nanoheater.protocol.sanitize import sanitize
from nanoheater.tui.widgets.chart import TimeChart

MAX_LIVE_POINTS = 3600
"""Most live points kept between two reads (they are read once a minute: a few dozen)."""
WINDOW_NAMES = {
    Window.M15: "15 minutes",
    Window.H6: "6 hours",
    Window.H24: "24 hours",
    Window.D7: "7 days",
}


def _number(value: Any) -> float | None:
    """A finite number from the service's JSON, else None (NaN and infinity parse as JSON)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def zone_point(devices: Iterable[dict[str, Any]], zone: str) -> Sample | None:
    """The zone's point now from its devices as the service last sent them (``/devices``).

    At the newest reading's time: the sum of the power of its online devices read within
    ``ZONE_HOLD_S`` of it and the mean of their rooms (a device's inlet when it has no room
    reading), as ``history.series.read_zone`` sums the history per second. None without one.
    """
    members = []
    for device in devices:
        updated = plausible_time_s(device.get("updated_s"))  # time is input: 1e300 is no time
        if device.get("zone") == zone and device.get("online") is True and updated is not None:
            members.append((updated, device))
    if not members:
        return None
    newest = max(updated for updated, _ in members)
    power, rooms = [], []
    for updated, device in members:
        if newest - updated > ZONE_HOLD_S:
            continue
        if (watts := _number(device.get("power_w"))) is not None:
            power.append(watts)
        room = _number(device.get("room_c"))
        if (room := room if room is not None else _number(device.get("inlet_temp_c"))) is not None:
            rooms.append(room)
    return Sample(
        zone,
        newest,
        power_w=sum(power) if power else None,
        room_temp_c=sum(rooms) / len(rooms) if rooms else None,
    )


class ZoneCharts(Vertical):
    """A line naming the zone and the window, then its room and power charts side by side."""

    DEFAULT_CSS = """
    ZoneCharts {
        height: 11;
        border-top: solid $panel;
    }
    ZoneCharts > #zone-window-bar {
        height: 1;
        padding: 0 1;
        color: $text-muted;
    }
    ZoneCharts > Grid {
        grid-size: 2;
        grid-gutter: 0 2;
    }
    ZoneCharts TimeChart {
        height: 100%;
    }
    """

    window = Window.H24
    """The window shown (and asked for next)."""
    zone: str | None = None
    """The zone shown, once one is picked."""
    _read: DeviceSeries | None = None
    """The last read of the zone and window shown."""
    _live: tuple[Sample, ...] = ()
    """The zone's live points since that read, oldest first."""

    def compose(self) -> ComposeResult:
        """The window line, then the room and the power charts."""
        yield Static("pick a zone to chart it", id="zone-window-bar")
        with Grid():
            yield TimeChart("Room", "°C", decimals=1, min_span=2.0, id="zone-room")
            yield TimeChart("Zone power", "W", decimals=0, from_zero=True, id="zone-power")

    def next_window(self) -> Window:
        """Move on to the next window (15m, 6h, 24h, 7d, 15m) and return it."""
        self.window = self.window.next()
        self._read = None  # the live points stay: they belong to every window
        self._bar("loading…")
        return self.window

    def pick(self, zone: str) -> None:
        """Show ``zone`` from now on (its window is being read)."""
        if zone != self.zone:
            self.zone = zone
            self._read, self._live = None, ()
            self._bar("loading…")

    def show(self, series: DeviceSeries) -> None:
        """Draw ``series`` (a zone's window) if it is the zone and the window shown."""
        if series.device != self.zone or series.window != self.window:
            return  # a read for a zone or window already left
        self._read = series
        self._live = tuple(p for p in self._live if p.ts_s >= series.until_s)
        self._draw()
        legend = "".join(
            (
                f" · {QUIET_MARK} quiet hours" if series.quiet else "",
                " · ↑↓ schedule" if series.steps else "",
            )
        )
        self._bar(f"from the service's history · v: window{legend}")

    def live(self, point: Sample) -> None:
        """Append a live point of the zone shown (``zone_point``), drawn once its window is read."""
        if point.device != self.zone or (self._live and point.ts_s <= self._live[-1].ts_s):
            return  # another zone, or not newer than the last point
        self._live = (*self._live, point)[-MAX_LIVE_POINTS:]
        if self._read is not None:
            self._draw()

    def _draw(self) -> None:
        read = self._read
        if read is None:
            return
        series = with_live(read, self.window, self._live, name=read.device, until_s=read.until_s)
        room, power = zone_plots(series)
        self.query_one("#zone-room", TimeChart).plot = room
        self.query_one("#zone-power", TimeChart).plot = power

    def _bar(self, state: str) -> None:
        zone = sanitize(self.zone or "", 40)
        text = f"Zone {zone}, last {WINDOW_NAMES[self.window]}: {state}"
        self.query_one("#zone-window-bar", Static).update(Text(text))  # names are not markup
