"""Provides the electricity tariff: a flat price, optionally overridden by time-of-use periods.

A tariff answers two questions: what a kWh costs at a given moment, and what running a given
power over an interval costs. Periods are wall-clock hours in the tariff's time zone, so a
17:00-20:00 peak stays at 17:00 across daylight-saving changes. The cost integral splits the
interval at every period boundary (and at midnight), so a step from 0.10 to 0.40 at 17:00 is
charged exactly, not by sampling.

Example:
    >>> peak = TouPeriod(start_hour=17, end_hour=20, price_fiat_per_kwh=0.40)
    >>> tariff = Tariff(price_fiat_per_kwh=0.10, periods=(peak,), timezone="UTC")
    >>> round(tariff.cost_between(1000.0, 0.0, 86_400.0), 2)  # 1 kW for one UTC day
    3.3
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, tzinfo
from functools import cached_property
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, model_validator

_ALL_DAYS = (0, 1, 2, 3, 4, 5, 6)


class TouPeriod(BaseModel):
    """One time-of-use window: a price for wall-clock hours [start, end) on some weekdays."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    start_hour: float = Field(ge=0, le=24)
    """Start, in hours after local midnight (17.5 is 17:30)."""
    end_hour: float = Field(ge=0, le=24)
    """End (exclusive); smaller than ``start_hour`` for a window that wraps midnight (22 → 6)."""
    price_fiat_per_kwh: float = Field(ge=0)
    """Price inside the window."""
    days: tuple[int, ...] = _ALL_DAYS
    """Weekdays the window applies on (0 Monday … 6 Sunday), by the local date at that moment."""
    name: str = ""
    """Label shown to the user, e.g. "peak"."""

    @model_validator(mode="after")
    def _check(self) -> TouPeriod:
        if self.start_hour == self.end_hour:
            raise ValueError("a time-of-use period needs start_hour != end_hour")
        if any(not 0 <= day <= 6 for day in self.days):
            raise ValueError("days are 0 (Monday) to 6 (Sunday)")
        return self

    def contains(self, hour: float, weekday: int) -> bool:
        """Whether local ``hour`` (0 ≤ hour < 24) on ``weekday`` falls inside this window."""
        if weekday not in self.days:
            return False
        if self.start_hour < self.end_hour:
            return self.start_hour <= hour < self.end_hour
        return hour >= self.start_hour or hour < self.end_hour


class Tariff(BaseModel):
    """A flat electricity price with optional time-of-use periods; the first match wins."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    price_fiat_per_kwh: float = Field(default=0.17, ge=0)
    """Price outside every period (docs/physics.md §6.3: $0.17/kWh US-like default)."""
    currency: str = "USD"
    """ISO currency code of every price here."""
    periods: tuple[TouPeriod, ...] = ()
    """Time-of-use windows, checked in order."""
    timezone: str | None = None
    """IANA zone the period hours are in (e.g. "Europe/Berlin"); None = this machine's zone."""

    @model_validator(mode="after")
    def _check_zone(self) -> Tariff:
        if self.timezone is not None:
            try:
                ZoneInfo(self.timezone)
            except (KeyError, ValueError) as exc:
                raise ValueError(f"unknown time zone {self.timezone!r}") from exc
        return self

    @cached_property
    def _zone(self) -> tzinfo | None:
        return ZoneInfo(self.timezone) if self.timezone is not None else None

    @cached_property
    def _boundaries_h(self) -> tuple[float, ...]:
        hours = {0.0}
        for period in self.periods:
            hours.update((period.start_hour % 24, period.end_hour % 24))
        return tuple(sorted(hours))

    @property
    def is_flat(self) -> bool:
        """True when the price never changes (no periods)."""
        return not self.periods

    def price_at(self, when_s: float) -> float:
        """Price per kWh at epoch second ``when_s``."""
        local = self._local(when_s)
        hour = local.hour + local.minute / 60 + (local.second + local.microsecond / 1e6) / 3600
        for period in self.periods:
            if period.contains(hour, local.weekday()):
                return period.price_fiat_per_kwh
        return self.price_fiat_per_kwh

    def cost_between(self, power_w: float, start_s: float, end_s: float) -> float:
        """Cost of drawing a constant ``power_w`` from epoch second ``start_s`` to ``end_s``.

        cost = Σ (power_w / 1000) · (segment hours) · price(segment), split at price changes.
        """
        if end_s < start_s:
            raise ValueError("end before start")
        if power_w == 0 or end_s == start_s:
            return 0.0
        if self.is_flat:
            return power_w / 1000.0 * (end_s - start_s) / 3600.0 * self.price_fiat_per_kwh
        total = 0.0
        t = start_s
        while t < end_s:
            stop = min(self._next_boundary(t), end_s)
            total += power_w / 1000.0 * (stop - t) / 3600.0 * self.price_at(t)
            t = stop
        return total

    def cost_of_segments(self, segments: Iterable[tuple[float, float, float]]) -> float:
        """Cost of a power profile given as ``(start_s, end_s, power_w)`` segments."""
        return sum(self.cost_between(power_w, start, end) for start, end, power_w in segments)

    def average_price(self, start_s: float, end_s: float) -> float:
        """Time-weighted mean price over an interval: what a constant load pays per kWh."""
        if end_s <= start_s:
            return self.price_at(start_s)
        return self.cost_between(1000.0, start_s, end_s) / ((end_s - start_s) / 3600.0)

    def day_average_price(self, day_start: datetime) -> float:
        """Mean price over the wall-clock day from ``day_start`` (naive = tariff zone)."""
        end = day_start + timedelta(days=1)
        return self.average_price(self._epoch(day_start), self._epoch(end))

    def profile_price(self, day_start: datetime, hourly_kw: Sequence[float]) -> float:
        """Price per kWh of a day whose load in local hour h is ``hourly_kw[h]`` (24 values).

        p = Σ_h cost(kW_h over hour h) / Σ_h kW_h · hours(h): a heater that runs at night pays
        the night price, not the day's time average. An all-zero profile gives the time average.
        """
        if len(hourly_kw) != 24 or any(kw < 0 for kw in hourly_kw):
            raise ValueError("a load profile is 24 non-negative hourly kW values")
        cost = energy_kwh = 0.0
        for hour, kw in enumerate(hourly_kw):
            start = self._epoch(day_start + timedelta(hours=hour))
            end = self._epoch(day_start + timedelta(hours=hour + 1))
            cost += self.cost_between(kw * 1000.0, start, end)
            energy_kwh += kw * (end - start) / 3600.0
        return cost / energy_kwh if energy_kwh > 0 else self.day_average_price(day_start)

    def local_hour(self, when_s: float) -> int:
        """Wall-clock hour (0-23) of epoch second ``when_s`` in the tariff zone."""
        return self._local(when_s).hour

    def _local(self, when_s: float) -> datetime:
        if self._zone is None:
            return datetime.fromtimestamp(when_s).astimezone()
        return datetime.fromtimestamp(when_s, self._zone)

    def _epoch(self, wall: datetime) -> float:
        # Naive times are wall-clock in the tariff zone; without a zone, in this machine's
        # zone, where naive .timestamp() applies the DST rules in force on that date.
        if wall.tzinfo is None and self._zone is not None:
            wall = wall.replace(tzinfo=self._zone)
        return wall.timestamp()

    def _next_boundary(self, when_s: float) -> float:
        """Epoch second of the first period boundary strictly after ``when_s``."""
        local = self._local(when_s)
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
        for day in (0, 1, 2):
            base = midnight + timedelta(days=day)
            for hour in self._boundaries_h:
                # Wall-clock arithmetic on naive times, then the zone: 17:00 stays 17:00 on a
                # day that has 23 or 25 hours.
                candidate = self._epoch(base + timedelta(hours=hour))
                if candidate > when_s:
                    return candidate
        raise AssertionError("no boundary within two days")  # pragma: no cover


def hourly_profile_kw(
    tariff: Tariff, hours: Iterable[tuple[float, float, float]]
) -> tuple[tuple[float, ...], int] | None:
    """Mean load per local hour of day from ledger hours ``(hour_s, seconds, energy_kwh)``.

    kW_h = Σ energy / Σ observed hours over the rows whose start falls in local hour h; an hour
    of day never observed takes the mean over all observed time (unobserved is not "off").
    Returns the 24 values and the number of hours of day observed, or None without data.
    """
    energy = [0.0] * 24
    seconds = [0.0] * 24
    for hour_s, observed_s, energy_kwh in hours:
        if observed_s > 0 and energy_kwh >= 0:
            slot = tariff.local_hour(hour_s)
            energy[slot] += energy_kwh
            seconds[slot] += observed_s
    total_s = sum(seconds)
    if total_s <= 0:
        return None
    mean_kw = sum(energy) / (total_s / 3600.0)
    profile = tuple(
        energy[h] / (seconds[h] / 3600.0) if seconds[h] > 0 else mean_kw for h in range(24)
    )
    return profile, sum(1 for s in seconds if s > 0)
