"""Provides the charts each screen shows: which series, which scale, which lines and marks.

``plot`` draws a ``Plot``; this module decides what the plots of a device's window and of the
last days are, so the TUI's screens and ``nanoheater history --plot`` show the same charts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from nanoheater.capabilities import capabilities
from nanoheater.exceptions import UsageError
from nanoheater.history.plot import Plot
from nanoheater.history.records import LedgerTotals
from nanoheater.history.series import DeviceSeries


def expected_hashrate_ths(model: str | None, mode: str | None) -> float | None:
    """The nominal hashrate of ``model`` in profile ``mode``; None when either is unknown."""
    if model is None or mode is None:
        return None
    try:
        return capabilities(model).profile(mode).hashrate_ths
    except (UsageError, KeyError):
        return None


def device_plots(series: DeviceSeries, *, model: str | None = None) -> list[Plot]:
    """The device charts of a window: power from zero, room under its set-point, hashrate, chip."""
    samples = series.samples
    since, until, bucket = series.since_s, series.until_s, series.window.bucket_s

    def points(name: str, fallback: str | None = None) -> list[tuple[float, float]]:
        found = []
        for sample in samples:
            value = getattr(sample, name)
            if value is None and fallback is not None:
                value = getattr(sample, fallback)
            if value is not None:
                found.append((sample.ts_s, float(value)))
        return found

    mode = next((s.mode for s in reversed(samples) if s.mode is not None), None)
    return [
        Plot(
            "Power",
            "W",
            points("power_w"),
            from_zero=True,
            marks=series.marks,
            since_s=since,
            until_s=until,
            bucket_s=bucket,
        ),
        Plot(
            "Room",
            "°C",
            points("room_temp_c", "inlet_temp_c"),
            decimals=1,
            min_span=2.0,
            line=series.setpoints,
            marks=series.marks,
            since_s=since,
            until_s=until,
            bucket_s=bucket,
        ),
        Plot(
            "Hashrate",
            "TH/s",
            points("hashrate_ths"),
            decimals=2,
            from_zero=True,
            expected=expected_hashrate_ths(model, mode),
            marks=series.marks,
            since_s=since,
            until_s=until,
            bucket_s=bucket,
        ),
        Plot(
            "Chip",
            "°C",
            points("chip_temp_c"),
            min_span=10.0,
            marks=series.marks,
            since_s=since,
            until_s=until,
            bucket_s=bucket,
        ),
    ]


DAY_S = 86_400


def day_plots(days: Sequence[LedgerTotals], currency: str, heat_pump_cop: float) -> list[Plot]:
    """Bars per local day: heat, electricity cost, sats, and the net cost of a kWh of heat.

    The last one carries the resistive price of the same heat (the day's electricity price per
    kWh) as a line and a heat pump's (that over ``heat_pump_cop``, averaged) as a dashed level,
    so a bar under the line is heat cheaper than a resistive heater's.
    """
    if not days:
        return []
    since, until = days[0].since_s, days[-1].until_s
    ran = [d for d in days if d.hours]
    per_kwh = f"{currency}/kWh"
    resistive = [(d.since_s, d.cost_fiat / d.energy_kwh if d.energy_kwh else None) for d in days]
    prices = [p for _, p in resistive if p is not None]
    pump = sum(prices) / len(prices) / heat_pump_cop if prices and heat_pump_cop > 0 else None

    def bars(title: str, unit: str, values: list[float], decimals: int = 2) -> Plot:
        # Each bar covers 80 % of its day, so neighbouring days stay apart.
        return Plot(
            title,
            unit,
            [(d.since_s, v) for d, v in zip(ran, values, strict=True)],
            since_s=since,
            until_s=until,
            bucket_s=DAY_S * 4 // 5,
            decimals=decimals,
            from_zero=True,
        )

    net = bars("Net cost of heat", per_kwh, [d.net_cost_fiat_per_kwh_heat or 0.0 for d in ran], 3)
    return [
        bars("Heat", "kWh", [d.heat_kwh for d in ran]),
        bars("Electricity", currency, [d.cost_fiat for d in ran]),
        bars("Mined", "sats", [d.expected_sats for d in ran], 0),
        dataclasses.replace(
            net,
            line=resistive,
            line_label="resistive",
            expected=pump,
            expected_label=f"heat pump (COP {heat_pump_cop:g})",
        ),
    ]
