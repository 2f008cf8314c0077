"""Provides the reporting periods of the history: today, this week, this heating season."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from enum import StrEnum


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
    now = (
        datetime.fromtimestamp(now_s, zone) if zone else datetime.fromtimestamp(now_s).astimezone()
    )
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
