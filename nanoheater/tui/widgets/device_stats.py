"""Provides DeviceStats, the device screen's block of live numbers, and RefusalBanner."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from rich.table import Table
from rich.text import Text
from textual.app import RenderResult
from textual.reactive import reactive
from textual.widget import Widget

from nanoheater.tui.devices import DeviceEntry, Refusal
from nanoheater.tui.widgets.format import fmt


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


class DeviceStats(Widget):
    """Identity and the latest reading of one device, in three columns of label/value pairs."""

    DEFAULT_CSS = """
    DeviceStats { height: auto; }
    """

    entry: reactive[DeviceEntry | None] = reactive(None, always_update=True)
    """The device shown; assign again after each poll to redraw."""

    _rows: tuple[bool, bool, bool] | None = None

    def watch_entry(self, entry: DeviceEntry | None) -> None:
        """Lay the screen out again only when the number of rows changes, not on every poll."""
        rows = (
            (entry.status is None, entry.error is not None, entry.online is False)
            if entry is not None
            else None
        )
        if rows != self._rows:
            self._rows = rows
            self.refresh(layout=True)

    def render(self) -> RenderResult:
        """Lay the numbers out as a grid that fits 80 columns."""
        entry = self.entry
        if entry is None:
            return ""
        status = entry.status
        grid = Table.grid(padding=(0, 2), expand=True)
        for _ in range(3):
            grid.add_column(style="dim", no_wrap=True)
            grid.add_column(no_wrap=True)
        # Device-supplied text goes in as Text: a str cell would be parsed as markup ("[/]").
        model = Text(status.info.product if status else (entry.heater.model or "?"))
        state = Text(entry.state_label, style="bold red" if entry.online is False else "bold")
        if status is None:
            grid.add_row("Device", model, "Address", entry.key, "State", state)
            if entry.error:
                grid.add_row("Error", Text(entry.error), "", "", "", "")
            return grid
        fan = f"{fmt(status.fan_percent, 0)} % / {fmt(status.fan_rpm, 0)} rpm"
        grid.add_row("Device", model, "Address", entry.key, "State", state)
        grid.add_row(
            "Mode",
            status.mode or "-",
            "Power",
            fmt(status.power_w, 0, "W"),
            "Hashrate",
            fmt(status.hashrate_ths, 2, "TH/s"),
        )
        grid.add_row(
            "Chip",
            f"{fmt(status.chip_temp_max_c, 0)} / {fmt(status.chip_target_c, 0)} °C",
            "Room",
            fmt(entry.room_temp_c, 1, "°C"),
            "Outlet",
            fmt(status.outlet_temp_c, 1, "°C"),
        )
        grid.add_row(
            "Fan",
            fan,
            "Heat today",
            fmt(entry.heat_kwh_today, 2, "kWh"),
            "Sats today",
            fmt(entry.sats_today, 0),
        )
        if entry.online is False:
            grid.add_row("Offline", Text(entry.error or "no answer", style="red"), "", "", "", "")
        return grid


class RefusalBanner(Widget):
    """Says plainly that the device refused a command, why, and when to try again."""

    DEFAULT_CSS = """
    RefusalBanner { height: auto; display: none; }
    RefusalBanner.-shown { display: block; }
    """

    entry: reactive[DeviceEntry | None] = reactive(None, always_update=True)
    """The device whose last refusal is shown; hidden when it has none."""

    _refusal: Refusal | None = None

    def __init__(self, *, clock: Callable[[], float] = time.time, id: str | None = None) -> None:
        """Count down on ``clock`` (wall-clock seconds)."""
        super().__init__(id=id)
        self.clock = clock

    def watch_entry(self, entry: DeviceEntry | None) -> None:
        """Show the banner only while there is a refusal; lay out again when it changes."""
        refusal = entry.refusal if entry is not None else None
        self.set_class(refusal is not None, "-shown")
        if refusal is not self._refusal:  # its text (and height) changed
            self._refusal = refusal
            self.refresh(layout=True)

    def render(self) -> RenderResult:
        """One line: what was refused, the device's reason, and the retry time."""
        if self.entry is None or self.entry.refusal is None:
            return ""
        refusal = self.entry.refusal
        text = Text.assemble(
            ("Refused: ", "bold"), f"{refusal.description}. The device says: {refusal.reason}."
        )
        left = refusal.retry_in_s(self.clock())
        if left is not None and refusal.retry_at_s is not None:
            at = datetime.fromtimestamp(refusal.retry_at_s).strftime("%H:%M")
            text.append(
                f" Retry in {_duration(left)} (at {at})." if left > 0 else " You can retry now.",
                style="bold",
            )
        return text

    def tick(self) -> None:
        """Redraw the countdown (called once a second by the screen; no I/O)."""
        if self.entry is not None and self.entry.refusal is not None:
            self.refresh()
