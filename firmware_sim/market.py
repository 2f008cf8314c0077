"""Provides the mining market: expected revenue, Poisson share arrivals, best share and solo luck.

Formulas are docs/physics.md §3.1-§3.2: a hash meets difficulty ``d`` with probability
1/(d·2^32), so
shares of difficulty ``d`` arrive as a Poisson stream of rate H/(d·2^32), and the true difficulty
of a share that met ``d`` is ``d / U`` with ``U`` uniform on (0, 1]. That last fact gives both the
best share and the solo lottery for free: a share whose sampled difficulty reaches the network
difficulty is a block, which happens with exactly the probability H/(D·2^32) per second.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

HASHES_PER_DIFF1 = 4_294_967_296.0
"""2^32: expected hashes per difficulty-1 share."""
SATS_PER_BTC = 100_000_000.0


@dataclass(slots=True)
class Market:
    """Market inputs (defaults: docs/physics.md §6.3, late 2025)."""

    btc_price_usd: float = 100_000.0
    difficulty: float = 150e12
    subsidy_btc: float = 3.125
    fees_btc: float = 0.03
    """Mean transaction fees per block."""
    pool_fee: float = 0.02
    share_difficulty: float = 4096.0
    """Pool share difficulty. Assumption: a fixed pool difficulty; real pools use vardiff
    (the captures show 1671 on a Nano 3 and 524288 on a Q)."""

    def sats_per_hash(self) -> float:
        """Expected sats per hash after the pool fee (pooled mining, FPPS-like payout)."""
        block_sats = (self.subsidy_btc + self.fees_btc) * SATS_PER_BTC
        return block_sats * (1.0 - self.pool_fee) / (self.difficulty * HASHES_PER_DIFF1)

    def expected_sats_per_s(self, hashrate_ths: float) -> float:
        """Expected sats per second for ``hashrate_ths`` after the pool fee."""
        return hashrate_ths * 1e12 * self.sats_per_hash()

    def expected_sats_per_day(self, hashrate_ths: float) -> float:
        """Expected sats per day for ``hashrate_ths`` after the pool fee."""
        return self.expected_sats_per_s(hashrate_ths) * 86_400.0

    def share_rate_per_s(self, hashrate_ths: float, share_difficulty: float | None = None) -> float:
        """Mean share arrival rate H / (d·2^32)."""
        d = self.share_difficulty if share_difficulty is None else share_difficulty
        return hashrate_ths * 1e12 / (d * HASHES_PER_DIFF1)

    def block_rate_per_s(self, hashrate_ths: float) -> float:
        """Mean solo block-find rate H / (D·2^32)."""
        return hashrate_ths * 1e12 / (self.difficulty * HASHES_PER_DIFF1)

    def block_probability(self, hashrate_ths: float, seconds: float) -> float:
        """Probability of at least one solo block in ``seconds`` (Poisson)."""
        return -math.expm1(-self.block_rate_per_s(hashrate_ths) * seconds)


def sample_share_work(rng: random.Random, share_difficulty: float) -> float:
    """Sample the hashes until the next share: exponential with mean d·2^32.

    Sampling the work rather than a time keeps arrivals exact when the hashrate changes
    between steps (a time-varying Poisson process run on its integrated rate).
    """
    return rng.expovariate(1.0) * share_difficulty * HASHES_PER_DIFF1


def sample_next_arrival_s(rng: random.Random, now_s: float, rate_per_s: float) -> float:
    """Sample the next arrival time of a Poisson stream of constant ``rate_per_s``."""
    if rate_per_s <= 0.0:
        return math.inf
    return now_s + rng.expovariate(rate_per_s)


def sample_share_difficulty(rng: random.Random, share_difficulty: float) -> float:
    """Sample the true difficulty of a share that met ``share_difficulty``: d / U."""
    return share_difficulty / (1.0 - rng.random())


def solo_lottery(rng: random.Random, market: Market, hashrate_ths: float, seconds: float) -> int:
    """Sample how many solo blocks ``hashrate_ths`` finds in ``seconds`` (seeded Poisson draw)."""
    lam = market.block_rate_per_s(hashrate_ths) * seconds
    # Knuth's product method: lam is tiny for home miners, so this takes one or two draws.
    limit = math.exp(-lam)
    count = 0
    product = rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count
