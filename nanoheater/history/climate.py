"""Provides the room log: outdoor readings, and a zone's minutes of room, outdoor and heat.

The room model (``controller.roommodel``) is fitted from what the history already keeps per
device (power and the room temperature in the per-minute rollups) plus the outdoor temperature,
which is not a device's and gets a table of its own (schema version 4): one row per reading
the home took. ``room_log`` joins them per minute for a zone's devices: the heat is the sum of
the devices' mean power, the room the mean of their room readings, and a minute is left out
when any device of the zone, the room or the outdoor reading is missing from it (the heat in
that minute is not known). ``open_read_only`` lets a foreground ``thermostat``, which writes no
history, read the one ``serve`` or the TUI keeps.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

from nanoheater.history import rollup
from nanoheater.history.records import SAMPLE_FIELDS

MINUTE_S = 60

CREATE = ("CREATE TABLE outdoor (ts_s REAL PRIMARY KEY, temp_c REAL NOT NULL) WITHOUT ROWID",)
"""Schema migration statements (version 4)."""

_POWER = 2 + SAMPLE_FIELDS.index("power_w")
_ROOM = 2 + SAMPLE_FIELDS.index("room_temp_c")


class RoomMinute(NamedTuple):
    """One minute of a zone: its middle, mean room and outdoor temperatures, total heat."""

    t_s: float
    room_c: float
    outdoor_c: float
    power_w: float


def add_outdoor(db: sqlite3.Connection, readings: Iterable[tuple[float, float]]) -> None:
    """Store outdoor readings ``(ts_s, temp_c)``; a second one at the same instant replaces."""
    db.executemany("INSERT OR REPLACE INTO outdoor (ts_s, temp_c) VALUES (?, ?)", readings)


def expire(db: sqlite3.Connection, before_s: float) -> int:
    """Drop outdoor readings older than ``before_s``; the caller holds the transaction."""
    return db.execute("DELETE FROM outdoor WHERE ts_s < ?", (before_s,)).rowcount


def room_log(
    db: sqlite3.Connection, devices: Sequence[str], since_s: float, until_s: float
) -> list[RoomMinute]:
    """The zone of ``devices``: its minutes in [since, until) with room, outdoor and heat known."""
    if not devices:
        return []
    outdoor = {
        int(bucket): float(mean)
        for bucket, mean in db.execute(
            "SELECT CAST(ts_s / 60 AS INTEGER) * 60, AVG(temp_c) FROM outdoor "
            "WHERE ts_s >= ? AND ts_s < ? GROUP BY 1",
            (since_s, until_s),
        )
    }
    power: dict[int, float] = {}
    rooms: dict[int, list[float]] = {}
    seen: dict[int, int] = {}
    for device in devices:
        for row in rollup.read(db, MINUTE_S, device, since_s, until_s):
            bucket = int(row[1])  # type: ignore[call-overload]
            watts, room = row[_POWER], row[_ROOM]
            if watts is None:
                continue
            seen[bucket] = seen.get(bucket, 0) + 1
            power[bucket] = power.get(bucket, 0.0) + float(watts)  # type: ignore[arg-type]
            if room is not None:
                rooms.setdefault(bucket, []).append(float(room))  # type: ignore[arg-type]
    return [
        RoomMinute(
            bucket + MINUTE_S / 2, sum(rooms[bucket]) / len(rooms[bucket]), out, power[bucket]
        )
        for bucket, out in sorted(outdoor.items())
        if seen.get(bucket) == len(devices) and bucket in rooms
    ]


def open_read_only(path: Path) -> sqlite3.Connection | None:
    """The history at ``path`` opened read-only, or None when there is none (or it cannot be read).

    Never creates, migrates or repairs anything: that is the writer's job.
    """
    if not path.is_file():
        return None
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5.0)
        db.execute("SELECT 1 FROM outdoor LIMIT 1").fetchall()
    except sqlite3.Error:
        return None
    return db
