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
    ("power", "Power\nW"),
    ("hashrate", "Hash\nTH/s"),
    ("chip", "Chip\n°C"),
    ("room", "Room\n°C"),
    ("target", "Target\n°C"),
    ("heat", "Heat\nkWh"),
    ("sats", "Sats"),
)
"""Column keys and headers, in display order: the name, then the unit on a second header line
(energy and sats are today's). Two lines because "Chip °C" and "Room °C" on one line do not fit
80 columns; the Target column's unit is that of its set-points (a mode or "sched" has none)."""

HEADER_HEIGHT = 2
"""Header lines: the column names over their units."""

NUMERIC = frozenset({"power", "hashrate", "chip", "room", "target", "heat", "sats"})
"""Columns of numbers: right-aligned, headers included."""

NARROW_WIDTHS = (10, 7, 9, 5, 5, 4, 4, 6, 4, 4)
"""Column widths that fit 80 columns with cell padding and a scrollbar (every header whole)."""
WIDE_WIDTHS = (14, 11, 13, 6, 6, 5, 5, 6, 6, 6)
"""Column widths from 100 columns on (they and their padding fit 100 with a scrollbar)."""
WIDE_FROM = 100
"""Terminal width at which the wide layout starts."""

_STATE_LABELS = {"calibrating": "calib"}
"""Short state words for the narrow layout."""

_STATE_STYLES = {
    "mining": "green",
    "calibrating": "yellow",
    "idle": "cyan",
    "off": "blue",
    "fault": "bold red",
    "offline": "bold red",
    "waiting": "dim",
}


def row_cells(entry: DeviceEntry, *, narrow: bool = False) -> list[str | Text]:
    """Return the cells of ``entry``'s row, in ``COLUMNS`` order."""
    status = entry.status
    state = entry.state_label
    # Every device is an Avalon: in a narrow table the brand only pushes the serial out of view.
    name = entry.short_name if narrow else entry.name
    label = _STATE_LABELS.get(state, state) if narrow else state
    cells: list[str | Text] = [
        Text(name, overflow="ellipsis", no_wrap=True),
        Text(label, style=_STATE_STYLES.get(state, "")),
    ]
    if status is None:
        cells += [Text("-")] + [Text("-", justify="right")] * 4
    else:
        # Chips of a device that is off are not a temperature worth showing (it reads 0 °C).
        off = status.soft_off or state == "off"
        chip = "-" if off else fmt(status.chip_temp_max_c, 0)
        power = fmt(status.power_w, 0) if not narrow else f"{status.power_w or 0:.0f}"
        hashrate = fmt(status.hashrate_ths, 2)
        style = ""
        if entry.online is False:
            # Its power, hashrate and chips now are unknown: no stale figures, only its last
            # mode, dimmed (the device screen charts what it did before it went away).
            power = hashrate = chip = "-"
            style = "dim"
        cells.append(Text(status.mode or "-", style=style))
        cells += [
            Text(value, style=style, justify="right")
            for value in (power, hashrate, chip, fmt(entry.room_temp_c, 1))
        ]
    cells += [
        Text(target_cell(entry), justify="right", overflow="ellipsis", no_wrap=True),
        Text(fmt(entry.heat_kwh_today, 2), justify="right"),
        Text(fmt(entry.sats_today, 0), justify="right"),
    ]
    return cells


def target_cell(entry: DeviceEntry) -> str:
    """What the controller holds a device at: ``21.0`` (°C), a mode, ``sched``, or ``-``."""
    if entry.target_c is not None:
        return fmt(entry.target_c, 1)
    control = entry.control
    if control is None:
        return "-"
    if control.startswith("schedule"):
        return "sched"
    return control.removeprefix("mode ")


class FleetTable(DataTable[str | Text]):
    """The device table; ``show(entries)`` makes it match the fleet, keeping the cursor."""

    narrow = True
    """Whether the narrow (80-column) layout is in use."""

    def on_mount(self) -> None:
        """Create the columns and row cursor."""
        self.cursor_type = "row"
        self.zebra_stripes = True
        self.header_height = HEADER_HEIGHT
        self._add_columns(self.app.size.width < WIDE_FROM)

    def _add_columns(self, narrow: bool) -> None:
        self.narrow = narrow
        widths = NARROW_WIDTHS if narrow else WIDE_WIDTHS
        for (key, label), width in zip(COLUMNS, widths, strict=True):
            header = Text(label, justify="right") if key in NUMERIC else label
            self.add_column(header, key=key, width=width)

    def fit(self, width: int, entries: Iterable[DeviceEntry]) -> None:
        """Switch between the narrow and wide layouts for a terminal ``width`` columns wide."""
        narrow = width < WIDE_FROM
        if narrow == self.narrow:
            return
        cursor = self.cursor_row
        self.clear(columns=True)
        self._add_columns(narrow)
        self.show(entries)
        if self.row_count:
            self.move_cursor(row=min(cursor, self.row_count - 1))

    def show(self, entries: Iterable[DeviceEntry]) -> None:
        """Add rows for new devices, rewrite the known ones, drop rows of devices that moved."""
        keys: set[str] = set()
        for entry in entries:
            keys.add(entry.key)
            self.show_entry(entry)
        for row_key in [k for k in self.rows if k.value not in keys]:
            self.remove_row(row_key)

    def show_entry(self, entry: DeviceEntry) -> None:
        """Add or update the row of one device, touching only the cells that changed."""
        cells = row_cells(entry, narrow=self.narrow)
        if entry.key not in self.rows:
            self.add_row(*cells, key=entry.key)
            return
        # Each update_cell re-measures and repaints; a poll usually changes two or three cells.
        for (column, _), old, new in zip(COLUMNS, self.get_row(entry.key), cells, strict=True):
            if old != new:
                self.update_cell(entry.key, column, new)

    @property
    def selected_key(self) -> str | None:
        """The key of the device under the cursor, or None when the table is empty."""
        if not self.row_count:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return row_key.value
