"""Copies every still-readable row of a damaged history database into a fresh one.

A single scribbled page used to cost the whole history. SQLite reads a table in key order
through its b-tree; a damaged leaf page makes any read that lands on it raise. So each table is
read in key order from the last good key, and when a read raises, the damaged key range is
stepped over: the next start key is found by widening jumps past the failure, then narrowed
back by bisection to the first key a read can start from. Rows on the damaged page are lost,
every other row is copied. Rowid tables step on the rowid; ``WITHOUT ROWID`` tables (samples,
ledger) keep their leading key columns and step on the last, numeric one, and when that cannot
get past the damage, they skip the rest of the leading key. The whole salvage has a deadline, so
a badly damaged file costs seconds, never minutes.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

_LOGGER = logging.getLogger(__name__)

SALVAGE_DEADLINE_S = 10.0
"""Total time one salvage may take; what is copied by then is kept."""
_MAX_JUMP = 2.0**62
"""Largest step over a damaged key range (rowids are 64-bit; timestamps far smaller)."""

Row = tuple[Any, ...]


class _Deadline(Exception):
    """The salvage ran out of time."""


def salvage(
    damaged: Path,
    fresh: sqlite3.Connection,
    *,
    skip: Sequence[str] = (),
    deadline_s: float = SALVAGE_DEADLINE_S,
) -> int:
    """Copy the readable rows of each table in ``fresh`` from ``damaged``; return how many.

    Never raises for damage: an unreadable file or schema salvages 0 rows. ``damaged`` is only
    ever opened read-only.
    """
    end = time.monotonic() + deadline_s
    try:
        source = _open_read_only(damaged)
    except sqlite3.Error as exc:
        _LOGGER.info("history salvage: cannot read %s: %s", damaged, exc)
        return 0
    copied = 0
    try:
        tables = [
            str(row[0])
            for row in fresh.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        for table in tables:
            if table in skip:
                continue
            try:
                copied += _copy_table(source, fresh, table, end)
            except _Deadline:
                _LOGGER.warning("history salvage stopped at its %.0f s deadline", deadline_s)
                break
            except sqlite3.Error as exc:  # e.g. the schema page itself is damaged
                _LOGGER.info("history salvage: table %s unreadable: %s", table, exc)
    finally:
        source.close()
    return copied


def _open_read_only(path: Path) -> sqlite3.Connection:
    # immutable=1: no locks, no -shm, no writes of any kind; the backup stays byte-for-byte.
    # The -wal (moved aside with it) is then ignored; try honouring it first.
    for query in ("mode=ro", "immutable=1"):
        try:
            connection = sqlite3.connect(f"{path.as_uri()}?{query}", uri=True)
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return connection
        except sqlite3.Error:
            continue
    raise sqlite3.DatabaseError("not readable as a database")


def _copy_table(
    source: sqlite3.Connection, fresh: sqlite3.Connection, table: str, end: float
) -> int:
    # Names come from our own schema (the fresh database), never from the damaged file.
    wanted = [str(r[1]) for r in fresh.execute(f'PRAGMA table_info("{table}")')]
    info = list(source.execute(f'PRAGMA table_info("{table}")'))
    have = {str(r[1]) for r in info}
    columns = [c for c in wanted if c in have]
    if not columns:
        return 0
    sql = source.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).fetchone()
    without_rowid = sql is not None and "WITHOUT ROWID" in str(sql[0]).upper()
    if without_rowid:
        key = [str(r[1]) for r in sorted(info, key=lambda r: int(r[5])) if int(r[5]) > 0]
    else:
        key = ["rowid"]
    reader = _KeyedReader(source, table, key, columns, end)
    placeholders = ", ".join("?" for _ in columns)
    insert = f'INSERT OR IGNORE INTO "{table}" ({_names(columns)}) VALUES ({placeholders})'  # noqa: S608 (names from our schema)
    copied = 0
    fresh.execute("BEGIN IMMEDIATE")
    try:
        for rows in reader.batches():
            fresh.executemany(insert, rows)
            copied += len(rows)
    except BaseException:
        fresh.execute("COMMIT")  # keep what was copied: every row in it was read cleanly
        raise
    fresh.execute("COMMIT")
    return copied


def _names(columns: Sequence[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


class _KeyedReader:
    """Reads a table in key order, stepping over key ranges whose pages raise."""

    def __init__(
        self,
        source: sqlite3.Connection,
        table: str,
        key: list[str],
        columns: list[str],
        end: float,
    ) -> None:
        self._db = source
        self._table = table
        self._key = key
        self._columns = columns
        self._end = end
        self._order = _names(key) if key != ["rowid"] else "rowid"

    def batches(self, size: int = 500) -> Any:
        """Yield lists of readable rows (the copied columns only), in key order."""
        after: Row | None = None
        inclusive = False
        while True:
            self._check_time()
            batch: list[Row] = []
            last: Row | None = None
            try:
                for row in self._select(after, inclusive):
                    last = tuple(row[: len(self._key)])
                    batch.append(tuple(row[len(self._key) :]))
                    if len(batch) >= size:
                        break
            except sqlite3.DatabaseError:
                if batch:
                    yield batch
                start = self._past_damage(last if last is not None else after, inclusive)
                if start is None:
                    return
                after, inclusive = start, True
                continue
            if batch:
                yield batch
            if len(batch) < size or last is None:
                return
            after, inclusive = last, False

    def _select(self, after: Row | None, inclusive: bool) -> sqlite3.Cursor:
        cols = _names(self._columns)
        base = f'SELECT {self._order}, {cols} FROM "{self._table}"'  # noqa: S608 (names from our schema)
        if after is None:
            return self._db.execute(f"{base} ORDER BY {self._order}")
        op = ">=" if inclusive else ">"
        key = f"({self._order})" if len(self._key) > 1 else self._order
        marks = ", ".join("?" for _ in after)
        bound = f"({marks})" if len(after) > 1 else "?"
        return self._db.execute(f"{base} WHERE {key} {op} {bound} ORDER BY {self._order}", after)

    def _readable_from(self, start: Row) -> bool:
        """True if a read starting at ``start`` returns its first row (or none) without raising."""
        self._check_time()
        try:
            self._select(start, True).fetchone()
        except sqlite3.DatabaseError:
            return False
        return True

    def _past_damage(self, failed_at: Row | None, inclusive: bool) -> Row | None:
        """The smallest start key after ``failed_at`` from which reading works, or None."""
        if failed_at is None:
            failed_at = (0,) if self._key == ["rowid"] else None
        if failed_at is None:
            return None  # cannot even start a WITHOUT ROWID table; nothing to step from
        head, last = failed_at[:-1], failed_at[-1]
        if isinstance(last, int | float) and not isinstance(last, bool):
            step = 1
            bad = last
            while step <= _MAX_JUMP:
                candidate = (*head, last + step)
                if self._readable_from(candidate):
                    return (*head, self._narrow(head, bad, last + step))
                bad = last + step
                step *= 2
        # Give up on this leading key: continue after everything that starts with it.
        while head:
            try:
                return self._after_prefix(head)
            except sqlite3.DatabaseError:
                head = head[:-1]
        return None

    def _narrow(self, head: Row, bad: Any, good: Any) -> Any:
        """Bisect between a failing and a working start value of the last key column."""
        while good - bad > 1:
            middle = bad + (good - bad) // 2
            if self._readable_from((*head, middle)):
                good = middle
            else:
                bad = middle
        return good

    def _after_prefix(self, head: Row) -> Row | None:
        self._check_time()
        cols = _names(self._key[: len(head)])
        key = f"({cols})" if len(head) > 1 else cols
        marks = ", ".join("?" for _ in head)
        bound = f"({marks})" if len(head) > 1 else "?"
        row = self._db.execute(
            f'SELECT {self._order} FROM "{self._table}" WHERE {key} > {bound} '  # noqa: S608 (names from our schema)
            f"ORDER BY {self._order} LIMIT 1",
            head,
        ).fetchone()
        return None if row is None else tuple(row)

    def _check_time(self) -> None:
        if time.monotonic() > self._end:
            raise _Deadline
