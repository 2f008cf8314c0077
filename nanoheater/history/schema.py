"""Provides the SQLite schema of the history store, its migrations, and recovery from corruption.

Why it is shaped this way:

* WAL journal: readers (the TUI, ``nanoheater history``) never block the writer, and a writer
  killed at any instant leaves the last committed transaction intact.
* ``synchronous=NORMAL``: in WAL mode a commit is then atomic and survives any *process* crash
  (the WAL frames are already in the OS page cache); only a power cut or OS crash can lose the
  last few commits, never corrupt the file. Samples arrive every few seconds per device, often
  on an SD card; FULL would fsync on every one for telemetry that the next sample supersedes.
* ``PRAGMA user_version`` numbers the schema; ``MIGRATIONS[i]`` upgrades version i to i + 1
  inside one transaction, so a failed upgrade leaves the old schema and data untouched.
* A file that SQLite reports as corrupt or "not a database" is moved aside to a timestamped
  backup (with its -wal/-shm), a new database is started, and every row still readable in the
  backup is copied into it (``salvage``); a locked or unreadable one is an
  error, never moved, because nothing is wrong with its contents.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from nanoheater.exceptions import UsageError
from nanoheater.history import climate, rollup
from nanoheater.history.salvage import salvage

_LOGGER = logging.getLogger(__name__)

_SQLITE_CORRUPT = 11
_SQLITE_NOTADB = 26

_V1 = (
    """CREATE TABLE devices (
        device TEXT PRIMARY KEY, host TEXT, port INTEGER, model TEXT,
        first_seen_s REAL NOT NULL, last_seen_s REAL NOT NULL)""",
    """CREATE TABLE samples (
        device TEXT NOT NULL, resolution_s INTEGER NOT NULL, ts_s REAL NOT NULL,
        count INTEGER NOT NULL DEFAULT 1,
        power_w REAL, hashrate_ths REAL, chip_temp_c REAL, inlet_temp_c REAL,
        outlet_temp_c REAL, room_temp_c REAL, fan_rpm REAL, mode TEXT,
        PRIMARY KEY (device, resolution_s, ts_s)) WITHOUT ROWID""",
    "CREATE INDEX samples_age ON samples (resolution_s, ts_s)",
    """CREATE TABLE ledger (
        device TEXT NOT NULL, hour_s INTEGER NOT NULL, seconds REAL NOT NULL,
        energy_kwh REAL NOT NULL, heat_kwh REAL NOT NULL, expected_sats REAL NOT NULL,
        cost_fiat REAL NOT NULL, revenue_fiat REAL NOT NULL, currency TEXT NOT NULL,
        PRIMARY KEY (device, hour_s)) WITHOUT ROWID""",
    "CREATE INDEX ledger_hour ON ledger (hour_s)",
    """CREATE TABLE decisions (
        id INTEGER PRIMARY KEY, ts_s REAL NOT NULL, device TEXT NOT NULL,
        action TEXT NOT NULL, reason TEXT NOT NULL)""",
    "CREATE INDEX decisions_ts ON decisions (ts_s)",
    """CREATE TABLE events (
        id INTEGER PRIMARY KEY, ts_s REAL NOT NULL, device TEXT NOT NULL,
        kind TEXT NOT NULL, detail TEXT NOT NULL)""",
    "CREATE INDEX events_ts ON events (ts_s)",
)

_V2 = (
    # The controller's set-point with each decision, so charts draw it over the room temperature.
    "ALTER TABLE decisions ADD COLUMN setpoint_c REAL",
)

_V3 = rollup.CREATE
"""Per-minute and per-hour rollups kept as samples are written (``rollup``)."""

_V4 = climate.CREATE
"""Outdoor readings, for the room model (``climate``)."""

MIGRATIONS: list[tuple[str, ...]] = [_V1, _V2, _V3, _V4]
"""``MIGRATIONS[i]`` holds the statements taking the schema from version i to i + 1."""


@dataclass(frozen=True)
class Opened:
    """A ready connection, and what the user should be told about opening it."""

    connection: sqlite3.Connection
    notice: str | None = None
    """One line when a corrupt file was moved aside; None otherwise."""
    backup: Path | None = None


def schema_version() -> int:
    """The schema version this code writes."""
    return len(MIGRATIONS)


def open_database(path: Path) -> Opened:
    """Open (creating if needed) the history database at ``path``, migrated and checked.

    Raises:
        UsageError: the file was written by a newer nanoheater, or cannot be opened at all
            (permissions, locked); the file is left as it is.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise UsageError(f"{path.parent}: cannot create the history folder: {exc}") from exc
    try:
        opened = Opened(_open_checked(path))
        _owner_only(path)
        return opened
    except sqlite3.DatabaseError as exc:
        if not _is_corruption(exc):
            raise UsageError(f"{path}: cannot open the history database: {exc}") from exc
        backup = _move_aside(path)
        connection = _open_checked(path)
        _owner_only(path)
        # The rollups are derived from the samples: rebuilt from the salvaged ones, not copied.
        rows = salvage(backup, connection, skip=("rollups",))
        connection.execute("BEGIN IMMEDIATE")
        for statement in rollup.CREATE:
            if statement.lstrip().startswith("INSERT"):
                connection.execute(statement)
        connection.execute("COMMIT")
        # One line: SQLite's integrity report runs to dozens of lines, so only its first, clipped.
        reason = str(exc).splitlines()[0][:80] if str(exc).strip() else "damaged"
        notice = (
            f"{path}: history database was damaged ({reason}); salvaged {rows} rows into a new "
            f"one, damaged file moved to {backup}"
        )
        _LOGGER.warning("%s", notice)
        return Opened(connection, notice, backup)


def _owner_only(path: Path) -> None:
    """Make the database owner-only (0600): it records when the home is heated, i.e. occupied.

    SQLite gives later -wal and -shm files the database's permissions; ones made while opening
    (the migration writes) are set here too.
    """
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(OSError):  # absent, or not ours to change: leave it
            os.chmod(f"{path}{suffix}", 0o600)


def migrate(connection: sqlite3.Connection) -> int:
    """Apply pending migrations, each in one transaction; return the resulting version."""
    current = _check_version(connection)
    for version in range(current, len(MIGRATIONS)):
        connection.execute("BEGIN IMMEDIATE")
        try:
            for statement in MIGRATIONS[version]:
                connection.execute(statement)
            # PRAGMA cannot take parameters; the value is our own integer.
            connection.execute(f"PRAGMA user_version = {version + 1}")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
        _LOGGER.info("history schema migrated to version %d", version + 1)
    return len(MIGRATIONS)


def _check_version(connection: sqlite3.Connection) -> int:
    current = int(connection.execute("PRAGMA user_version").fetchone()[0])
    if current > len(MIGRATIONS):
        raise UsageError(
            f"history database has schema version {current}, newer than this nanoheater "
            f"understands ({len(MIGRATIONS)}); upgrade nanoheater"
        )
    return current


def _open_checked(path: Path) -> sqlite3.Connection:
    # isolation_level=None: transactions are explicit (BEGIN/COMMIT) and easy to see.
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        connection.execute("PRAGMA busy_timeout = 5000")
        # Read-only checks first: a file we refuse must leave here byte for byte unchanged
        # (switching to WAL rewrites the header).
        _check_version(connection)
        result = connection.execute("PRAGMA quick_check").fetchall()
        if result != [("ok",)]:
            raise _FailedCheck(f"integrity check failed: {result[0][0]}")
        mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            _LOGGER.warning("history database is in %s mode, not WAL", mode)
        connection.execute("PRAGMA synchronous = NORMAL")
        migrate(connection)
    except BaseException:
        connection.close()
        raise
    return connection


class _FailedCheck(sqlite3.DatabaseError):
    """quick_check found damage that did not stop SQLite from reading the header."""


def _is_corruption(exc: sqlite3.DatabaseError) -> bool:
    if isinstance(exc, _FailedCheck):
        return True
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return int(code) & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB)
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text


def _move_aside(path: Path) -> Path:
    stamp = time.strftime("%Y%m%dT%H%M%S")
    backup = path.with_name(f"{path.name}.corrupt-{stamp}")
    counter = 1
    while backup.exists():
        backup = path.with_name(f"{path.name}.corrupt-{stamp}-{counter}")
        counter += 1
    for suffix in ("", "-wal", "-shm"):
        part = Path(f"{path}{suffix}")
        if part.exists():
            os.replace(part, Path(f"{backup}{suffix}"))
    return backup
