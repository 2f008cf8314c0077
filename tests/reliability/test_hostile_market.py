"""Market data is untrusted input: a NaN from an endpoint must not poison the cache (issue 14).

A NaN fee reply used to be written to the cache and then crash every ``economics`` run,
``--offline`` included. Served by the loopback mempool stand-in of tests/economics.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path

import pytest

from nanoheater.economics.market import (
    CACHE_FILE,
    MarketSettings,
    MarketSource,
    load_market,
    offline_market,
)
from tests.economics import test_market
from tests.economics.test_market import MarketServer


@pytest.fixture
def server() -> Iterator[MarketServer]:
    srv = MarketServer()
    yield srv
    srv.close()


def _finite(inputs: object) -> None:
    for name in ("btc_price_fiat", "difficulty", "fees_btc_per_block"):
        value = getattr(inputs, name)
        assert math.isfinite(value), (name, value)


@pytest.mark.parametrize(
    "fees",
    [
        {"startBlock": float("nan"), "endBlock": float("nan"), "totalFee": 1},
        {"startBlock": 1, "endBlock": 2, "totalFee": float("nan")},
        {"startBlock": 1, "endBlock": float("inf"), "totalFee": 5},
        {"fees_btc_per_block": float("nan")},
        {"startBlock": "nan", "endBlock": "1", "totalFee": "1"},
    ],
)
async def test_a_nan_fee_reply_never_reaches_the_cache(
    server: MarketServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fees: object
) -> None:
    """Pins: live inputs stay finite, the cache file holds no NaN, offline reads stay finite."""
    monkeypatch.setitem(test_market.ROUTES, "/fees", fees)
    _finite(await load_market(server.settings(), tmp_path))
    text = (tmp_path / CACHE_FILE).read_text()
    assert "NaN" not in text
    assert "Infinity" not in text
    _finite(offline_market(server.settings(), tmp_path))


@pytest.mark.parametrize("bad", ["NaN", "Infinity", "-1", '"x"'])
def test_a_poisoned_cache_file_is_ignored(tmp_path: Path, bad: str) -> None:
    """Pins: a cache written by an older version (NaN fees) gives finite inputs offline."""
    cache = {"currency": "USD", "btc_price_fiat": 1.0, "difficulty": 1.0, "fetched_at_s": T0}
    text = json.dumps(cache)[:-1] + f', "fees_btc_per_block": {bad}}}'
    (tmp_path / CACHE_FILE).write_text(text)
    _finite(offline_market(MarketSettings(), tmp_path, now_s=T0 + 60))


T0 = 1_765_000_000.0
"""A plausible time (December 2025) the caches below were "written" at."""


@pytest.mark.parametrize("stamp", [1e300, -1.0, 1.0, T0 + 2 * 365 * 86_400])
def test_a_cache_stamped_at_an_impossible_time_is_ignored(tmp_path: Path, stamp: float) -> None:
    """Pins: a cache's own clock is input: absurd or future stamps mean the defaults, offline.

    1e300 overflowed ``localtime()`` (a traceback in every ``economics`` run); a stamp two
    years ahead was shown as "fetched 0 s ago" and used for ever.
    """
    cache = {"currency": "USD", "btc_price_fiat": 7.0, "difficulty": 7.0, "fetched_at_s": stamp}
    (tmp_path / CACHE_FILE).write_text(json.dumps(cache))
    inputs = offline_market(MarketSettings(), tmp_path, now_s=T0)
    assert inputs.source == MarketSource.DEFAULT
    assert inputs.btc_price_fiat != 7.0
    # A sane cache in the same place is used (the check is on the stamp, not the file).
    cache["fetched_at_s"] = T0 - 3600
    (tmp_path / CACHE_FILE).write_text(json.dumps(cache))
    assert offline_market(MarketSettings(), tmp_path, now_s=T0).source == MarketSource.CACHE
