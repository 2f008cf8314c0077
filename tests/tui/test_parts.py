"""Unit tests of the TUI's plain parts: chart raster, address parsing, fleet merging, ledger."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from nanoheater.economics.engine import expected_revenue
from nanoheater.economics.market import MarketSettings, offline_market
from nanoheater.economics.tariff import Tariff
from nanoheater.history.period import Period, period_start
from nanoheater.history.plot import block_lines, chart_scale
from nanoheater.models import DiscoveredHeater, HeaterInfo, HeaterState, HeaterStatus
from nanoheater.tui.devices import FleetState
from nanoheater.tui.eventlog import EventLog
from nanoheater.tui.ledger import Ledger, gap_limit_s


def test_chart_rising_series_fills_up_to_the_right() -> None:
    """Pins that the lowest value is a sliver at the bottom and the highest is full height."""
    lines = block_lines([0.0, 1.0, 2.0, 3.0], width=4, height=2)
    assert lines == ["  ▃█", "▁▆██"]


def test_chart_empty_flat_and_short_series() -> None:
    """Pins blanks for no data, a low bar for a flat series, and right alignment of short ones."""
    assert block_lines([], 3, 2) == ["   ", "   "]
    assert block_lines([5.0, 5.0], 3, 1) == [" ▁▁"]


def test_chart_keeps_only_what_fits() -> None:
    """Pins that a long series shows its newest ``width`` samples and scales to them."""
    old_spike = [100.0] + [1.0, 2.0] * 10
    assert block_lines(old_spike, 4, 1) == block_lines([1.0, 2.0, 1.0, 2.0], 4, 1)
    assert block_lines(old_spike, 4, 1) == ["▁█▁█"]


def test_fleet_merges_by_identity_and_moves_address() -> None:
    """Pins that a device found again at a new address (same DNA) moves instead of doubling."""
    fleet = FleetState()
    fleet.add(DiscoveredHeater(name="den", host="10.0.0.5", dna="abc"))
    entry, new = fleet.add(DiscoveredHeater(name="", host="10.0.0.9", dna="abc"))
    assert not new
    assert len(fleet) == 1
    assert entry.key == "10.0.0.9:4028"
    assert entry.name == "den"
    assert fleet.get("10.0.0.5:4028") is None


def test_event_log_since_counts_across_the_limit() -> None:
    """Pins that a view catching up gets only the events it has not seen, within the limit."""
    log = EventLog(limit=3)
    for n in range(5):
        log.add("", str(n))
    assert [e.text for e in log.since(3)] == ["3", "4"]
    assert [e.text for e in log.since(0)] == ["2", "3", "4"]
    assert log.since(5) == []


def _status(when: float, power_w: float, hashrate_ths: float) -> HeaterStatus:
    info = HeaterInfo(model=None, product="X", firmware="1")
    return HeaterStatus(
        info=info,
        host="h",
        port=1,
        state=HeaterState.MINING,
        power_w=power_w,
        hashrate_ths=hashrate_ths,
        when=when,
    )


def test_ledger_integrates_power_prices_it_and_skips_gaps() -> None:
    """Pins trapezoid heat, tariff cost and expected sats per interval; long gaps count nothing."""
    market = offline_market(MarketSettings(), None)
    ledger = Ledger(Tariff(price_fiat_per_kwh=0.2), market)
    t0 = 1_764_547_200.0
    ledger.record("a", _status(t0, 100, 5), t0)
    ledger.record("a", _status(t0 + 240, 200, 5), t0 + 240)
    day = ledger.on_day(ledger.today, "a")
    assert day.heat_kwh == pytest.approx(150 * 240 / 3.6e6)
    assert day.cost_fiat == pytest.approx(day.heat_kwh * 0.2)
    per_day = expected_revenue(
        5,
        difficulty=market.difficulty,
        subsidy_btc=market.subsidy_btc,
        fees_btc_per_block=market.fees_btc_per_block,
        btc_price_fiat=market.btc_price_fiat,
        pool_fee=market.pool_fee,
    )
    assert day.sats == pytest.approx(per_day.sats_per_day * 240 / 86_400)
    assert day.sats_fiat == pytest.approx(per_day.fiat_per_day * 240 / 86_400)
    ledger.record("a", _status(t0 + 240 + 7200, 200, 5), t0 + 240 + 7200)
    assert ledger.on_day(ledger.today, "a").heat_kwh == pytest.approx(day.heat_kwh)


def test_session_totals_count_local_days_as_the_history_does() -> None:
    """At 19:30 on 31 Dec in New York the session's season since 01-01 is the year ending.

    The session counted UTC days, so its season had started that evening (00:00 UTC, 1 Jan) while
    the history's began a year earlier. Local days put the whole evening in the year ending.
    """
    zone = ZoneInfo("America/New_York")
    ledger = Ledger(Tariff(), offline_market(MarketSettings(), None), zone=zone)
    start = datetime(2026, 12, 31, 18, 30, tzinfo=zone).timestamp()  # 23:30 UTC
    for k in range(0, 3601, 60):
        ledger.record("a", _status(start + k, 800, 37.5), start + k)
    total_kwh = 800 * 3600 / 3.6e6
    assert ledger.today == date(2026, 12, 31)
    for period in (Period.TODAY, Period.WEEK, Period.SEASON):
        assert ledger.period(period, "01-01", "a").heat_kwh == pytest.approx(total_kwh), period
    season_s = period_start(Period.SEASON, start + 3600, season_start="01-01", zone=zone)
    assert season_s == datetime(2026, 1, 1, tzinfo=zone).timestamp(), "the history's season"


def test_chart_scale_from_zero_and_minimum_span() -> None:
    """Pins zero-based scales (power) and widened spans (whole-degree temperatures)."""
    assert chart_scale([790.0, 800.0], from_zero=True) == (0.0, 800.0)
    assert chart_scale([17.0, 18.0], min_span=4.0) == (15.5, 19.5)
    assert chart_scale([10.0, 30.0], min_span=4.0) == (10.0, 30.0)
    assert block_lines([790.0, 800.0], 2, 1, (0.0, 800.0)) == ["██"]


def test_ledger_gap_limit_scales_with_poll_interval_and_demo_speed() -> None:
    """Pins that at demo --speed 600 (600 device seconds a poll) heat and sats are counted."""
    assert gap_limit_s(1.0) == 300.0, "a real fleet polled every second: the usual 5 min"
    assert gap_limit_s(1.0, 600.0) == 1800.0, "three polls' worth of accelerated time"
    market = offline_market(MarketSettings(), None)
    t0 = 1_764_547_200.0
    polls = [t0 + 600 * k for k in range(4)]
    normal = Ledger(Tariff(price_fiat_per_kwh=0.2), market)
    demo = Ledger(Tariff(price_fiat_per_kwh=0.2), market, max_gap_s=gap_limit_s(1.0, 600.0))
    for ledger in (normal, demo):
        for at_s in polls:
            ledger.record("a", _status(at_s, 400, 20), at_s)
    assert normal.on_day(normal.today, "a").heat_kwh == 0.0, "the bug: every poll is a gap"
    counted = demo.on_day(demo.today, "a")
    assert counted.heat_kwh == pytest.approx(400 * 1800 / 3.6e6)
    assert counted.sats > 0
