"""Provides DeviceEntry, what the TUI knows about one device between polls, and the fleet of them.

Plain data with no I/O and no Textual: the App updates entries from worker messages and hands
them down to widgets.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field

from nanoheater.capabilities import product_name
from nanoheater.history.records import Sample
from nanoheater.models import DiscoveredHeater, HeaterState, HeaterStatus

HISTORY_SAMPLES = 240
"""Points of the fleet's live power line: four minutes at 1 Hz, wider than any terminal."""

RECENT_SAMPLES = 3600
"""Timed readings kept per device: an hour at 1 Hz, more than the 15-minute window needs."""


@dataclass(slots=True)
class Refusal:
    """The device's last refusal of a command, kept until a command succeeds."""

    description: str
    reason: str
    retry_at_s: float | None
    """Wall-clock time (``time.time()``) after which a retry may succeed, when known."""

    def retry_in_s(self, now_s: float | None = None) -> float | None:
        """Seconds left until a retry may succeed (never negative), or None when unknown."""
        if self.retry_at_s is None:
            return None
        return max(0.0, self.retry_at_s - (time.time() if now_s is None else now_s))


@dataclass(slots=True)
class DeviceEntry:
    """One device in the fleet: how to reach it, its latest reading and short history."""

    heater: DiscoveredHeater
    status: HeaterStatus | None = None
    online: bool | None = None
    """None until the first poll answers or fails."""
    error: str | None = None
    """Why the last poll failed."""
    recent: deque[Sample] = field(default_factory=lambda: deque(maxlen=RECENT_SAMPLES))
    """The device's one buffer of readings, with their receive times (app clock), oldest first:
    the charts' live points, history file or not."""
    received_s: float | None = None
    """When ``status`` arrived, on the app's clock (never the device's own ``When``)."""
    heat_kwh_today: float = 0.0
    """Heat delivered today, copied from the ledger."""
    sats_today: float = 0.0
    """Expected sats earned today, copied from the ledger."""
    control: str | None = None
    """What the controller aims for (``21.0 °C``, ``mode Night``...); None under manual control."""
    decision: str | None = None
    """Why the controller did what it last did, in words."""
    room_model: str = ""
    """The room model learned from the history, in one line ("" before the first fit)."""
    target_c: float | None = None
    """Room set-point while the controller holds one."""
    sensor_room_c: float | None = None
    """Room temperature from the controller's sensor, for models without an inlet reading."""
    warned: set[str] = field(default_factory=set)
    """Controller warnings already logged."""
    refusal: Refusal | None = None
    label: str | None = None
    """The name the user gave it (``n`` on the fleet screen); wins over any other name."""
    problems: tuple[str, ...] = ()
    """What the latest reading shows wrong (``diagnosis.diagnose``), each already logged once."""

    @property
    def key(self) -> str:
        """The fleet key: where the TUI reaches the device (``str(DeviceAddress)``).

        The fleet is keyed by address because a device typed in or configured is listed before
        it has said who it is; entries found again under a known DNA or MAC are merged by
        ``FleetState.add``. Stored records use the identity key (``HeaterStatus.identity_key``).
        """
        return str(self.heater.address)

    @property
    def name(self) -> str:
        """A human name: the discovered name, else the product the device reports.

        A device whose ``version`` carries no MAC (the Nano 3) gets the last four hex digits of
        the DNA its status reports, the same suffix the others get from their MAC.
        """
        if self.label:
            return self.label
        name = self.heater.name or (self.status.info.product if self.status else self.key)
        info = self.status.info if self.status is not None else None
        name = product_name(name, info.model if info is not None else None)
        if self.heater.mac is None and self.status is not None and self.status.info.dna:
            suffix = self.status.info.dna[-4:].upper()
            if not name.endswith(suffix):
                name = f"{name} {suffix}"
        return name

    @property
    def short_name(self) -> str:
        """The name without the brand: every device is an Avalon (narrow tables, chart legends)."""
        # The Nano 3 calls itself "Avalonnano": keep "nano" so the model still shows.
        return self.name.removeprefix("Avalon ").removeprefix("Avalon")

    @property
    def state_label(self) -> str:
        """One word for the state column: offline, waiting, or the device's own state."""
        if self.online is False:
            return "offline"
        if self.status is None:
            return "waiting"
        if self.status.soft_off:
            return HeaterState.OFF.value
        return self.status.state.value

    @property
    def room_temp_c(self) -> float | None:
        """Room temperature: the device's inlet, else the controller's sensor, else None."""
        inlet = self.status.inlet_temp_c if self.status else None
        return inlet if inlet is not None else self.sensor_room_c

    def record(self, status: HeaterStatus, received_s: float) -> None:
        """Take a reading received at ``received_s`` (app clock): mark online, keep it."""
        self.status = status
        self.received_s = received_s
        self.online = True
        self.error = None
        if not self.recent or received_s > self.recent[-1].ts_s:
            self.recent.append(Sample.from_status(status, received_s, room_temp_c=self.room_temp_c))

    def take_problems(self, problems: tuple[str, ...]) -> tuple[list[str], str | None]:
        """Keep the latest reading's ``problems``; return the new ones and any clearing line.

        The clearing line (``problems cleared: ...``) comes once, when all have cleared.
        """
        new = [p for p in problems if p not in self.problems]
        cleared = (
            "problems cleared: " + "; ".join(self.problems)
            if self.problems and not problems
            else None
        )
        self.problems = problems
        return new, cleared

    def mark_offline(self, error: str) -> None:
        """Record a failed poll; the last reading stays for display, the device stays listed."""
        self.online = False
        self.error = error


@dataclass
class FleetState:
    """Every device the TUI shows, in the order they were added; offline ones stay."""

    entries: dict[str, DeviceEntry] = field(default_factory=dict)
    removed: set[str] = field(default_factory=set)
    """Addresses the user removed: discovery does not bring them back this session."""
    names: dict[str, str] = field(default_factory=dict)
    """The user's device names by fleet key (config.toml ``names``); new entries take theirs."""

    def remove(self, key: str) -> DeviceEntry | None:
        """Drop the device at ``key`` and keep it out of later scans; return its entry."""
        self.removed.add(key)
        return self.entries.pop(key, None)

    def __iter__(self) -> Iterator[DeviceEntry]:
        return iter(self.entries.values())

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, key: object) -> bool:
        return key in self.entries

    def get(self, key: str) -> DeviceEntry | None:
        """Return the entry for ``key``, or None."""
        return self.entries.get(key)

    def add(self, heater: DiscoveredHeater) -> tuple[DeviceEntry, bool]:
        """Add ``heater`` or merge it into the entry with the same address or identity.

        Returns the entry and whether it is new. A device found again at a new address (same
        DNA or MAC) moves there rather than appearing twice.
        """
        key = str(heater.address)
        existing = self.entries.get(key) or self._by_identity(heater)
        if existing is None:
            entry = DeviceEntry(heater=heater, label=self.names.get(key))
            self.entries[key] = entry
            return entry, True
        old_key = existing.key
        sources = tuple(dict.fromkeys((*existing.heater.sources, *heater.sources)))
        existing.heater = heater.model_copy(
            update={
                "name": heater.name or existing.heater.name,
                "model": heater.model or existing.heater.model,
                "mac": heater.mac or existing.heater.mac,
                "dna": heater.dna or existing.heater.dna,
                "sources": sources,
            }
        )
        if old_key != existing.key:
            del self.entries[old_key]
            self.entries[existing.key] = existing
        return existing, False

    def _by_identity(self, heater: DiscoveredHeater) -> DeviceEntry | None:
        for entry in self.entries.values():
            known = {entry.heater.dna, entry.heater.mac}
            if entry.status is not None:
                known |= {entry.status.info.dna, entry.status.info.mac}
            known.discard(None)
            if heater.dna in known or heater.mac in known:
                return entry
        return None


def quit_summary(fleet: FleetState, outcomes: dict[str, str], level: str) -> list[str]:
    """One line per device on what quitting left it at, printed after the TUI closes.

    ``outcomes`` holds what the exit level did to each device under the controller; every other
    device was not touched, and its line says so with its last reading.
    """
    lines = []
    for entry in fleet:
        if entry.key in outcomes:
            lines.append(f"{entry.name} ({entry.key}): exit level {level}: {outcomes[entry.key]}")
            continue
        status = entry.status
        if entry.online is not True or status is None:
            lines.append(f"{entry.name} ({entry.key}): not touched (offline)")
            continue
        now = "off" if status.soft_off else (status.mode or status.state.value)
        power = "" if status.power_w is None else f", {status.power_w:.0f} W"
        lines.append(f"{entry.name} ({entry.key}): not touched (manual control): {now}{power}")
    return lines
