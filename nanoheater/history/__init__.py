"""Provides the local history: a single-file SQLite store of samples, hourly ledger and events.

See ``store.HistoryStore`` for the API (its reads are in ``queries``), ``schema`` for the
durability choices, ``retention`` for downsampling and ``ledger`` for how energy, heat, sats and
money are accrued.
"""

from __future__ import annotations

from nanoheater.history.ledger import MAX_GAP_S, accrue
from nanoheater.history.period import Period, period_start
from nanoheater.history.queries import KnownDevice
from nanoheater.history.records import (
    DeviceEvent,
    LedgerEntry,
    LedgerTotals,
    Sample,
    StoredDecision,
)
from nanoheater.history.retention import CompactionReport, RetentionPolicy
from nanoheater.history.schema import open_database, schema_version
from nanoheater.history.series import DeviceSeries, Mark, Window
from nanoheater.history.store import DATABASE_FILE, AsyncHistoryStore, HistoryStore

__all__ = [
    "DATABASE_FILE",
    "MAX_GAP_S",
    "AsyncHistoryStore",
    "CompactionReport",
    "DeviceEvent",
    "DeviceSeries",
    "HistoryStore",
    "KnownDevice",
    "LedgerEntry",
    "LedgerTotals",
    "Mark",
    "Period",
    "RetentionPolicy",
    "Sample",
    "StoredDecision",
    "Window",
    "accrue",
    "open_database",
    "period_start",
    "schema_version",
]
