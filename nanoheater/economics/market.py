"""Provides the market inputs of the revenue maths: config defaults, live fetch, offline cache.

``load_market`` never blocks for long and never fails: it tries the configured public JSON
endpoints (mempool.space-style) within ``timeout_s``, caches what it got in the data folder with
its timestamp, and otherwise falls back to the cached values or to the configured defaults
(docs/physics.md §6.3), saying which in ``MarketInputs.source``. The HTTP requests run in daemon
threads rather than ``asyncio.to_thread``: a stuck DNS lookup ignores urllib's timeout, and a
pooled thread would then hold ``asyncio.run`` open at exit, which a daemon thread does not.

Example:
    >>> inputs = offline_market(MarketSettings(), data_dir=None)
    >>> (inputs.source.value, inputs.difficulty, inputs.btc_price_fiat)
    ('default', 150000000000000.0, 100000.0)
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import threading
import time
import urllib.request
from collections.abc import Callable
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from nanoheater.atomic import write_atomic
from nanoheater.const import DEVICE_CLOCK_RANGE_S
from nanoheater.economics.halving import estimate_height, subsidy_btc_at

_LOGGER = logging.getLogger(__name__)

CACHE_FILE = "market.json"
CACHE_CLOCK_SLACK_S = 3600.0
"""How far in the future a cache's stamp may be (a clock corrected since) and still be used."""
"""Name of the cache file in the data folder."""
_USER_AGENT = "nanoheater"


class MarketSource(StrEnum):
    """Where market numbers came from, best first."""

    LIVE = "live"
    CACHE = "cache"
    DEFAULT = "default"
    """The configured values, which default to docs/physics.md §6.3."""
    OVERRIDE = "override"
    """Given on the command line."""


class MarketSettings(BaseModel):
    """The ``[market]`` section of config.toml: fallback values and where to fetch live ones."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    btc_price_fiat: float = Field(default=100_000.0, gt=0)
    """BTC price in ``currency`` used when nothing live or cached is available."""
    currency: str = "USD"
    """Currency of the BTC price (and key into the price endpoint's reply)."""
    difficulty: float = Field(default=150e12, gt=0)
    """Network difficulty fallback (150 T → ≈ 1,074 EH/s)."""
    subsidy_btc: float | None = Field(default=None, ge=0)
    """Pins the block subsidy in BTC; unset (the default), it follows the block height."""
    block_height: int = Field(default=925_000, ge=0)
    """Block height at ``defaults_as_of`` (approximate: block 840,000 was mined 2024-04-20,
    about 144 blocks a day since). Without a live height, the height now is estimated from this
    at one block per 10 minutes, and the output says it is an estimate."""
    fees_btc_per_block: float = Field(default=0.03, ge=0)
    """Mean transaction fees per block fallback (2025 average ≈ 0.036)."""
    pool_fee: float = Field(default=0.02, ge=0, lt=1)
    """Pool fee as a fraction (0.02 = 2 %, a typical FPPS/PPLNS or solo-CKPool cut)."""
    defaults_as_of: date = date(2025, 12, 1)
    """When the fallback figures above were current (docs/physics.md §6.3: late-2025 values);
    every output that uses them says how old they are."""
    live: bool = True
    """Fetch difficulty, price and fees from the URLs below; False pins the values above."""
    difficulty_url: str = "https://mempool.space/api/v1/mining/hashrate/3d"
    """JSON endpoint with ``currentDifficulty`` (or ``difficulty``, or a bare number)."""
    price_url: str = "https://mempool.space/api/v1/prices"
    """JSON endpoint with the price under the currency code (``{"USD": 97000, ...}``)."""
    fees_url: str = "https://mempool.space/api/v1/mining/reward-stats/144"
    """JSON endpoint with ``totalFee`` (sats) over ``startBlock``..``endBlock``; "" to skip.
    Its ``endBlock`` is also the live block height."""
    timeout_s: float = Field(default=5.0, gt=0)
    """Deadline for the whole live fetch."""


class MarketInputs(BaseModel):
    """The numbers the revenue maths needs, with where they came from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    btc_price_fiat: float = Field(gt=0)
    currency: str
    difficulty: float = Field(gt=0)
    subsidy_btc: float = Field(ge=0)
    """The subsidy at ``block_height`` (or the configured pin)."""
    block_height: int = Field(ge=0)
    block_height_estimated: bool
    """True when the height is not from a live reply (estimated at 10 min per block)."""
    fees_btc_per_block: float = Field(ge=0)
    pool_fee: float = Field(ge=0, lt=1)
    source: MarketSource
    """The weakest source among price, difficulty and fees (live > cache > default)."""
    fetched_at_s: float | None = None
    """Epoch seconds of the live or cached data; None for defaults."""
    note: str = ""
    """One line for the user when the values are not live (why, and from when)."""

    def with_overrides(
        self,
        *,
        btc_price_fiat: float | None = None,
        difficulty: float | None = None,
        pool_fee: float | None = None,
        fees_btc_per_block: float | None = None,
    ) -> MarketInputs:
        """Return a copy with command-line values replacing fetched or default ones."""
        update: dict[str, Any] = {
            key: value
            for key, value in (
                ("btc_price_fiat", btc_price_fiat),
                ("difficulty", difficulty),
                ("pool_fee", pool_fee),
                ("fees_btc_per_block", fees_btc_per_block),
            )
            if value is not None
        }
        if not update:
            return self
        merged = self.model_dump() | update
        if {"btc_price_fiat", "difficulty"} <= update.keys():
            merged |= {"source": MarketSource.OVERRIDE, "note": ""}
        return MarketInputs.model_validate(merged)


def offline_market(
    settings: MarketSettings, data_dir: Path | None, *, now_s: float | None = None
) -> MarketInputs:
    """Market inputs without touching the network: the cache if usable, else the settings.

    ``now_s`` (epoch seconds, default the clock) dates the block-height estimate.
    """
    now = time.time() if now_s is None else now_s
    cached = _read_cache(data_dir, settings.currency, now) if data_dir is not None else None
    if cached is not None:
        return _from_parts(settings, cached, MarketSource.CACHE, "offline", now)
    return _defaults(settings, "", now)


async def load_market(
    settings: MarketSettings, data_dir: Path | None, *, live: bool | None = None
) -> MarketInputs:
    """Market inputs: fetched within ``settings.timeout_s``, else the cache, else the defaults.

    Never raises for network trouble; a failure shows up as ``source`` and ``note``.
    """
    if not (settings.live if live is None else live):
        return offline_market(settings, data_dir)
    now = time.time()
    try:
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation that
        # races its timeout (CPython gh-86296), and the home service's market loop then outlived
        # Home.stop() in its hour-long sleep.
        async with asyncio.timeout(settings.timeout_s):
            fetched = await _fetch_all(settings)
    except (TimeoutError, OSError, ValueError) as exc:
        reason = "timed out" if isinstance(exc, TimeoutError) else str(exc) or type(exc).__name__
        _LOGGER.info("live market fetch failed: %s", reason)
        cached = _read_cache(data_dir, settings.currency, now) if data_dir is not None else None
        if cached is not None:
            return _from_parts(
                settings, cached, MarketSource.CACHE, f"live fetch failed ({reason})", now
            )
        return _defaults(settings, f"live fetch failed ({reason}); using configured defaults", now)
    if data_dir is not None:
        _write_cache(data_dir, settings.currency, fetched)
    return _from_parts(settings, fetched, MarketSource.LIVE, "", now)


def parse_difficulty(payload: object) -> float:
    """Difficulty from a reply: a number, ``currentDifficulty``, ``difficulty`` or a last entry."""
    if isinstance(payload, dict):
        for key in ("currentDifficulty", "difficulty"):
            if key in payload:
                return parse_difficulty(payload[key])
    if isinstance(payload, list) and payload:
        return parse_difficulty(payload[-1])
    return _positive(payload, "difficulty")


def parse_price(payload: object, currency: str) -> float:
    """BTC price from a reply: a number, or the value under the currency code (or ``price``)."""
    if isinstance(payload, dict):
        for key in (currency, currency.upper(), currency.lower(), "price"):
            if key in payload:
                return _positive(payload[key], "price")
        raise ValueError(f"no {currency} price in reply")
    return _positive(payload, "price")


def parse_fees(payload: object) -> float:
    """Mean fees per block in BTC from ``totalFee`` sats over ``startBlock``..``endBlock``."""
    if isinstance(payload, dict) and "totalFee" in payload:
        blocks = float(payload["endBlock"]) - float(payload["startBlock"]) + 1
        # NaN compares false with everything: "not blocks > 0" also refuses it (issue 14).
        if not math.isfinite(blocks) or not blocks > 0:
            raise ValueError("fees reply covers no blocks")
        total = float(payload["totalFee"])
        if not math.isfinite(total) or total < 0:
            raise ValueError("fees reply has a bad totalFee")
        return total / blocks / 1e8
    if isinstance(payload, dict) and "fees_btc_per_block" in payload:
        return _positive(payload["fees_btc_per_block"], "fees")
    raise ValueError("no fee figures in reply")


def parse_block_height(payload: object) -> int:
    """The chain tip from a reward-stats reply: its ``endBlock``."""
    if not isinstance(payload, dict) or "endBlock" not in payload:
        raise ValueError("no endBlock in reply")
    height = _positive(payload["endBlock"], "endBlock")
    if height != int(height) or height > 100_000_000:
        raise ValueError("endBlock is not a block height")
    return int(height)


def _positive(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{what} is not a number")
    number = float(value)
    if not math.isfinite(number) or number <= 0:
        raise ValueError(f"{what} is not a positive number")
    return number


async def _fetch_all(settings: MarketSettings) -> dict[str, float]:
    urls = {"difficulty": settings.difficulty_url, "btc_price_fiat": settings.price_url}
    if settings.fees_url:
        urls["fees_btc_per_block"] = settings.fees_url
    replies = await asyncio.gather(
        *(_get_json(url, settings.timeout_s) for url in urls.values()), return_exceptions=True
    )
    parsed: dict[str, float] = {}
    for (key, url), reply in zip(urls.items(), replies, strict=True):
        if isinstance(reply, BaseException):
            if key == "fees_btc_per_block":
                _LOGGER.info("fees fetch from %s failed: %s", url, reply)
                continue  # fees are a small correction; keep the fallback instead of failing
            raise OSError(f"{url}: {reply}") from reply
        if key == "difficulty":
            parsed[key] = parse_difficulty(reply)
        elif key == "btc_price_fiat":
            parsed[key] = parse_price(reply, settings.currency)
        else:
            try:
                parsed[key] = parse_fees(reply)
                parsed["block_height"] = parse_block_height(reply)
            except (ValueError, KeyError, TypeError) as exc:
                _LOGGER.info("fees reply from %s unusable: %s", url, exc)
    parsed["fetched_at_s"] = time.time()
    return parsed


async def _get_json(url: str, timeout_s: float) -> object:
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"not an http(s) URL: {url}")
    loop = asyncio.get_running_loop()
    future: asyncio.Future[object] = loop.create_future()

    def settle(result: object, error: BaseException | None) -> None:
        if future.done():
            return  # the caller gave up (timeout); nobody is waiting any more
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    def work() -> None:
        try:
            request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})  # noqa: S310
            with urllib.request.urlopen(request, timeout=timeout_s) as reply:  # noqa: S310
                body = reply.read(1 << 20)
            result: object = json.loads(body)
        except Exception as exc:
            _hand_over(loop, settle, None, OSError(str(exc) or type(exc).__name__))
            return
        _hand_over(loop, settle, result, None)

    threading.Thread(target=work, name="nanoheater-market", daemon=True).start()
    return await future


def _hand_over(
    loop: asyncio.AbstractEventLoop,
    settle: Callable[[object, BaseException | None], None],
    result: object,
    error: BaseException | None,
) -> None:
    # A closed loop means the caller timed out and the program moved on.
    with contextlib.suppress(RuntimeError):
        loop.call_soon_threadsafe(settle, result, error)


def _height(
    settings: MarketSettings, parts: dict[str, float], source: MarketSource, now_s: float
) -> tuple[int, bool]:
    """Block height now and whether it is estimated (anything but a live reply's tip)."""
    if "block_height" in parts:
        height = int(parts["block_height"])
        if source is MarketSource.LIVE:
            return height, False
        return estimate_height(height, parts.get("fetched_at_s", now_s), now_s), True
    as_of = settings.defaults_as_of
    as_of_s = datetime(as_of.year, as_of.month, as_of.day, tzinfo=UTC).timestamp()
    return estimate_height(settings.block_height, as_of_s, now_s), True


def _subsidy(settings: MarketSettings, height: int) -> float:
    return subsidy_btc_at(height) if settings.subsidy_btc is None else settings.subsidy_btc


def _from_parts(
    settings: MarketSettings,
    parts: dict[str, float],
    source: MarketSource,
    why: str,
    now_s: float,
) -> MarketInputs:
    fetched_at = parts.get("fetched_at_s")
    missing_fees = "fees_btc_per_block" not in parts
    note = ""
    if source is MarketSource.CACHE and fetched_at is not None:
        stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime(fetched_at))
        note = f"{why}; using cached market values from {stamp}"
    height, estimated = _height(settings, parts, source, now_s)
    return MarketInputs(
        btc_price_fiat=parts["btc_price_fiat"],
        currency=settings.currency,
        difficulty=parts["difficulty"],
        subsidy_btc=_subsidy(settings, height),
        block_height=height,
        block_height_estimated=estimated,
        fees_btc_per_block=settings.fees_btc_per_block
        if missing_fees
        else parts["fees_btc_per_block"],
        pool_fee=settings.pool_fee,
        source=source,
        fetched_at_s=fetched_at,
        note=note,
    )


def _defaults(settings: MarketSettings, note: str, now_s: float) -> MarketInputs:
    height, estimated = _height(settings, {}, MarketSource.DEFAULT, now_s)
    return MarketInputs(
        btc_price_fiat=settings.btc_price_fiat,
        currency=settings.currency,
        difficulty=settings.difficulty,
        subsidy_btc=_subsidy(settings, height),
        block_height=height,
        block_height_estimated=estimated,
        fees_btc_per_block=settings.fees_btc_per_block,
        pool_fee=settings.pool_fee,
        source=MarketSource.DEFAULT,
        note=note,
    )


def _read_cache(data_dir: Path, currency: str, now_s: float) -> dict[str, float] | None:
    path = data_dir / CACHE_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        # A cache is regenerable; it is overwritten by the next successful fetch.
        _LOGGER.warning("ignoring unreadable market cache %s: %s", path, exc)
        return None
    if not isinstance(raw, dict) or raw.get("currency") != currency:
        return None
    try:
        parts = {
            key: _positive(raw[key], key)
            for key in ("btc_price_fiat", "difficulty", "fetched_at_s")
        }
        # Time is input too: a stamp of 1e300 overflowed localtime() (a traceback in every
        # economics run) and one from the future read as "fetched 0 s ago" for ever.
        fetched = parts["fetched_at_s"]
        if not DEVICE_CLOCK_RANGE_S[0] <= fetched <= now_s + CACHE_CLOCK_SLACK_S:
            raise ValueError(f"fetched_at_s {fetched:.6g} is not a past time")
        if "block_height" in raw:
            parts["block_height"] = float(parse_block_height({"endBlock": raw["block_height"]}))
        if "fees_btc_per_block" in raw:
            fees = float(raw["fees_btc_per_block"])
            if not math.isfinite(fees) or fees < 0:
                raise ValueError(f"fees_btc_per_block is {fees}")
            parts["fees_btc_per_block"] = fees
    except (KeyError, ValueError, TypeError) as exc:
        _LOGGER.warning("ignoring malformed market cache %s: %s", path, exc)
        return None
    return parts


def _write_cache(data_dir: Path, currency: str, parts: dict[str, float]) -> None:
    try:
        # allow_nan=False: a non-finite value never reaches the file (it crashed every later
        # economics run, --offline included); ValueError is caught below like a write failure.
        text = json.dumps({"currency": currency, **parts}, indent=1, allow_nan=False)
        write_atomic(data_dir / CACHE_FILE, text.encode("utf-8"))
    except (OSError, ValueError) as exc:
        _LOGGER.warning("could not write market cache in %s: %s", data_dir, exc)
