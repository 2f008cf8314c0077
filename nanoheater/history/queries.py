"""Provides the history's read side: the SQL behind ``HistoryStore``'s queries.

Each function takes the open connection and returns records (``records``); the store's methods
are thin wrappers over them, as they are over ``series`` for chart windows. Writes stay in
``store``, so this module never changes the database.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from nanoheater.address import DeviceAddress
from nanoheater.exceptions import UsageError
from nanoheater.history.period import hour_start
from nanoheater.history.records import (
    SAMPLE_FIELDS,
    DeviceEvent,
    LedgerEntry,
    LedgerTotals,
    Sample,
    StoredDecision,
)

SAMPLE_COLUMNS = ("device", "ts_s", *SAMPLE_FIELDS, "mode", "resolution_s", "count")
"""The ``samples`` columns in ``Sample`` field order."""
LEDGER_FIELDS = (
    "device",
    "hour_s",
    "seconds",
    "energy_kwh",
    "heat_kwh",
    "expected_sats",
    "cost_fiat",
    "revenue_fiat",
    "currency",
)
"""The ``ledger`` columns in ``LedgerEntry`` field order."""
LEDGER_COLUMNS = ", ".join(LEDGER_FIELDS)
_SAMPLE_SELECT = ", ".join(SAMPLE_COLUMNS)


@dataclass(frozen=True, slots=True)
class KnownDevice:
    """A device the store has seen, with how it was last reached."""

    device: str
    host: str | None
    port: int | None
    model: str | None
    first_seen_s: float
    last_seen_s: float


def known_devices(db: sqlite3.Connection) -> list[KnownDevice]:
    """Every device seen, most recently seen first."""
    rows = db.execute(
        "SELECT device, host, port, model, first_seen_s, last_seen_s FROM devices "
        "ORDER BY last_seen_s DESC"
    ).fetchall()
    return [KnownDevice(*row) for row in rows]


def resolve(db: sqlite3.Connection, name: str) -> str | None:
    """The device key for a key, a host or a ``host:port``; None if unknown."""
    host, port = _split_host_port(name)
    row = db.execute(
        "SELECT device FROM devices WHERE device = ? OR host = ? OR (host = ? AND port = ?) "
        "ORDER BY device = ? DESC, last_seen_s DESC LIMIT 1",
        (name, name, host, port, name),
    ).fetchone()
    if row:
        return str(row[0])
    seen = db.execute("SELECT 1 FROM samples WHERE device = ? LIMIT 1", (name,))
    return name if seen.fetchone() else None


def samples_since(
    db: sqlite3.Connection, device: str, since_s: float, until_s: float | None = None
) -> list[Sample]:
    """Samples of ``device`` in [since, until), oldest first, at whatever resolution remains."""
    rows = db.execute(
        f"SELECT {_SAMPLE_SELECT} FROM samples "  # noqa: S608 - own columns
        "WHERE device = ? AND ts_s >= ? AND ts_s < ? ORDER BY ts_s, resolution_s",
        (device, since_s, float("inf") if until_s is None else until_s),
    ).fetchall()
    return [Sample(*row) for row in rows]


def latest_raw(db: sqlite3.Connection, device: str) -> Sample | None:
    """The newest raw (not downsampled) sample of ``device``, if any."""
    row = db.execute(
        f"SELECT {_SAMPLE_SELECT} FROM samples "  # noqa: S608 - own columns
        "WHERE device = ? AND resolution_s = 0 ORDER BY ts_s DESC LIMIT 1",
        (device,),
    ).fetchone()
    return Sample(*row) if row else None


def ledger_hours(
    db: sqlite3.Connection, device: str | None, since_s: float, until_s: float | None = None
) -> list[LedgerEntry]:
    """Ledger hours starting in [since, until) for one device or all, oldest first."""
    rows = db.execute(
        f"SELECT {LEDGER_COLUMNS} FROM ledger "  # noqa: S608 - own columns
        "WHERE (? IS NULL OR device = ?) AND hour_s >= ? AND hour_s < ? "
        "ORDER BY hour_s, device",
        (device, device, hour_start(since_s), float("inf") if until_s is None else until_s),
    ).fetchall()
    return [LedgerEntry(*row) for row in rows]


def totals(
    db: sqlite3.Connection, device: str | None, since_s: float, until_s: float
) -> LedgerTotals:
    """Sums of the ledger hours starting in [since, until) (hours are UTC-aligned)."""
    row = db.execute(
        "SELECT COUNT(DISTINCT hour_s), TOTAL(seconds), TOTAL(energy_kwh), TOTAL(heat_kwh), "
        "TOTAL(expected_sats), TOTAL(cost_fiat), TOTAL(revenue_fiat), "
        "CASE WHEN COUNT(DISTINCT currency) = 1 THEN MIN(currency) END "
        "FROM ledger WHERE (? IS NULL OR device = ?) AND hour_s >= ? AND hour_s < ?",
        (device, device, hour_start(since_s), until_s),
    ).fetchone()
    return LedgerTotals(since_s, until_s, *row)


def decisions_since(
    db: sqlite3.Connection, since_s: float, device: str | None = None
) -> list[StoredDecision]:
    """Control decisions since ``since_s``, oldest first."""
    rows = db.execute(
        "SELECT ts_s, device, action, reason, setpoint_c FROM decisions "
        "WHERE ts_s >= ? AND (? IS NULL OR device = ?) ORDER BY ts_s, id",
        (since_s, device, device),
    ).fetchall()
    return [StoredDecision(*row) for row in rows]


def events_since(
    db: sqlite3.Connection, since_s: float, device: str | None = None
) -> list[DeviceEvent]:
    """Device events since ``since_s``, oldest first."""
    rows = db.execute(
        "SELECT ts_s, device, kind, detail FROM events "
        "WHERE ts_s >= ? AND (? IS NULL OR device = ?) ORDER BY ts_s, id",
        (since_s, device, device),
    ).fetchall()
    return [DeviceEvent(*row) for row in rows]


def _split_host_port(name: str) -> tuple[str, int]:
    # A MAC (five colons) parses as nothing here and only matches the device or host columns.
    try:
        address = DeviceAddress.parse(name)
    except UsageError:
        return name, -1
    return address.host, address.tcp_port
