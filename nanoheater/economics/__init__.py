"""Provides the money side of heating with a miner: pure formulas, tariffs and market inputs.

``engine`` holds the revenue, cost-of-heat and solo-odds formulas (docs/physics.md §3-§4) as pure
functions; ``tariff`` the flat or time-of-use electricity price; ``market`` the BTC price,
difficulty, subsidy, fees and pool fee, from config, a live fetch or the cache.
"""

from __future__ import annotations
