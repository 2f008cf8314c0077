"""Market: expected revenue at docs/physics.md defaults, Poisson shares, best share, solo odds."""

from __future__ import annotations

import random
import statistics

import pytest

from firmware_sim.market import (
    HASHES_PER_DIFF1,
    Market,
    sample_next_arrival_s,
    sample_share_difficulty,
    sample_share_work,
    solo_lottery,
)


def test_defaults_are_physics_md() -> None:
    """Defaults: $100k, D = 150 T, 3.125 BTC subsidy, 0.03 BTC fees, 2 % pool fee."""
    m = Market()
    assert (m.btc_price_usd, m.difficulty, m.subsidy_btc, m.fees_btc, m.pool_fee) == (
        100_000.0,
        150e12,
        3.125,
        0.03,
        0.02,
    )


def test_nano3s_high_sats_per_day() -> None:
    """Nano 3S High (6 TH/s) earns ≈ 254 sats/day before and 254·0.98 after the pool fee."""
    assert Market(pool_fee=0.0).expected_sats_per_day(6.0) == pytest.approx(254.0, rel=0.01)
    assert Market().expected_sats_per_day(6.0) == pytest.approx(254.0 * 0.98, rel=0.01)


def test_hashprice_at_defaults() -> None:
    """Hashprice at the defaults is ≈ $42.3 per PH/s per day (docs/physics.md §3.4)."""
    m = Market(pool_fee=0.0)
    usd_per_ph_day = m.expected_sats_per_day(1000.0) * m.btc_price_usd / 1e8
    assert usd_per_ph_day == pytest.approx(42.3, rel=0.01)


def test_share_rate_formula() -> None:
    """Share rate is H / (d·2^32)."""
    m = Market(share_difficulty=4096.0)
    assert m.share_rate_per_s(6.0) == pytest.approx(6e12 / (4096.0 * 2**32))
    assert m.share_rate_per_s(6.0, 1024.0) == pytest.approx(4 * m.share_rate_per_s(6.0))


def test_solo_odds_for_a_nano3s_year() -> None:
    """P(at least one block in a year at 6 TH/s) ≈ 1 in 3,400 (docs/physics.md §0)."""
    p = Market().block_probability(6.0, 365 * 86_400)
    assert 1 / 3700 < p < 1 / 3100


def test_arrivals_are_exponential() -> None:
    """Sampled inter-arrival times have mean 1/rate and the exponential's CV of 1."""
    rng = random.Random(7)
    rate = 0.25
    gaps = [sample_next_arrival_s(rng, 100.0, rate) - 100.0 for _ in range(40_000)]
    mean = statistics.fmean(gaps)
    assert mean == pytest.approx(1 / rate, rel=0.03)
    assert statistics.pstdev(gaps) / mean == pytest.approx(1.0, rel=0.03)
    assert sample_next_arrival_s(rng, 5.0, 0.0) == float("inf")


def test_share_work_mean() -> None:
    """Work until the next share averages d·2^32 hashes."""
    rng = random.Random(3)
    works = [sample_share_work(rng, 512.0) for _ in range(40_000)]
    assert statistics.fmean(works) == pytest.approx(512.0 * HASHES_PER_DIFF1, rel=0.03)


def test_share_difficulty_tail() -> None:
    """A share that met d reaches k·d with probability 1/k (so best share grows with count)."""
    rng = random.Random(11)
    d = 1000.0
    samples = [sample_share_difficulty(rng, d) for _ in range(50_000)]
    assert min(samples) >= d
    frac_10x = sum(s >= 10 * d for s in samples) / len(samples)
    assert frac_10x == pytest.approx(0.1, rel=0.08)


def test_solo_lottery_rate_and_seed() -> None:
    """Solo draws average λ = H·t/(D·2^32); the same seed gives the same draws."""
    m = Market(difficulty=7e4)
    lam = m.block_rate_per_s(1.0) * 600.0
    draws = [solo_lottery(random.Random(s), m, 1.0, 600.0) for s in range(20_000)]
    assert lam == pytest.approx(2.0, rel=0.01)
    assert statistics.fmean(draws) == pytest.approx(lam, rel=0.03)
    again = [solo_lottery(random.Random(s), m, 1.0, 600.0) for s in range(50)]
    assert again == draws[:50]
    assert solo_lottery(random.Random(1), Market(), 6.0, 600.0) == 0
