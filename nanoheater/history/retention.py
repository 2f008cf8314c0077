"""Provides the retention policy: downsample samples with age and drop what has outlived its use.

Raw samples are kept for ``full_resolution_s``, then folded into 1-minute means; those are
kept for ``minute_means_s``, then folded into hourly means, kept for ``hourly_means_s`` (or
forever). Only whole buckets older than the cut-off are folded, and a bucket that already
exists (a late sample) is merged by count-weighted mean, so compaction can run at any time and
any number of times. The hourly ledger is never thinned: it is the season's record and small
(8,760 rows per device per year).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nanoheater.history import climate, rollup
from nanoheater.history.records import SAMPLE_FIELDS

if TYPE_CHECKING:
    from nanoheater.config import HistorySettings

MINUTE_S = 60
HOUR_S = 3600
DAY_S = 86_400


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """How long each resolution lives; None keeps forever."""

    full_resolution_s: float = 24 * HOUR_S
    minute_means_s: float = 30 * DAY_S
    hourly_means_s: float | None = None
    events_s: float | None = 365 * DAY_S
    """Decisions and device events."""

    @classmethod
    def from_settings(cls, section: HistorySettings) -> RetentionPolicy:
        """Build from the ``[history]`` section of the settings."""
        return cls.from_days(
            full_resolution_h=section.full_resolution_h,
            minute_means_days=section.minute_means_days,
            hourly_means_days=section.hourly_means_days,
            events_days=section.events_days,
        )

    @classmethod
    def from_days(
        cls,
        *,
        full_resolution_h: float,
        minute_means_days: float,
        hourly_means_days: float | None,
        events_days: float | None,
    ) -> RetentionPolicy:
        """Build from the units of the ``[history]`` config section."""
        return cls(
            full_resolution_s=full_resolution_h * HOUR_S,
            minute_means_s=minute_means_days * DAY_S,
            hourly_means_s=None if hourly_means_days is None else hourly_means_days * DAY_S,
            events_s=None if events_days is None else events_days * DAY_S,
        )


@dataclass(frozen=True, slots=True)
class CompactionReport:
    """Rows folded or deleted by one compaction."""

    raw_folded: int
    minutes_folded: int
    hours_dropped: int
    events_dropped: int


def compact(
    connection: sqlite3.Connection, now_s: float, policy: RetentionPolicy
) -> CompactionReport:
    """Apply ``policy`` at time ``now_s`` in one transaction."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        raw = _fold(connection, 0, MINUTE_S, now_s - policy.full_resolution_s)
        minutes = _fold(connection, MINUTE_S, HOUR_S, now_s - policy.minute_means_s)
        hours = events = 0
        # The chart rollups live as long as the samples' tier of the same resolution.
        rollup.expire(connection, MINUTE_S, now_s - policy.minute_means_s)
        # Outdoor readings only matter next to the minute means they are fitted with.
        climate.expire(connection, now_s - policy.minute_means_s)
        if policy.hourly_means_s is not None:
            hours = connection.execute(
                "DELETE FROM samples WHERE resolution_s = ? AND ts_s < ?",
                (HOUR_S, now_s - policy.hourly_means_s),
            ).rowcount
            rollup.expire(connection, HOUR_S, now_s - policy.hourly_means_s)
        if policy.events_s is not None:
            for table in ("decisions", "events"):
                events += connection.execute(
                    f"DELETE FROM {table} WHERE ts_s < ?",  # noqa: S608 - fixed table names
                    (now_s - policy.events_s,),
                ).rowcount
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")
    return CompactionReport(raw, minutes, hours, events)


def _fold(connection: sqlite3.Connection, source_s: int, target_s: int, cutoff_s: float) -> int:
    """Replace rows of resolution ``source_s`` in whole buckets before ``cutoff_s`` by means."""
    cutoff = (int(cutoff_s) // target_s) * target_s
    means = ", ".join(
        f"SUM({c} * count) / SUM(CASE WHEN {c} IS NOT NULL THEN count END) AS {c}"
        for c in SAMPLE_FIELDS
    )
    merge = ", ".join(
        f"{c} = CASE WHEN excluded.{c} IS NULL THEN {c} WHEN {c} IS NULL THEN excluded.{c} "
        f"ELSE ({c} * count + excluded.{c} * excluded.count) / (count + excluded.count) END"
        for c in SAMPLE_FIELDS
    )
    columns = ", ".join(SAMPLE_FIELDS)
    # A bare column next to exactly one max() takes its value from the row holding the max
    # (SQLite), so ``mode`` is the bucket's last mode. "WHERE true" disambiguates the upsert.
    statement = f"""
        INSERT INTO samples (device, resolution_s, ts_s, count, {columns}, mode)
        SELECT device, {target_s}, bucket, n, {columns}, mode FROM (
            SELECT device, CAST(ts_s / {target_s} AS INTEGER) * {target_s} AS bucket,
                   SUM(count) AS n, {means}, mode, MAX(ts_s) AS last_s
            FROM samples WHERE resolution_s = ? AND ts_s < ?
            GROUP BY device, bucket
        ) WHERE true
        ON CONFLICT (device, resolution_s, ts_s) DO UPDATE SET
            {merge}, count = count + excluded.count, mode = excluded.mode
    """  # noqa: S608 - only our own column names and integers are interpolated
    connection.execute(statement, (source_s, cutoff))
    return connection.execute(
        "DELETE FROM samples WHERE resolution_s = ? AND ts_s < ?", (source_s, cutoff)
    ).rowcount
