"""Worked examples of docs/physics.md §3.4, §3.5 and §4.1; property tests of the revenue maths."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nanoheater.economics import engine
from nanoheater.economics.engine import (
    FUEL_PRESETS,
    Fuel,
    evaluate,
    expected_revenue,
    heat_cost,
    heat_delivered,
    network_hashrate_hs,
    revenue_per_kwh,
    solo_odds,
)

# The worked-example market of docs/physics.md §3.4.
MARKET: dict[str, Any] = {
    "difficulty": 150e12,
    "subsidy_btc": 3.125,
    "fees_btc_per_block": 0.03,
    "btc_price_fiat": 100_000.0,
    "pool_fee": 0.0,
}
NO_PRICE = {key: value for key, value in MARKET.items() if key != "btc_price_fiat"}
NO_PRICE.pop("pool_fee")


def test_network_hashrate_matches_difficulty_rule() -> None:
    """D = 150 T gives about 1,074 EH/s (D · 2^32 / 600)."""
    assert network_hashrate_hs(150e12) == pytest.approx(1.0737e21, rel=1e-4)


def test_nano3s_high_worked_example() -> None:
    """The issue's example: Nano 3S High earns ≈ 254 sats/day and ≈ $0.0756 per kWh."""
    rev = expected_revenue(6.0, **MARKET)
    assert rev.share_of_network == pytest.approx(5.59e-9, rel=1e-3)
    assert rev.blocks_per_day == pytest.approx(8.05e-7, rel=1e-3)
    assert round(rev.sats_per_day) == 254
    assert rev.fiat_per_day == pytest.approx(0.254, abs=5e-4)
    assert revenue_per_kwh(rev.fiat_per_day, power_w=140.0) == pytest.approx(0.0756, abs=5e-5)


@pytest.mark.parametrize(
    ("hashrate_ths", "power_w", "sats", "usd", "kwh", "per_kwh"),
    [
        (6.0, 140.0, 254, 0.254, 3.36, 0.076),  # Nano 3S High
        (3.0, 70.0, 127, 0.127, 1.68, 0.076),  # Nano 3S Low
        (4.0, 140.0, 169, 0.169, 3.36, 0.050),  # Nano 3 High
        (37.5, 800.0, 1587, 1.59, 19.2, 0.083),  # Mini 3 Mining
        (20.0, 400.0, 846, 0.85, 9.6, 0.088),  # Mini 3 Night
        (90.0, 1674.0, 3808, 3.81, 40.2, 0.095),  # Avalon Q Super
        (1.071, 19.0, 45, 0.045, 0.46, 0.099),  # Bitaxe Gamma (stock)
        (0.625, 14.0, 26, 0.026, 0.34, 0.079),  # Bitaxe Supra
    ],
)
def test_worked_examples_table(
    hashrate_ths: float, power_w: float, sats: int, usd: float, kwh: float, per_kwh: float
) -> None:
    """Every Avalon row of the docs/physics.md §3.4 table is reproduced to its printed precision."""
    result = evaluate(hashrate_ths, power_w, price_fiat_per_kwh=0.17, **MARKET)
    assert abs(result.revenue.sats_per_day - sats) <= 1
    assert result.revenue.fiat_per_day == pytest.approx(usd, abs=0.006)
    assert result.heat.energy_kwh == pytest.approx(kwh, abs=0.05)
    assert result.heat_cost.revenue_fiat_per_kwh == pytest.approx(per_kwh, abs=0.0006)


def test_hashvalue_and_hashprice_match_reference() -> None:
    """D = 150 T, 0.03 BTC fees, $100k: hashvalue 42.3 sats/TH/day, hashprice $0.0423/TH/day."""
    result = evaluate(1.0, 20.0, price_fiat_per_kwh=0.17, **MARKET)
    assert result.hashvalue_sats_per_ths_day == pytest.approx(42.3, abs=0.05)
    assert result.hashprice_fiat_per_ths_day == pytest.approx(0.0423, abs=5e-5)


def test_subsidy_only_hashvalue_constant() -> None:
    """With subsidy only, hashvalue = 4.5e10 / H_net[TH/s] (the Exergy constant)."""
    value = engine.hashvalue_sats_per_ths_day(150e12, 3.125, 0.0)
    assert value == pytest.approx(4.5e10 / (network_hashrate_hs(150e12) / 1e12))


@pytest.mark.parametrize(
    ("price", "hashrate_ths", "power_w", "net", "ratio", "cop"),
    [
        (0.17, 6.0, 140.0, 0.094, 0.44, 1.8),  # Nano 3S at the US average
        (0.17, 37.5, 800.0, 0.087, 0.49, 1.95),  # Mini 3 at the US average
        (0.08, 6.0, 140.0, 0.004, 0.94, 18.0),  # Nano 3S on a cheap tariff
        (0.287, 6.0, 140.0, 0.212, 0.26, 1.36),  # Nano 3S at the EU average
        (0.394, 37.5, 800.0, 0.312, 0.21, 1.27),  # Mini 3 in Germany
        (0.287, 37.5, 800.0, 0.205, 0.29, 1.40),  # Mini 3 at the EU average
        (0.394, 6.0, 140.0, 0.319, 0.19, 1.24),  # Nano 3S in Germany
    ],
)
def test_heat_cost_table(
    price: float, hashrate_ths: float, power_w: float, net: float, ratio: float, cop: float
) -> None:
    """Net heat cost, revenue ratio R and COPe match the docs/physics.md §4.1 table."""
    result = evaluate(hashrate_ths, power_w, price_fiat_per_kwh=price, **MARKET).heat_cost
    assert result.net_cost_fiat_per_kwh_heat == pytest.approx(net, abs=0.0011)
    assert result.revenue_ratio == pytest.approx(ratio, abs=0.006)
    assert result.cop_economic == pytest.approx(cop, rel=0.03)
    assert not result.paid_to_heat


@pytest.mark.parametrize(
    ("price", "cop3", "cop4"),
    [(0.08, 0.027, 0.020), (0.17, 0.057, 0.043), (0.287, 0.096, 0.072), (0.394, 0.131, 0.099)],
)
def test_heat_pump_column(price: float, cop3: float, cop4: float) -> None:
    """Heat pump COP 3 and 4 cost p/3 and p/4 per kWh of heat (docs/physics.md §4.1 table)."""
    for cop, expected in ((3.0, cop3), (4.0, cop4)):
        result = evaluate(6.0, 140.0, price_fiat_per_kwh=price, heat_pump_cop=cop, **MARKET)
        pump = result.alternatives[1]
        assert pump.name == f"heat pump (COP {cop:g})"
        assert pump.cost_fiat_per_kwh_heat == pytest.approx(expected, abs=6e-4)


def test_mini3_on_cheap_tariff_is_paid_to_heat() -> None:
    """Mini 3 at $0.08: R ≈ 103 %, net ≈ -$0.003/kWh, no finite COPe ("paid to heat")."""
    result = evaluate(37.5, 800.0, price_fiat_per_kwh=0.08, **MARKET).heat_cost
    assert result.net_cost_fiat_per_kwh_heat == pytest.approx(-0.003, abs=0.0006)
    assert result.revenue_ratio == pytest.approx(1.03, abs=0.006)
    assert result.paid_to_heat
    assert result.cop_economic is None


def test_alternatives_at_us_average() -> None:
    """Heat pump COP 3 → $0.057/kWh, resistive $0.17, gas $1.50/therm at 92 % → $0.0556/kWh."""
    unit, btu, efficiency = FUEL_PRESETS["gas"]
    gas = Fuel("gas", unit, 1.50, btu, efficiency)
    result = evaluate(6.0, 140.0, price_fiat_per_kwh=0.17, fuels=(gas,), **MARKET)
    by_name = {alt.name.split(" ")[0]: alt for alt in result.alternatives}
    assert by_name["resistive"].cost_fiat_per_kwh_heat == pytest.approx(0.17)
    assert by_name["heat"].cost_fiat_per_kwh_heat == pytest.approx(0.0567, abs=1e-4)
    assert by_name["gas"].cost_fiat_per_kwh_heat == pytest.approx(3412.14 / 1e5 * 1.5 / 0.92)
    resistive = by_name["resistive"]
    assert resistive.savings_fiat_per_kwh_heat == pytest.approx(0.0756, abs=1e-4)
    assert resistive.savings_fiat_per_day == pytest.approx(0.0756 * 3.36, abs=1e-3)
    assert by_name["heat"].savings_fiat_per_kwh_heat < 0  # a COP-3 heat pump still wins


def test_break_even_price_makes_heat_free() -> None:
    """At the break-even price the net cost of heat is zero and R is one."""
    rev = revenue_per_kwh(expected_revenue(6.0, **MARKET).fiat_per_day, power_w=140.0)
    result = heat_cost(rev, heat_cost(rev, 0.17).break_even_price_fiat_per_kwh)
    assert result.net_cost_fiat_per_kwh_heat == pytest.approx(0.0, abs=1e-12)
    assert result.paid_to_heat


def test_heat_units() -> None:
    """140 W for a day is 3.36 kWh of heat, 11,465 BTU, 478 BTU/h."""
    heat = heat_delivered(140.0)
    assert heat.heat_kwh == pytest.approx(3.36)
    assert heat.heat_btu == pytest.approx(3.36 * 3412.14)
    assert heat.heat_btu_per_h == pytest.approx(477.7, abs=0.1)


@pytest.mark.parametrize(
    ("hashrate_ths", "per_day", "one_in"),
    [
        (0.625, 8.4e-8, 32_700),
        (1.071, 1.44e-7, 19_100),
        (4.0, 5.4e-7, 5100),
        (6.0, 8.0e-7, 3400),
        (37.5, 5.0e-6, 545),
        (90.0, 1.2e-5, 227),
    ],
)
def test_solo_odds_table(hashrate_ths: float, per_day: float, one_in: float) -> None:
    """λ per day and "1 in N per year" match docs/physics.md §3.5 at D = 150 T."""
    odds = solo_odds(hashrate_ths, **NO_PRICE)
    assert odds.p_block_per_day == pytest.approx(per_day, rel=0.03)
    assert odds.one_in_n_years == pytest.approx(one_in, rel=0.02)
    assert odds.expected_wait_years == pytest.approx(one_in, rel=0.02)
    assert odds.block_reward_btc == pytest.approx(3.155)


def test_solo_pool_fee_shrinks_reward_not_odds() -> None:
    """A 2 % solo-pool cut lowers the reward of a hit, never the chance of one."""
    free = solo_odds(6.0, **NO_PRICE)
    cut = solo_odds(6.0, pool_fee=0.02, **NO_PRICE)
    assert cut.p_block_per_year == free.p_block_per_year
    assert cut.block_reward_btc == pytest.approx(3.155 * 0.98)


@pytest.mark.parametrize(
    "bad",
    [{"pool_fee": 1.0}, {"pool_fee": -0.1}, {"difficulty": 0.0}],
)
def test_invalid_inputs_raise(bad: dict[str, float]) -> None:
    """Out-of-range pool fees and non-positive difficulty are rejected."""
    with pytest.raises(ValueError, match=r"pool_fee|difficulty"):
        expected_revenue(6.0, **(MARKET | bad))


hashrates = st.floats(min_value=1e-3, max_value=1e4, allow_nan=False)
difficulties = st.floats(min_value=1e9, max_value=1e16, allow_nan=False)
fees = st.floats(min_value=0.0, max_value=0.5)


@given(
    hashrate=hashrates, factor=st.floats(min_value=0.01, max_value=100.0), difficulty=difficulties
)
def test_revenue_is_linear_in_hashrate(hashrate: float, factor: float, difficulty: float) -> None:
    """Scaling the hashrate scales sats and fiat by the same factor."""
    market = MARKET | {"difficulty": difficulty}
    base = expected_revenue(hashrate, **market)
    scaled = expected_revenue(hashrate * factor, **market)
    assert scaled.sats_per_day == pytest.approx(base.sats_per_day * factor, rel=1e-9)
    assert scaled.fiat_per_day == pytest.approx(base.fiat_per_day * factor, rel=1e-9)


@given(hashrate=hashrates, difficulty=difficulties, pool_fee=fees)
def test_revenue_halves_when_difficulty_doubles(
    hashrate: float, difficulty: float, pool_fee: float
) -> None:
    """Doubling difficulty halves expected revenue, whatever the pool fee."""
    market = MARKET | {"pool_fee": pool_fee}
    one = expected_revenue(hashrate, **(market | {"difficulty": difficulty}))
    two = expected_revenue(hashrate, **(market | {"difficulty": 2 * difficulty}))
    assert two.sats_per_day == pytest.approx(one.sats_per_day / 2, rel=1e-9)


@given(hashrate=hashrates, pool_fee=fees)
def test_pool_fee_scales_revenue(hashrate: float, pool_fee: float) -> None:
    """A pool fee f multiplies revenue by (1 - f)."""
    free = expected_revenue(hashrate, **MARKET)
    charged = expected_revenue(hashrate, **(MARKET | {"pool_fee": pool_fee}))
    assert charged.fiat_per_day == pytest.approx(free.fiat_per_day * (1 - pool_fee), rel=1e-9)


@given(
    hashrate=hashrates,
    power=st.floats(min_value=1.0, max_value=5000.0),
    price=st.floats(min_value=0.001, max_value=2.0),
)
def test_heat_cost_identities(hashrate: float, power: float, price: float) -> None:
    """Net cost c = p - r, R = r/p, and COPe · (1 - R) = 1 whenever R < 1."""
    result = evaluate(hashrate, power, price_fiat_per_kwh=price, **MARKET)
    cost = result.heat_cost
    assert cost.net_cost_fiat_per_kwh_heat == pytest.approx(price - cost.revenue_fiat_per_kwh)
    assert cost.revenue_ratio == pytest.approx(cost.revenue_fiat_per_kwh / price)
    if cost.cop_economic is not None:
        assert cost.cop_economic * (1 - cost.revenue_ratio) == pytest.approx(1.0)
    assert result.net_fiat_per_day == pytest.approx(
        -cost.net_cost_fiat_per_kwh_heat * result.heat.heat_kwh, rel=1e-9, abs=1e-12
    )


@given(hashrate=hashrates, difficulty=difficulties)
def test_solo_odds_are_poisson(hashrate: float, difficulty: float) -> None:
    """The solo rate equals expected blocks per day, P(year) = 1 - e^(-365λ), wait = 1/λ."""
    odds = solo_odds(hashrate, difficulty=difficulty, subsidy_btc=3.125, fees_btc_per_block=0.0)
    rev = expected_revenue(hashrate, **(MARKET | {"difficulty": difficulty}))
    assert odds.blocks_per_day == pytest.approx(rev.blocks_per_day)
    assert odds.p_block_per_year == pytest.approx(1 - math.exp(-365 * odds.blocks_per_day))
    assert odds.expected_wait_days * odds.blocks_per_day == pytest.approx(1.0)


def test_pooled_fee_stays_out_of_the_solo_line() -> None:
    """The pool fee given to evaluate cuts pooled revenue only; a solo hit pays the whole block."""
    result = evaluate(6.0, 140.0, price_fiat_per_kwh=0.17, **{**MARKET, "pool_fee": 0.02})
    assert result.solo.block_reward_btc == pytest.approx(3.155)
    free = evaluate(6.0, 140.0, price_fiat_per_kwh=0.17, **{**MARKET, "pool_fee": 0.0})
    assert result.revenue.fiat_per_day == pytest.approx(free.revenue.fiat_per_day * 0.98)


def test_net_cost_per_therm_and_mmbtu() -> None:
    """A therm is 100,000 BTU = 29.307 kWh, an MMBtu 293.07 kWh of delivered heat."""
    cost = evaluate(6.0, 140.0, price_fiat_per_kwh=0.17, **MARKET).heat_cost
    kwh = cost.net_cost_fiat_per_kwh_heat
    assert cost.net_cost_fiat_per_therm == pytest.approx(kwh * 29.3071, rel=1e-4)
    assert cost.net_cost_fiat_per_mmbtu == pytest.approx(kwh * 293.071, rel=1e-4)
