"""Provides Storage, the App's file and market I/O: settings, market inputs and the history.

Each operation runs in a worker and reports back with a message. Readings go into
``nanoheater.history`` through ``AsyncHistoryStore``'s own thread, so the event loop never waits
on the disk; the economics view asks it for today, this week and this season. A history failure
is reported once and never stops the app.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from nanoheater.atomic import read_regular_file, write_atomic
from nanoheater.config import Settings, data_dir, save_settings
from nanoheater.controller.regulator import DecisionRecord
from nanoheater.controller.targets import MAX_SCHEDULE_BYTES, load_schedule
from nanoheater.economics.market import MarketSettings, load_market
from nanoheater.history import AsyncHistoryStore, HistoryStore
from nanoheater.history.period import Period
from nanoheater.history.records import (
    DeviceEvent,
    LedgerEntry,
    LedgerTotals,
    Sample,
    StoredDecision,
)
from nanoheater.history.series import Window, window_since
from nanoheater.models import HeaterStatus
from nanoheater.tui.messages import (
    CommandFailed,
    DaysLoaded,
    FleetWindowLoaded,
    HistoryFailed,
    MarketLoaded,
    PeriodTotalsLoaded,
    ScheduleLoaded,
    ScheduleTextRead,
    SettingsSaved,
    WindowLoaded,
)
from nanoheater.tui.regulation import TargetChoice
from nanoheater.tui.workers import describe_error

if TYPE_CHECKING:
    from nanoheater.tui.app import NanoheaterApp

PERIODS = (Period.TODAY, Period.WEEK, Period.SEASON)
"""What the economics view shows, in order."""


class Storage:
    """Saves settings, loads market inputs, writes readings and reads period totals, in workers."""

    def __init__(self, app: NanoheaterApp, history: AsyncHistoryStore | None) -> None:
        """Work for ``app``; ``history`` (opened and closed by the caller) may be None."""
        self.app = app
        self.history = history
        self.failed = False
        """Whether a history write has failed (reported once)."""

    def save_settings(self, settings: Settings, path: Path) -> None:
        """Write ``settings`` to ``path`` atomically."""
        self.app.run_worker(self._save(settings, path), group="settings", exit_on_error=False)

    async def _save(self, settings: Settings, path: Path) -> None:
        try:
            saved = save_settings(settings, path)
        except Exception as exc:
            self.app.post_message(SettingsSaved(str(path), describe_error(exc)))
        else:
            self.app.post_message(SettingsSaved(str(saved)))

    def load_market(self, settings: MarketSettings, live: bool) -> None:
        """Load market inputs: cached or configured, and live only when ``live``."""
        self.app.run_worker(
            self._market(settings, live), group="market", exclusive=True, exit_on_error=False
        )

    async def _market(self, settings: MarketSettings, live: bool) -> None:
        try:
            market = await load_market(settings, data_dir(), live=live)
        except Exception as exc:
            self.app.notify(
                f"market inputs: {describe_error(exc)}", severity="warning", markup=False
            )
            return
        self.app.post_message(MarketLoaded(market))

    def load_schedule(self, key: str, path: str, quiet_hours: bool) -> None:
        """Read and parse a schedule file for device ``key``."""
        self.app.run_worker(
            self._schedule(key, path, quiet_hours), group="schedule", exit_on_error=False
        )

    def read_schedule_text(self, key: str, path: str) -> None:
        """Read the schedule file at ``path`` for editing (None when there is none yet)."""
        self.app.run_worker(self._read_text(key, path), group="schedule", exit_on_error=False)

    async def _read_text(self, key: str, path: str) -> None:
        text: str | None
        try:
            data = await asyncio.to_thread(_read_schedule, path)
            text = data.decode("utf-8", errors="replace")
        except FileNotFoundError:
            text = None
        except OSError as exc:
            self.app.post_message(CommandFailed(key, f"edit schedule {path}", describe_error(exc)))
            return
        self.app.post_message(ScheduleTextRead(key, path, text))

    def save_schedule(self, key: str, path: str, text: str) -> None:
        """Write the edited schedule atomically, then load and follow it on ``key``."""
        self.app.run_worker(self._save_text(key, path, text), group="schedule", exit_on_error=False)

    async def _save_text(self, key: str, path: str, text: str) -> None:
        try:
            await asyncio.to_thread(_write_schedule, path, text)
        except OSError as exc:
            self.app.post_message(CommandFailed(key, f"save schedule {path}", describe_error(exc)))
            return
        await self._schedule(key, path, quiet_hours=True)

    async def _schedule(self, key: str, path: str, quiet_hours: bool) -> None:
        file = Path(path)
        try:
            schedule = load_schedule(file.expanduser())  # noqa: ASYNC240 - a small local file
        except Exception as exc:
            self.app.post_message(CommandFailed(key, f"load schedule {path}", describe_error(exc)))
            return
        choice = TargetChoice(schedule=schedule, schedule_name=file.name, quiet_hours=quiet_hours)
        self.app.post_message(ScheduleLoaded(key, choice))

    def record(self, status: HeaterStatus, room_c: float | None, received_s: float) -> None:
        """Store one reading, stamped with its receive time (app clock), and accrue its ledger."""
        if self.history is None:
            return
        sample = Sample.from_status(status, received_s, room_temp_c=room_c)
        work = self._record(self.history, sample, status)
        self.app.run_worker(work, group="history", exit_on_error=False)

    def outdoor(self, ts_s: float, temp_c: float) -> None:
        """Store an outdoor reading (the room model is fitted against it) in a worker."""
        if self.history is not None:
            work = self._write(self.history, lambda store: store.add_outdoor([(ts_s, temp_c)]))
            self.app.run_worker(work, group="history", exit_on_error=False)

    async def _record(
        self, history: AsyncHistoryStore, sample: Sample, status: HeaterStatus
    ) -> None:
        market, tariff = self.app.ledger.market, self.app.settings.tariff
        max_gap_s = self.app.ledger.max_gap_s
        model = status.info.model.value if status.info.model else None
        await self._write(
            history,
            lambda store: store.record(
                sample,
                market=market,
                tariff=tariff,
                host=status.host,
                port=status.port,
                model=model,
                max_gap_s=max_gap_s,
            ),
        )

    def _device(self, key: str) -> str:
        """The history's name for device ``key``: its identity once it has answered."""
        entry = self.app.fleet.get(key)
        status = entry.status if entry is not None else None
        return key if status is None else status.identity_key

    async def decision(self, key: str, record: DecisionRecord) -> None:
        """Store one controller decision of device ``key`` (awaited inside its tick worker)."""
        if self.history is None:
            return
        device = self._device(key)
        action = record.step
        sent = [v for v in record.applied.values() if v not in ("ok", "unreachable")]
        if sent:
            action += f" ({'; '.join(sent)})"
        decision = StoredDecision(record.now_s, device, action, record.reason, record.setpoint_c)
        await self._write(self.history, lambda store: store.add_decision(decision))

    def event(self, key: str, kind: str, detail: str) -> None:
        """Store a device event (offline, refused, command, control...) in a worker."""
        if self.history is None:
            return
        work = self.write_event(key, kind, detail)
        self.app.run_worker(work, group="history", exit_on_error=False)

    async def write_event(self, key: str, kind: str, detail: str) -> None:
        """Store a device event now (for the exit, when no new worker can start)."""
        if self.history is None:
            return
        # Stamped on the app's clock, like the samples and decisions (the regulator's clock).
        event = DeviceEvent(self.app.clock(), self._device(key), kind, detail)
        await self._write(self.history, lambda store: store.add_event(event))

    async def _write(
        self, history: AsyncHistoryStore, write: Callable[[HistoryStore], object]
    ) -> None:
        try:
            await history.call(write)
        except Exception as exc:
            if not self.failed:
                self.failed = True
                self.app.post_message(HistoryFailed(describe_error(exc)))

    def load_window(self, key: str, device: str, window: Window, until_s: float) -> None:
        """Read device ``key`` (history name ``device``) over ``window`` ending at ``until_s``.

        A newer read replaces one still in flight (switching windows quickly reads once).
        """
        if self.history is None:
            return
        work = self._load_window(self.history, key, device, window, until_s)
        self.app.run_worker(work, group="history-window", exclusive=True, exit_on_error=False)

    async def _load_window(
        self, history: AsyncHistoryStore, key: str, device: str, window: Window, until_s: float
    ) -> None:
        try:
            series = await history.call(lambda store: store.window(device, window, until_s))
        except Exception as exc:
            self.app.post_message(HistoryFailed(describe_error(exc)))
            return
        self.app.post_message(WindowLoaded(key, series))

    def load_fleet_window(self, window: Window, until_s: float) -> None:
        """Read every device over ``window`` to ``until_s`` and its ledger hours (the day)."""
        if self.history is None:
            return
        work = self._load_fleet(self.history, window, until_s)
        self.app.run_worker(work, group="history-fleet", exclusive=True, exit_on_error=False)

    async def _load_fleet(self, history: AsyncHistoryStore, window: Window, until_s: float) -> None:
        since = window_since(window, until_s)

        def read(
            store: HistoryStore,
        ) -> tuple[dict[str, list[tuple[float, float]]], list[LedgerEntry]]:
            # One trip to the history thread: the power windows and the heat per hour.
            return store.fleet_power(window, until_s), store.ledger_hours(None, since, until_s)

        try:
            devices, heat = await history.call(read)
        except Exception as exc:
            self.app.post_message(HistoryFailed(describe_error(exc)))
            return
        self.app.post_message(FleetWindowLoaded(window, since, until_s, devices, heat))

    def load_days(self, days: int, until_s: float) -> None:
        """Read the whole fleet's ledger per local day, the last ``days`` days to ``until_s``."""
        if self.history is None:
            return
        work = self._load_days(self.history, days, until_s)
        self.app.run_worker(work, group="history-days", exclusive=True, exit_on_error=False)

    async def _load_days(self, history: AsyncHistoryStore, days: int, until_s: float) -> None:
        try:
            found = await history.call(lambda store: store.days(None, days, until_s))
        except Exception as exc:
            self.app.post_message(HistoryFailed(describe_error(exc)))
            return
        self.app.post_message(DaysLoaded(found))

    def load_totals(self, now_s: float, season_start: str) -> None:
        """Read today, this week and this season up to ``now_s`` (app clock) from the history."""
        if self.history is None:
            return
        work = self._load(self.history, now_s, season_start)
        self.app.run_worker(work, group="history-read", exclusive=True, exit_on_error=False)

    async def _load(self, history: AsyncHistoryStore, now_s: float, season_start: str) -> None:
        def read(store: HistoryStore) -> dict[str, LedgerTotals]:
            return {
                period.value: store.period_totals(None, period, now_s, season_start=season_start)
                for period in PERIODS
            }

        try:
            totals = await history.call(read)
        except Exception as exc:
            self.app.post_message(HistoryFailed(describe_error(exc)))
            return
        self.app.post_message(PeriodTotalsLoaded(totals))


def _read_schedule(path: str) -> bytes:
    """The schedule file's bytes (a thread's job: file I/O stays off the event loop)."""
    return read_regular_file(Path(path).expanduser(), MAX_SCHEDULE_BYTES)


def _write_schedule(path: str, text: str) -> None:
    """Write the schedule atomically, creating its folder (a thread's job, like reading)."""
    file = Path(path).expanduser()
    file.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(file, text.encode("utf-8"))
