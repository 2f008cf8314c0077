"""The block subsidy follows the height: halves every 210,000 blocks; next halving reported."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from nanoheater.economics.halving import (
    estimate_height,
    halving_outlook,
    next_halving_height,
    subsidy_btc_at,
)
from nanoheater.economics.market import MarketSettings, MarketSource, offline_market


@pytest.mark.parametrize(
    ("height", "subsidy"),
    [
        (0, 50.0),
        (209_999, 50.0),
        (210_000, 25.0),
        (630_000, 6.25),
        (839_999, 6.25),
        (840_000, 3.125),
        (1_049_999, 3.125),
        (1_050_000, 1.5625),
        (64 * 210_000, 0.0),
    ],
)
def test_subsidy_halves_every_210000_blocks(height: int, subsidy: float) -> None:
    assert subsidy_btc_at(height) == subsidy


def test_next_halving_and_its_distance() -> None:
    assert next_halving_height(840_000) == 1_050_000
    assert next_halving_height(1_049_999) == 1_050_000
    outlook = halving_outlook(1_049_856)
    assert outlook.blocks_to_next_halving == 144
    assert outlook.days_to_next_halving == pytest.approx(1.0)
    assert (outlook.subsidy_btc, outlook.next_subsidy_btc) == (3.125, 1.5625)


def test_estimate_at_ten_minutes_per_block() -> None:
    assert estimate_height(900_000, 0.0, 86_400.0) == 900_144
    assert estimate_height(900_000, 1000.0, 0.0) == 900_000  # a clock behind: no negative blocks


def _midnight_s(day: date) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()


def test_default_height_is_estimated_from_its_date(tmp_path: Path) -> None:
    """Dated fallback height + elapsed time: 30 days after 925,000 is 929,320, subsidy 3.125."""
    settings = MarketSettings(live=False)
    now = _midnight_s(settings.defaults_as_of) + 30 * 86_400
    inputs = offline_market(settings, tmp_path, now_s=now)
    assert inputs.source is MarketSource.DEFAULT
    assert (inputs.block_height, inputs.block_height_estimated) == (925_000 + 30 * 144, True)
    assert inputs.subsidy_btc == 3.125


def test_subsidy_halves_once_the_estimate_crosses_1050000(tmp_path: Path) -> None:
    settings = MarketSettings(live=False, block_height=1_049_900, defaults_as_of=date(2028, 4, 1))
    before = offline_market(settings, tmp_path, now_s=_midnight_s(date(2028, 4, 1)))
    after = offline_market(settings, tmp_path, now_s=_midnight_s(date(2028, 4, 2)))
    assert (before.block_height, before.subsidy_btc) == (1_049_900, 3.125)
    assert (after.block_height, after.subsidy_btc) == (1_050_044, 1.5625)


def test_a_pinned_subsidy_wins(tmp_path: Path) -> None:
    settings = MarketSettings(live=False, subsidy_btc=6.25)
    assert offline_market(settings, tmp_path).subsidy_btc == 6.25
