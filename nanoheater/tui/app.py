"""Provides NanoheaterApp, the Textual application: it routes messages and owns the device workers.

The App is given its services (house style 2.8): ``connect`` opens a client for a device and
``discover`` yields devices. Every network or file operation runs in an async worker
(``tui.workers`` for devices), and its outcome comes back as a message from ``tui.messages``;
handlers only update the fleet state and the visible screen.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.notifications import SeverityLevel

from nanoheater.config import Settings, config_path, data_dir, save_settings
from nanoheater.controller.targets import load_schedule
from nanoheater.economics.market import load_market, offline_market
from nanoheater.models import DiscoveredHeater, DiscoverySource
from nanoheater.tui.devices import HISTORY_SAMPLES, DeviceEntry, FleetState, Refusal
from nanoheater.tui.eventlog import EventLog, Severity
from nanoheater.tui.ledger import Ledger
from nanoheater.tui.messages import (
    CommandFailed,
    CommandRefused,
    CommandSucceeded,
    ControllerDecided,
    HeaterDiscovered,
    MarketLoaded,
    PollFailed,
    ScanFinished,
    SettingsSaved,
    StatusPolled,
)
from nanoheater.tui.regulation import TargetChoice
from nanoheater.tui.screens.base import AppScreen
from nanoheater.tui.screens.fleet import FleetScreen
from nanoheater.tui.services import Connect, Discover
from nanoheater.tui.workers import DeviceAction, DeviceWorkers, RoomSensorFactory, describe_error


class NanoheaterApp(App[None]):
    """The nanoheater terminal companion: fleet, device, economics, events and settings screens."""

    CSS_PATH = "nanoheater.tcss"
    TITLE = "nanoheater"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f", "show_fleet", "Fleet"),
        Binding("e", "show_economics", "Economics"),
        Binding("l", "show_events", "Events"),
        Binding("s", "show_settings", "Settings"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(
        self,
        settings: Settings,
        *,
        connect: Connect,
        discover: Discover,
        hosts: Iterable[DiscoveredHeater] = (),
        config_file: Path | None = None,
        poll_interval_s: float = 1.0,
        control_interval_s: float = 10.0,
        scan_on_start: bool = True,
        live_market: bool = False,
        room_sensor: RoomSensorFactory | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Create the app.

        Args:
            settings: the user's settings (tariff, market, caps, hosts, controller).
            connect: opens a client for a device.
            discover: yields devices found on the network (the "rescan" key runs it again).
            hosts: devices to show from the start (configured hosts, ``--host``).
            config_file: where Save writes the settings; None for the default config path.
            poll_interval_s: wall seconds between status polls of each device.
            control_interval_s: wall seconds between controller ticks of a regulated device.
            scan_on_start: run ``discover`` once at start-up.
            live_market: fetch live BTC price and difficulty (per ``settings.market``) at start;
                off, the configured or cached values are used and nothing leaves the machine.
            room_sensor: the room thermometer of a device, when the caller has a better one than
                the settings' sensors or the device's inlet (the demo's simulated rooms).
            clock: wall clock for refusal retry times (fixed in snapshot tests).
        """
        super().__init__()
        self.settings = settings
        """The settings in force; replaced when the settings screen saves."""
        self.config_file = config_file or config_path()
        """Where the settings screen saves."""
        self.live_market = live_market
        self.clock = clock
        """Wall-clock time; refusals count down on it."""
        self.ledger = Ledger(settings.tariff, offline_market(settings.market, None))
        """Heat, cost and sats per device and day, for the economics view."""
        self.discover = discover
        self.poll_interval_s = poll_interval_s
        self.control_interval_s = control_interval_s
        self.scan_on_start = scan_on_start
        self.fleet = FleetState()
        """Every device shown, offline ones included."""
        self.events = EventLog()
        """What happened this session."""
        self.power_history: deque[float] = deque(maxlen=HISTORY_SAMPLES)
        """Total power of the online devices, one sample per poll round."""
        self.devices = DeviceWorkers(self, connect, room_sensor)
        """Device I/O: polls, commands and controllers, all in workers."""
        for heater in hosts:
            self.fleet.add(heater)

    # -- lifecycle -------------------------------------------------------------------------

    def on_mount(self) -> None:
        """Show the fleet, start polling and control timers, and scan if asked."""
        self.push_screen(FleetScreen())
        self.set_interval(self.poll_interval_s, self.poll_all, name="poll")
        self.set_interval(self.control_interval_s, self.devices.tick_all, name="control")
        self.poll_all()
        self.load_market()
        if self.scan_on_start:
            self.rescan()

    async def on_unmount(self) -> None:
        """Close the device clients."""
        await self.devices.close()

    # -- actions (bindings and command palette) ---------------------------------------------

    def action_show_fleet(self) -> None:
        """Go back to the fleet screen."""
        while len(self.screen_stack) > 2:
            self.pop_screen()

    def action_show_economics(self) -> None:
        """Open the economics view."""
        from nanoheater.tui.screens.economics import EconomicsScreen

        self._open(EconomicsScreen)

    def action_show_events(self) -> None:
        """Open the events log."""
        from nanoheater.tui.screens.events import EventsScreen

        self._open(EventsScreen)

    def action_show_settings(self) -> None:
        """Open the settings form."""
        from nanoheater.tui.screens.settings import SettingsScreen

        self._open(SettingsScreen)

    def open_device(self, key: str) -> None:
        """Show the device screen of ``key``; it is built once and kept, so reopening is instant."""
        from nanoheater.tui.screens.device import DeviceScreen

        name = f"device:{key}"
        if not self.is_screen_installed(name):
            self.install_screen(DeviceScreen(key), name=name)
        self.push_screen(name)

    def _open(self, screen_type: type[AppScreen]) -> None:
        if isinstance(self.screen, screen_type):
            return
        self.action_show_fleet()
        self.push_screen(screen_type())

    # -- what screens ask for (each starts a worker) -----------------------------------------

    def poll_all(self) -> None:
        """Record the fleet's total power, then poll every device that has no poll in flight."""
        online = [e.status.power_w or 0.0 for e in self.fleet if e.online and e.status]
        if online:
            self.power_history.append(sum(online))
        for entry in self.fleet:
            self.devices.poll(entry.key)

    def run_command(self, key: str, description: str, action: DeviceAction) -> None:
        """Send a command to device ``key`` in a worker; the outcome becomes an event."""
        self.devices.command(key, description, action)

    def engage(self, key: str, choice: TargetChoice) -> None:
        """Let the controller drive device ``key`` towards ``choice``."""
        entry = self.fleet.get(key)
        if entry is None:
            return
        entry.control = choice.describe()
        entry.target_c = choice.setpoint_c
        entry.decision = None
        self.log_event(entry.name, f"heat target: {choice.describe()}")
        self.devices.engage(key, choice)
        self._fleet_changed(key)

    def stop_control(self, key: str) -> None:
        """Hand device ``key`` back to manual control."""
        entry = self.fleet.get(key)
        if entry is None or entry.control is None:
            return
        self.devices.stop(key)
        entry.control = entry.target_c = entry.decision = None
        self.log_event(entry.name, "manual control")
        self._fleet_changed(key)

    @work(exclusive=True, group="schedule", exit_on_error=False)
    async def engage_schedule(self, key: str, path: str, quiet_hours: bool) -> None:
        """Read the schedule file at ``path`` (a worker: file I/O), then follow it on ``key``."""
        file = Path(path)
        try:
            schedule = load_schedule(file.expanduser())  # noqa: ASYNC240 - a small local file
        except Exception as exc:
            self.post_message(CommandFailed(key, f"load schedule {path}", describe_error(exc)))
            return
        self.engage(
            key, TargetChoice(schedule=schedule, schedule_name=file.name, quiet_hours=quiet_hours)
        )

    @work(exclusive=True, group="discovery", exit_on_error=False)
    async def rescan(self) -> None:
        """Run discovery; each device found is posted as it arrives."""
        found = 0
        error: str | None = None
        try:
            async for heater in self.discover():
                found += 1
                self.post_message(HeaterDiscovered(heater))
        except Exception as exc:
            error = describe_error(exc)
        self.post_message(ScanFinished(found, error))

    def add_address(self, address: str, *, remember: bool = False) -> DeviceEntry:
        """Add a device typed as ``host[:port]`` and poll it; raises ValueError if malformed.

        With ``remember`` the address also joins the configured hosts in the config file.
        """
        host, port = parse_address(address)
        heater = DiscoveredHeater(name="", host=host, port=port, sources=(DiscoverySource.CONFIG,))
        entry, new = self.fleet.add(heater)
        if new:
            self.log_event(entry.key, "added by address")
            self._fleet_changed(None)
        if remember and entry.key not in self.settings.hosts:
            hosts = (*self.settings.hosts, entry.key)
            self.save_settings(self.settings.model_copy(update={"hosts": hosts}))
        self.devices.poll(entry.key)
        return entry

    @work(exclusive=True, group="market", exit_on_error=False)
    async def load_market(self) -> None:
        """Load market inputs: cached or configured, and live only when the app was told to."""
        try:
            market = await load_market(self.settings.market, data_dir(), live=self.live_market)
        except Exception as exc:
            self.notify(f"market inputs: {describe_error(exc)}", severity="warning")
            return
        self.post_message(MarketLoaded(market))

    def save_settings(self, settings: Settings) -> None:
        """Adopt ``settings`` now and write them to the config file in a worker."""
        self.settings = settings
        self.devices.settings_changed()
        self.ledger.tariff = settings.tariff
        self.ledger.market = offline_market(settings.market, None)
        self.run_worker(self._save(settings), group="settings", exit_on_error=False)

    async def _save(self, settings: Settings) -> None:
        try:
            path = save_settings(settings, self.config_file)
        except Exception as exc:
            self.post_message(SettingsSaved(str(self.config_file), describe_error(exc)))
        else:
            self.post_message(SettingsSaved(str(path)))

    # -- message handlers (no I/O here) -------------------------------------------------------

    @on(StatusPolled)
    def _status_polled(self, message: StatusPolled) -> None:
        entry = self.fleet.get(message.key)
        if entry is None:
            return
        was_offline = entry.online is False
        self.ledger.record(entry.key, entry.status, message.status)
        if message.room_c is not None:
            entry.sensor_room_c = message.room_c
        entry.record(message.status)
        today = self.ledger.on_day(self.ledger.today, entry.key)
        entry.heat_kwh_today, entry.sats_today = today.heat_kwh, today.sats
        if was_offline:
            self.log_event(entry.name, "back online")
        self._fleet_changed(message.key)

    @on(PollFailed)
    def _poll_failed(self, message: PollFailed) -> None:
        entry = self.fleet.get(message.key)
        if entry is None:
            return
        if entry.online is not False:
            self.log_event(entry.name, f"offline: {message.error}", Severity.WARNING)
        entry.mark_offline(message.error)
        self._fleet_changed(message.key)

    @on(HeaterDiscovered)
    def _heater_discovered(self, message: HeaterDiscovered) -> None:
        entry, new = self.fleet.add(message.heater)
        if new:
            self.log_event(entry.name, f"found at {entry.key}")
            self.devices.poll(entry.key)
        self._fleet_changed(None)

    @on(ScanFinished)
    def _scan_finished(self, message: ScanFinished) -> None:
        if message.error:
            self.log_event("", f"scan failed: {message.error}", Severity.ERROR)
        else:
            self.log_event("", f"scan finished: {message.found} found")

    @on(CommandSucceeded)
    def _command_succeeded(self, message: CommandSucceeded) -> None:
        entry = self.fleet.get(message.key)
        if entry is None:
            return
        entry.refusal = None
        self.log_event(entry.name, f"{message.description}: done")
        self.devices.poll(message.key)
        self._fleet_changed(message.key)

    @on(CommandRefused)
    def _command_refused(self, message: CommandRefused) -> None:
        entry = self.fleet.get(message.key)
        if entry is None:
            return
        retry = message.retry_after_s
        entry.refusal = Refusal(
            message.description, message.reason, None if retry is None else self.clock() + retry
        )
        text = f"{message.description} refused: {message.reason}"
        if retry is not None:
            text += f"; retry in {retry:.0f} s"
        self.log_event(entry.name, text, Severity.WARNING)
        self._fleet_changed(message.key)

    @on(CommandFailed)
    def _command_failed(self, message: CommandFailed) -> None:
        entry = self.fleet.get(message.key)
        name = entry.name if entry else message.key
        self.log_event(name, f"{message.description} failed: {message.error}", Severity.ERROR)

    @on(ControllerDecided)
    def _controller_decided(self, message: ControllerDecided) -> None:
        entry = self.fleet.get(message.key)
        if entry is None or entry.control is None:
            return  # a tick that finished after the user took manual control
        entry.decision = message.reason
        if message.room_c is not None:
            entry.sensor_room_c = message.room_c
        if message.applied:
            self.log_event(entry.name, f"controller: {message.applied} ({message.reason})")
            self.devices.poll(message.key)
        for warning in message.warnings:
            if warning not in entry.warned:
                entry.warned.add(warning)
                self.log_event(entry.name, warning, Severity.WARNING)
        self._fleet_changed(message.key)

    @on(MarketLoaded)
    def _market_loaded(self, message: MarketLoaded) -> None:
        self.ledger.market = message.market
        self._fleet_changed(None)

    @on(SettingsSaved)
    def _settings_saved(self, message: SettingsSaved) -> None:
        if message.error:
            self.log_event("", f"settings not saved: {message.error}", Severity.ERROR)
            return
        self.log_event("", f"settings saved to {message.path}")
        self.notify(f"Saved to {message.path}", title="Settings", timeout=3)
        for host in self.settings.hosts:
            if host not in self.fleet:
                self.add_address(host)

    # -- helpers -------------------------------------------------------------------------------

    def log_event(self, device: str, text: str, severity: Severity = Severity.INFO) -> None:
        """Append to the events log; warnings and errors also pop up as notifications."""
        self.events.add(device, text, severity)
        if severity is not Severity.INFO:
            level: SeverityLevel = "warning" if severity is Severity.WARNING else "error"
            self.notify(text, title=device or "nanoheater", severity=level)
        self._fleet_changed(None)

    def _fleet_changed(self, key: str | None) -> None:
        if self.screen_stack and isinstance(self.screen, AppScreen):
            self.screen.fleet_changed(key)


def parse_address(address: str, default_port: int = 4028) -> tuple[str, int]:
    """Split ``host[:port]``; raise ValueError for an empty host or a bad port."""
    text = address.strip()
    host, sep, port_text = text.rpartition(":")
    if not sep:
        host, port_text = text, str(default_port)
    if not host or any(c.isspace() for c in host):
        raise ValueError(f"not an address: {address!r}")
    try:
        port = int(port_text)
    except ValueError:
        raise ValueError(f"not a port: {port_text!r}") from None
    if not 0 < port < 65536:
        raise ValueError(f"port out of range: {port}")
    return host, port
