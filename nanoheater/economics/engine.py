"""Provides the pure revenue, cost-of-heat and solo-odds formulas (docs/physics.md §3 and §4).

Every function here is a pure function over numbers: no I/O, no clock, no config. Results are
frozen dataclasses whose field names carry their unit (``_sats_per_day``, ``_kwh``,
``_fiat_per_kwh``; "fiat" is the currency of the market inputs and the tariff, one currency at
a time). The formulas, in the notation of docs/physics.md:

* network hashrate ``H_net = D · 2^32 / 600`` H/s;
* share ``s = H / H_net``, blocks per day ``λ = 144 · s``;
* expected BTC per day ``B = λ · (subsidy + fees) · (1 - pool fee)``;
* revenue per kWh ``r = fiat per day / kWh per day`` (= hashprice / (0.024 · J/TH));
* net cost of heat ``c = p - r``, revenue ratio ``R = r / p``, economic COP ``1 / (1 - R)``,
  break-even electricity price ``p* = r``;
* solo odds: Poisson with rate λ; ``P(≥1 block in t days) = 1 - e^(-λ t)``, expected wait ``1/λ``.

Example:
    >>> rev = expected_revenue(6.0, difficulty=150e12, subsidy_btc=3.125,
    ...                        fees_btc_per_block=0.03, btc_price_fiat=100_000.0, pool_fee=0.0)
    >>> round(rev.sats_per_day)
    254
    >>> round(revenue_per_kwh(rev.fiat_per_day, power_w=140.0), 4)
    0.0756
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

HASHES_PER_DIFFICULTY = 2**32
"""Expected hashes per unit of difficulty (the difficulty-1 target is 2^32 hashes)."""
BLOCK_INTERVAL_S = 600.0
"""Target block interval of the Bitcoin network."""
BLOCKS_PER_DAY = 86_400.0 / BLOCK_INTERVAL_S
"""Expected blocks per day (144)."""
SATS_PER_BTC = 100_000_000
"""Satoshis in one bitcoin."""
BTU_PER_KWH = 3412.14
"""British thermal units in one kilowatt-hour (1 W = 3.41214 BTU/h)."""
DAYS_PER_YEAR = 365.0
"""Days used for "per year" odds (docs/physics.md §3.5 uses 365)."""

FUEL_PRESETS: dict[str, tuple[str, float, float]] = {
    "gas": ("therm", 100_000.0, 0.92),
    "propane": ("gallon", 91_452.0, 0.90),
    "oil": ("gallon", 138_500.0, 0.85),
}
"""Fuel name -> (unit, BTU per unit, default efficiency). BTU per unit are the standard US
figures; efficiencies are typical AFUE of current appliances (gas 92 % per docs/physics.md §6.3,
propane and oil are assumptions)."""


@dataclass(frozen=True, slots=True)
class Revenue:
    """Expected mining income of one device per day."""

    hashrate_ths: float
    network_hashrate_ths: float
    share_of_network: float
    """H / H_net, a dimensionless fraction."""
    blocks_per_day: float
    """λ = 144 · share; the Poisson rate of block finds if mining solo."""
    btc_per_day: float
    """Expected BTC per day after the pool fee."""
    sats_per_day: float
    fiat_per_day: float


@dataclass(frozen=True, slots=True)
class Heat:
    """Energy drawn and heat delivered over a period: every watt drawn ends up as heat."""

    power_w: float
    hours: float
    energy_kwh: float
    heat_kwh: float
    heat_btu: float
    heat_btu_per_h: float


@dataclass(frozen=True, slots=True)
class HeatCost:
    """What a kWh of miner heat costs once mining revenue is subtracted (docs/physics.md §4.1)."""

    price_fiat_per_kwh: float
    """Electricity price p."""
    revenue_fiat_per_kwh: float
    """Mining revenue per kWh drawn, r."""
    net_cost_fiat_per_kwh_heat: float
    """c = p - r; negative means the miner pays you to heat."""
    revenue_ratio: float
    """R = r / p, the "heating subsidy" (0.44 means 44 % of the power bill comes back)."""
    cop_economic: float | None
    """1 / (1 - R): the heat-pump COP with the same running cost; None when R ≥ 1 (free heat)."""
    break_even_price_fiat_per_kwh: float
    """Electricity price at which the heat is free: p* = r."""
    paid_to_heat: bool
    """True when revenue covers the whole electricity cost (R ≥ 1)."""
    net_cost_fiat_per_therm: float
    """c per therm of delivered heat (100,000 BTU), to set beside a gas bill."""
    net_cost_fiat_per_mmbtu: float
    """c per million BTU of delivered heat (the unit gas and oil markets quote)."""


@dataclass(frozen=True, slots=True)
class Fuel:
    """A heating fuel: price per unit, energy per unit and appliance efficiency (AFUE)."""

    name: str
    unit: str
    price_fiat_per_unit: float
    btu_per_unit: float
    efficiency: float
    """Fraction of the fuel's energy that reaches the room (0.92 for a condensing gas furnace)."""


@dataclass(frozen=True, slots=True)
class AlternativeCost:
    """The running cost of one alternative heater and what the miner saves against it."""

    name: str
    cost_fiat_per_kwh_heat: float
    savings_fiat_per_kwh_heat: float
    """Alternative cost minus the miner's net cost; positive means the miner is cheaper."""
    savings_fiat_per_day: float
    """Savings per kWh of heat times the heat the miner delivers per day."""


@dataclass(frozen=True, slots=True)
class SoloOdds:
    """Lottery odds of finding a whole block alone (docs/physics.md §3.5)."""

    blocks_per_day: float
    p_block_per_day: float
    p_block_per_year: float
    one_in_n_years: float
    """1 / P(≥1 block in a year): "1 in N" per year."""
    expected_wait_days: float
    expected_wait_years: float
    block_reward_btc: float
    """What a hit pays after the solo pool's cut (subsidy + fees) · (1 - fee)."""


@dataclass(frozen=True, slots=True)
class DeviceEconomics:
    """Everything ``nanoheater economics`` reports for one device at one operating point."""

    revenue: Revenue
    heat: Heat
    """Per day of continuous running."""
    electricity_fiat_per_day: float
    net_fiat_per_day: float
    """Revenue minus electricity; negative is the net cost of the heat."""
    heat_cost: HeatCost
    alternatives: tuple[AlternativeCost, ...]
    solo: SoloOdds
    hashvalue_sats_per_ths_day: float
    hashprice_fiat_per_ths_day: float


def network_hashrate_hs(difficulty: float) -> float:
    """Network hashrate in H/s implied by difficulty D: ``D · 2^32 / 600``."""
    if difficulty <= 0:
        raise ValueError(f"difficulty must be positive, got {difficulty}")
    return difficulty * HASHES_PER_DIFFICULTY / BLOCK_INTERVAL_S


def hashvalue_sats_per_ths_day(
    difficulty: float, subsidy_btc: float, fees_btc_per_block: float
) -> float:
    """Sats per TH/s per day before pool fee: ``144 · (subsidy + fees) · 10^8 / H_net[TH/s]``."""
    network_ths = network_hashrate_hs(difficulty) / 1e12
    return BLOCKS_PER_DAY * (subsidy_btc + fees_btc_per_block) * SATS_PER_BTC / network_ths


def hashprice_fiat_per_ths_day(
    difficulty: float, subsidy_btc: float, fees_btc_per_block: float, btc_price_fiat: float
) -> float:
    """Fiat per TH/s per day before pool fee: hashvalue · BTC price / 10^8."""
    sats = hashvalue_sats_per_ths_day(difficulty, subsidy_btc, fees_btc_per_block)
    return sats * btc_price_fiat / SATS_PER_BTC


def expected_revenue(
    hashrate_ths: float,
    *,
    difficulty: float,
    subsidy_btc: float,
    fees_btc_per_block: float,
    btc_price_fiat: float,
    pool_fee: float,
) -> Revenue:
    """Expected income per day of a device hashing at ``hashrate_ths``.

    ``B = 144 · (H / H_net) · (subsidy + fees) · (1 - pool_fee)`` BTC per day; ``pool_fee`` is a
    fraction (0.02 for 2 %). Linear in hashrate, inversely proportional to difficulty.
    """
    _check_fraction("pool_fee", pool_fee)
    if hashrate_ths < 0:
        raise ValueError(f"hashrate must not be negative, got {hashrate_ths}")
    network_ths = network_hashrate_hs(difficulty) / 1e12
    share = hashrate_ths / network_ths
    blocks = BLOCKS_PER_DAY * share
    btc = blocks * (subsidy_btc + fees_btc_per_block) * (1.0 - pool_fee)
    return Revenue(
        hashrate_ths=hashrate_ths,
        network_hashrate_ths=network_ths,
        share_of_network=share,
        blocks_per_day=blocks,
        btc_per_day=btc,
        sats_per_day=btc * SATS_PER_BTC,
        fiat_per_day=btc * btc_price_fiat,
    )


def heat_delivered(power_w: float, hours: float = 24.0) -> Heat:
    """Energy drawn and heat delivered by ``power_w`` over ``hours``; heat = energy (§2.1)."""
    if power_w < 0 or hours < 0:
        raise ValueError("power and hours must not be negative")
    energy_kwh = power_w * hours / 1000.0
    return Heat(
        power_w=power_w,
        hours=hours,
        energy_kwh=energy_kwh,
        heat_kwh=energy_kwh,
        heat_btu=energy_kwh * BTU_PER_KWH,
        heat_btu_per_h=power_w * BTU_PER_KWH / 1000.0,
    )


def revenue_per_kwh(fiat_per_day: float, *, power_w: float) -> float:
    """Revenue per kWh drawn: fiat per day / (power · 24 h) = hashprice / (0.024 · J/TH)."""
    if power_w <= 0:
        raise ValueError(f"power must be positive, got {power_w}")
    return fiat_per_day / (power_w * 24.0 / 1000.0)


def heat_cost(revenue_fiat_per_kwh: float, price_fiat_per_kwh: float) -> HeatCost:
    """Net cost of a kWh of miner heat, revenue ratio, economic COP and break-even price."""
    if price_fiat_per_kwh < 0:
        raise ValueError(f"electricity price must not be negative, got {price_fiat_per_kwh}")
    net = price_fiat_per_kwh - revenue_fiat_per_kwh
    # At a zero price every kWh is free; R is infinite and COPe undefined, so report "paid".
    ratio = revenue_fiat_per_kwh / price_fiat_per_kwh if price_fiat_per_kwh > 0 else math.inf
    paid = ratio >= 1.0
    return HeatCost(
        price_fiat_per_kwh=price_fiat_per_kwh,
        revenue_fiat_per_kwh=revenue_fiat_per_kwh,
        net_cost_fiat_per_kwh_heat=net,
        revenue_ratio=ratio,
        cop_economic=None if paid else 1.0 / (1.0 - ratio),
        break_even_price_fiat_per_kwh=revenue_fiat_per_kwh,
        paid_to_heat=paid,
        net_cost_fiat_per_therm=net * 100_000.0 / BTU_PER_KWH,
        net_cost_fiat_per_mmbtu=net * 1_000_000.0 / BTU_PER_KWH,
    )


def electric_heat_cost(price_fiat_per_kwh: float, cop: float = 1.0) -> float:
    """Cost per kWh of heat from an electric heater of coefficient of performance ``cop``: p/COP."""
    if cop <= 0:
        raise ValueError(f"COP must be positive, got {cop}")
    return price_fiat_per_kwh / cop


def fuel_heat_cost(fuel: Fuel) -> float:
    """Cost per kWh of heat from a fuel: (3412.14 / BTU per unit) · price / efficiency."""
    if fuel.btu_per_unit <= 0 or not 0 < fuel.efficiency <= 1:
        raise ValueError(f"fuel {fuel.name}: energy per unit and efficiency must be in range")
    return BTU_PER_KWH / fuel.btu_per_unit * fuel.price_fiat_per_unit / fuel.efficiency


def compare_alternatives(
    net_cost_fiat_per_kwh_heat: float,
    heat_kwh_per_day: float,
    *,
    price_fiat_per_kwh: float,
    heat_pump_cop: float,
    fuels: Sequence[Fuel] = (),
) -> tuple[AlternativeCost, ...]:
    """Savings of miner heat against a resistive heater, a heat pump and each fuel."""
    costs = [
        ("resistive", electric_heat_cost(price_fiat_per_kwh, 1.0)),
        (
            f"heat pump (COP {heat_pump_cop:g})",
            electric_heat_cost(price_fiat_per_kwh, heat_pump_cop),
        ),
    ]
    costs += [(f"{fuel.name} ({fuel.efficiency:.0%})", fuel_heat_cost(fuel)) for fuel in fuels]
    return tuple(
        AlternativeCost(
            name=name,
            cost_fiat_per_kwh_heat=cost,
            savings_fiat_per_kwh_heat=cost - net_cost_fiat_per_kwh_heat,
            savings_fiat_per_day=(cost - net_cost_fiat_per_kwh_heat) * heat_kwh_per_day,
        )
        for name, cost in costs
    )


def solo_odds(
    hashrate_ths: float,
    *,
    difficulty: float,
    subsidy_btc: float,
    fees_btc_per_block: float,
    pool_fee: float = 0.0,
) -> SoloOdds:
    """Odds of a solo block: λ = 144 · H / H_net per day, P(t) = 1 - e^(-λt), wait 1/λ."""
    _check_fraction("pool_fee", pool_fee)
    rate = BLOCKS_PER_DAY * hashrate_ths * 1e12 / network_hashrate_hs(difficulty)
    # expm1 keeps precision: at λ ≈ 1e-7 per day, 1 - exp(-λ) would lose half its digits.
    p_day = -math.expm1(-rate)
    p_year = -math.expm1(-rate * DAYS_PER_YEAR)
    wait_days = 1.0 / rate if rate > 0 else math.inf
    return SoloOdds(
        blocks_per_day=rate,
        p_block_per_day=p_day,
        p_block_per_year=p_year,
        one_in_n_years=1.0 / p_year if p_year > 0 else math.inf,
        expected_wait_days=wait_days,
        expected_wait_years=wait_days / DAYS_PER_YEAR,
        block_reward_btc=(subsidy_btc + fees_btc_per_block) * (1.0 - pool_fee),
    )


def evaluate(
    hashrate_ths: float,
    power_w: float,
    *,
    difficulty: float,
    subsidy_btc: float,
    fees_btc_per_block: float,
    btc_price_fiat: float,
    pool_fee: float,
    price_fiat_per_kwh: float,
    heat_pump_cop: float = 3.0,
    fuels: Sequence[Fuel] = (),
) -> DeviceEconomics:
    """Evaluate one device running all day at ``hashrate_ths`` and ``power_w``.

    ``price_fiat_per_kwh`` is the average electricity price over the day (for a time-of-use
    tariff: the day's cost divided by its kWh, see ``tariff.Tariff.average_price``).
    """
    revenue = expected_revenue(
        hashrate_ths,
        difficulty=difficulty,
        subsidy_btc=subsidy_btc,
        fees_btc_per_block=fees_btc_per_block,
        btc_price_fiat=btc_price_fiat,
        pool_fee=pool_fee,
    )
    heat = heat_delivered(power_w, 24.0)
    electricity = heat.energy_kwh * price_fiat_per_kwh
    cost = heat_cost(revenue_per_kwh(revenue.fiat_per_day, power_w=power_w), price_fiat_per_kwh)
    return DeviceEconomics(
        revenue=revenue,
        heat=heat,
        electricity_fiat_per_day=electricity,
        net_fiat_per_day=revenue.fiat_per_day - electricity,
        heat_cost=cost,
        alternatives=compare_alternatives(
            cost.net_cost_fiat_per_kwh_heat,
            heat.heat_kwh,
            price_fiat_per_kwh=price_fiat_per_kwh,
            heat_pump_cop=heat_pump_cop,
            fuels=fuels,
        ),
        # The pool fee is the pooled-mining cut; a solo hit pays the whole block (a solo pool's
        # own cut, if any, is solo_odds' pool_fee, not this one).
        solo=solo_odds(
            hashrate_ths,
            difficulty=difficulty,
            subsidy_btc=subsidy_btc,
            fees_btc_per_block=fees_btc_per_block,
        ),
        hashvalue_sats_per_ths_day=hashvalue_sats_per_ths_day(
            difficulty, subsidy_btc, fees_btc_per_block
        ),
        hashprice_fiat_per_ths_day=hashprice_fiat_per_ths_day(
            difficulty, subsidy_btc, fees_btc_per_block, btc_price_fiat
        ),
    )


def _check_fraction(name: str, value: float) -> None:
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{name} must be a fraction in [0, 1), got {value}")
