"""Provides the app-wide messages workers post back to the UI, all named in the past tense.

Workers do the I/O and report what happened; handlers only update state and widgets. Poll results
define ``can_replace`` so a burst for one device collapses to its newest reading when the UI lags.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.message import Message

from nanoheater.economics.market import MarketInputs
from nanoheater.history.records import LedgerEntry, LedgerTotals
from nanoheater.history.series import DeviceSeries, Window
from nanoheater.models import DiscoveredHeater, HeaterStatus
from nanoheater.tui.regulation import TargetChoice


@dataclass
class StatusPolled(Message):
    """A device answered a status poll."""

    key: str
    """The device's key in the fleet (``host:port``)."""
    status: HeaterStatus
    received_s: float
    """When the reply arrived, on the app's clock: every reading is booked at this time."""
    room_c: float | None = None
    """Room temperature from an external sensor, read with the poll when the device has none."""

    def can_replace(self, message: Message) -> bool:
        """A newer reading of the same device makes an older, unhandled one worthless."""
        return isinstance(message, StatusPolled) and message.key == self.key


@dataclass
class PollFailed(Message):
    """A device did not answer a status poll (unreachable, timeout, garbage)."""

    key: str
    error: str

    def can_replace(self, message: Message) -> bool:
        """Only the latest failure of a device matters."""
        return isinstance(message, PollFailed) and message.key == self.key


@dataclass
class HeaterDiscovered(Message):
    """Discovery (or the user) found a device."""

    heater: DiscoveredHeater


@dataclass
class ScanFinished(Message):
    """A discovery scan ended; ``error`` is set when it failed."""

    found: int
    error: str | None = None


@dataclass
class CommandSucceeded(Message):
    """A command the user gave was accepted by the device."""

    key: str
    description: str


@dataclass
class CommandRefused(Message):
    """The device refused a command; ``retry_after_s`` is set while it is calibrating."""

    key: str
    description: str
    reason: str
    retry_after_s: float | None = None


@dataclass
class CommandFailed(Message):
    """A command could not be delivered, or the request was invalid for the device."""

    key: str
    description: str
    error: str


@dataclass
class RoomLearned(Message):
    """The room model of a device's room was refitted from the history (``tui.rooms``)."""

    key: str
    text: str
    """One line: the heat loss, warm-up and settling times, or what the fit still needs."""


@dataclass
class ControllerDecided(Message):
    """The heat controller of a device took a decision (or kept the last one) and says why."""

    key: str
    reason: str
    profile: str | None = None
    """The step the controller chose."""
    room_c: float | None = None
    """The room temperature it acted on."""
    applied: str = ""
    """What was sent to the device this tick (empty when nothing changed)."""
    warnings: tuple[str, ...] = ()

    def can_replace(self, message: Message) -> bool:
        """A newer decision replaces an unhandled older one that changed nothing."""
        return (
            isinstance(message, ControllerDecided)
            and message.key == self.key
            and not message.applied
        )


@dataclass
class SettingsSaved(Message):
    """The settings were written to the config file (``error`` set if that failed)."""

    path: str
    error: str | None = None


@dataclass
class MarketLoaded(Message):
    """Market inputs (BTC price, difficulty, fees) were loaded (live, cached or configured)."""

    market: MarketInputs


@dataclass
class PeriodTotalsLoaded(Message):
    """Today, this week and this season were read from the history (keyed by period name)."""

    totals: dict[str, LedgerTotals]

    def can_replace(self, message: Message) -> bool:
        """Only the newest totals matter."""
        return isinstance(message, PeriodTotalsLoaded)


@dataclass
class WindowLoaded(Message):
    """One device's chart window was read from the history (``key`` is its fleet key)."""

    key: str
    series: DeviceSeries

    def can_replace(self, message: Message) -> bool:
        """Only the newest read of a device matters."""
        return isinstance(message, WindowLoaded) and message.key == self.key


@dataclass
class FleetWindowLoaded(Message):
    """Every device's chart window was read from the history, by history device key."""

    window: Window
    since_s: float
    until_s: float
    power: dict[str, list[tuple[float, float]]]
    """Each device's power means: (bucket start, watts), by history key."""
    heat: list[LedgerEntry] = field(default_factory=list)
    """The ledger's hours in the window (and the hour it starts in), every device."""

    def can_replace(self, message: Message) -> bool:
        """Only the newest read matters."""
        return isinstance(message, FleetWindowLoaded)


@dataclass
class DaysLoaded(Message):
    """The fleet's ledger per local day was read from the history, oldest day first."""

    days: list[LedgerTotals]

    def can_replace(self, message: Message) -> bool:
        """Only the newest read matters."""
        return isinstance(message, DaysLoaded)


@dataclass
class HistoryFailed(Message):
    """The history could not be written or read."""

    error: str


@dataclass
class ScheduleLoaded(Message):
    """A schedule file was read for a device; the App engages it."""

    key: str
    choice: TargetChoice


@dataclass
class HeatTargetRequested(Message):
    """A screen asks the App to put a device under a heat target (routed to the workers)."""

    key: str
    choice: TargetChoice


@dataclass
class ScheduleRequested(Message):
    """A screen asks the App to load a schedule file and follow it on a device."""

    key: str
    path: str
    quiet_hours: bool


@dataclass
class ManualControlRequested(Message):
    """A screen asks the App to hand a device back to manual control."""

    key: str


@dataclass
class ControllerEngaged(Message):
    """A regulator now runs for a device; only now does the UI show it under control."""

    key: str
    choice: TargetChoice


@dataclass
class ScheduleEditRequested(Message):
    """A screen asks to edit (or write) the schedule file at ``path`` for a device."""

    key: str
    path: str


@dataclass
class ScheduleTextRead(Message):
    """The schedule file was read for editing; ``text`` is None when there is none yet."""

    key: str
    path: str
    text: str | None
