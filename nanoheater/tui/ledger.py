"""Provides Ledger: heat, electricity cost and expected sats per device per day, for the session.

Each poll adds the interval since the previous reading of that device, on the app's clock (when
the reading arrived; a device's own clock is never trusted), priced with the tariff in force then
and paid at the expected mining rate of the hashrate measured. Plain data, no Textual and no I/O;
the economics view sums it by period.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, tzinfo

from nanoheater.economics.market import MarketInputs
from nanoheater.economics.tariff import Tariff
from nanoheater.history.ledger import MAX_GAP_S, accrue
from nanoheater.history.period import Period, local_date, period_start
from nanoheater.history.records import Sample
from nanoheater.models import HeaterStatus

MAX_INTERVAL_S = MAX_GAP_S
"""A longer gap between two readings (receive time) is not counted, as in the history's ledger."""


@dataclass(slots=True)
class Totals:
    """Sums over some devices and days."""

    heat_kwh: float = 0.0
    """Heat delivered; a miner turns every kWh it draws into a kWh of heat."""
    cost_fiat: float = 0.0
    """Electricity cost at the tariff."""
    sats: float = 0.0
    """Expected mining income (pool payout at the hashrate measured)."""
    sats_fiat: float = 0.0
    """The same income at the BTC price of the market inputs."""

    def add(self, other: Totals) -> None:
        """Add ``other`` into this one."""
        self.heat_kwh += other.heat_kwh
        self.cost_fiat += other.cost_fiat
        self.sats += other.sats
        self.sats_fiat += other.sats_fiat

    @property
    def net_cost_fiat(self) -> float:
        """Electricity minus mining income; negative means the heat paid for itself."""
        return self.cost_fiat - self.sats_fiat

    @property
    def effective_fiat_per_kwh(self) -> float | None:
        """What a kWh of this heat really cost after mining income; None with no heat."""
        return self.net_cost_fiat / self.heat_kwh if self.heat_kwh > 0 else None

    @property
    def average_price_fiat_per_kwh(self) -> float | None:
        """Electricity price paid on average, which is also what resistive heat costs per kWh."""
        return self.cost_fiat / self.heat_kwh if self.heat_kwh > 0 else None


def gap_limit_s(poll_interval_s: float, device_time_scale: float = 1.0) -> float:
    """The longest gap between two polls (on the app's clock) that still counts as continuous.

    Normally ``MAX_INTERVAL_S``; but the demo's clock is its simulator's, running
    ``device_time_scale`` times faster than the wall, which puts that many of its seconds between
    polls (600 at ``demo --speed 600``), so
    the limit grows with it to three polls' worth, or nothing would ever be counted.
    """
    return max(MAX_INTERVAL_S, 3.0 * poll_interval_s * device_time_scale)


class Ledger:
    """Per-device, per-day totals built from consecutive readings."""

    def __init__(
        self,
        tariff: Tariff,
        market: MarketInputs,
        max_gap_s: float = MAX_INTERVAL_S,
        zone: tzinfo | None = None,
    ) -> None:
        """Price energy with ``tariff`` and value hashrate with ``market``.

        ``max_gap_s`` is the longest interval (receive time) between two readings that is still
        counted; ``gap_limit_s`` scales it for a poll interval and a fast simulated clock. Days
        are local days of ``zone`` (default: this machine's), as the history counts them.
        """
        self.tariff = tariff
        self.market = market
        self.max_gap_s = max_gap_s
        self.zone = zone
        self._days: dict[tuple[str, date], Totals] = defaultdict(Totals)
        self._last: dict[str, Sample] = {}
        self.latest_s: float | None = None
        """Newest receive time seen: what "today" means."""

    def record(self, key: str, status: HeaterStatus, received_s: float) -> None:
        """Count the interval from device ``key``'s previous reading to ``status``.

        ``received_s`` is when ``status`` arrived, on the app's clock: the device's own ``When``
        is never used, so a device whose clock lags, runs ahead or jumps is counted like any
        other. The maths is the history's own (``nanoheater.history.ledger.accrue``), so the
        session totals and the stored ledger always agree; its hourly entries are summed per day.
        """
        self.latest_s = max(self.latest_s or received_s, received_s)
        current = replace(Sample.from_status(status, received_s), device=key)
        previous = self._last.get(key)
        self._last[key] = current
        if previous is None:
            return
        entries = accrue(
            previous,
            current,
            market=self.market,
            tariff=self.tariff,
            max_gap_s=self.max_gap_s,
            zone=self.zone,
        )
        for entry in entries:
            bucket = self._days[(key, local_date(entry.hour_s, self.zone))]
            bucket.heat_kwh += entry.heat_kwh
            bucket.cost_fiat += entry.cost_fiat
            bucket.sats += entry.expected_sats
            bucket.sats_fiat += entry.revenue_fiat

    @property
    def today(self) -> date | None:
        """The day of the newest reading (app clock), None before the first reading."""
        return None if self.latest_s is None else local_date(self.latest_s, self.zone)

    def between(self, first: date, last: date, key: str | None = None) -> Totals:
        """Totals from day ``first`` to ``last`` inclusive, of one device or (None) all."""
        totals = Totals()
        for (device, day), bucket in self._days.items():
            if first <= day <= last and key in (None, device):
                totals.add(bucket)
        return totals

    def on_day(self, day: date | None, key: str | None = None) -> Totals:
        """Totals of one day (an empty Totals for None)."""
        return Totals() if day is None else self.between(day, day, key)

    def period(self, period: Period, season_start: str, key: str | None = None) -> Totals:
        """Totals of today, this week or this season up to the newest reading.

        The periods are cut as the history cuts them (``history.period.period_start``).
        """
        if self.latest_s is None:
            return Totals()
        start_s = period_start(period, self.latest_s, season_start=season_start, zone=self.zone)
        return self.between(
            local_date(start_s, self.zone), local_date(self.latest_s, self.zone), key
        )
