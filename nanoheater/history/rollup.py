"""Provides per-minute and per-hour rollups, kept as samples are written, for bounded chart reads.

Why: the 24 h and 7 d chart windows used to ``GROUP BY`` every stored row in the window (a day
of raw readings at whatever rate the devices were polled, then minute means), so their cost grew
with the polling rate. Every sample written now also adds its values, weighted by its ``count``,
to one row per device per minute and one per device per hour (sums and counts per field, so a
bucket's mean is exact whatever order or resolution its rows arrive in, and a replaced sample is
subtracted). A 7-day read is then at most 169 hourly rows per device and a 24 h read 1,441
minute rows, found by primary key. Retention's folding of raw rows into means does not change
a bucket's sums, so the rollups are untouched by it; they expire with the samples' own tiers.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from nanoheater.history.records import SAMPLE_FIELDS, Sample

TIERS = (60, 3600)
"""Bucket sizes kept: per minute (6 h and 24 h windows) and per hour (7 d)."""

_SUMS = ", ".join(f"sum_{c}, n_{c}" for c in SAMPLE_FIELDS)

CREATE = (
    f"""CREATE TABLE rollups (
        device TEXT NOT NULL, resolution_s INTEGER NOT NULL, ts_s INTEGER NOT NULL,
        count INTEGER NOT NULL, {
        ", ".join(f"sum_{c} REAL NOT NULL, n_{c} INTEGER NOT NULL" for c in SAMPLE_FIELDS)
    },
        mode TEXT, last_s REAL NOT NULL,
        PRIMARY KEY (device, resolution_s, ts_s)) WITHOUT ROWID""",
    "CREATE INDEX rollups_age ON rollups (resolution_s, ts_s)",
    *(
        # Existing files: build the rollups from whatever the samples table holds.
        f"""INSERT INTO rollups (device, resolution_s, ts_s, count, {_SUMS}, mode, last_s)
        SELECT device, {tier}, bucket, n, {_SUMS}, mode, last_s FROM (
            SELECT device, CAST(ts_s / {tier} AS INTEGER) * {tier} AS bucket, SUM(count) AS n,
                   {
            ", ".join(
                f"TOTAL({c} * count) AS sum_{c}, "
                f"TOTAL(CASE WHEN {c} IS NOT NULL THEN count END) AS n_{c}"
                for c in SAMPLE_FIELDS
            )
        },
                   mode, MAX(ts_s) AS last_s
            FROM samples GROUP BY device, bucket)"""  # noqa: S608 - own columns and integers
        for tier in TIERS
    ),
)
"""Schema migration statements (version 3)."""

_UPSERT = f"""
    INSERT INTO rollups (device, resolution_s, ts_s, count, {_SUMS}, mode, last_s)
    VALUES ({", ".join("?" for _ in range(5 + 2 * len(SAMPLE_FIELDS) + 1))})
    ON CONFLICT (device, resolution_s, ts_s) DO UPDATE SET count = count + excluded.count,
    {
    ", ".join(
        f"sum_{c} = sum_{c} + excluded.sum_{c}, n_{c} = n_{c} + excluded.n_{c}"
        for c in SAMPLE_FIELDS
    )
},
    mode = CASE WHEN excluded.last_s >= last_s THEN excluded.mode ELSE mode END,
    last_s = MAX(last_s, excluded.last_s)
"""  # noqa: S608 - own columns


def add(db: sqlite3.Connection, samples: Iterable[Sample], replaced: Iterable[Sample]) -> None:
    """Add ``samples`` to every tier and take out ``replaced`` (rows the insert overwrote).

    The caller holds the transaction. Samples are summed per bucket first, so a batch of
    readings costs one upsert per bucket, not per reading.
    """
    buckets: dict[tuple[str, int, int], list[float]] = {}
    modes: dict[tuple[str, int, int], tuple[float, str | None]] = {}
    for sign, rows in ((1, samples), (-1, replaced)):
        for sample in rows:
            weight = sign * sample.count
            values = [float(weight)]
            for name in SAMPLE_FIELDS:
                value = getattr(sample, name)
                values += (0.0, 0.0) if value is None else (value * weight, float(weight))
            for tier in TIERS:
                key = (sample.device, tier, int(sample.ts_s // tier) * tier)
                total = buckets.get(key)
                buckets[key] = (
                    values if total is None else [a + b for a, b in zip(total, values, strict=True)]
                )
                if sign > 0 and sample.ts_s >= modes.get(key, (-float("inf"), None))[0]:
                    modes[key] = (sample.ts_s, sample.mode)
    db.executemany(
        _UPSERT,
        [
            (*key, int(total[0]), *total[1:], *_mode_of(modes.get(key)))
            for key, total in buckets.items()
        ],
    )


def stored(db: sqlite3.Connection, samples: Iterable[Sample]) -> list[Sample]:
    """The stored rows that ``samples`` would replace (same device, resolution and time).

    One primary-key lookup each: an insert replaces such a row, so ``add`` must take it out.
    """
    columns = ", ".join(("device", "ts_s", *SAMPLE_FIELDS, "mode", "resolution_s", "count"))
    find = (
        f"SELECT {columns} FROM samples "  # noqa: S608 - own columns
        "WHERE device = ? AND resolution_s = ? AND ts_s = ?"
    )
    return [
        Sample(*row)
        for s in samples
        for row in db.execute(find, (s.device, s.resolution_s, s.ts_s))
    ]


def _mode_of(last: tuple[float, str | None] | None) -> tuple[str | None, float]:
    # A bucket only touched by a removal keeps its mode: its last_s is -inf here.
    return (None, -float("inf")) if last is None else (last[1], last[0])


def read(
    db: sqlite3.Connection, bucket_s: int, device: str | None, since_s: float, until_s: float
) -> list[tuple[object, ...]]:
    """Bucket means of ``device`` (or every device) starting in [since, until), one row each.

    Rows are ``(device, bucket, *means, mode, count)``, ordered by device then time, as
    ``series`` reads them. No aggregation: each row returned is one row read.
    """
    means = ", ".join(f"sum_{c} / NULLIF(n_{c}, 0)" for c in SAMPLE_FIELDS)
    where = "resolution_s = ? AND ts_s >= ? AND ts_s < ? AND count > 0"
    if device is None:
        return db.execute(
            f"SELECT device, ts_s, {means}, mode, count FROM rollups "  # noqa: S608
            f"WHERE {where} ORDER BY device, ts_s",
            (bucket_s, since_s, until_s),
        ).fetchall()
    return db.execute(
        f"SELECT device, ts_s, {means}, mode, count FROM rollups "  # noqa: S608
        f"WHERE device = ? AND {where} ORDER BY ts_s",
        (device, bucket_s, since_s, until_s),
    ).fetchall()


def read_field(
    db: sqlite3.Connection, bucket_s: int, field: str, since_s: float, until_s: float
) -> dict[str, list[tuple[float, float]]]:
    """One field's bucket means of every device starting in [since, until), by device.

    The fleet's day needs only the power: one mean per row and no ``Sample`` objects is about a
    quarter of ``read``'s cost for every device (a day of 20 devices is 28,800 rows), and rows
    come in the time index's order, so nothing is sorted.
    """
    if field not in SAMPLE_FIELDS:
        raise ValueError(f"no sample field {field!r}")
    rows = db.execute(
        f"SELECT device, ts_s, sum_{field} / n_{field} FROM rollups "  # noqa: S608 - own names
        f"WHERE resolution_s = ? AND ts_s >= ? AND ts_s < ? AND n_{field} > 0 ORDER BY ts_s",
        (bucket_s, since_s, until_s),
    )
    found: dict[str, list[tuple[float, float]]] = {}
    for device, ts_s, value in rows:
        found.setdefault(device, []).append((float(ts_s), float(value)))
    return found


def expire(db: sqlite3.Connection, tier: int, before_s: float) -> int:
    """Drop ``tier`` rollups older than ``before_s``; the caller holds the transaction."""
    return db.execute(
        "DELETE FROM rollups WHERE resolution_s = ? AND ts_s < ?", (tier, before_s)
    ).rowcount
