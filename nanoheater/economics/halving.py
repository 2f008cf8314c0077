"""Provides the block subsidy schedule: subsidy by block height and when the next halving comes.

Bitcoin's subsidy starts at 50 BTC and halves every 210,000 blocks (consensus rule: the
subsidy in satoshis is ``5,000,000,000 >> (height // 210,000)``): 3.125 BTC from height 840,000
(April 2024), 1.5625 BTC from 1,050,000. Pure functions over numbers; no clock, no I/O.

Example:
    >>> subsidy_btc_at(840_000), subsidy_btc_at(1_049_999), subsidy_btc_at(1_050_000)
    (3.125, 3.125, 1.5625)
    >>> next_halving_height(925_000)
    1050000
"""

from __future__ import annotations

from dataclasses import dataclass

HALVING_INTERVAL_BLOCKS = 210_000
"""Blocks between subsidy halvings."""
INITIAL_SUBSIDY_SATS = 50 * 100_000_000
"""The subsidy of the first epoch, 50 BTC, in satoshis."""
TARGET_BLOCK_INTERVAL_S = 600.0
"""Target block interval; used to estimate heights and halving dates (10 min per block)."""


@dataclass(frozen=True, slots=True)
class HalvingOutlook:
    """The subsidy now and the next halving, as seen from one block height."""

    block_height: int
    subsidy_btc: float
    next_halving_height: int
    blocks_to_next_halving: int
    days_to_next_halving: float
    """At the 10-minute target; real blocks have run a few percent faster."""
    next_subsidy_btc: float


def subsidy_btc_at(height: int) -> float:
    """Block subsidy in BTC at ``height``: 50 BTC halved once per 210,000 blocks."""
    if height < 0:
        raise ValueError(f"block height must not be negative, got {height}")
    halvings = height // HALVING_INTERVAL_BLOCKS
    # The consensus code shifts satoshis right; after 64 halvings the shift leaves nothing.
    sats = INITIAL_SUBSIDY_SATS >> halvings if halvings < 64 else 0
    return sats / 100_000_000


def next_halving_height(height: int) -> int:
    """The first height at which the subsidy is half of the one at ``height``."""
    if height < 0:
        raise ValueError(f"block height must not be negative, got {height}")
    return (height // HALVING_INTERVAL_BLOCKS + 1) * HALVING_INTERVAL_BLOCKS


def estimate_height(known_height: int, known_at_s: float, now_s: float) -> int:
    """Height now, estimated from a known height and time at one block per 10 minutes."""
    elapsed_s = max(0.0, now_s - known_at_s)
    return known_height + int(elapsed_s // TARGET_BLOCK_INTERVAL_S)


def halving_outlook(height: int) -> HalvingOutlook:
    """The subsidy at ``height`` and how far away (blocks and days) the next halving is."""
    upcoming = next_halving_height(height)
    blocks = upcoming - height
    return HalvingOutlook(
        block_height=height,
        subsidy_btc=subsidy_btc_at(height),
        next_halving_height=upcoming,
        blocks_to_next_halving=blocks,
        days_to_next_halving=blocks * TARGET_BLOCK_INTERVAL_S / 86_400.0,
        next_subsidy_btc=subsidy_btc_at(upcoming),
    )
