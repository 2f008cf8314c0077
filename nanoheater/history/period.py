"""Provides the one local-time calendar: ledger hours, days, and the periods today/week/season.

Everything that adds up heat, cost and sats by time (the history's ledger, the TUI's session
totals, ``nanoheater history``) cuts time here, in the local zone (or an explicit ``zone``), so a
"day" is a local day and a ledger hour starts on a local hour: in a half-hour zone (India,
UTC+5:30) local midnight falls on an hour boundary, and a DST change is honoured by rebuilding
from wall-clock fields.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum

HOUR_S = 3600


def _local(ts_s: float, zone: tzinfo | None) -> datetime:
    return datetime.fromtimestamp(ts_s, zone) if zone else datetime.fromtimestamp(ts_s).astimezone()


def hour_start(ts_s: float, zone: tzinfo | None = None) -> int:
    """Epoch seconds at which the local hour holding ``ts_s`` began (a ledger hour's key).

    Offsets of whole quarter hours (+5:30, +5:45) give hours that start at :30 or :45 UTC.
    """
    offset = _local(ts_s, zone).utcoffset()
    offset_s = int(offset.total_seconds()) if offset is not None else 0
    return int((ts_s + offset_s) // HOUR_S * HOUR_S - offset_s)


def local_date(ts_s: float, zone: tzinfo | None = None) -> date:
    """The local calendar day of ``ts_s``."""
    return _local(ts_s, zone).date()


class Period(StrEnum):
    """A named reporting period, ending now."""

    TODAY = "today"
    """Since local midnight."""
    WEEK = "week"
    """Since Monday 00:00 local time."""
    SEASON = "season"
    """Since the most recent season start (MM-DD, local midnight)."""


def period_start(
    period: Period | str, now_s: float, *, season_start: str = "09-01", zone: tzinfo | None = None
) -> float:
    """Epoch seconds at which ``period`` began, in the local zone (or ``zone``)."""
    now = _local(now_s, zone)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    kind = Period(period)
    if kind is Period.TODAY:
        start = midnight
    elif kind is Period.WEEK:
        start = midnight - timedelta(days=now.weekday())
    else:
        month, day = (int(part) for part in season_start.split("-"))
        start = midnight.replace(month=month, day=min(day, 28 if month == 2 else day))
        if start > now:
            start = start.replace(year=start.year - 1)
    # Rebuild from wall-clock fields so a DST change between then and now is honoured.
    naive = start.replace(tzinfo=None)
    return naive.replace(tzinfo=zone).timestamp() if zone else naive.timestamp()
