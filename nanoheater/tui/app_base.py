"""Provides AppBase: the state every part of NanoheaterApp shares, and the helpers they all call.

NanoheaterApp (``tui.app``) is assembled from parts, each a small subclass of this base:
navigation (``tui.navigation``), device routing (``tui.routing``), history and ledger plumbing
(``tui.history_routing``) and fleet edits (``tui.fleet_edits``). The attributes are declared
here once, so every part is type-checked against the same state; ``NanoheaterApp.__init__``
sets them.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from pathlib import Path

from textual.app import App
from textual.notifications import SeverityLevel
from textual.timer import Timer

from nanoheater.config import Settings
from nanoheater.history.records import LedgerTotals
from nanoheater.tui.devices import DeviceEntry, FleetState
from nanoheater.tui.eventlog import EventLog, Severity
from nanoheater.tui.ledger import Ledger
from nanoheater.tui.rooms import Rooms
from nanoheater.tui.screens.base import AppScreen
from nanoheater.tui.services import Discover
from nanoheater.tui.storage import Storage
from nanoheater.tui.workers import DeviceWorkers


class AppBase(App[None]):
    """The shared state of the nanoheater app and the event and refresh helpers."""

    settings: Settings
    """The settings in force; replaced when the settings screen saves."""
    config_file: Path
    """Where the settings screen saves."""
    live_market: bool
    exit_level: str
    exit_timeout_s: float
    quit_wait_s: float
    clock: Callable[[], float]
    """The app's one clock (this machine's; the demo's simulator's): every reading, decision and
    event is booked on it when it arrives, the controllers run on it, refusals count down on it."""
    ledger: Ledger
    """Heat, cost and sats per device and day, for the economics view."""
    device_time_scale: float
    """Seconds of ``clock`` per wall second: 1.0 but in the demo (``--speed``)."""
    discover: Discover
    poll_interval_s: float
    control_interval_s: float
    scan_on_start: bool
    fleet: FleetState
    """Every device shown, offline ones included."""
    events: EventLog
    """What happened this session."""
    power_history: deque[float]
    """Total power of the online devices, one sample per poll round."""
    devices: DeviceWorkers
    """Device I/O: polls, commands and controllers, all in workers."""
    storage: Storage
    """File I/O: settings, market inputs, history."""
    rooms: Rooms
    """Each device's room model, learned from the history."""
    quit_summary: list[str]
    """One line per device on what quitting left it at; filled when the app unmounts."""
    period_totals: dict[str, LedgerTotals] | None
    """Today, this week and this season from the history; None without one."""
    _control: Timer
    """The controller ticks' timer (paused while quitting waits for a calibration)."""

    def load_market(self) -> None:
        """Load market inputs (live only when the app was told it may)."""
        self.storage.load_market(self.settings.market, self.live_market)

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
