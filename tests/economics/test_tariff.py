"""Tariff: flat and time-of-use prices, exact integration across period boundaries."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from nanoheater.economics.tariff import Tariff, TouPeriod

MONDAY = datetime(2026, 1, 5, tzinfo=UTC).timestamp()  # a Monday, 00:00 UTC
HOUR = 3600.0

PEAK = TouPeriod(start_hour=17, end_hour=20, price_fiat_per_kwh=0.40, name="peak")
NIGHT = TouPeriod(start_hour=22, end_hour=6, price_fiat_per_kwh=0.05, name="night")
TOU = Tariff(price_fiat_per_kwh=0.10, periods=(PEAK, NIGHT), timezone="UTC")


def test_flat_cost_is_power_times_time_times_price() -> None:
    """140 W for 24 h at $0.17 costs 3.36 kWh x 0.17."""
    tariff = Tariff(price_fiat_per_kwh=0.17)
    assert tariff.cost_between(140.0, MONDAY, MONDAY + 24 * HOUR) == pytest.approx(3.36 * 0.17)


def test_time_of_use_day_cost() -> None:
    """1 kW for a day: 13 h at 0.10, 3 h peak at 0.40, 8 h night at 0.05."""
    expected = 13 * 0.10 + 3 * 0.40 + 8 * 0.05
    assert TOU.cost_between(1000.0, MONDAY, MONDAY + 24 * HOUR) == pytest.approx(expected)
    assert TOU.average_price(MONDAY, MONDAY + 24 * HOUR) == pytest.approx(expected / 24)


def test_price_steps_exactly_at_boundaries() -> None:
    """The peak price applies from 17:00 sharp until just before 20:00; night wraps midnight."""
    assert TOU.price_at(MONDAY + 17 * HOUR - 1) == 0.10
    assert TOU.price_at(MONDAY + 17 * HOUR) == 0.40
    assert TOU.price_at(MONDAY + 20 * HOUR - 1) == 0.40
    assert TOU.price_at(MONDAY + 20 * HOUR) == 0.10
    assert TOU.price_at(MONDAY + 23 * HOUR) == 0.05
    assert TOU.price_at(MONDAY + 5 * HOUR) == 0.05


def test_partial_interval_across_a_boundary() -> None:
    """16:30-17:30 at 2 kW: half an hour at each price."""
    cost = TOU.cost_between(2000.0, MONDAY + 16.5 * HOUR, MONDAY + 17.5 * HOUR)
    assert cost == pytest.approx(2 * 0.5 * 0.10 + 2 * 0.5 * 0.40)


def test_weekday_only_period() -> None:
    """A weekday peak is not charged on a Saturday."""
    tariff = Tariff(
        price_fiat_per_kwh=0.10,
        periods=(
            TouPeriod(start_hour=17, end_hour=20, price_fiat_per_kwh=0.4, days=(0, 1, 2, 3, 4)),
        ),
        timezone="UTC",
    )
    saturday = MONDAY + 5 * 24 * HOUR
    assert tariff.price_at(MONDAY + 18 * HOUR) == 0.4
    assert tariff.price_at(saturday + 18 * HOUR) == 0.10


def test_periods_follow_wall_clock_across_dst() -> None:
    """On the 23-hour spring-forward day in Berlin, the 22-06 night window lasts 7 hours."""
    tariff = Tariff(
        price_fiat_per_kwh=0.10,
        periods=(NIGHT,),
        timezone="Europe/Berlin",
    )
    day = datetime(2026, 3, 29)  # DST starts at 02:00 local
    expected = (16 * 0.10 + 7 * 0.05) / 23
    assert tariff.day_average_price(day) == pytest.approx(expected)


def test_segments_sum() -> None:
    """A power profile given as segments costs the sum of its pieces."""
    segments = [(MONDAY, MONDAY + HOUR, 500.0), (MONDAY + 17 * HOUR, MONDAY + 18 * HOUR, 1000.0)]
    assert TOU.cost_of_segments(segments) == pytest.approx(0.5 * 0.05 + 1.0 * 0.40)


@pytest.mark.parametrize(
    "bad",
    [
        {"periods": ({"start_hour": 5, "end_hour": 5, "price_fiat_per_kwh": 0.1},)},
        {"periods": ({"start_hour": 5, "end_hour": 25, "price_fiat_per_kwh": 0.1},)},
        {"periods": ({"start_hour": 1, "end_hour": 2, "price_fiat_per_kwh": 0.1, "days": (7,)},)},
        {"price_fiat_per_kwh": -1},
        {"timezone": "Mars/Olympus"},
    ],
)
def test_invalid_tariffs_are_rejected(bad: dict[str, object]) -> None:
    """Empty windows, hours past 24, bad weekdays, negative prices and unknown zones fail."""
    with pytest.raises(ValidationError):
        Tariff.model_validate(bad)


@settings(deadline=None)
@given(
    start=st.floats(min_value=0, max_value=7 * 24 * HOUR),
    length=st.floats(min_value=0, max_value=3 * 24 * HOUR),
    split=st.floats(min_value=0, max_value=1),
    power=st.floats(min_value=0, max_value=5000),
)
def test_cost_is_additive_and_bounded(
    start: float, length: float, split: float, power: float
) -> None:
    """Cost over [a, c] equals cost over [a, b] plus [b, c], and lies between min and max price."""
    a, c = MONDAY + start, MONDAY + start + length
    b = a + split * length
    whole = TOU.cost_between(power, a, c)
    assert whole == pytest.approx(TOU.cost_between(power, a, b) + TOU.cost_between(power, b, c))
    kwh = power / 1000 * length / HOUR
    assert 0.05 * kwh - 1e-9 <= whole <= 0.40 * kwh + 1e-9


def test_machine_zone_follows_dst_too() -> None:
    """Without a configured zone the machine's zone is used, DST included (25-hour autumn day)."""
    saved = os.environ.get("TZ")
    os.environ["TZ"] = "Europe/Berlin"
    time.tzset()
    try:
        tariff = Tariff(price_fiat_per_kwh=0.10, periods=(NIGHT,))
        expected = (16 * 0.10 + 9 * 0.05) / 25
        assert tariff.day_average_price(datetime(2026, 10, 25)) == pytest.approx(expected)
    finally:
        if saved is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = saved
        time.tzset()


def test_load_profile_weights_the_time_of_use_price() -> None:
    """Ledger hours -> kW per local hour; unobserved hours take the mean; price weighted by kW."""
    from nanoheater.economics.tariff import hourly_profile_kw

    tariff = Tariff(
        price_fiat_per_kwh=0.10,
        timezone="UTC",
        periods=(TouPeriod(start_hour=0, end_hour=12, price_fiat_per_kwh=0.30),),
    )
    day = 1_764_547_200.0  # 2025-12-01 00:00 UTC
    # Observed only at 01:00 (2 kW for half an hour) and 13:00 (1 kW for the hour).
    found = hourly_profile_kw(tariff, [(day + 3600, 1800.0, 1.0), (day + 13 * 3600, 3600.0, 1.0)])
    assert found is not None
    profile, observed = found
    assert observed == 2
    assert (profile[1], profile[13]) == (2.0, 1.0)
    assert profile[5] == pytest.approx(2.0 / 1.5)  # 2 kWh over 1.5 observed hours
    assert hourly_profile_kw(tariff, []) is None
    night = [1.0] * 12 + [0.0] * 12
    midnight = datetime(2025, 12, 1)
    assert tariff.profile_price(midnight, night) == pytest.approx(0.30)
    assert tariff.profile_price(midnight, [0.0] * 24) == pytest.approx(0.20)
    with pytest.raises(ValueError, match="24 non-negative"):
        tariff.profile_price(midnight, [1.0] * 23)
