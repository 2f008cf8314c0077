"""Provides FleetScreen, the home screen: every device with its live numbers, add and rescan."""

from __future__ import annotations

from typing import ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid
from textual.widgets import DataTable, Header, Static

from nanoheater.history.charts import fleet_day
from nanoheater.history.series import Window
from nanoheater.tui.messages import FleetWindowLoaded
from nanoheater.tui.screens.add_device import AddDeviceScreen
from nanoheater.tui.screens.base import AppScreen
from nanoheater.tui.screens.rename import RenameScreen
from nanoheater.tui.widgets.chart import TimeChart
from nanoheater.tui.widgets.fleet_table import FleetTable
from nanoheater.tui.widgets.footer import KeyFooter
from nanoheater.tui.widgets.format import fmt

DAY_REFRESH_S = 30.0
"""How often the fleet's day is re-read from the history while the screen is shown."""
DAY_CHARTS_FROM = 30
"""Terminal height from which the fleet's day is charted under the table (below it: ``d``)."""


class FleetScreen(AppScreen):
    """The table of devices; Enter opens one, ``a`` adds one by address, ``r`` rescans."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_device", "Open", show=True),
        Binding("a", "add_device", "Add"),
        Binding("r", "rescan", "Rescan"),
        Binding("n", "rename_device", "Rename"),
        Binding("delete,x", "remove_device", "Remove"),
        Binding("d", "toggle_day", "Day"),
    ]

    _day: FleetWindowLoaded | None = None
    """The fleet's day from the history, once read."""
    _day_asked = False
    _tall = False

    def compose(self) -> ComposeResult:
        """Header, the device table, a totals line and the footer."""
        yield Header()
        yield FleetTable(id="fleet-table")
        with Grid(id="fleet-day"):
            yield TimeChart("Fleet power", "W", decimals=0, from_zero=True, id="fleet-power")
            yield TimeChart("Heat per hour", "kWh", decimals=2, from_zero=True, id="fleet-heat")
        yield Static(id="fleet-totals")
        yield KeyFooter()

    def on_mount(self) -> None:
        """Fill the table with what is known already; chart the fleet's day from the history."""
        self.fleet_changed(None)
        self._load_day()
        self.set_interval(DAY_REFRESH_S, self._load_day)

    def _load_day(self) -> None:
        app = self.nano_app
        if app.storage.history is not None and self.query_one("#fleet-day").display:
            self._day_asked = True
            app.storage.load_fleet_window(Window.H24, app.ledger.latest_s or app.clock())

    def show_day(self, read: FleetWindowLoaded) -> None:
        """Chart the fleet's day from the history: each device's power and heat, stacked."""
        self._day = read
        names = {}
        for entry in self.nano_app.fleet:
            if entry.status is not None:
                names[entry.status.identity_key] = entry.short_name
        power, heat = fleet_day(
            read.power,
            read.heat,
            names,
            since_s=read.since_s,
            until_s=read.until_s,
            bucket_s=read.window.bucket_s,
        )
        self.query_one("#fleet-power", TimeChart).stack = power
        self.query_one("#fleet-heat", TimeChart).stack = heat

    def on_resize(self, event: events.Resize) -> None:
        """Use the wide table layout when wide enough; show the day's charts when tall enough."""
        self.query_one(FleetTable).fit(event.size.width, self.nano_app.fleet)
        self._tall = event.size.height >= DAY_CHARTS_FROM
        self._show_day(self._tall or self.has_class("-day"))

    def action_toggle_day(self) -> None:
        """Show the fleet's day instead of the table, or the table again."""
        self.toggle_class("-day")
        self._show_day(self._tall or self.has_class("-day"))

    def _show_day(self, shown: bool) -> None:
        self.query_one("#fleet-day").display = shown
        if shown and self._day is None and not self._day_asked:
            self._load_day()

    def fleet_changed(self, key: str | None) -> None:
        """Redraw one row (or every row) and the totals."""
        fleet = self.nano_app.fleet
        table = self.query_one(FleetTable)
        entry = fleet.get(key) if key is not None else None
        if entry is not None and entry.key in table.rows:
            table.show_entry(entry)
        else:
            table.show(fleet)
        self.query_one("#fleet-totals", Static).update(self._totals())
        if self._day is None:  # no history file: this session's live total
            self.query_one("#fleet-power", TimeChart).values = tuple(self.nano_app.power_history)

    def _totals(self) -> str:
        fleet = self.nano_app.fleet
        if not len(fleet):
            return "No devices yet: press [b]a[/] to add one by address or [b]r[/] to rescan."
        online = sum(1 for e in fleet if e.online)
        offline = sum(1 for e in fleet if e.online is False)
        power = sum((e.status.power_w or 0.0) for e in fleet if e.online and e.status)
        heat = sum(e.heat_kwh_today for e in fleet)
        sats = sum(e.sats_today for e in fleet)
        parts = [f"{len(fleet)} device{'' if len(fleet) == 1 else 's'}", f"{online} online"]
        if offline:
            parts.append(f"[red]{offline} offline[/]")
        parts += [f"{fmt(power, 0)} W", f"heat today {fmt(heat, 2)} kWh", f"{fmt(sats, 0)} sats"]
        return " · ".join(parts)

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        self._open(event.row_key.value)

    def action_open_device(self) -> None:
        """Open the device under the cursor."""
        self._open(self.query_one(FleetTable).selected_key)

    def _open(self, key: str | None) -> None:
        if key is None or key not in self.nano_app.fleet:
            return
        self.nano_app.open_device(key)

    def action_add_device(self) -> None:
        """Ask for an address, then add and poll the device."""

        def added(address: str | None) -> None:
            if not address:
                return
            try:
                entry = self.nano_app.add_address(address, remember=True)
            except ValueError as exc:
                self.notify(str(exc), title="Add device", severity="error", markup=False)
                return
            self.query_one(FleetTable).move_cursor(
                row=self.query_one(FleetTable).get_row_index(entry.key)
            )

        self.app.push_screen(AddDeviceScreen(), added)

    def action_rename_device(self) -> None:
        """Ask for a new name for the device under the cursor."""
        key = self.query_one(FleetTable).selected_key
        entry = self.nano_app.fleet.get(key) if key is not None else None
        if key is None or entry is None:
            return

        def named(name: str | None) -> None:
            if name is not None:
                self.nano_app.rename_device(key, name)

        self.app.push_screen(RenameScreen(entry.name), named)

    def action_remove_device(self) -> None:
        """Forget the device under the cursor (and drop it from the configured hosts)."""
        key = self.query_one(FleetTable).selected_key
        if key is not None:
            self.nano_app.remove_device(key)
            self.notify(f"Removed {key}; press a to add it back", timeout=4, markup=False)

    def action_rescan(self) -> None:
        """Look for devices again (configured hosts and discovery)."""
        self.notify("Scanning for devices…", timeout=2)
        self.nano_app.rescan()
