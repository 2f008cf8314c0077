"""Provides ``nanoheater economics``: what a heater earns, what its heat costs, and the solo odds.

The operating point comes from a live device (``HOST``: measured hashrate and wall power through
``HeaterClient``) or from the capability registry (``--model`` and ``--mode``: nominal figures).
Market inputs come from the command line, else a live fetch, else the cache, else the config
defaults (docs/physics.md §6.3); the source is printed with the numbers. ``--json`` prints one
object with the inputs and every result. Bad input exits 2 with one line on stderr.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass
from typing import Any

import click

from nanoheater.cli.economics_outlook import (
    halving_json,
    halving_line,
    load_profile,
    payback_json,
    payback_lines,
)
from nanoheater.cli.economics_outlook import row as _row
from nanoheater.cli.output import fail, print_json, run_async
from nanoheater.cli.params import FiniteFloat
from nanoheater.config import Settings, data_dir, load_settings
from nanoheater.economics.engine import DeviceEconomics, evaluate
from nanoheater.economics.market import MarketInputs, load_market
from nanoheater.economics.origin import market_origin
from nanoheater.economics.tariff import Tariff
from nanoheater.exceptions import UsageError


@dataclass(frozen=True)
class OperatingPoint:
    """What is being evaluated: a label, hashrate and power, and whether they were measured."""

    label: str
    hashrate_ths: float
    power_w: float
    measured: bool


def parse_pool_fee(text: str) -> float:
    """A pool fee as a fraction: "0.02" or "2%" both mean 2 %; 1 or more without % is refused."""
    raw = text.strip()
    try:
        value = float(raw.removesuffix("%")) / (100.0 if raw.endswith("%") else 1.0)
    except ValueError:
        raise UsageError(f"--pool-fee {text!r} is not a number (use 0.02 or 2%)") from None
    if not 0.0 <= value < 1.0:
        raise UsageError(f"--pool-fee {text!r} must be a fraction in [0, 1), e.g. 0.02 or 2%")
    return value


@click.command()
@click.argument("host", required=False)
@click.option("--model", help="Model without a device: nano3, nano3s, mini3 or q.")
@click.option("--mode", help="Mode name as the device calls it (case-insensitive), with --model.")
@click.option(
    "--price-kwh", type=FiniteFloat(), help="Flat electricity price per kWh (overrides config)."
)
@click.option(
    "--btc-usd", type=FiniteFloat(), help="BTC price in the configured currency (USD default)."
)
@click.option("--difficulty", type=FiniteFloat(), help="Network difficulty, e.g. 150e12.")
@click.option("--pool-fee", help="Pool fee as a fraction or percentage: 0.02 or 2%.")
@click.option(
    "--offline",
    is_flag=True,
    help="Do not fetch market data from the internet ([market] URLs, mempool.space by "
    "default); use the cache or config.",
)
@click.option(
    "--hardware-price",
    type=FiniteFloat(),
    help="What you paid for the heater (tariff currency); shows the payback in days. "
    "Overrides [heat] hardware_price_fiat; no price is assumed.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@run_async
async def economics(
    host: str | None,
    model: str | None,
    mode: str | None,
    price_kwh: float | None,
    btc_usd: float | None,
    difficulty: float | None,
    pool_fee: str | None,
    offline: bool,
    hardware_price: float | None,
    as_json: bool,
) -> None:
    """Show revenue, cost of heat, comparison with other heaters and solo odds.

    Unless --offline (or both --btc-usd and --difficulty are given), this fetches the BTC price,
    difficulty and fees from the internet: the [market] URLs of config.toml, mempool.space by
    default. The output names where the market figures came from and how old they are.
    """
    fee = parse_pool_fee(pool_fee) if pool_fee is not None else None
    _check_positive(price_kwh, "--price-kwh", allow_zero=True)
    _check_positive(btc_usd, "--btc-usd")
    _check_positive(difficulty, "--difficulty")
    _check_positive(hardware_price, "--hardware-price")
    settings = load_settings().settings
    point = await _operating_point(host, model, mode)
    tariff = settings.tariff
    if price_kwh is not None:
        tariff = Tariff(price_fiat_per_kwh=price_kwh, currency=tariff.currency)
    market = await _market(settings, offline=offline or (btc_usd is not None and bool(difficulty)))
    market = market.with_overrides(btc_price_fiat=btc_usd, difficulty=difficulty, pool_fee=fee)
    profile = None if tariff.is_flat else load_profile(tariff, host)
    price = tariff.price_fiat_per_kwh if profile is None else profile["price_fiat_per_kwh"]
    result = evaluate(
        point.hashrate_ths,
        point.power_w,
        difficulty=market.difficulty,
        subsidy_btc=market.subsidy_btc,
        fees_btc_per_block=market.fees_btc_per_block,
        btc_price_fiat=market.btc_price_fiat,
        pool_fee=market.pool_fee,
        price_fiat_per_kwh=price,
        heat_pump_cop=settings.heat.heat_pump_cop,
        fuels=(settings.heat.to_fuel(),),
    )
    origin = market_origin(market, settings.market, time.time())
    payback_info = payback_json(result, hardware_price, settings.heat.hardware_price_fiat)
    if as_json:
        print_json(
            report_json(point, market, tariff, price, result)
            | {"market_origin": origin, "halving": halving_json(market), "payback": payback_info}
            | {"load_profile": profile}
        )
        return
    if market.note:
        click.echo(f"nanoheater: {market.note}", err=True)
    basis = None if profile is None else profile["basis"]
    click.echo(format_report(point, market, tariff, price, result, origin, basis))
    click.echo(halving_line(market))
    click.echo(payback_lines(payback_info, market.currency))


async def _operating_point(host: str | None, model: str | None, mode: str | None) -> OperatingPoint:
    if host is not None:
        if model or mode:
            raise UsageError("give either HOST or --model/--mode, not both")
        return await _measure(host)
    if not model:
        raise UsageError("give HOST, or --model and --mode (e.g. --model nano3s --mode high)")
    from nanoheater.capabilities import capabilities, find_profile

    caps = capabilities(model)
    if not mode:
        names = ", ".join(p.name for p in caps.profiles)
        raise UsageError(f"--model {caps.model.value} needs --mode, one of: {names}")
    profile = find_profile(caps.model, mode)
    return OperatingPoint(
        f"{caps.display_name}, {profile.name}", profile.hashrate_ths, profile.power_w, False
    )


async def _measure(host: str) -> OperatingPoint:
    from nanoheater.capabilities import capabilities
    from nanoheater.client import HeaterClient

    async with await HeaterClient.connect(host) as client:
        status = await client.get_status()
    hashrate = (
        status.hashrate_ths if status.hashrate_ths is not None else status.hashrate_nominal_ths
    )
    power = status.power_w
    if power is None and status.info.model is not None and status.mode:
        power = capabilities(status.info.model).profile(status.mode).power_w
    if hashrate is None or power is None or power <= 0:
        raise UsageError(f"{host}: the device reports no hashrate or power (is it mining?)")
    name = status.info.product or host
    label = f"{name} at {host}" + (f", {status.mode}" if status.mode else "")
    return OperatingPoint(label, hashrate, power, True)


async def _market(settings: Settings, *, offline: bool) -> MarketInputs:
    return await load_market(settings.market, data_dir(), live=False if offline else None)


def _check_positive(value: float | None, name: str, *, allow_zero: bool = False) -> None:
    if value is None:
        return
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        fail(f"{name} must be a positive number, got {value}", 2)


def report_json(
    point: OperatingPoint,
    market: MarketInputs,
    tariff: Tariff,
    price: float,
    result: DeviceEconomics,
) -> dict[str, Any]:
    """The ``--json`` object: inputs and results; non-finite numbers become null."""
    report: dict[str, Any] = _finite(
        {
            "device": asdict(point),
            "market": market.model_dump(mode="json"),
            "tariff": tariff.model_dump(mode="json") | {"day_average_price_fiat_per_kwh": price},
            "currency": market.currency,
            "economics": asdict(result),
        }
    )
    return report


def format_report(
    point: OperatingPoint,
    market: MarketInputs,
    tariff: Tariff,
    price: float,
    result: DeviceEconomics,
    origin: dict[str, Any],
    basis: str | None = None,
) -> str:
    """The human-readable table; ``basis`` says how a time-of-use price was averaged."""
    cur = market.currency
    rev, heat, cost, solo = result.revenue, result.heat, result.heat_cost, result.solo
    how = "measured" if point.measured else "nominal"
    source = origin["label"]
    kind = basis or ("flat" if tariff.is_flat else "time-of-use, today's average")
    lines = [
        f"{point.label}: {point.hashrate_ths:.2f} TH/s at {point.power_w:.0f} W ({how})",
        f"Market ({source}): BTC {market.btc_price_fiat:,.0f} {cur}, difficulty "
        f"{market.difficulty / 1e12:,.2f} T ({rev.network_hashrate_ths / 1e6:,.0f} EH/s), "
        f"fees {market.fees_btc_per_block:.3f} BTC/block, pool fee {market.pool_fee:.1%}",
        f"Electricity: {price:.4f} {cur}/kWh ({kind})",
        "",
        "Mining",
        _row("sats/day", f"{rev.sats_per_day:,.0f}"),
        _row(f"{cur}/day", f"{rev.fiat_per_day:.4f}"),
        _row("hashprice", f"{result.hashprice_fiat_per_ths_day * 1000:.2f} {cur}/PH/day"),
        "Heat",
        _row(
            "kWh/day",
            f"{heat.heat_kwh:.2f} ({heat.heat_btu:,.0f} BTU, {heat.heat_btu_per_h:,.0f} BTU/h)",
        ),
        _row(f"electricity {cur}/day", f"{result.electricity_fiat_per_day:.4f}"),
        _row(f"net {cur}/day", f"{result.net_fiat_per_day:+.4f}"),
        _row(f"net {cur} per kWh of heat", f"{cost.net_cost_fiat_per_kwh_heat:.4f}"),
        _row(
            f"net {cur} per therm / MMBtu",
            f"{cost.net_cost_fiat_per_therm:.3f} / {cost.net_cost_fiat_per_mmbtu:.2f}",
        ),
        _row("revenue ratio R", _ratio(cost.revenue_ratio)),
        _row(
            "economic COP",
            "free heat (R >= 100 %)" if cost.cop_economic is None else f"{cost.cop_economic:.2f}",
        ),
        _row("break-even price", f"{cost.break_even_price_fiat_per_kwh:.4f} {cur}/kWh"),
        f"Versus other heaters ({cur} per kWh of heat; miner saves per day)",
    ]
    lines += [
        _row(alt.name, f"{alt.cost_fiat_per_kwh_heat:.4f}   {alt.savings_fiat_per_day:+.4f}/day")
        for alt in result.alternatives
    ]
    lines += [
        "Solo mining",
        _row("chance of a block per day", f"{solo.p_block_per_day:.2e}"),
        _row("chance per year", f"1 in {solo.one_in_n_years:,.0f}"),
        _row("expected wait", f"{solo.expected_wait_years:,.0f} years"),
        _row("a block pays", f"{solo.block_reward_btc:.4f} BTC"),
    ]
    return "\n".join(lines)


def _ratio(value: float) -> str:
    """R as a percentage; with free electricity there is no ratio to show (not ``inf%``)."""
    return f"{value:.1%}" if math.isfinite(value) else "- (electricity is free)"


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value
