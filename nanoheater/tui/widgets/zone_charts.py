"""Provides ZoneCharts: one zone's room under its set-point and its devices' power, over a window.

The attached TUI shows it under the zones table for the zone under the cursor; ``v`` cycles the
window (15 min, 6 h, 24 h, 7 d) as on the device screen. The points come from the service's
history (``GET /zones/{ref}/window``, read by a worker); this widget only draws them, with the
charts ``history --zone NAME --plot`` draws (``history.charts.zone_plots``).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Grid, Vertical
from textual.widgets import Static

from nanoheater.history.charts import zone_plots
from nanoheater.history.series import DeviceSeries, Window
from nanoheater.protocol.sanitize import sanitize
from nanoheater.tui.widgets.chart import TimeChart

WINDOW_NAMES = {
    Window.M15: "15 minutes",
    Window.H6: "6 hours",
    Window.H24: "24 hours",
    Window.D7: "7 days",
}


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

    def compose(self) -> ComposeResult:
        """The window line, then the room and the power charts."""
        yield Static("pick a zone to chart it", id="zone-window-bar")
        with Grid():
            yield TimeChart("Room", "°C", decimals=1, min_span=2.0, id="zone-room")
            yield TimeChart("Zone power", "W", decimals=0, from_zero=True, id="zone-power")

    def next_window(self) -> Window:
        """Move on to the next window (15m, 6h, 24h, 7d, 15m) and return it."""
        self.window = self.window.next()
        self._bar("loading…")
        return self.window

    def pick(self, zone: str) -> None:
        """Show ``zone`` from now on (its window is being read)."""
        if zone != self.zone:
            self.zone = zone
            self._bar("loading…")

    def show(self, series: DeviceSeries) -> None:
        """Draw ``series`` (a zone's window) if it is the zone and the window shown."""
        if series.device != self.zone or series.window != self.window:
            return  # a read for a zone or window already left
        room, power = zone_plots(series)
        self.query_one("#zone-room", TimeChart).plot = room
        self.query_one("#zone-power", TimeChart).plot = power
        self._bar("from the service's history · v: window")

    def _bar(self, state: str) -> None:
        zone = sanitize(self.zone or "", 40)
        text = f"Zone {zone}, last {WINDOW_NAMES[self.window]}: {state}"
        self.query_one("#zone-window-bar", Static).update(Text(text))  # names are not markup
