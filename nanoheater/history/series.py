"""Provides the history's chart reads: one device, the fleet, or the ledger by day, over a window.

A chart asks for a ``Window`` (15 min, 6 h, 24 h, 7 d) ending at some time and gets points at the
window's resolution: per second over 15 minutes, per minute over 6 and 24 hours, per hour over a
week. The minute and hour windows read the rollups kept as samples are written (``rollup``: one
row per bucket, found by primary key, so a week is at most 169 rows per device whatever the
polling rate); the 15-minute window groups the raw rows per second. A result never holds more
than ``span / bucket + 1`` points per device: 901, 361, 1441 and 169. Mode changes and faults
come back as markers and the controller's set-point as its changes only, both capped at
``MAX_MARKS``.

Example:
    >>> import tempfile, pathlib
    >>> from nanoheater.history import HistoryStore, Sample
    >>> with HistoryStore.open(pathlib.Path(tempfile.mkdtemp()) / "h.sqlite3") as store:
    ...     store.add_samples(Sample("aa", 7200.0 + s, power_w=100.0 + s) for s in range(120))
    ...     [p.power_w for p in store.window("aa", Window.H6, 7200.0 + 120).samples]
    [129.5, 189.5]
"""

from __future__ import annotations

import math
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from nanoheater.history import rollup
from nanoheater.history.records import SAMPLE_FIELDS, LedgerTotals, Sample

MAX_MARKS = 200
"""Most markers and most set-point changes one read returns (the newest ones)."""
ZONE_HOLD_S = 60.0
"""How long a device's last reading counts in its zone's per-second window (a minute: the
service polls every few seconds; a device silent longer is left out, as a minute without its
readings is in the minute windows)."""
FAULT_KINDS = ("offline", "refused", "failed", "warning", "fault", "error", "interlock")
"""Event kinds drawn as faults on the time axis."""


class Window(StrEnum):
    """A chart's time span."""

    M15 = "15m"
    H6 = "6h"
    H24 = "24h"
    D7 = "7d"

    @property
    def span_s(self) -> int:
        """Length of the window."""
        return _SPANS[self][0]

    @property
    def bucket_s(self) -> int:
        """Resolution of its points: 1 s (raw), 60 s or 3600 s."""
        return _SPANS[self][1]

    def next(self) -> Window:
        """The next window in the cycle 15m, 6h, 24h, 7d, 15m."""
        order = list(Window)
        return order[(order.index(self) + 1) % len(order)]


_SPANS = {
    Window.M15: (900, 1),
    Window.H6: (6 * 3600, 60),
    Window.H24: (24 * 3600, 60),
    Window.D7: (7 * 86_400, 3600),
}


@dataclass(frozen=True, slots=True)
class Mark:
    """Something to mark on a time axis: a mode change or a fault."""

    ts_s: float
    kind: str
    """``mode`` or ``fault``."""
    text: str


@dataclass(frozen=True, slots=True)
class DeviceSeries:
    """One device over one window: means per bucket, set-point changes and marks."""

    device: str
    window: Window
    since_s: float
    until_s: float
    samples: tuple[Sample, ...]
    """Bucket means, oldest first; ``ts_s`` is the bucket start, ``resolution_s`` its size."""
    setpoints: tuple[tuple[float, float | None], ...]
    """(time, set-point in °C or None when not regulating) at each change; the first one is the
    value in force at ``since_s``."""
    marks: tuple[Mark, ...]
    quiet: tuple[tuple[float, float], ...] = ()
    """(start, end) of the quiet hours in force, for a zone's room chart (the service's)."""
    steps: tuple[Mark, ...] = ()
    """The schedule's changes of target (kinds ``up``, ``down``, ``step``), for the room chart."""


def window_since(window: Window, until_s: float) -> float:
    """Start of ``window`` ending at ``until_s``, aligned so buckets do not straddle it."""
    bucket = window.bucket_s
    return float(math.ceil((until_s - window.span_s) / bucket) * bucket)


def _means(bucket_s: int, group: str, where: str) -> str:
    means = ", ".join(
        f"SUM({c} * count) / SUM(CASE WHEN {c} IS NOT NULL THEN count END) AS {c}"
        for c in SAMPLE_FIELDS
    )
    # A bare column next to exactly one max() takes its value from the row holding the max
    # (SQLite): ``mode`` is the bucket's last mode, as in retention's folding.
    return f"""
        SELECT device, bucket, {", ".join(SAMPLE_FIELDS)}, mode, n FROM (
            SELECT device, CAST(ts_s / {bucket_s} AS INTEGER) * {bucket_s} AS bucket,
                   SUM(count) AS n, {means}, mode, MAX(ts_s) AS last_s
            FROM samples WHERE {where} GROUP BY {group}
        ) ORDER BY device, bucket
    """  # noqa: S608 - only our own column names and integers are interpolated


def _samples(rows: list[tuple[object, ...]], bucket_s: int) -> list[Sample]:
    samples = []
    for device, bucket, *values, mode, count in rows:
        means = dict(zip(SAMPLE_FIELDS, values, strict=True))
        samples.append(
            Sample(
                device=str(device),
                ts_s=float(bucket),  # type: ignore[arg-type]
                mode=None if mode is None else str(mode),
                resolution_s=bucket_s,
                count=int(count),  # type: ignore[call-overload]
                **means,  # type: ignore[arg-type]
            )
        )
    return samples


def with_live(
    read: DeviceSeries | None,
    window: Window,
    live: Sequence[Sample],
    *,
    name: str,
    until_s: float,
    live_setpoints: Sequence[tuple[float, float | None]] = (),
) -> DeviceSeries:
    """``read`` (a history read, or None) with the ``live`` readings since it, over ``window``.

    The window ends just after the newest live reading (else at the read's end, else at
    ``until_s``) and starts ``window`` before that: the read's older points, marks and
    set-point changes slide out as live points come in. ``live_setpoints`` are the set-point
    changes seen live; those after the read are added. The device screen and the attached
    TUI's zone charts draw this between reads, so new points show as they arrive.
    """
    after = read.until_s if read is not None else -math.inf
    fresh = [s for s in live if s.ts_s >= after]
    ends = [read.until_s] if read is not None else []
    if fresh:
        ends.append(fresh[-1].ts_s + 1.0)
    until = max(ends, default=until_s)
    since = window_since(window, until)
    older = read.samples if read is not None else ()
    samples = tuple(s for s in (*older, *fresh) if s.ts_s >= since)
    changes = [
        *(read.setpoints if read is not None else ()),
        *(p for p in live_setpoints if p[0] > after),
    ]
    before = [p for p in changes if p[0] < since][-1:]
    setpoints = [(since, p[1]) for p in before] + [p for p in changes if p[0] >= since]
    marks = tuple(m for m in (read.marks if read is not None else ()) if m.ts_s >= since)
    if read is None:
        return DeviceSeries(name, window, since, until, samples, tuple(setpoints), marks)
    quiet = tuple(span for span in read.quiet if span[1] > since)
    steps = tuple(m for m in read.steps if m.ts_s >= since)
    return DeviceSeries(name, window, since, until, samples, tuple(setpoints), marks, quiet, steps)


def read_device(
    db: sqlite3.Connection, device: str, window: Window, until_s: float
) -> DeviceSeries:
    """Device ``device`` over ``window`` ending at ``until_s`` (see the module doc)."""
    since = window_since(window, until_s)
    if window.bucket_s in rollup.TIERS:
        rows = rollup.read(db, window.bucket_s, device, since, until_s)
    else:
        rows = db.execute(
            _means(window.bucket_s, "bucket", "device = ? AND ts_s >= ? AND ts_s < ?"),
            (device, since, until_s),
        ).fetchall()
    samples = _samples(rows, window.bucket_s)
    marks = _mode_marks(samples) + _fault_marks(db, device, since, until_s)
    marks.sort(key=lambda m: m.ts_s)
    return DeviceSeries(
        device,
        window,
        since,
        until_s,
        tuple(samples),
        _setpoints(db, device, since, until_s),
        tuple(marks[-MAX_MARKS:]),
    )


def read_fleet(db: sqlite3.Connection, window: Window, until_s: float) -> dict[str, list[Sample]]:
    """Every device's bucket means over ``window``, by device key."""
    since = window_since(window, until_s)
    if window.bucket_s in rollup.TIERS:
        rows = rollup.read(db, window.bucket_s, None, since, until_s)
    else:
        rows = db.execute(
            _means(window.bucket_s, "device, bucket", "ts_s >= ? AND ts_s < ?"),
            (since, until_s),
        ).fetchall()
    fleet: dict[str, list[Sample]] = {}
    for sample in _samples(rows, window.bucket_s):
        fleet.setdefault(sample.device, []).append(sample)
    return fleet


def read_zone(
    db: sqlite3.Connection, zone: str, devices: Sequence[str], window: Window, until_s: float
) -> DeviceSeries:
    """The zone ``zone`` of ``devices`` (history keys) over ``window`` ending at ``until_s``.

    One series, as a device's: each bucket's power is the sum of the devices' means, its room
    temperature their mean (a device without a room reading counts with its inlet's, as the
    device charts do). Per second (15 min) the devices are read at different seconds, so a
    device's last reading counts until ``ZONE_HOLD_S`` old: without that each second would
    hold one device's power, not the zone's. The set-point is the zone's: every device records
    the zone's decisions, so the device with the most set-point changes in the window carries
    them all. The marks are every device's faults and mode changes, the newest ``MAX_MARKS``.
    """
    reads = [read_device(db, device, window, until_s) for device in devices]
    hold_s = 0.0 if window.bucket_s in rollup.TIERS else ZONE_HOLD_S
    counts: dict[float, int] = {}
    by_device: list[dict[float, Sample]] = []
    for read in reads:
        by_device.append({sample.ts_s: sample for sample in read.samples})
        for sample in read.samples:
            counts[sample.ts_s] = counts.get(sample.ts_s, 0) + sample.count
    # Each device's last power and room reading (time, value), swept forward bucket by bucket.
    last_power: list[tuple[float, float] | None] = [None] * len(reads)
    last_room: list[tuple[float, float] | None] = [None] * len(reads)
    samples = []
    for ts in sorted(counts):
        for index, found in enumerate(by_device):
            here = found.get(ts)
            if here is None:
                continue
            if here.power_w is not None:
                last_power[index] = (ts, here.power_w)
            room = here.room_temp_c if here.room_temp_c is not None else here.inlet_temp_c
            if room is not None:
                last_room[index] = (ts, room)
        power = [seen[1] for seen in last_power if seen and ts - seen[0] <= hold_s]
        rooms = [seen[1] for seen in last_room if seen and ts - seen[0] <= hold_s]
        samples.append(
            Sample(
                zone,
                ts,
                power_w=sum(power) if power else None,
                room_temp_c=sum(rooms) / len(rooms) if rooms else None,
                resolution_s=window.bucket_s,
                count=counts[ts],
            )
        )
    setpoints = max((read.setpoints for read in reads), key=len, default=())
    marks = sorted((m for read in reads for m in read.marks), key=lambda m: m.ts_s)
    since = window_since(window, until_s)
    return DeviceSeries(
        zone, window, since, until_s, tuple(samples), setpoints, tuple(marks[-MAX_MARKS:])
    )


def read_fleet_field(
    db: sqlite3.Connection, field: str, window: Window, until_s: float
) -> dict[str, list[tuple[float, float]]]:
    """One field (``power_w``) of every device over ``window``: (bucket, mean) by device key."""
    since = window_since(window, until_s)
    if window.bucket_s in rollup.TIERS:
        return rollup.read_field(db, window.bucket_s, field, since, until_s)
    found: dict[str, list[tuple[float, float]]] = {}
    for device, samples in read_fleet(db, window, until_s).items():
        points = [(s.ts_s, v) for s in samples if (v := getattr(s, field)) is not None]
        if points:
            found[device] = points
    return found


def read_days(
    db: sqlite3.Connection, device: str | None, days: int, until_s: float
) -> list[LedgerTotals]:
    """The ledger summed per local calendar day, the last ``days`` days to ``until_s``.

    Every day is present (zeros when nothing ran), oldest first, so bars line up with dates.
    """
    today = datetime.fromtimestamp(until_s).date()
    first = today - timedelta(days=days - 1)
    since = _midnight_s(first)
    rows = db.execute(
        "SELECT hour_s, COUNT(*), TOTAL(seconds), TOTAL(energy_kwh), TOTAL(heat_kwh), "
        "TOTAL(expected_sats), TOTAL(cost_fiat), TOTAL(revenue_fiat), "
        "CASE WHEN COUNT(DISTINCT currency) = 1 THEN MIN(currency) END FROM ledger "
        "WHERE (? IS NULL OR device = ?) AND hour_s >= ? AND hour_s < ? "
        "GROUP BY hour_s ORDER BY hour_s",
        (device, device, int(since) // 3600 * 3600, until_s),
    ).fetchall()
    sums: dict[date, list[float]] = {first + timedelta(days=d): [0.0] * 7 for d in range(days)}
    currencies: dict[date, set[str]] = {}
    for hour_s, _, *values, currency in rows:
        day = datetime.fromtimestamp(hour_s).date()
        if day not in sums:
            continue  # the hour before local midnight, when the zone is not whole-hour
        sums[day] = [a + float(b) for a, b in zip(sums[day], [1, *values], strict=True)]
        if currency is not None:
            currencies.setdefault(day, set()).add(str(currency))
    result = []
    for day, (hours, seconds, energy, heat, sats, cost, revenue) in sums.items():
        found = currencies.get(day, set())
        result.append(
            LedgerTotals(
                _midnight_s(day),
                _midnight_s(day + timedelta(days=1)),
                int(hours),
                seconds,
                energy,
                heat,
                sats,
                cost,
                revenue,
                found.pop() if len(found) == 1 else None,
            )
        )
    return result


def _midnight_s(day: date) -> float:
    return time.mktime((day.year, day.month, day.day, 0, 0, 0, 0, 0, -1))


def _mode_marks(samples: list[Sample]) -> list[Mark]:
    marks = []
    previous: str | None = None
    for sample in samples:
        if sample.mode is None:
            continue
        if previous is not None and sample.mode != previous:
            marks.append(Mark(sample.ts_s, "mode", f"{previous} → {sample.mode}"))
        previous = sample.mode
    return marks


def _fault_marks(db: sqlite3.Connection, device: str, since_s: float, until_s: float) -> list[Mark]:
    kinds = ", ".join("?" for _ in FAULT_KINDS)
    query = (
        "SELECT ts_s, kind, detail FROM (SELECT ts_s, kind, detail, id FROM events "  # noqa: S608
        f"WHERE device = ? AND ts_s >= ? AND ts_s < ? AND kind IN ({kinds}) "
        "ORDER BY ts_s DESC, id DESC LIMIT ?) ORDER BY ts_s"
    )
    rows = db.execute(
        query,
        (device, since_s, until_s, *FAULT_KINDS, MAX_MARKS),
    ).fetchall()
    return [Mark(float(ts), "fault", f"{kind}: {detail}") for ts, kind, detail in rows]


def _setpoints(
    db: sqlite3.Connection, device: str, since_s: float, until_s: float
) -> tuple[tuple[float, float | None], ...]:
    # Only the changes, newest MAX_MARKS, plus the value in force when the window opens (the
    # last decision in the day before it; older than that the controller was not running).
    rows = db.execute(
        "SELECT ts_s, setpoint_c FROM (SELECT ts_s, setpoint_c, "
        "LAG(setpoint_c, 1, -1e9) OVER (ORDER BY ts_s, id) AS previous FROM decisions "
        "WHERE device = ? AND ts_s >= ? AND ts_s < ?) "
        "WHERE previous IS NOT setpoint_c OR ts_s < ? ORDER BY ts_s DESC LIMIT ?",
        (device, since_s - 86_400, until_s, since_s, MAX_MARKS + 1),
    ).fetchall()
    before = [r for r in rows if r[0] < since_s][:1]
    inside = [r for r in rows if r[0] >= since_s][:MAX_MARKS]
    changes = [(since_s, before[0][1])] if before else []
    changes += reversed(inside)
    return tuple((float(ts), None if sp is None else float(sp)) for ts, sp in changes)
