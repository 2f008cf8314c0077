"""Tests for ``nanoheater economics``: worked example, inputs, live device, market, errors."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from firmware_sim.server import SimServer
from nanoheater.cli import cli
from nanoheater.config import config_path

WORKED = ["--difficulty", "150e12", "--btc-usd", "100000", "--pool-fee", "0", "--price-kwh", "0.17"]


def _run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["economics", *args])


def _json(*args: str) -> dict[str, Any]:
    result = _run(*args, "--json")
    assert result.exit_code == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def _write_config(text: str) -> Path:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_worked_example_json() -> None:
    """Nano 3S High (6.6 TH/s, captured) at D 150 T, $100k, no pool fee: 279 sats/day, $0.0831/kWh.

    docs/physics.md's worked example used the spec sheet's 6.0 TH/s (254 sats/day); the registry now
    carries the captured 6.6 (tests/captures/nano3s_estats_mmid0.txt): every figure scales by 1.1.
    """
    data = _json("--model", "nano3s", "--mode", "High", *WORKED)
    econ = data["economics"]
    assert round(econ["revenue"]["sats_per_day"]) == round(253.93 * 1.1)
    assert econ["heat_cost"]["revenue_fiat_per_kwh"] == pytest.approx(0.0831, abs=5e-5)
    assert econ["heat"]["energy_kwh"] == pytest.approx(3.36)
    assert econ["heat_cost"]["net_cost_fiat_per_kwh_heat"] == pytest.approx(0.0869, abs=1e-4)
    assert econ["heat_cost"]["cop_economic"] == pytest.approx(1.96, abs=0.01)
    assert econ["solo"]["one_in_n_years"] == pytest.approx(3400 / 1.1, rel=0.01)
    assert data["market"]["source"] == "override"
    assert data["device"] == {
        "label": "Avalon Nano 3S, High",
        "hashrate_ths": 6.6,
        "power_w": 140.0,
        "measured": False,
    }
    names = [alt["name"] for alt in econ["alternatives"]]
    assert names == ["resistive", "heat pump (COP 3)", "gas (92%)"]


def test_human_table_shows_every_figure() -> None:
    """The table carries sats/day, $/day, kWh/day, cost, net per kWh, alternatives, COPe, odds."""
    result = _run("--model", "nano3s", "--mode", "high", *WORKED)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    for expected in (
        "sats/day                    279",
        "USD/day                     0.2793",
        "kWh/day                     3.36",
        "electricity USD/day         0.5712",
        "net USD per kWh of heat     0.0869",
        "economic COP                1.96",
        "break-even price            0.0831 USD/kWh",
        "heat pump (COP 3)",
        "gas (92%)",
        "1 in 3,096",
    ):
        assert expected in out, expected


@pytest.mark.parametrize(("mode", "power_w"), [("LOW", 70.0), ("med", 100.0), ("Mid", 100.0)])
def test_mode_names_are_case_insensitive(mode: str, power_w: float) -> None:
    """Mode names match in any case, and the registry's aliases work."""
    assert _json("--model", "nano3s", "--mode", mode, "--offline")["device"]["power_w"] == power_w


def test_offline_uses_config_defaults_and_pool_fee() -> None:
    """With no overrides and --offline, docs/physics.md §6.3 defaults apply, 2 % pool fee too."""
    data = _json("--model", "mini3", "--mode", "Mining", "--offline")
    assert data["market"]["source"] == "default"
    assert data["market"]["pool_fee"] == 0.02
    sats = data["economics"]["revenue"]["sats_per_day"]
    assert sats == pytest.approx(1587 * 0.98, abs=2)


def test_percentage_pool_fee() -> None:
    """--pool-fee 2% equals --pool-fee 0.02."""
    a = _json("--model", "q", "--mode", "Super", "--offline", "--pool-fee", "2%")
    b = _json("--model", "q", "--mode", "Super", "--offline", "--pool-fee", "0.02")
    assert a["economics"] == b["economics"]


def test_time_of_use_tariff_from_config() -> None:
    """A TOU table in config.toml is averaged over today and labelled."""
    _write_config(
        "[tariff]\nprice_fiat_per_kwh = 0.10\n"
        "[[tariff.periods]]\nstart_hour = 0\nend_hour = 12\nprice_fiat_per_kwh = 0.30\n"
    )
    data = _json("--model", "nano3s", "--mode", "High", "--offline")
    assert data["tariff"]["day_average_price_fiat_per_kwh"] == pytest.approx(0.20, abs=0.01)
    result = _run("--model", "nano3s", "--mode", "High", "--offline")
    assert "time-of-use" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--model", "nano9", "--mode", "High"], "unknown model"),
        (["--model", "nano3s", "--mode", "Turbo"], "choose one of: Low, Mid, High"),
        ([], "give HOST, or --model and --mode"),
        (["--model", "nano3s"], "needs --mode, one of: Low, Mid, High"),
        (["--mode", "High"], "give HOST, or --model and --mode"),
        (["127.0.0.1", "--model", "nano3s", "--mode", "High"], "not both"),
        (["--model", "nano3s", "--mode", "High", "--pool-fee", "5"], "--pool-fee"),
        (["--model", "nano3s", "--mode", "High", "--pool-fee", "x"], "--pool-fee"),
        (["--model", "nano3s", "--mode", "High", "--price-kwh", "-1"], "--price-kwh"),
        (["--model", "nano3s", "--mode", "High", "--difficulty", "0"], "--difficulty"),
    ],
)
def test_bad_input_exits_2_with_one_line(args: list[str], message: str) -> None:
    """Every bad input is one stderr line and exit code 2, with nothing on stdout."""
    result = _run(*args, "--offline")
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert message in lines[0]


def test_corrupt_config_is_reported_and_kept() -> None:
    """A broken config.toml: exit 2, one line naming it, and a backup copy."""
    path = _write_config("[tariff\nprice = ")
    result = _run("--model", "nano3s", "--mode", "High", "--offline")
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert str(path) in line
    assert path.read_text() == "[tariff\nprice = "
    assert [p.read_text() for p in path.parent.glob("config.toml.bad-*")] == ["[tariff\nprice = "]


@pytest.fixture
def market_server() -> Iterator[str]:
    """A loopback stand-in for the mempool.space endpoints."""
    replies = {
        "/d": {"currentDifficulty": 75e12},
        "/p": {"USD": 50_000},
        # A real tip height: endBlock is the live block height, which sets the subsidy.
        "/f": {"startBlock": 900_001, "endBlock": 900_144, "totalFee": 0},
    }

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps(replies[self.path]).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_live_market_from_configured_urls(market_server: str) -> None:
    """Configured URLs are fetched: half the difficulty at half the price gives the same $/day."""
    _write_config(
        f'[market]\ndifficulty_url = "{market_server}/d"\nprice_url = "{market_server}/p"\n'
        f'fees_url = "{market_server}/f"\npool_fee = 0.0\n'
    )
    data = _json("--model", "nano3s", "--mode", "High")
    assert data["market"]["source"] == "live"
    assert data["market"]["fees_btc_per_block"] == 0.0
    revenue = data["economics"]["revenue"]
    assert revenue["sats_per_day"] == pytest.approx(2 * 253.93 * 1.1 * 3.125 / 3.155, rel=1e-3)
    offline = _json("--model", "nano3s", "--mode", "High", "--offline")
    assert offline["market"]["source"] == "cache"
    assert offline["market"]["difficulty"] == 75e12


async def _run_cli(*args: str) -> tuple[int, str, str]:
    """Run the real entry point in a child process (the simulator keeps serving in this loop)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "nanoheater",
        "economics",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=os.environ.copy(),
    )
    out, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_host_reads_live_hashrate_and_power() -> None:
    """With HOST the measured hashrate and wall power of the (simulated) device are used."""
    async with SimServer("nano3s", port=0) as sim:
        code, out, err = await _run_cli(f"{sim.host}:{sim.port}", *WORKED, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["device"]["measured"] is True
    assert data["device"]["power_w"] == pytest.approx(140.0, rel=0.05)
    assert data["device"]["hashrate_ths"] == pytest.approx(6.6, rel=0.05)
    assert sim.host in data["device"]["label"]


async def test_unreachable_host_exits_4() -> None:
    """A host with nothing listening is a connection failure (exit 4), one line."""
    async with SimServer("nano3s", port=0) as sim:
        port = sim.port
    code, out, err = await _run_cli(f"127.0.0.1:{port}", "--offline")
    assert code == 4
    assert out == ""
    assert len(err.splitlines()) == 1


def test_output_names_the_market_source_and_its_age(market_server: str) -> None:
    """Live, cached and default figures each say where they came from and, if fetched, when."""
    _write_config(
        f'[market]\ndifficulty_url = "{market_server}/d"\nprice_url = "{market_server}/p"\n'
        f'fees_url = "{market_server}/f"\n'
    )
    live = _run("--model", "nano3s", "--mode", "High")
    assert live.exit_code == 0, live.stderr
    assert "Market (live from 127.0.0.1, fetched just now)" in live.stdout
    cached = _json("--model", "nano3s", "--mode", "High", "--offline")
    assert cached["market_origin"]["kind"] == "cache"
    assert cached["market_origin"]["host"] == "127.0.0.1"
    assert 0 <= cached["market_origin"]["age_s"] < 60
    text = _run("--model", "nano3s", "--mode", "High", "--offline").stdout
    assert re.search(r"Market \(cached from 127\.0\.0\.1, fetched \d+ s ago \(\d{4}-", text), text


def test_help_says_it_fetches_from_the_internet() -> None:
    """--help says the command goes to the internet unless --offline, and where."""
    out = " ".join(_run("--help").stdout.split())
    assert "fetches the BTC price, difficulty and fees from the internet" in out
    assert "mempool.space by default" in out


def test_free_electricity_shows_no_infinite_ratio() -> None:
    """With a price of 0 the revenue ratio is not printed as inf%."""
    result = _run("--model", "nano3s", "--mode", "High", "--offline", "--price-kwh", "0")
    assert result.exit_code == 0, result.stderr
    assert "inf" not in result.stdout
    assert "revenue ratio R             - (electricity is free)" in result.stdout


CAPTURES = Path(__file__).parent.parent / "captures"


def _blob(name: str) -> dict[str, str]:
    return dict(re.findall(r"(\w+)\[([^\]]*)\]", (CAPTURES / name).read_text(encoding="utf-8")))


def test_q_eco_and_nano3_high_reflect_the_captures() -> None:
    """Issue 13's two commands: the captured figures, and the Q Eco verdict they flip.

    tests/captures/q_stats.json: Eco at ``MPO[800]`` hashes 53.4 TH/s realised to ``GHSmm``
    55.0 nominal, so at $0.15/kWh and the fallback market its heat costs $0.031-0.035 net per
    kWh, less than a COP 3 heat pump's $0.050 (the old 43 TH/s said $0.057, more).
    tests/captures/nano3_stats.json: ``PS[5]`` 92 W at Mid is the DC side of Canaan's 100 W
    wall, so High is billed at its 140 W wall figure, not the DC reading (about 129 W).
    """
    # The subsidy pinned, so the estimated block height crossing a halving cannot move it.
    _write_config("[market]\nlive = false\nsubsidy_btc = 3.125\n")
    q = _json("--model", "q", "--mode", "eco", "--offline", "--price-kwh", "0.15")
    blob = _blob("q_stats.json")
    assert 53.4 <= q["device"]["hashrate_ths"] <= float(blob["GHSmm"]) / 1000
    assert q["device"]["power_w"] == float(blob["MPO"]) == 800.0
    assert q["market_origin"]["kind"] == "default"  # the dated fallback figures, said so
    cost = q["economics"]["heat_cost"]["net_cost_fiat_per_kwh_heat"]
    assert 0.031 <= cost <= 0.043
    pump = next(a for a in q["economics"]["alternatives"] if a["name"] == "heat pump (COP 3)")
    assert pump["cost_fiat_per_kwh_heat"] == pytest.approx(0.05)
    assert pump["savings_fiat_per_kwh_heat"] > 0  # cheaper heat than the heat pump
    # The same market at the old 43 TH/s: revenue scales with the hashrate, the verdict flips.
    revenue = q["economics"]["heat_cost"]["revenue_fiat_per_kwh"]
    old_cost = 0.15 - revenue * 43.0 / q["device"]["hashrate_ths"]
    assert old_cost > pump["cost_fiat_per_kwh_heat"]

    nano3 = _json("--model", "nano3", "--mode", "high", "--offline", "--price-kwh", "0.15")
    ps = [int(x) for x in _blob("nano3_stats.json")["PS"].split()]
    dc_per_wall = ps[5] / 100.0  # 92 W DC at Mid, whose wall figure is 100 W
    assert nano3["device"]["power_w"] == 140.0
    assert nano3["device"]["power_w"] * dc_per_wall == pytest.approx(129, abs=1)
    heat = nano3["economics"]["heat"]
    assert heat["energy_kwh"] == heat["heat_kwh"] == pytest.approx(140 * 24 / 1000)
    assert nano3["economics"]["electricity_fiat_per_day"] == pytest.approx(0.15 * 3.36)
    assert nano3["device"]["hashrate_ths"] == 4.0


def test_default_market_says_its_date_and_age() -> None:
    """Nothing fetched or cached: the fallback figures say when they were current and how old."""
    data = _json("--model", "q", "--mode", "eco", "--offline")
    origin = data["market_origin"]
    assert origin["kind"] == "default"
    as_of_s = datetime(2025, 12, 1, tzinfo=UTC).timestamp()
    assert origin["age_s"] == pytest.approx(time.time() - as_of_s, abs=120)
    assert "as of 2025-12-01" in origin["label"]
    text = _run("--model", "q", "--mode", "eco", "--offline").stdout
    assert re.search(
        r"Market \(config\.toml \[market\] values as of 2025-12-01, \d+ days old", text
    )
    _write_config('[market]\nlive = false\ndefaults_as_of = "2026-11-30"\n')
    again = _json("--model", "q", "--mode", "eco")
    assert "as of 2026-11-30" in again["market_origin"]["label"]


def test_subsidy_follows_the_block_height_and_names_the_next_halving() -> None:
    """A fallback height past 1,050,000 halves the subsidy, and with it the sats per day."""
    before = _json("--model", "q", "--mode", "eco", "--offline")
    halving = before["halving"]
    assert halving["block_height_estimated"] is True
    assert halving["subsidy_btc"] == before["market"]["subsidy_btc"] == 3.125
    assert halving["next_halving_height"] == 1_050_000
    assert halving["blocks_to_next_halving"] == 1_050_000 - halving["block_height"]
    assert re.fullmatch(r"\d{4}-\d{2}", halving["next_halving_expected"])
    _write_config('[market]\nlive = false\nblock_height = 1050000\ndefaults_as_of = "2026-12-01"\n')
    after = _json("--model", "q", "--mode", "eco")
    assert after["halving"]["subsidy_btc"] == 1.5625
    assert after["halving"]["next_halving_height"] == 1_260_000
    assert (
        after["economics"]["revenue"]["sats_per_day"]
        < before["economics"]["revenue"]["sats_per_day"] * 0.51
        + 0.0001 * before["economics"]["revenue"]["sats_per_day"]
    )
    text = _run("--model", "q", "--mode", "eco").stdout
    assert re.search(
        r"Block height 1,05\d,\d{3} \(estimated at 10 min/block\): subsidy 1.5625 BTC; "
        r"next halving at 1,260,000 to 0.78125 BTC",
        text,
    )


def test_payback_only_from_a_price_the_user_gives() -> None:
    """No price, no payback (none assumed); --hardware-price wins over [heat] in config."""
    none = _json("--model", "nano3s", "--mode", "High", "--offline", *WORKED)
    assert none["payback"] is None
    assert (
        "give --hardware-price" in _run("--model", "nano3s", "--mode", "High", "--offline").stdout
    )
    given = _json("--model", "nano3s", "--mode", "High", *WORKED, "--hardware-price", "250")
    rows = {row["name"]: row for row in given["payback"]["rows"]}
    revenue = given["economics"]["revenue"]["fiat_per_day"]
    assert given["payback"]["price_from"] == "command line"
    assert rows["resistive"]["payback_days"] == pytest.approx(250 / revenue)
    assert rows["none (heat not wanted)"]["payback_days"] is None  # loses money at $0.17
    _write_config("[heat]\nhardware_price_fiat = 500\n")
    configured = _json("--model", "nano3s", "--mode", "High", *WORKED)
    assert configured["payback"]["price_from"] == "config"
    assert configured["payback"]["rows"][1]["payback_days"] == pytest.approx(500 / revenue)
    text = _run("--model", "nano3s", "--mode", "High", *WORKED, "--hardware-price", "250").stdout
    assert re.search(r"resistive +\d[\d,]* days", text)
    bad = _run("--model", "nano3s", "--mode", "High", *WORKED, "--hardware-price", "0")
    assert bad.exit_code == 2
    assert bad.stderr.strip().count("\n") == 0
    assert "--hardware-price must be a positive number" in bad.stderr


async def test_time_of_use_priced_by_the_hosts_load_profile_from_history() -> None:
    """A heater that idles through the 17-20 peak pays the off-peak price, not the day's mean.

    A real history file: 24 h of samples at 140 W, 20 W during the peak, recorded through
    HistoryStore (which writes the ledger); economics HOST reads the hourly load from it.
    """
    from nanoheater.config import data_dir
    from nanoheater.economics.market import MarketSettings, offline_market
    from nanoheater.economics.tariff import Tariff, TouPeriod
    from nanoheater.history.records import Sample
    from nanoheater.history.store import DATABASE_FILE, HistoryStore

    _write_config(
        '[tariff]\nprice_fiat_per_kwh = 0.10\ntimezone = "UTC"\n'
        "[[tariff.periods]]\nstart_hour = 17\nend_hour = 20\nprice_fiat_per_kwh = 0.40\n"
    )
    tariff = Tariff(
        price_fiat_per_kwh=0.10,
        timezone="UTC",
        periods=(TouPeriod(start_hour=17, end_hour=20, price_fiat_per_kwh=0.40),),
    )
    async with SimServer("nano3s", port=0) as sim:
        host = f"{sim.host}:{sim.port}"
        code, out, err = await _run_cli(host, *WORKED[:6], "--json")
        assert code == 0, err
        flat = json.loads(out)
        assert flat["load_profile"]["source"] == "flat"
        assert not (data_dir() / DATABASE_FILE).exists()  # no history file made up
        market = offline_market(MarketSettings(live=False), None)
        now = time.time()
        with HistoryStore.open() as store:
            for step in range(24 * 12 + 1):
                ts = now - 86_400 + step * 300
                power = 20.0 if 17 <= tariff.local_hour(ts) < 20 else 140.0
                sample = Sample("nano3s-test", ts, power_w=power, hashrate_ths=6.6)
                store.record(sample, market=market, tariff=tariff, host=sim.host, port=sim.port)
        code, out, err = await _run_cli(host, *WORKED[:6], "--json")
        assert code == 0, err
        code_text, text, _ = await _run_cli(host, *WORKED[:6])
    data = json.loads(out)
    profile = data["load_profile"]
    assert profile["source"] == "history"
    assert profile["hours_of_day_observed"] == 24
    assert profile["hourly_kw"][18] == pytest.approx(0.020, rel=0.01)
    assert profile["hourly_kw"][3] == pytest.approx(0.140, rel=0.01)
    # (21 h · 0.14 kW · 0.10 + 3 h · 0.02 kW · 0.40) / (21 · 0.14 + 3 · 0.02) = 0.106, not 0.1375.
    assert flat["tariff"]["day_average_price_fiat_per_kwh"] == pytest.approx(0.1375, rel=1e-3)
    assert data["tariff"]["day_average_price_fiat_per_kwh"] == pytest.approx(0.106, rel=0.01)
    assert data["economics"]["heat_cost"]["price_fiat_per_kwh"] == pytest.approx(0.106, rel=0.01)
    assert code_text == 0
    assert "weighted by the load of the last 7 days' history (24/24 hours of day seen)" in text
