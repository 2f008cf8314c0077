"""Hardware payback: price / (revenue - electricity + the replaced heater's cost of the heat)."""

from __future__ import annotations

import pytest

from nanoheater.economics.engine import evaluate
from nanoheater.economics.payback import MINING_ONLY, payback


def test_payback_against_each_heater_from_the_engine_figures() -> None:
    """Nano 3S High worked example: against resistive heat the benefit is the whole revenue."""
    result = evaluate(
        6.6,
        140.0,
        difficulty=150e12,
        subsidy_btc=3.125,
        fees_btc_per_block=0.03,
        btc_price_fiat=100_000.0,
        pool_fee=0.0,
        price_fiat_per_kwh=0.17,
    )
    rows = payback(
        300.0,
        net_fiat_per_day=result.net_fiat_per_day,
        alternatives=[(alt.name, alt.savings_fiat_per_day) for alt in result.alternatives],
    )
    by_name = {row.name: row for row in rows}
    # Mining alone loses money at $0.17: never pays back.
    assert by_name[MINING_ONLY].payback_days is None
    # Resistive heat at the same price: electricity cancels, the benefit is the revenue.
    resistive = by_name["resistive"]
    assert resistive.benefit_fiat_per_day == pytest.approx(result.revenue.fiat_per_day)
    assert resistive.payback_days == pytest.approx(300.0 / result.revenue.fiat_per_day)
    # Heat pump COP 3: benefit = revenue - p·E + (p/3)·E.
    energy = result.heat.energy_kwh
    pump = by_name["heat pump (COP 3)"]
    assert pump.benefit_fiat_per_day == pytest.approx(
        result.revenue.fiat_per_day - 0.17 * energy + 0.17 / 3 * energy
    )
    assert resistive.payback_days is not None
    assert pump.payback_days is None or pump.payback_days > resistive.payback_days


@pytest.mark.parametrize("price", [0.0, -1.0, float("nan"), float("inf")])
def test_a_price_must_be_positive(price: float) -> None:
    with pytest.raises(ValueError, match="hardware price"):
        payback(price, net_fiat_per_day=1.0, alternatives=())
