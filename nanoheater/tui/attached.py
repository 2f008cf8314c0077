"""Provides AttachedApp: the TUI attached to a running ``nanoheater serve``.

The service owns the heaters; this app only shows its zones and devices (kept current by the
service's event stream) and changes zone targets through its API. The zone under the cursor is
charted from the service's history (room under its set-point, its devices' power; ``v`` cycles
15 min, 6 h, 24 h and 7 d as on the embedded TUI's device screen). Quitting changes nothing on
any device: the targets live in the service and survive the TUI; ``quit_summary`` says, per
device, what the service keeps it at (printed once the screen closes, like the embedded TUI's
summary). All I/O runs in workers that report back with messages; handlers only update widgets.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any, ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Header, Input, Static

from nanoheater.exceptions import NanoheaterError
from nanoheater.history.window_json import window_from_json
from nanoheater.protocol.sanitize import sanitize
from nanoheater.service.remote import RemoteHome
from nanoheater.tui.attached_messages import (
    ALERT_SEVERITY,
    AlertReceived,
    DeviceRead,
    DevicesLoaded,
    ServiceProblem,
    ZonesLoaded,
    ZoneWindowLoaded,
)
from nanoheater.tui.widgets.zone_charts import ZoneCharts, zone_point

ZONE_WINDOW_REFRESH_S = 60.0
"""How often the shown zone's window is read again (a minute is the finest rollup)."""
ZONE_CHARTS_MIN_ROWS = 11
ZONE_CHARTS_MAX_ROWS = 20
"""The zone's charts take half the terminal within these rows (window line and border too)."""


def _cell(value: Any, unit: str = "", digits: int = 0) -> str:
    if isinstance(value, bool) or value is None:
        return "—"
    if isinstance(value, (int, float)):
        return f"{value:.{digits}f}{unit}"
    return sanitize(value, 40)


def zone_row(zone: dict[str, Any]) -> tuple[str, str, str, str]:
    """Name, target, state (manual until / last step) and devices of a zone."""
    target = zone.get("target")
    what = sanitize(target.get("describe"), 40) if isinstance(target, dict) else "manual"
    state = ""
    override = zone.get("override")
    if isinstance(override, dict):
        state = f"override: {sanitize(override.get('action'), 30)}"
    elif isinstance(zone.get("decision"), dict):
        decision = zone["decision"]
        state = f"{sanitize(decision.get('step'), 30)}: {sanitize(decision.get('reason'), 60)}"
    devices = ", ".join(sanitize(d, 30) for d in zone.get("devices", []))
    return sanitize(zone.get("name"), 40), what, state, devices


def room_line(zone: dict[str, Any] | None) -> str:
    """The zone's learned room (``room.text``: the fit, or what it needs); "" without one."""
    room = None if zone is None else zone.get("room")
    if not isinstance(room, dict) or not room.get("text"):
        return ""
    return f"Room ({sanitize(zone.get('name') if zone else '', 40)}): {sanitize(room['text'], 300)}"


def device_key(device: dict[str, Any]) -> str:
    """A device's ``host:port``: its row key."""
    return sanitize(f"{device.get('host')}:{device.get('port')}", 40)


def device_row(device: dict[str, Any]) -> tuple[str, ...]:
    """Name and address, zone, model, state, mode, power, chip temperature."""
    online = bool(device.get("online"))
    address = device_key(device)
    name = device.get("name")
    # The user's name (config.toml [names], through the service) before the address.
    label = f"{sanitize(name, 40)} ({address})" if name and name != address else address
    return (
        label,
        sanitize(device.get("zone"), 40),
        _cell(device.get("model")),
        _cell(device.get("state")) if online else "offline",
        _cell(device.get("mode")),
        _cell(device.get("power_w"), " W"),
        _cell(device.get("chip_temp_max_c"), " °C"),
    )


def _holds(zone: dict[str, Any] | None) -> str:
    """What the service holds a zone at: its target, an override and until when, or nothing."""
    if zone is None:
        return "no target (the service leaves it as it is)"
    target = zone.get("target")
    what = sanitize(target.get("describe"), 60) if isinstance(target, dict) else ""
    override = zone.get("override")
    until = zone.get("manual_until_s")
    if isinstance(override, dict) and isinstance(until, (int, float)):
        stamp = time.strftime("%H:%M", time.localtime(until))
        then = f", then {what}" if what else ""
        return f"manual ({sanitize(override.get('action'), 30)}) until {stamp}{then}"
    return f"target {what}" if what else "no target (the service leaves it as it is)"


def left_to_service(
    devices: Iterable[dict[str, Any]], zones: Iterable[dict[str, Any]]
) -> list[str]:
    """One line per device on quitting: nothing changes, the service keeps it as it runs it.

    ``devices`` and ``zones`` are the service's objects as last seen (``/devices``, ``/zones``
    and the stream); each line names the device, what it is at now and its zone's target.
    """
    by_zone = {str(z.get("name")): z for z in zones}
    lines = []
    for device in devices:
        address = f"{device.get('host')}:{device.get('port')}"
        name = device.get("name")
        label = name if name and name != address else device.get("product") or address
        if not device.get("online"):
            now = f"offline ({device.get('error') or 'no reading'})"
        elif device.get("soft_off"):
            now = "off"
        else:
            now = str(device.get("mode") or device.get("state") or "unknown")
        power = device.get("power_w")
        if device.get("online") and isinstance(power, (int, float)):
            now += f", {power:.0f} W"
        zone = device.get("zone")
        holds = _holds(by_zone.get(str(zone)))
        line = f"{label} ({address}): left to the service at {now}; zone {zone}: {holds}"
        lines.append(sanitize(line, 300))
    return lines


PROMPTS = {"c": "set-point in °C", "l": "mode name (level)"}


class AttachedApp(App[None]):
    """Zones and devices of a running service; change a zone's target with c, l, o, r, x."""

    TITLE = "nanoheater"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "ask('c')", "Set-point"),
        Binding("l", "ask('l')", "Level"),
        Binding("o", "off", "Off"),
        Binding("r", "resume", "Resume"),
        Binding("x", "clear", "Manual"),
        Binding("v", "next_window", "Window"),
        Binding("escape", "cancel", "Cancel", show=False),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, remote: RemoteHome) -> None:
        super().__init__()
        self.remote = remote
        self.sub_title = f"attached to nanoheater serve at {remote.address}"
        self._asking: str | None = None
        self.seen_devices: dict[str, dict[str, Any]] = {}
        """Each device as the service last described it, by address."""
        self.seen_zones: dict[str, dict[str, Any]] = {}
        """Each zone as the service last described it, by name."""

    @property
    def quit_summary(self) -> list[str]:
        """Per device, what quitting leaves it at: unchanged, with the service (no I/O)."""
        devices = [self.seen_devices[key] for key in sorted(self.seen_devices)]
        return left_to_service(devices, self.seen_zones.values())

    def compose(self) -> ComposeResult:
        """Zones over devices, a prompt line and the status line."""
        yield Header()
        zones: DataTable[str] = DataTable(id="zones", cursor_type="row")
        zones.add_columns("Zone", "Target", "State", "Devices")
        yield zones
        yield ZoneCharts(id="zone-charts")
        yield Static("", id="zone-room-model")
        devices: DataTable[str] = DataTable(id="devices", cursor_type="row")
        devices.add_columns("Device", "Zone", "Model", "State", "Mode", "Power", "Chip")
        yield devices
        yield Input(id="entry")
        yield Static("quitting leaves every device as the service runs it", id="status")
        yield Footer()

    def on_resize(self, event: events.Resize) -> None:
        """Give the zone's charts half of a tall terminal (11 rows at 24, 18 at 40)."""
        height = max(ZONE_CHARTS_MIN_ROWS, min(ZONE_CHARTS_MAX_ROWS, event.size.height // 2 - 2))
        self.query_one(ZoneCharts).styles.height = height

    def on_mount(self) -> None:
        """Load zones and devices, then follow the stream."""
        self.query_one("#entry", Input).display = False
        self.query_one("#zone-room-model", Static).display = False
        self.query_one("#zones", DataTable).focus()
        self.load()
        self.follow()
        self.set_interval(ZONE_WINDOW_REFRESH_S, self._load_zone_window)

    # -- workers (all I/O) ----------------------------------------------------------------------

    @work(group="load", exclusive=True)
    async def load(self) -> None:
        """Fetch zones and devices."""
        try:
            self.post_message(ZonesLoaded(await self.remote.zones()))
            self.post_message(DevicesLoaded(await self.remote.devices()))
        except NanoheaterError as exc:
            self.post_message(ServiceProblem(str(exc)))

    @work(group="zone-window", exclusive=True)
    async def load_zone_window(self, zone: str, window: str) -> None:
        """Fetch a zone's chart window from the service's history."""
        try:
            self.post_message(ZoneWindowLoaded(zone, await self.remote.zone_window(zone, window)))
        except NanoheaterError as exc:
            self.post_message(ServiceProblem(str(exc)))

    @work(group="stream")
    async def follow(self) -> None:
        """Apply each reading; reload the zones on decisions and events."""
        try:
            async for kind, data in self.remote.stream():
                if kind == "reading" and isinstance(data.get("device"), dict):
                    self.post_message(DeviceRead(data["device"]))
                elif kind in ("decision", "event"):
                    if kind == "event" and data.get("type") == "alert":
                        self.post_message(
                            AlertReceived(str(data.get("subject")), str(data.get("detail")))
                        )
                    self.load()
        except NanoheaterError as exc:
            self.post_message(ServiceProblem(f"stream ended: {exc}"))

    @work(group="change")
    async def change(self, zone: str, body: dict[str, Any] | None, resume: bool = False) -> None:
        """Send a target change (or a resume) for ``zone``."""
        try:
            if resume:
                await self.remote.resume(zone)
            else:
                await self.remote.set_target(zone, body)
        except NanoheaterError as exc:
            self.post_message(ServiceProblem(str(exc)))
        else:
            self.post_message(ServiceProblem(f"{zone}: done"))
        self.load()

    # -- handlers (widgets only) ----------------------------------------------------------------

    def _upsert(self, table_id: str, key: str, row: tuple[str, ...]) -> None:
        """Update the row ``key`` of a table in place, or add it."""
        table: DataTable[str] = self.query_one(table_id, DataTable)
        if key in table.rows:
            for column, value in zip(table.columns, row, strict=False):
                table.update_cell(key, column, value)
        else:
            table.add_row(*row, key=key)

    @on(ZonesLoaded)
    def _zones(self, message: ZonesLoaded) -> None:
        for zone in message.zones:
            self.seen_zones[str(zone.get("name"))] = zone
            self._upsert("#zones", str(zone.get("name")), zone_row(zone))
        charts = self.query_one(ZoneCharts)
        if charts.zone is None and (first := self._zone()) is not None:
            charts.pick(first)  # the first zone, before any cursor move
            self._load_zone_window()
        self._show_room()

    def _show_room(self) -> None:
        """The selected zone's learned room under its charts (hidden when it has none)."""
        zone = self.query_one(ZoneCharts).zone
        line = room_line(None if zone is None else self.seen_zones.get(zone))
        static = self.query_one("#zone-room-model", Static)
        static.update(Text(line))
        static.display = bool(line)

    @on(DevicesLoaded)
    def _devices(self, message: DevicesLoaded) -> None:
        for device in message.devices:
            self._device(DeviceRead(device))

    @on(DeviceRead)
    def _device(self, message: DeviceRead) -> None:
        key = device_key(message.device)
        self.seen_devices[key] = message.device
        self._upsert("#devices", key, device_row(message.device))
        charts = self.query_one(ZoneCharts)
        if charts.zone is not None and message.device.get("zone") == charts.zone:
            point = zone_point(self.seen_devices.values(), charts.zone)
            if point is not None:
                charts.live(point)  # between the once-a-minute reads of the zone's window

    @on(DataTable.RowHighlighted, "#zones")
    def _zone_highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value
        if key is not None:
            self.query_one(ZoneCharts).pick(str(key))
            self._load_zone_window()
            self._show_room()

    def _load_zone_window(self) -> None:
        charts = self.query_one(ZoneCharts)
        if charts.zone is not None:
            self.load_zone_window(charts.zone, charts.window.value)

    def action_next_window(self) -> None:
        """Chart the selected zone over the next window (15 min, 6 h, 24 h, 7 d)."""
        self.query_one(ZoneCharts).next_window()
        self._load_zone_window()

    @on(ZoneWindowLoaded)
    def _zone_window(self, message: ZoneWindowLoaded) -> None:
        try:
            series = window_from_json(message.data, name=message.zone)
        except ValueError as exc:
            self._problem(ServiceProblem(f"zone window: {exc}"))
            return
        self.query_one(ZoneCharts).show(series)

    @on(AlertReceived)
    def _alert(self, message: AlertReceived) -> None:
        detail = sanitize(message.detail, 200)
        level = detail[1 : detail.find("]")] if detail.startswith("[") else "info"
        severity = ALERT_SEVERITY.get(level, "information")
        self.notify(detail, title=sanitize(message.subject, 40), severity=severity, markup=False)
        self.query_one("#status", Static).update(Text(f"alert: {detail}"))  # no markup

    @on(ServiceProblem)
    def _problem(self, message: ServiceProblem) -> None:
        self.query_one("#status", Static).update(sanitize(message.text, 200))

    def _zone(self) -> str | None:
        table: DataTable[str] = self.query_one("#zones", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return str(key) if key is not None else None

    def action_ask(self, what: str) -> None:
        """Ask for a set-point or a level for the selected zone."""
        zone = self._zone()
        if zone is None:
            return
        self._asking = what
        entry = self.query_one("#entry", Input)
        entry.value = ""
        entry.placeholder = f"{zone}: {PROMPTS[what]}, Enter to send, Esc to cancel"
        entry.display = True
        entry.focus()

    def action_cancel(self) -> None:
        """Hide the prompt."""
        self._asking = None
        self.query_one("#entry", Input).display = False
        self.query_one("#zones", DataTable).focus()

    @on(Input.Submitted, "#entry")
    def _submitted(self, event: Input.Submitted) -> None:
        zone, what = self._zone(), self._asking
        self.action_cancel()
        text = event.value.strip()
        if zone is None or what is None or not text:
            return
        if what == "c":
            try:
                body: dict[str, Any] = {"setpoint_c": float(text)}
            except ValueError:
                self._problem(ServiceProblem(f"not a temperature: {sanitize(text, 20)}"))
                return
        else:
            body = {"level": text}
        self.change(zone, body)

    def action_off(self) -> None:
        """Keep the selected zone off."""
        if (zone := self._zone()) is not None:
            self.change(zone, {"off": True})

    def action_resume(self) -> None:
        """End the selected zone's manual override."""
        if (zone := self._zone()) is not None:
            self.change(zone, None, resume=True)

    def action_clear(self) -> None:
        """Stop regulating the selected zone (devices keep what they run)."""
        if (zone := self._zone()) is not None:
            self.change(zone, None)
