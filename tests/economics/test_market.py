"""Market inputs: live fetch from a local HTTP server, timeout, cache and offline fallback."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from nanoheater.economics.market import (
    CACHE_FILE,
    MarketSettings,
    MarketSource,
    load_market,
    offline_market,
    parse_difficulty,
    parse_fees,
    parse_price,
)

ROUTES: dict[str, object] = {
    "/hashrate": {"currentHashrate": 8.6e20, "currentDifficulty": 120e12, "hashrates": []},
    "/prices": {"time": 1764000000, "USD": 90_000, "EUR": 80_000},
    "/fees": {"startBlock": 900_001, "endBlock": 900_144, "totalFee": "720000000", "totalTx": "1"},
}


class MarketServer:
    """A loopback JSON server standing in for mempool.space."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.slow_done = threading.Event()
        self.release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(self.path)
                if self.path == "/slow":
                    server.release.wait(10)
                    server.slow_done.set()
                if self.path in ROUTES:
                    body = json.dumps(ROUTES[self.path]).encode()
                    self.send_response(200)
                elif self.path == "/garbage":
                    body = b"<html>not json</html>"
                    self.send_response(200)
                else:
                    body = b"{}"
                    self.send_response(500)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                try:
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client gave up (timeout test)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def settings(self, **changes: object) -> MarketSettings:
        values: dict[str, object] = {
            "difficulty_url": f"{self.base}/hashrate",
            "price_url": f"{self.base}/prices",
            "fees_url": f"{self.base}/fees",
            "timeout_s": 5.0,
        }
        values.update(changes)
        return MarketSettings.model_validate(values)

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[MarketServer]:
    srv = MarketServer()
    yield srv
    srv.close()


@pytest.fixture
def closed_port_url() -> str:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}"


async def test_live_fetch_reads_all_three_endpoints(server: MarketServer, tmp_path: Path) -> None:
    """Difficulty, price and mean fees come from the server, and the cache is written."""
    inputs = await load_market(server.settings(), tmp_path)
    assert inputs.source is MarketSource.LIVE
    assert inputs.difficulty == 120e12
    assert inputs.btc_price_fiat == 90_000
    assert inputs.fees_btc_per_block == pytest.approx(0.05)
    assert inputs.subsidy_btc == 3.125
    assert inputs.fetched_at_s is not None
    cache = json.loads((tmp_path / CACHE_FILE).read_text())
    assert cache["difficulty"] == 120e12
    assert cache["fetched_at_s"] == inputs.fetched_at_s


async def test_price_in_the_configured_currency(server: MarketServer, tmp_path: Path) -> None:
    """With currency EUR the EUR price is used."""
    inputs = await load_market(server.settings(currency="EUR"), tmp_path)
    assert (inputs.currency, inputs.btc_price_fiat) == ("EUR", 80_000)


async def test_timeout_falls_back_without_waiting(server: MarketServer, tmp_path: Path) -> None:
    """A server that never answers in time gives defaults and a note; the call returns first."""
    settings = server.settings(difficulty_url=f"{server.base}/slow", timeout_s=0.3)
    inputs = await load_market(settings, tmp_path)
    assert not server.slow_done.is_set()  # returned while the request was still pending
    assert inputs.source is MarketSource.DEFAULT
    assert inputs.difficulty == 150e12
    assert inputs.btc_price_fiat == 100_000
    assert "timed out" in inputs.note


async def test_offline_uses_cache_with_its_timestamp(
    server: MarketServer, tmp_path: Path, closed_port_url: str
) -> None:
    """After one good fetch, an unreachable endpoint gives the cached values, flagged as cache."""
    live = await load_market(server.settings(), tmp_path)
    settings = MarketSettings(
        difficulty_url=f"{closed_port_url}/x", price_url=f"{closed_port_url}/y"
    )
    inputs = await load_market(settings, tmp_path)
    assert inputs.source is MarketSource.CACHE
    assert (inputs.difficulty, inputs.btc_price_fiat) == (120e12, 90_000)
    assert inputs.fetched_at_s == live.fetched_at_s
    assert "cached market values from" in inputs.note
    assert offline_market(settings, tmp_path).source is MarketSource.CACHE


async def test_unreachable_without_cache_gives_defaults(
    tmp_path: Path, closed_port_url: str
) -> None:
    """No server and no cache: the configured values, flagged as defaults."""
    settings = MarketSettings(
        difficulty_url=closed_port_url, price_url=closed_port_url, btc_price_fiat=95_000.0
    )
    inputs = await load_market(settings, tmp_path)
    assert inputs.source is MarketSource.DEFAULT
    assert inputs.btc_price_fiat == 95_000.0
    assert "live fetch failed" in inputs.note
    assert not (tmp_path / CACHE_FILE).exists()


async def test_cache_in_another_currency_is_not_used(server: MarketServer, tmp_path: Path) -> None:
    """A USD cache is never shown as a EUR price."""
    await load_market(server.settings(), tmp_path)
    inputs = offline_market(MarketSettings(currency="EUR"), tmp_path)
    assert inputs.source is MarketSource.DEFAULT


async def test_garbage_reply_falls_back(server: MarketServer, tmp_path: Path) -> None:
    """A reply that is not JSON counts as a failed fetch."""
    inputs = await load_market(server.settings(price_url=f"{server.base}/garbage"), tmp_path)
    assert inputs.source is MarketSource.DEFAULT


async def test_failed_fees_keep_the_fallback_fees(server: MarketServer, tmp_path: Path) -> None:
    """Fees are optional: a failing fee endpoint still gives a live difficulty and price."""
    inputs = await load_market(server.settings(fees_url=f"{server.base}/missing"), tmp_path)
    assert inputs.source is MarketSource.LIVE
    assert inputs.fees_btc_per_block == 0.03


async def test_live_disabled_never_contacts_the_server(
    server: MarketServer, tmp_path: Path
) -> None:
    """With live = false nothing is requested."""
    inputs = await load_market(server.settings(live=False), tmp_path)
    assert inputs.source is MarketSource.DEFAULT
    assert server.requests == []


def test_corrupt_cache_is_ignored(tmp_path: Path) -> None:
    """A garbled cache file gives defaults instead of an error."""
    (tmp_path / CACHE_FILE).write_text("{oops")
    assert offline_market(MarketSettings(), tmp_path).source is MarketSource.DEFAULT


def test_overrides_mark_the_source() -> None:
    """Price and difficulty from the command line make the inputs an override."""
    base = offline_market(MarketSettings(), None)
    partial = base.with_overrides(btc_price_fiat=50_000.0)
    assert (partial.btc_price_fiat, partial.source) == (50_000.0, MarketSource.DEFAULT)
    full = base.with_overrides(btc_price_fiat=50_000.0, difficulty=1e14, pool_fee=0.0)
    assert (full.source, full.difficulty, full.pool_fee) == (MarketSource.OVERRIDE, 1e14, 0.0)


@pytest.mark.parametrize(
    ("payload", "expected"),
    [(123.0, 123.0), ({"currentDifficulty": 5e13}, 5e13), ([{"difficulty": 7.0}], 7.0)],
)
def test_parse_difficulty_shapes(payload: object, expected: float) -> None:
    """A bare number, mempool's hashrate reply and a history list all parse."""
    assert parse_difficulty(payload) == expected


@pytest.mark.parametrize("payload", [{"currentDifficulty": -1}, {"x": 1}, "NaN", True, None])
def test_parse_difficulty_rejects_nonsense(payload: object) -> None:
    """Negative, missing, NaN and non-numeric difficulties are rejected."""
    with pytest.raises(ValueError, match="difficulty"):
        parse_difficulty(payload)


def test_parse_price_and_fees() -> None:
    """Prices are read under the currency code; fees are sats over the block range."""
    assert parse_price({"USD": 1.0, "EUR": 2.0}, "EUR") == 2.0
    with pytest.raises(ValueError, match="GBP"):
        parse_price({"USD": 1.0}, "GBP")
    assert parse_fees({"startBlock": 1, "endBlock": 2, "totalFee": 2e6}) == pytest.approx(0.01)
    with pytest.raises(ValueError, match="fee"):
        parse_fees({"something": 1})


async def test_live_height_comes_from_the_fees_reply(server: MarketServer, tmp_path: Path) -> None:
    """reward-stats' endBlock is the tip: live, not estimated; the cache keeps it for offline."""
    inputs = await load_market(server.settings(), tmp_path)
    assert (inputs.block_height, inputs.block_height_estimated) == (900_144, False)
    assert inputs.subsidy_btc == 3.125
    assert inputs.fetched_at_s is not None
    cached = offline_market(server.settings(), tmp_path, now_s=inputs.fetched_at_s + 86_400)
    assert (cached.block_height, cached.block_height_estimated) == (900_288, True)
