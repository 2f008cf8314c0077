"""Provides ``HistoryStore``: the local single-file history of samples, ledger, decisions, events.

Every write is one short transaction, so a crash loses at most the write in flight. Calls are
synchronous and take milliseconds; async code either calls them directly (they are short) or
goes through ``AsyncHistoryStore``, which runs them on one dedicated thread so the event loop
never waits on the disk and the connection is only ever used by one thread at a time.

Example:
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> with HistoryStore.open(folder / "history.sqlite3") as store:
    ...     store.add_sample(Sample(device="aa:bb", ts_s=1000.0, power_w=140.0))
    ...     [s.power_w for s in store.samples_since("aa:bb", 0.0)]
    [140.0]
"""

from __future__ import annotations

import asyncio
import logging
import math
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import astuple
from pathlib import Path
from types import TracebackType
from typing import Self, TypeVar

from nanoheater.economics.market import MarketInputs
from nanoheater.economics.tariff import Tariff
from nanoheater.history import climate, queries, rollup
from nanoheater.history.ledger import MAX_GAP_S, accrue
from nanoheater.history.period import Period, period_start
from nanoheater.history.queries import LEDGER_COLUMNS, LEDGER_FIELDS, SAMPLE_COLUMNS, KnownDevice
from nanoheater.history.records import (
    DeviceEvent,
    LedgerEntry,
    LedgerTotals,
    Sample,
    StoredDecision,
)
from nanoheater.history.retention import CompactionReport, RetentionPolicy, compact
from nanoheater.history.schema import open_database
from nanoheater.history.series import (
    DeviceSeries,
    Window,
    read_days,
    read_device,
    read_fleet,
    read_fleet_field,
    read_zone,
)

_LOGGER = logging.getLogger(__name__)

T = TypeVar("T")

COMPACT_EVERY_S = 3600.0
"""How often (on the store's local clock) ``record`` applies the retention policy."""
DATABASE_FILE = "history.sqlite3"
"""Name of the database inside the data folder."""


class HistoryStore:
    """The history database; open with ``HistoryStore.open()``, use as a context manager."""

    def __init__(
        self,
        connection: sqlite3.Connection,
        path: Path,
        *,
        notice: str | None = None,
        backup: Path | None = None,
        policy: RetentionPolicy | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._db = connection
        self.clock = clock
        """This machine's clock: compaction runs on it, never on a sample's (device) time."""
        self.path = path
        self.notice = notice
        """One line for the user if a damaged database was moved aside on opening."""
        self.backup = backup
        self.policy = policy or RetentionPolicy()
        """Retention applied by ``record`` at most once per ``COMPACT_EVERY_S`` (local clock)."""
        self._last: dict[str, Sample] = {}
        self._compacted_at_s = -math.inf

    @classmethod
    def open(
        cls,
        path: Path | None = None,
        *,
        policy: RetentionPolicy | None = None,
        clock: Callable[[], float] = time.time,
    ) -> Self:
        """Open the database (default: ``history.sqlite3`` in the data folder)."""
        if path is None:
            from nanoheater.config import data_dir

            path = data_dir() / DATABASE_FILE
        opened = open_database(path)
        return cls(
            opened.connection,
            path,
            notice=opened.notice,
            backup=opened.backup,
            policy=policy,
            clock=clock,
        )

    def close(self) -> None:
        """Checkpoint and close; idempotent."""
        try:
            self._db.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.ProgrammingError:
            return  # already closed
        except sqlite3.Error as exc:
            # A full disk (or a folder gone read-only) fails the checkpoint: every committed row
            # is in the WAL and the next writer checkpoints it. One line, not a traceback on
            # exit (issue 14).
            _LOGGER.warning("%s: history checkpoint skipped: %s", self.path, exc)
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ---- writes -----------------------------------------------------------------------------

    def register_device(
        self, device: str, ts_s: float, *, host: str | None, port: int | None, model: str | None
    ) -> None:
        """Remember how ``device`` was reached, so ``history HOST`` can find it by address."""
        with self._transaction():
            self._upsert_device(device, ts_s, host, port, model)

    def add_sample(self, sample: Sample) -> None:
        """Store one sample (a second one with the same device and time replaces the first)."""
        self.add_samples((sample,))

    def add_samples(self, samples: Iterable[Sample]) -> None:
        """Store several samples in one transaction."""
        with self._transaction():
            self._insert_samples(samples)

    def record(
        self,
        sample: Sample,
        *,
        market: MarketInputs,
        tariff: Tariff,
        host: str | None = None,
        port: int | None = None,
        model: str | None = None,
        max_gap_s: float = MAX_GAP_S,
    ) -> list[LedgerEntry]:
        """Store a raw sample and accrue the ledger since the device's previous one, atomically.

        A gap longer than ``max_gap_s`` (device time) since the previous sample is not counted.
        """
        previous = self._last.get(sample.device) or self._latest_raw(sample.device)
        entries = (
            accrue(previous, sample, market=market, tariff=tariff, max_gap_s=max_gap_s)
            if previous
            else []
        )
        with self._transaction():
            self._insert_samples((sample,))
            self._add_ledger(entries)
            self._upsert_device(sample.device, sample.ts_s, host, port, model)
        if previous is None or sample.ts_s >= previous.ts_s:
            self._last[sample.device] = sample
        now_s = self.clock()
        if now_s - self._compacted_at_s >= COMPACT_EVERY_S:
            # The writer keeps the file tidy itself, so no one has to remember a cron job. On
            # the local clock: one device whose clock runs years ahead must not age (fold or
            # delete) every other device's rows (issue 14).
            try:
                self.compact(now_s)
            except sqlite3.Error as exc:
                # The reading is committed; a compaction a full disk refuses is tried again
                # next hour rather than failing (and being retried by) every write until then.
                self._compacted_at_s = now_s
                _LOGGER.warning("%s: history compaction skipped: %s", self.path, exc)
        return entries

    def add_decision(self, decision: StoredDecision) -> None:
        """Log a control decision."""
        with self._transaction():
            self._db.execute(
                "INSERT INTO decisions (ts_s, device, action, reason, setpoint_c) "
                "VALUES (?, ?, ?, ?, ?)",
                (*astuple(decision),),
            )

    def add_event(self, event: DeviceEvent) -> None:
        """Log a device event."""
        with self._transaction():
            self._db.execute(
                "INSERT INTO events (ts_s, device, kind, detail) VALUES (?, ?, ?, ?)",
                (event.ts_s, event.device, event.kind, event.detail),
            )

    def add_outdoor(self, readings: Iterable[tuple[float, float]]) -> None:
        """Log outdoor readings ``(ts_s, temp_c)`` (the room model is fitted against them)."""
        with self._transaction():
            climate.add_outdoor(self._db, readings)

    def compact(self, now_s: float, policy: RetentionPolicy | None = None) -> CompactionReport:
        """Downsample and expire rows per ``policy`` (default: the store's own policy)."""
        report = compact(self._db, now_s, policy or self.policy)
        self._compacted_at_s = now_s
        return report

    # ---- queries ----------------------------------------------------------------------------

    def devices(self) -> list[KnownDevice]:
        """Every device seen, most recently seen first."""
        return queries.known_devices(self._db)

    def resolve(self, name: str) -> str | None:
        """The device key for a key, a host or a ``host:port``; None if unknown."""
        return queries.resolve(self._db, name)

    def samples_since(
        self, device: str, since_s: float, until_s: float | None = None
    ) -> list[Sample]:
        """Samples of ``device`` in [since, until), oldest first, at whatever resolution remains."""
        return queries.samples_since(self._db, device, since_s, until_s)

    def ledger_hours(
        self, device: str | None, since_s: float, until_s: float | None = None
    ) -> list[LedgerEntry]:
        """Ledger hours starting in [since, until) for one device or all, oldest first."""
        return queries.ledger_hours(self._db, device, since_s, until_s)

    def totals(self, device: str | None, since_s: float, until_s: float) -> LedgerTotals:
        """Sums of the ledger hours starting in [since, until) (hours are UTC-aligned)."""
        return queries.totals(self._db, device, since_s, until_s)

    def period_totals(
        self, device: str | None, period: Period | str, now_s: float, *, season_start: str = "09-01"
    ) -> LedgerTotals:
        """Totals for today, this week or this season (``Period``) up to ``now_s``."""
        return self.totals(device, period_start(period, now_s, season_start=season_start), now_s)

    def window(self, device: str, window: Window, until_s: float) -> DeviceSeries:
        """``device`` over a chart window ending at ``until_s`` (``series.read_device``)."""
        return read_device(self._db, device, window, until_s)

    def fleet_window(self, window: Window, until_s: float) -> dict[str, list[Sample]]:
        """Every device over a chart window ending at ``until_s`` (``series.read_fleet``)."""
        return read_fleet(self._db, window, until_s)

    def zone_window(
        self, zone: str, devices: Sequence[str], window: Window, until_s: float
    ) -> DeviceSeries:
        """A zone of ``devices`` over a chart window to ``until_s`` (``series.read_zone``)."""
        return read_zone(self._db, zone, devices, window, until_s)

    def fleet_power(self, window: Window, until_s: float) -> dict[str, list[tuple[float, float]]]:
        """Every device's power means over a chart window (``series.read_fleet_field``)."""
        return read_fleet_field(self._db, "power_w", window, until_s)

    def days(self, device: str | None, days: int, until_s: float) -> list[LedgerTotals]:
        """Ledger totals per local day, the last ``days`` to ``until_s`` (``series.read_days``)."""
        return read_days(self._db, device, days, until_s)

    def decisions_since(self, since_s: float, device: str | None = None) -> list[StoredDecision]:
        """Control decisions since ``since_s``, oldest first."""
        return queries.decisions_since(self._db, since_s, device)

    def events_since(self, since_s: float, device: str | None = None) -> list[DeviceEvent]:
        """Device events since ``since_s``, oldest first."""
        return queries.events_since(self._db, since_s, device)

    def room_log(
        self, devices: Sequence[str], since_s: float, until_s: float
    ) -> list[climate.RoomMinute]:
        """Minutes of room, outdoor and total heat of the zone of ``devices`` (``climate``)."""
        return climate.room_log(self._db, devices, since_s, until_s)

    # ---- internals --------------------------------------------------------------------------

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)

    def _insert_samples(self, samples: Iterable[Sample]) -> None:
        batch = list(samples)
        replaced = rollup.stored(self._db, batch)  # taken out of the rollups, then replaced
        placeholders = ", ".join("?" for _ in SAMPLE_COLUMNS)
        self._db.executemany(
            f"INSERT OR REPLACE INTO samples ({', '.join(SAMPLE_COLUMNS)}) "  # noqa: S608
            f"VALUES ({placeholders})",
            [tuple(getattr(s, c) for c in SAMPLE_COLUMNS) for s in batch],
        )
        rollup.add(self._db, batch, replaced)

    def _add_ledger(self, entries: Iterable[LedgerEntry]) -> None:
        self._db.executemany(
            f"INSERT INTO ledger ({LEDGER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "  # noqa: S608
            "ON CONFLICT (device, hour_s) DO UPDATE SET seconds = seconds + excluded.seconds, "
            "energy_kwh = energy_kwh + excluded.energy_kwh, "
            "heat_kwh = heat_kwh + excluded.heat_kwh, "
            "expected_sats = expected_sats + excluded.expected_sats, "
            "cost_fiat = cost_fiat + excluded.cost_fiat, "
            "revenue_fiat = revenue_fiat + excluded.revenue_fiat, currency = excluded.currency",
            [tuple(getattr(e, name) for name in LEDGER_FIELDS) for e in entries],
        )

    def _upsert_device(
        self, device: str, ts_s: float, host: str | None, port: int | None, model: str | None
    ) -> None:
        self._db.execute(
            "INSERT INTO devices (device, host, port, model, first_seen_s, last_seen_s) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (device) DO UPDATE SET "
            "host = COALESCE(excluded.host, host), port = COALESCE(excluded.port, port), "
            "model = COALESCE(excluded.model, model), "
            "first_seen_s = MIN(first_seen_s, excluded.first_seen_s), "
            "last_seen_s = MAX(last_seen_s, excluded.last_seen_s)",
            (device, host, port, model, ts_s, ts_s),
        )

    def _latest_raw(self, device: str) -> Sample | None:
        return queries.latest_raw(self._db, device)


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._db.execute("COMMIT" if exc_type is None else "ROLLBACK")


class AsyncHistoryStore:
    """Runs a ``HistoryStore`` on one dedicated thread: ``await store.call(lambda s: ...)``."""

    def __init__(self, store: HistoryStore) -> None:
        self.store = store
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nanoheater-history")

    @classmethod
    async def open(
        cls,
        path: Path | None = None,
        *,
        policy: RetentionPolicy | None = None,
        clock: Callable[[], float] = time.time,
    ) -> AsyncHistoryStore:
        """Open the database off the event loop (``clock``: as for ``HistoryStore.open``)."""
        opened = await asyncio.to_thread(
            lambda: HistoryStore.open(path, policy=policy, clock=clock)
        )
        return cls(opened)

    async def call(self, operation: Callable[[HistoryStore], T]) -> T:
        """Run ``operation(store)`` on the history thread and return its result."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, operation, self.store)

    async def close(self) -> None:
        """Close the database and stop the thread."""
        await self.call(HistoryStore.close)
        self._executor.shutdown(wait=True)
