"""Provides market_origin: where the market figures came from and how old they are, in one line.

Every output that shows market figures says it (issue 13): the fallback values are dated
(``[market] defaults_as_of``) and their age is given, a cache says when it was fetched and
from which host, a live fetch says so. ``nanoheater economics`` (text and ``--json``) and the
TUI's economics screen both use this one function.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from nanoheater.economics.market import MarketInputs, MarketSettings, MarketSource


def market_origin(market: MarketInputs, settings: MarketSettings, now_s: float) -> dict[str, Any]:
    """Where the market figures came from (``kind``, ``host`` fetched, ``age_s``) and a label.

    ``now_s`` is the caller's now (the wall clock; the demo's is the simulator's).
    """
    host = urlsplit(settings.price_url).hostname or "?"
    age_s = None if market.fetched_at_s is None else max(0.0, now_s - market.fetched_at_s)
    if market.source is MarketSource.DEFAULT:
        as_of = settings.defaults_as_of
        as_of_s = datetime(as_of.year, as_of.month, as_of.day, tzinfo=UTC).timestamp()
        age_s = max(0.0, now_s - as_of_s)
    age = "" if age_s is None else _age(age_s)
    label = {
        MarketSource.LIVE: f"live from {host}, fetched just now",
        MarketSource.CACHE: f"cached from {host}, fetched {age} ago ({_when(market.fetched_at_s)})",
        MarketSource.DEFAULT: f"config.toml [market] values as of {settings.defaults_as_of}"
        f", {age} old; nothing fetched",
        MarketSource.OVERRIDE: "command line",
    }[market.source]
    fetched = market.source in (MarketSource.LIVE, MarketSource.CACHE)
    return {
        "kind": market.source.value,
        "host": host if fetched else None,
        "age_s": None if age_s is None else round(age_s),
        "label": label,
    }


def _age(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.0f} days"


def _when(ts_s: float | None) -> str:
    return "" if ts_s is None else time.strftime("%Y-%m-%d %H:%M", time.localtime(ts_s))


__all__ = ["market_origin"]
