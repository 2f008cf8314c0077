"""Provides NanoheaterApp, the Textual application: it routes messages and owns the device workers.

The App is given its services (house style 2.8): ``connect`` opens a client for a device and
``discover`` yields devices. Every network or file operation runs in an async worker
(``tui.workers`` for devices), and its outcome comes back as a message from ``tui.messages``;
handlers only update the fleet state and the visible screen.
"""

from __future__ import annotations

import gc
import time
from collections import deque
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, ClassVar

from textual import on
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.notifications import SeverityLevel
from textual.screen import Screen

from nanoheater.address import DeviceAddress
from nanoheater.config import Settings, config_path
from nanoheater.diagnosis import diagnose
from nanoheater.economics.market import offline_market
from nanoheater.exceptions import UsageError
from nanoheater.history import AsyncHistoryStore
from nanoheater.history.records import LedgerTotals
from nanoheater.models import DiscoveredHeater, DiscoverySource
from nanoheater.tui.devices import (
    HISTORY_SAMPLES,
    DeviceEntry,
    FleetState,
    Refusal,
    quit_summary,
)
from nanoheater.tui.eventlog import EventLog, Severity
from nanoheater.tui.ledger import Ledger, gap_limit_s
from nanoheater.tui.messages import (
    CommandFailed,
    CommandRefused,
    CommandSucceeded,
    ControllerDecided,
    ControllerEngaged,
    DaysLoaded,
    FleetWindowLoaded,
    HeaterDiscovered,
    HeatTargetRequested,
    HistoryFailed,
    ManualControlRequested,
    MarketLoaded,
    PeriodTotalsLoaded,
    PollFailed,
    ScanFinished,
    ScheduleEditRequested,
    ScheduleLoaded,
    ScheduleRequested,
    ScheduleTextRead,
    SettingsSaved,
    StatusPolled,
    WindowLoaded,
)
from nanoheater.tui.palette import palette_commands
from nanoheater.tui.regulation import RoomModelFactory
from nanoheater.tui.screens.base import AppScreen
from nanoheater.tui.screens.device import DeviceScreen
from nanoheater.tui.screens.economics import EconomicsScreen
from nanoheater.tui.screens.events import EventsScreen
from nanoheater.tui.screens.fleet import FleetScreen
from nanoheater.tui.screens.help import HelpScreen
from nanoheater.tui.screens.quit_wait import (
    QUIT_WAIT_S,
    QuitWaitScreen,
    calibrating_under_target,
)
from nanoheater.tui.screens.schedule_editor import TEMPLATE, ScheduleEditorScreen
from nanoheater.tui.screens.settings import SettingsScreen
from nanoheater.tui.services import Connect, Discover
from nanoheater.tui.storage import Storage
from nanoheater.tui.workers import DeviceAction, DeviceWorkers, RoomSensorFactory


def freeze_heap() -> None:
    """Take every object alive now out of the garbage collector's full passes (``gc.freeze``).

    Why: Textual keeps hundreds of thousands of long-lived objects (widgets, styles, render
    caches), and each full (generation 2) collection walked all of them: 50-160 ms with the UI
    stalled, which were the slowest key-to-repaint times in bench/tui.py. Frozen objects are
    never freed, which suits screens kept for the whole session; garbage made later is still
    collected as usual.
    """
    gc.freeze()


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
        Binding("question_mark,f1", "help", "Help"),
        Binding("escape", "hide_keys", show=False),  # screens' own Esc close it too
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
        room_model: RoomModelFactory | None = None,
        clock: Callable[[], float] = time.time,
        history: AsyncHistoryStore | None = None,
        exit_level: str = "lowest",
        exit_timeout_s: float = 5.0,
        device_time_scale: float = 1.0,
        quit_wait_s: float = QUIT_WAIT_S,
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
            room_model: the heat loss (UA) of a device's room and the outdoor temperature, for
                the controller's feed-forward and reachability warning (``--ua``, the demo's
                simulated rooms); None runs the controllers without a room model.
            clock: wall clock for refusal retry times (fixed in snapshot tests).
            history: the local history to record readings in and read period totals from
                (opened and closed by the caller); None keeps figures for this session only.
            exit_level: on quit, devices under the controller are left at this level (as
                ``nanoheater thermostat --exit-level``): lowest heating step, off or a mode name.
            exit_timeout_s: the longest quitting waits for those devices to answer.
            quit_wait_s: the longest quitting waits, with a countdown on screen, for such a
                device still calibrating after a mode change (it refuses the exit mode until
                then); 0 quits at once with the summary.
            device_time_scale: device seconds per wall second (the demo's ``--speed``); the
                ledger's gap limit grows with it, or an accelerated fleet never counts a kWh.
        """
        super().__init__()
        self.settings = settings
        """The settings in force; replaced when the settings screen saves."""
        self.config_file = config_file or config_path()
        """Where the settings screen saves."""
        self.live_market = live_market
        self.exit_level, self.exit_timeout_s = exit_level, exit_timeout_s
        self.quit_wait_s = quit_wait_s
        self.clock = clock
        """Wall-clock time; refusals count down on it."""
        self.ledger = Ledger(
            settings.tariff,
            offline_market(settings.market, None),
            max_gap_s=gap_limit_s(poll_interval_s, device_time_scale),
        )
        self.device_time_scale = device_time_scale
        """1.0 for real devices: then a device clock far ahead of ours is not believed."""
        """Heat, cost and sats per device and day, for the economics view."""
        self.discover = discover
        self.poll_interval_s = poll_interval_s
        self.control_interval_s = control_interval_s
        self.scan_on_start = scan_on_start
        self.fleet = FleetState(names=settings.device_names())
        """Every device shown, offline ones included."""
        self.events = EventLog()
        """What happened this session."""
        self.power_history: deque[float] = deque(maxlen=HISTORY_SAMPLES)
        """Total power of the online devices, one sample per poll round."""
        self.devices = DeviceWorkers(self, connect, room_sensor, room_model)
        """Device I/O: polls, commands and controllers, all in workers."""
        self.storage = Storage(self, history)
        """File I/O: settings, market inputs, history."""
        self.quit_summary: list[str] = []
        """One line per device on what quitting left it at; filled when the app unmounts."""
        self.period_totals: dict[str, LedgerTotals] | None = None
        """Today, this week and this season from the history; None without one."""
        for heater in hosts:
            self.fleet.add(heater)

    # -- lifecycle -------------------------------------------------------------------------

    def on_mount(self) -> None:
        """Show the fleet, start polling and control timers, and scan if asked."""
        self.push_screen(FleetScreen())
        self.call_after_refresh(freeze_heap)
        self.set_interval(self.poll_interval_s, self.poll_all, name="poll")
        self._control = self.set_interval(
            self.control_interval_s, self.devices.tick_all, name="control"
        )
        self.poll_all()
        self.load_market()
        if self.scan_on_start:
            self.rescan()

    async def on_unmount(self) -> None:
        """Leave controlled devices at the exit level (bounded wait), then close the clients."""
        outcomes = await self.devices.shutdown(self.exit_level, self.exit_timeout_s)
        await self.devices.close()
        self.quit_summary = quit_summary(self.fleet, outcomes, self.exit_level)

    # -- actions (bindings and command palette) ---------------------------------------------

    async def action_quit(self) -> None:
        """Quit; a device under a heat target still calibrating first gets a bounded wait.

        The wait is on screen (a countdown, ``s`` skips it); the controller is paused so it
        does not open a new calibration window meanwhile.
        """
        waiting = self.quit_wait_s > 0 and not isinstance(self.screen, QuitWaitScreen)
        if not waiting or not calibrating_under_target(self):
            self.exit()
        else:
            self._control.pause()
            self.push_screen(QuitWaitScreen(self.clock() + self.quit_wait_s))

    def action_show_fleet(self) -> None:
        """Go back to the fleet screen (Esc first closes an open Keys panel)."""
        if self._keys_panel_closed():
            return
        while len(self.screen_stack) > 2:
            self.pop_screen()

    def action_help(self) -> None:
        """Open the help: keys, states, modes and calibrating explained."""
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_hide_keys(self) -> None:
        """Close the Keys panel if it is open (Esc on a screen without its own Esc)."""
        self._keys_panel_closed()

    async def action_pop_screen(self) -> None:
        """Go back one screen (Esc first closes an open Keys panel)."""
        if not self._keys_panel_closed():
            await super().action_pop_screen()

    def _keys_panel_closed(self) -> bool:
        """Close the Keys panel; whether one was open (then Esc has done its job)."""
        if not self.screen.query("HelpPanel"):
            return False
        self.action_hide_help_panel()
        return True

    def action_show_economics(self) -> None:
        """Open the economics view."""
        self._open(EconomicsScreen)

    def action_show_events(self) -> None:
        """Open the events log."""
        self._open(EventsScreen)

    def action_show_settings(self) -> None:
        """Open the settings form."""
        self._open(SettingsScreen)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The command palette: Textual's own commands plus every nanoheater view and action."""
        yield from super().get_system_commands(screen)
        yield from palette_commands(self)

    def open_device(self, key: str) -> None:
        """Show the device screen of ``key``; it is built once and kept, so reopening is instant."""
        name = f"device:{key}"
        if not self.is_screen_installed(name):
            self.install_screen(DeviceScreen(key), name=name)
            self.call_after_refresh(freeze_heap)  # the kept screen is long-lived too
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

    def engage_schedule(self, key: str, path: str, quiet_hours: bool) -> None:
        """Read the schedule file at ``path`` in a worker, then follow it on ``key``."""
        self.storage.load_schedule(key, path, quiet_hours)

    def rescan(self) -> None:
        """Run discovery in a worker; devices are added as they are found."""
        self.devices.rescan(self.discover)

    def add_address(self, address: str, *, remember: bool = False) -> DeviceEntry:
        """Add a device typed as ``host[:port]`` and poll it; raises ValueError if malformed.

        With ``remember`` the address also joins the configured hosts in the config file.
        """
        try:
            parsed = DeviceAddress.parse_tcp(address)
        except UsageError as exc:
            raise ValueError(str(exc)) from None
        heater = DiscoveredHeater(
            name="", host=parsed.host, port=parsed.tcp_port, sources=(DiscoverySource.CONFIG,)
        )
        self.fleet.removed.discard(str(heater.address))  # added back by hand
        entry, new = self.fleet.add(heater)
        if new:
            self.log_event(entry.key, "added by address")
            self._fleet_changed(None)
        if remember and entry.key not in self.settings.hosts:
            hosts = (*self.settings.hosts, entry.key)
            self.save_settings(self.settings.model_copy(update={"hosts": hosts}))
        self.devices.poll(entry.key)
        return entry

    def remove_device(self, key: str) -> None:
        """Forget a device: manual control first, then out of the fleet and the config hosts."""
        self.devices.stop(key)
        entry = self.fleet.remove(key)
        if entry is None:
            return
        self.log_event(entry.name, f"removed ({key})")
        hosts = tuple(h for h in self.settings.hosts if _other_address(h, key))
        if hosts != self.settings.hosts:
            self.save_settings(self.settings.model_copy(update={"hosts": hosts}))
        self._fleet_changed(None)

    def rename_device(self, key: str, name: str) -> None:
        """Show device ``key`` as ``name`` (empty: its own name again), kept in config.toml."""
        entry = self.fleet.get(key)
        if entry is None:
            return
        # Printable only: config.toml refuses anything else, and a refused file stops the next run.
        label = "".join(c for c in name if c.isprintable()).strip()[:40]
        old, entry.label = entry.name, label or None
        self.log_event(entry.name, f"renamed from {old}")
        # Stored under the fleet key; an entry the user wrote as "host" is replaced by it.
        names = {h: n for h, n in self.settings.names.items() if _other_address(h, key)}
        self.fleet.names.pop(key, None)
        if label:
            names[key] = self.fleet.names[key] = label
        if names != self.settings.names:
            self.save_settings(self.settings.model_copy(update={"names": names}))
        self._fleet_changed(key)

    def load_market(self) -> None:
        """Load market inputs (live only when the app was told it may)."""
        self.storage.load_market(self.settings.market, self.live_market)

    def save_settings(self, settings: Settings) -> None:
        """Adopt ``settings`` now and write them to the config file in a worker."""
        self.settings = settings
        self.devices.settings_changed()
        self.ledger.tariff = settings.tariff
        self.ledger.market = offline_market(settings.market, None)
        self.storage.save_settings(settings, self.config_file)
        self.load_market()  # the market section may have changed (or live fetching with it)

    def load_period_totals(self, days: int | None = None) -> None:
        """Ask the history for today, this week and this season (device time), and ``days``."""
        now_s = self.ledger.latest_s or self.clock()
        self.storage.load_totals(now_s, self.settings.history.season_start)
        if days is not None:
            self.storage.load_days(days, now_s)

    # -- message handlers (no I/O here) -------------------------------------------------------

    @on(StatusPolled)
    def _status_polled(self, message: StatusPolled) -> None:
        entry = self.fleet.get(message.key)
        if entry is None:
            return
        was_offline = entry.online is False
        self.ledger.record(entry.key, entry.status, message.status)
        # None clears the old value: a stale or lost sensor is never shown as the current room.
        entry.sensor_room_c = message.room_c
        entry.record(message.status)
        today = self.ledger.on_day(self.ledger.today, entry.key)
        entry.heat_kwh_today, entry.sats_today = today.heat_kwh, today.sats
        if was_offline:
            self.device_event(entry, "online", "back online")
        new, cleared = entry.take_problems(diagnose(message.status))
        for problem in new:  # each once, as an event and a notice, with its reason
            self.device_event(entry, "fault", problem, Severity.WARNING)
            self.notify(f"{entry.name}: {problem}", severity="warning", timeout=10)
        if cleared:
            self.device_event(entry, "fault", cleared)
        self._fleet_changed(message.key)

    @on(PollFailed)
    def _poll_failed(self, message: PollFailed) -> None:
        entry = self.fleet.get(message.key)
        if entry is None:
            return
        if entry.online is not False:
            self.device_event(entry, "offline", f"offline: {message.error}", Severity.WARNING)
        entry.mark_offline(message.error)
        self._fleet_changed(message.key)

    @on(HeaterDiscovered)
    def _heater_discovered(self, message: HeaterDiscovered) -> None:
        if str(message.heater.address) in self.fleet.removed:
            return  # the user removed it; a rescan must not bring it back
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
        self.device_event(entry, "command", f"{message.description}: done")
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
        self.device_event(entry, "refused", text, Severity.WARNING)
        self._fleet_changed(message.key)

    @on(CommandFailed)
    def _command_failed(self, message: CommandFailed) -> None:
        text = f"{message.description} failed: {message.error}"
        self.storage.event(message.key, "failed", text)
        entry = self.fleet.get(message.key)
        self.log_event(entry.name if entry else message.key, text, Severity.ERROR)

    @on(ControllerDecided)
    def _controller_decided(self, message: ControllerDecided) -> None:
        entry = self.fleet.get(message.key)
        if entry is None or entry.control is None:
            return  # a tick that finished after the user took manual control
        entry.decision = message.reason
        entry.sensor_room_c = message.room_c  # None: no fresh reading (see _status_polled)
        if message.applied:
            self.log_event(entry.name, f"controller: {message.applied} ({message.reason})")
            self.devices.poll(message.key)
        for warning in message.warnings:
            if warning not in entry.warned:
                entry.warned.add(warning)
                self.device_event(entry, "warning", warning, Severity.WARNING)
        self._fleet_changed(message.key)

    @on(ScheduleLoaded)
    def _schedule_loaded(self, message: ScheduleLoaded) -> None:
        self.devices.engage(message.key, message.choice)

    # Screens ask; the App routes to the workers; the UI changes when a worker reports back.

    @on(HeatTargetRequested)
    def _heat_target_requested(self, message: HeatTargetRequested) -> None:
        self.devices.engage(message.key, message.choice)

    @on(ScheduleEditRequested)
    def _schedule_edit_requested(self, message: ScheduleEditRequested) -> None:
        self.storage.read_schedule_text(message.key, message.path)

    @on(ScheduleTextRead)
    def _schedule_text_read(self, message: ScheduleTextRead) -> None:
        key, path = message.key, message.path

        def edited(text: str | None) -> None:
            if text is not None:  # it parsed: write it, then follow it
                self.storage.save_schedule(key, path, text)

        self.push_screen(ScheduleEditorScreen(path, message.text or TEMPLATE), edited)

    @on(ScheduleRequested)
    def _schedule_requested(self, message: ScheduleRequested) -> None:
        self.engage_schedule(message.key, message.path, message.quiet_hours)

    @on(ManualControlRequested)
    def _manual_requested(self, message: ManualControlRequested) -> None:
        self.devices.stop(message.key)
        self._fleet_changed(message.key)

    @on(ControllerEngaged)
    def _controller_engaged(self, message: ControllerEngaged) -> None:
        entry = self.fleet.get(message.key)
        if entry is None:
            return
        choice = message.choice
        entry.control, entry.target_c, entry.decision = choice.describe(), choice.setpoint_c, None
        self.device_event(entry, "control", f"heat target: {choice.describe()}")
        self._fleet_changed(message.key)

    @on(PeriodTotalsLoaded)
    def _period_totals_loaded(self, message: PeriodTotalsLoaded) -> None:
        self.period_totals = message.totals
        self._fleet_changed(None)

    @on(FleetWindowLoaded)
    def _fleet_window_loaded(self, message: FleetWindowLoaded) -> None:
        screen = self.screen
        if isinstance(screen, FleetScreen):
            screen.show_day(message)

    @on(DaysLoaded)
    def _days_loaded(self, message: DaysLoaded) -> None:
        screen = self.screen
        if isinstance(screen, EconomicsScreen):
            screen.show_days(message.days)

    @on(WindowLoaded)
    def _window_loaded(self, message: WindowLoaded) -> None:
        screen = self.screen
        if isinstance(screen, DeviceScreen) and screen.key == message.key:
            screen.show_window(message.series)

    @on(HistoryFailed)
    def _history_failed(self, message: HistoryFailed) -> None:
        self.log_event("", f"history: {message.error}", Severity.ERROR)

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
        self.notify(f"Saved to {message.path}", title="Settings", timeout=3, markup=False)
        for host in self.settings.hosts:
            if str(DeviceAddress.parse_tcp(host)) not in self.fleet:
                self.add_address(host)

    # -- helpers -------------------------------------------------------------------------------

    def log_event(self, device: str, text: str, severity: Severity = Severity.INFO) -> None:
        """Append to the events log; warnings and errors also pop up as notifications."""
        self.events.add(device, text, severity)
        if severity is not Severity.INFO:
            level: SeverityLevel = "warning" if severity is Severity.WARNING else "error"
            # Device and user text is shown as typed: "[/]" in an error must not be markup.
            self.notify(text, title=device or "nanoheater", severity=level, markup=False)
        self._fleet_changed(None)

    def device_event(
        self, entry: DeviceEntry, kind: str, text: str, severity: Severity = Severity.INFO
    ) -> None:
        """Log an event of one device, and keep it in the history's events (``kind``) too."""
        self.storage.event(entry.key, kind, text)
        self.log_event(entry.name, text, severity)

    def _fleet_changed(self, key: str | None) -> None:
        if self.screen_stack and isinstance(self.screen, AppScreen):
            self.screen.fleet_changed(key)


def _other_address(text: str, key: str) -> bool:
    """Whether a configured host string names another device than the one at ``key``."""
    try:
        return str(DeviceAddress.parse_tcp(text)) != key
    except UsageError:
        return True
