"""Provides FleetTable, the fleet screen's table: one row per device, updated cell by cell."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.widgets import DataTable

from nanoheater.tui.devices import DeviceEntry
from nanoheater.tui.widgets.format import fmt

COLUMNS: tuple[tuple[str, str], ...] = (
    ("name", "Device"),
    ("state", "State"),
    ("mode", "Mode"),
    ("power", "W"),
    ("hashrate", "TH/s"),
    ("chip", "Chip°C"),
    ("room", "Room°C"),
    ("heat", "kWh"),
    ("sats", "Sats"),
)
"""Column keys and headers, in display order."""

_STATE_STYLES = {
    "mining": "green",
    "calibrating": "yellow",
    "idle": "cyan",
    "off": "blue",
    "fault": "bold red",
    "offline": "bold red",
    "waiting": "dim",
}


def row_cells(entry: DeviceEntry) -> list[str | Text]:
    """Return the cells of ``entry``'s row, in ``COLUMNS`` order."""
    status = entry.status
    state = entry.state_label
    cells: list[str | Text] = [
        Text(entry.name, overflow="ellipsis", no_wrap=True),
        Text(state, style=_STATE_STYLES.get(state, "")),
    ]
    stale = entry.online is False
    if status is None:
        cells += ["-"] * 5
    else:
        values: list[str | Text] = [
            status.mode or "-",
            fmt(status.power_w, 0),
            fmt(status.hashrate_ths, 2),
            fmt(status.chip_temp_max_c, 0),
            fmt(entry.room_temp_c, 1),
        ]
        # An offline device keeps its last reading, dimmed, so it is obvious it is old.
        cells += [Text(str(v), style="dim") for v in values] if stale else values
    cells += [fmt(entry.heat_kwh_today, 2), fmt(entry.sats_today, 0)]
    return cells


class FleetTable(DataTable[str | Text]):
    """The device table; ``show(entries)`` makes it match the fleet, keeping the cursor."""

    def on_mount(self) -> None:
        """Create the columns and row cursor."""
        self.cursor_type = "row"
        self.zebra_stripes = True
        for key, label in COLUMNS:
            self.add_column(label, key=key)

    def show(self, entries: Iterable[DeviceEntry]) -> None:
        """Add rows for new devices, rewrite the known ones, drop rows of devices that moved."""
        keys: set[str] = set()
        for entry in entries:
            keys.add(entry.key)
            self.show_entry(entry)
        for row_key in [k for k in self.rows if k.value not in keys]:
            self.remove_row(row_key)

    def show_entry(self, entry: DeviceEntry) -> None:
        """Add or update the row of one device."""
        cells = row_cells(entry)
        if entry.key not in self.rows:
            self.add_row(*cells, key=entry.key)
            return
        for (column, _), value in zip(COLUMNS, cells, strict=True):
            self.update_cell(entry.key, column, value)

    @property
    def selected_key(self) -> str | None:
        """The key of the device under the cursor, or None when the table is empty."""
        if not self.row_count:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return row_key.value
