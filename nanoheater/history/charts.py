"""Provides the charts each screen shows: which series, which scale, which lines and marks.

``plot`` draws a ``Plot`` and ``stacked`` a ``Stack``; this module decides what the plots of a
device's window, of the last days and of the fleet's day are, so the TUI's screens and
``nanoheater history --plot`` show the same charts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from nanoheater.capabilities import capabilities
from nanoheater.exceptions import UsageError
from nanoheater.history.plot import Plot
from nanoheater.history.records import LedgerEntry, LedgerTotals
from nanoheater.history.series import DeviceSeries, Mark
from nanoheater.history.stacked import Stack, stack_layers


def expected_hashrate_ths(model: str | None, mode: str | None) -> float | None:
    """The nominal hashrate of ``model`` in profile ``mode``; None when either is unknown."""
    if model is None or mode is None:
        return None
    try:
        return capabilities(model).profile(mode).hashrate_ths
    except (UsageError, KeyError):
        return None


def device_plots(
    series: DeviceSeries,
    *,
    model: str | None = None,
    quiet: Sequence[tuple[float, float]] = (),
    steps: Sequence[Mark] = (),
) -> list[Plot]:
    """The device charts of a window: power from zero, room under its set-point, hashrate, chip.

    The room chart also shades the ``quiet`` hours (start, end) and marks the schedule's
    ``steps`` (kinds ``up``, ``down``, ``step``) under its plot.
    """
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
            marks=(*series.marks, *steps),
            spans=quiet,
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


def zone_plots(series: DeviceSeries) -> list[Plot]:
    """A zone's charts of a window: room under the zone's set-point, its devices' total power.

    The room chart also shades the series' quiet hours and marks its schedule steps.

    ``series`` is ``HistoryStore.zone_window``'s: bucket sums of power, means of the room.
    """
    room = [(s.ts_s, s.room_temp_c) for s in series.samples if s.room_temp_c is not None]
    power = [(s.ts_s, s.power_w) for s in series.samples if s.power_w is not None]
    since, until, bucket = series.since_s, series.until_s, series.window.bucket_s
    return [
        Plot(
            "Room",
            "°C",
            room,
            decimals=1,
            min_span=2.0,
            line=series.setpoints,
            marks=(*series.marks, *series.steps),
            spans=series.quiet,
            since_s=since,
            until_s=until,
            bucket_s=bucket,
        ),
        Plot(
            "Zone power",
            "W",
            power,
            from_zero=True,
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
            bars=True,
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


def fleet_day(
    power: Mapping[str, Sequence[tuple[float, float]]],
    heat: Sequence[LedgerEntry],
    names: Mapping[str, str],
    *,
    since_s: float,
    until_s: float,
    bucket_s: int,
) -> tuple[Stack, Stack]:
    """The fleet's day stacked per device: power (minute means) and heat delivered per hour.

    ``power`` is ``fleet_power``'s (bucket, mean) by history key, ``heat`` the ledger's hours
    (the heat the economics count, not a recomputation from power). Both charts give the same
    devices their own layer, the ones that delivered the most heat (else drew the most power)
    first, so a device keeps its shade from one chart to the other.
    """
    watts = {key: list(points) for key, points in power.items()}
    per_hour: dict[str, list[tuple[float, float]]] = {}
    for entry in heat:
        if since_s - 3600 < entry.hour_s < until_s:
            per_hour.setdefault(entry.device, []).append((float(entry.hour_s), entry.heat_kwh))
    keys = {*watts, *per_hour}
    heat_of = {k: sum(v for _, v in per_hour.get(k, ())) for k in keys}
    power_of = {k: sum(v for _, v in watts.get(k, ())) for k in keys}
    order = sorted(keys, key=lambda k: (heat_of[k], power_of[k]), reverse=True)
    power_stack = Stack(
        "Fleet power, last 24 hours",
        "W",
        stack_layers({k: watts.get(k, []) for k in keys}, names, order=order),
        since_s=since_s,
        until_s=until_s,
        bucket_s=bucket_s,
    )
    heat_stack = Stack(
        "Heat per hour",
        "kWh",
        # Each bar covers 80 % of its hour, so neighbouring hours stay apart.
        stack_layers({k: per_hour.get(k, []) for k in keys}, names, order=order),
        since_s=since_s,
        until_s=until_s,
        bucket_s=3600 * 4 // 5,
        decimals=2,
        legend_sum=True,
    )
    return power_stack, heat_stack
