"""Provides a heater's share book: the shares its hashes find and a running unit's backfill.

The thermal and power loop lives in firmware_sim/physics.py; it hands every share its work finds
to :func:`book_share` (best share, solo block, the captured reject rate, the pool that takes it).
:func:`backfill_mining` books the totals of a unit that was already mining when the simulation
starts, so the averages the firmware prints (MHS av, GHSavg, MGHS) read its rate from the first
reply.
"""

from __future__ import annotations

import math
import random

from firmware_sim.market import HASHES_PER_DIFF1
from firmware_sim.state import HeaterState

REJECT_FRACTION = 0.00224
"""Share reject rate seen in tests/captures/q_pools.json (2 rejected of 892)."""


def book_share(
    st: HeaterState, rng: random.Random, share_diff: float, net_diff: float, at_s: float
) -> bool:
    """Book one share found at ``at_s``; return whether it was accepted.

    Two draws from ``rng``, always in this order: the share's actual difficulty (Pareto(1)
    above ``share_diff``), then whether the pool rejects it.
    """
    d = share_diff
    actual = d / (1.0 - rng.random())
    best = int(actual)
    if best > st.best_share:
        st.best_share = best
    if actual >= net_diff:
        st.found_blocks += 1
    rejected = rng.random() < REJECT_FRACTION
    for pool in st.pools:
        if pool.alive:
            if rejected:
                pool.rejected += 1
                pool.diff_rejected += d
                break
            pool.accepted += 1
            pool.diff_accepted += d
            pool.last_share_time = at_s
            pool.last_share_difficulty = d
            if best > pool.best_share:
                pool.best_share = best
            break
    return not rejected


def backfill_mining(st: HeaterState, share_diff: float, mined_s: float, now_s: float) -> int | None:
    """Book ``mined_s`` seconds of steady mining before ``now_s``; return the accepted shares.

    Totals, share counts and the best share are those of the current mode's rate, so the
    averages (MHS av, GHSavg, MGHS) read that rate from the first reply. None (nothing booked)
    when the unit has not mined or does not hash.
    """
    if mined_s <= 0.0 or st.hashrate_ghs <= 0.0:
        return None
    st.total_mh = st.hashrate_ghs * 1000.0 * mined_s
    d = share_diff
    shares = int(st.total_mh * 1e6 / HASHES_PER_DIFF1 / d) if d > 0 else 0
    rejected = round(shares * REJECT_FRACTION)
    if st.pools:
        pool = st.pools[0]
        pool.accepted, pool.rejected = shares - rejected, rejected
        pool.diff_accepted, pool.diff_rejected = pool.accepted * d, rejected * d
        if shares:
            pool.last_share_time = now_s - min(
                mined_s, d * HASHES_PER_DIFF1 / (st.hashrate_ghs * 1e9)
            )
            pool.last_share_difficulty = d
            # The median best of n Pareto(1) draws at difficulty d is about n·d / ln 2.
            pool.best_share = st.best_share = int(shares * d / math.log(2.0))
    return shares - rejected
