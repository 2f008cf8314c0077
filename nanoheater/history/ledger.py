"""Provides the pure accrual of the hourly ledger from consecutive samples of one device.

Between two samples the device is assumed to ramp linearly (trapezoid rule): energy is the mean
of the two power readings times the elapsed time, and expected revenue the mean hashrate times
the elapsed time at the market inputs in force. Gaps longer than ``MAX_GAP_S`` (the app was
closed, the device offline) accrue nothing: the ledger records what was observed, not a guess.
Intervals are split at local hour boundaries (``period.hour_start``) so every entry belongs to
one ledger hour and every local day, week and season starts on an entry boundary.
"""

from __future__ import annotations

from datetime import tzinfo

from nanoheater.economics.engine import expected_revenue
from nanoheater.economics.market import MarketInputs
from nanoheater.economics.tariff import Tariff
from nanoheater.history.period import HOUR_S, hour_start
from nanoheater.history.records import LedgerEntry, Sample

MAX_GAP_S = 300.0
"""Longest interval between two samples that is still integrated (5 min; polls are ~2-10 s)."""


def accrue(
    previous: Sample,
    current: Sample,
    *,
    market: MarketInputs,
    tariff: Tariff,
    max_gap_s: float = MAX_GAP_S,
    zone: tzinfo | None = None,
) -> list[LedgerEntry]:
    """Ledger entries for the interval between two samples of the same device.

    energy_kwh = mean power · Δt / 3.6e6; cost = tariff cost of that power over the interval;
    expected sats = sats per day at the mean hashrate · Δt / 86400. Hours are local hours of
    ``zone`` (default: this machine's).
    """
    if previous.device != current.device:
        raise ValueError("samples of different devices")
    if market.currency != tariff.currency:
        raise ValueError(f"market in {market.currency} but tariff in {tariff.currency}")
    elapsed = current.ts_s - previous.ts_s
    if elapsed <= 0 or elapsed > max_gap_s:
        return []
    power_w = _mean(previous.power_w, current.power_w)
    hashrate_ths = _mean(previous.hashrate_ths, current.hashrate_ths)
    per_day = expected_revenue(
        hashrate_ths,
        difficulty=market.difficulty,
        subsidy_btc=market.subsidy_btc,
        fees_btc_per_block=market.fees_btc_per_block,
        btc_price_fiat=market.btc_price_fiat,
        pool_fee=market.pool_fee,
    )
    entries = []
    start = previous.ts_s
    while start < current.ts_s:
        hour = hour_start(start, zone)
        stop = min(current.ts_s, hour + HOUR_S)
        seconds = stop - start
        energy_kwh = power_w * seconds / 3.6e6
        entries.append(
            LedgerEntry(
                device=current.device,
                hour_s=hour,
                seconds=seconds,
                energy_kwh=energy_kwh,
                heat_kwh=energy_kwh,
                expected_sats=per_day.sats_per_day * seconds / 86_400,
                cost_fiat=tariff.cost_between(power_w, start, stop),
                revenue_fiat=per_day.fiat_per_day * seconds / 86_400,
                currency=tariff.currency,
            )
        )
        start = stop
    return entries


def _mean(a: float | None, b: float | None) -> float:
    # A missing reading borrows its neighbour rather than counting as zero power.
    if a is None:
        return 0.0 if b is None else b
    if b is None:
        return a
    return (a + b) / 2
