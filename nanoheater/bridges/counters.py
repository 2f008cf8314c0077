"""Provides per-device energy, sats today and net cost per kWh of heat, read from the ledger.

The Home is the one writer of the ledger (``history.ledger.accrue`` on every reading), so the
bridges read its totals instead of integrating power a second time. The totals are refreshed on
their own slow cycle (a minute by default): the energy sensor of Home Assistant's Energy
dashboard needs a growing total, not a 5 s resolution, and 200 devices must not mean 80 ledger
queries a second.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from nanoheater.exceptions import NanoheaterError

_LOGGER = logging.getLogger(__name__)

LedgerQuery = Callable[[float, float, str], Awaitable[Mapping[str, Any]]]
"""``(since_s, until_s, device_key) -> totals`` (``Home.ledger``'s JSON)."""


@dataclass(frozen=True, slots=True)
class DeviceCounters:
    """Ledger totals of one device: all time and since local midnight."""

    energy_kwh: float
    """Electricity used since the history began (a growing total)."""
    sats_total: float
    """Expected sats mined since the history began."""
    sats_today: float
    """Expected sats mined since local midnight."""
    heat_kwh_today: float
    cost_today: float
    revenue_today: float
    currency: str | None
    market: str | None = None
    """Where the market figures behind sats and revenue come from and how old (the ledger's
    ``market`` label, e.g. dated fallback values)."""

    @property
    def net_cost_per_kwh_heat(self) -> float | None:
        """Today's electricity cost minus mining revenue, per kWh of heat; None with no heat."""
        if self.heat_kwh_today <= 0:
            return None
        return (self.cost_today - self.revenue_today) / self.heat_kwh_today


def local_midnight_s(now_s: float) -> float:
    """Epoch seconds of the last local midnight before ``now_s``."""
    local = datetime.fromtimestamp(now_s).astimezone()
    return local.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


def _number(totals: Mapping[str, Any], key: str) -> float:
    value = totals.get(key)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


class LedgerCounters:
    """Caches ``DeviceCounters`` per device key; ``refresh`` reads the ledger again."""

    def __init__(self, ledger: LedgerQuery, *, clock: Callable[[], float] = time.time) -> None:
        self._ledger = ledger
        self._clock = clock
        self._cache: dict[str, DeviceCounters] = {}
        self.refreshed_s: float | None = None
        """When ``refresh`` last ran (clock seconds)."""
        self.market: Mapping[str, Any] | None = None
        """The ledger's last ``market`` (kind, host, age_s, label): the figures behind the sats."""

    def get(self, key: str) -> DeviceCounters | None:
        """The last totals read for ``key``, or None before the first refresh."""
        return self._cache.get(key)

    def forget(self, key: str) -> None:
        """Drop a device that left the Home."""
        self._cache.pop(key, None)

    async def refresh(self, keys: Iterable[str]) -> None:
        """Read all-time and today's totals of every key; a failing query keeps the old value."""
        now = self._clock()
        self.refreshed_s = now
        midnight = local_midnight_s(now)
        for key in keys:
            try:
                total = await self._ledger(0.0, now, key)
                today = await self._ledger(midnight, now, key)
            except NanoheaterError as exc:
                _LOGGER.warning("ledger totals of %s unavailable: %s", key, exc)
                continue
            currency = today.get("currency") or total.get("currency")
            market = today.get("market")
            label = market.get("label") if isinstance(market, Mapping) else None
            if isinstance(market, Mapping):
                self.market = market
            self._cache[key] = DeviceCounters(
                energy_kwh=_number(total, "energy_kwh"),
                sats_total=_number(total, "expected_sats"),
                sats_today=_number(today, "expected_sats"),
                heat_kwh_today=_number(today, "heat_kwh"),
                cost_today=_number(today, "cost_fiat"),
                revenue_today=_number(today, "revenue_fiat"),
                currency=str(currency) if currency else None,
                market=label if isinstance(label, str) else None,
            )
