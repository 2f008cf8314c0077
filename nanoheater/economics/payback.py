"""Provides the hardware payback: how many days of heating pay back what the heater cost.

The price is the user's own (``--hardware-price`` or ``[heat] hardware_price_fiat``); no
per-model price is assumed, because a list price is not what anyone paid.

The formula. A day of running the miner, when the heat is wanted, replaces heat the user would
have bought anyway from an alternative heater A (resistive, heat pump, a fuel) costing
``c_A`` per kWh of heat. Against A the miner is worth, per day::

    benefit_A = revenue - electricity + c_A · heat_kwh        (= savings against A per day)

that is, what it earns, minus what its electricity costs, plus the bill for A's heat that is no
longer paid. Payback is ``hardware price / benefit_A`` days of such running (heating days, not
calendar days: in summer the heat is not wanted and only ``revenue - electricity`` counts,
which the "none (heat not wanted)" row shows). A benefit of zero or less never pays back (None).

Example:
    >>> rows = payback(300.0, net_fiat_per_day=-0.10, alternatives=(("resistive", 0.60),))
    >>> [(row.name, row.payback_days) for row in rows]
    [('none (heat not wanted)', None), ('resistive', 500.0)]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

MINING_ONLY = "none (heat not wanted)"
"""Name of the row that gives the heat no value (summer, or a room already warm)."""


@dataclass(frozen=True, slots=True)
class Payback:
    """Payback of the hardware against one alternative heater."""

    name: str
    benefit_fiat_per_day: float
    """Revenue - electricity + the alternative's cost of the same heat, per day of running."""
    payback_days: float | None
    """Hardware price / benefit; None when the benefit is zero or negative (never)."""


def payback(
    hardware_price_fiat: float,
    *,
    net_fiat_per_day: float,
    alternatives: Sequence[tuple[str, float]],
) -> tuple[Payback, ...]:
    """Payback rows: no heater replaced, then one per alternative ``(name, savings per day)``.

    ``net_fiat_per_day`` is revenue minus electricity; each alternative's savings per day is
    the engine's ``AlternativeCost.savings_fiat_per_day`` (its heat cost minus the miner's net
    cost, times the heat delivered), which equals ``net + c_A · heat_kwh``.
    """
    if not math.isfinite(hardware_price_fiat) or hardware_price_fiat <= 0:
        raise ValueError(f"hardware price must be a positive number, got {hardware_price_fiat}")
    rows = [(MINING_ONLY, net_fiat_per_day), *alternatives]
    return tuple(
        Payback(
            name=name,
            benefit_fiat_per_day=benefit,
            payback_days=hardware_price_fiat / benefit if benefit > 0 else None,
        )
        for name, benefit in rows
    )
