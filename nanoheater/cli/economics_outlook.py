"""Provides the parts of ``nanoheater economics`` beyond one day's figures.

The block height and next halving, the hardware payback (only from a price the user gives),
and the time-of-use price weighted by the heater's hourly load profile from the history ledger.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from nanoheater.config import data_dir
from nanoheater.economics.engine import DeviceEconomics
from nanoheater.economics.halving import halving_outlook
from nanoheater.economics.market import MarketInputs
from nanoheater.economics.payback import payback
from nanoheater.economics.tariff import Tariff, hourly_profile_kw


def row(label: str, value: str) -> str:
    """One indented table row of the economics report: a 28-wide label, then the value."""
    return f"  {label:<28}{value}"


PROFILE_DAYS = 7
"""Days of history the time-of-use load profile is taken from."""


def load_profile(tariff: Tariff, host: str | None) -> dict[str, Any]:
    """Today's time-of-use price per kWh, weighted by when the heater draws power.

    The hourly load comes from the last ``PROFILE_DAYS`` of the history ledger for ``host``;
    without a host or its history, a flat 24 h load (the day's time average), said in ``basis``.
    """
    midnight = datetime.now().replace(hour=0, minute=0, second=0, microsecond=0)
    found = _history_profile(tariff, host) if host is not None else None
    if found is None:
        why = "no HOST given" if host is None else f"no history for {host}"
        return {
            "source": "flat",
            "basis": f"time-of-use, today's average: flat 24 h load ({why})",
            "hours_of_day_observed": 0,
            "hourly_kw": None,
            "price_fiat_per_kwh": tariff.day_average_price(midnight),
        }
    hourly_kw, observed = found
    return {
        "source": "history",
        "basis": f"time-of-use, today, weighted by the load of the last {PROFILE_DAYS} days' "
        f"history ({observed}/24 hours of day seen)",
        "hours_of_day_observed": observed,
        "hourly_kw": list(hourly_kw),
        "price_fiat_per_kwh": tariff.profile_price(midnight, hourly_kw),
    }


def _history_profile(tariff: Tariff, host: str) -> tuple[tuple[float, ...], int] | None:
    from nanoheater.history.store import DATABASE_FILE, HistoryStore

    # Opening creates the file; a user without history should not get an empty one from this.
    if not (data_dir() / DATABASE_FILE).is_file():
        return None
    now_s = time.time()
    with HistoryStore.open() as store:
        device = store.resolve(host)
        if device is None:
            return None
        hours = store.ledger_hours(device, now_s - PROFILE_DAYS * 86_400.0, now_s)
    return hourly_profile_kw(tariff, ((h.hour_s, h.seconds, h.energy_kwh) for h in hours))


def payback_json(
    result: DeviceEconomics, given: float | None, configured: float | None
) -> dict[str, Any] | None:
    """The ``payback`` object, or None without a price (``--hardware-price`` wins over config)."""
    price = given if given is not None else configured
    if price is None:
        return None
    rows = payback(
        price,
        net_fiat_per_day=result.net_fiat_per_day,
        alternatives=[(alt.name, alt.savings_fiat_per_day) for alt in result.alternatives],
    )
    return {
        "hardware_price_fiat": price,
        "price_from": "command line" if given is not None else "config",
        "rows": [asdict(row) for row in rows],
    }


def payback_lines(info: dict[str, Any] | None, currency: str) -> str:
    """Payback rows in days of running, or how to get them."""
    if info is None:
        return "Payback: give --hardware-price (or [heat] hardware_price_fiat); none is assumed"
    lines = [
        f"Payback of {info['hardware_price_fiat']:,.2f} {currency} ({info['price_from']}), "
        "in days of running, by the heater its heat replaces"
    ]
    for entry in info["rows"]:
        days = entry["payback_days"]
        when = "never" if days is None else f"{days:,.0f} days"
        benefit = entry["benefit_fiat_per_day"]
        lines.append(row(entry["name"], f"{when}   ({benefit:+.4f}/day)"))
    return "\n".join(lines)


def halving_json(market: MarketInputs) -> dict[str, Any]:
    """The ``halving`` object: height (and whether estimated), subsidy, next halving."""
    outlook = asdict(halving_outlook(market.block_height))
    # A pinned [market] subsidy_btc wins over the schedule; report the one the maths used.
    return outlook | {
        "subsidy_btc": market.subsidy_btc,
        "block_height_estimated": market.block_height_estimated,
        "next_halving_expected": _date_in(outlook["days_to_next_halving"]),
    }


def halving_line(market: MarketInputs) -> str:
    """One line: block height, subsidy used, and when the next halving is expected."""
    info = halving_json(market)
    how = "estimated at 10 min/block" if market.block_height_estimated else "live"
    return (
        f"Block height {info['block_height']:,} ({how}): subsidy {info['subsidy_btc']:g} BTC; "
        f"next halving at {info['next_halving_height']:,} to {info['next_subsidy_btc']:g} BTC, "
        f"{info['blocks_to_next_halving']:,} blocks away, expected about "
        f"{info['next_halving_expected']}"
    )


def _date_in(days: float) -> str:
    return datetime.fromtimestamp(time.time() + days * 86_400.0, tz=UTC).strftime("%Y-%m")
