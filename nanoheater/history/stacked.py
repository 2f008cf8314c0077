"""Provides stacked text charts: several devices' shares of one quantity, one layer over another.

The fleet's day is each device's power, and its heat per hour, piled up so the top of the pile
is the fleet's total. Each layer has a shade of its own (``█ ▓ ▒ ░``, block elements in every
terminal font, so the picture survives monochrome terminals and SVG export) and a role
(``layer0`` ...) the TUI colours; a legend row names the layers with the same shade. At most
``MAX_LAYERS`` layers: the largest devices get their own and the rest are summed as "others",
because twenty slivers of a 120-column chart read as noise.

Example:
    >>> from datetime import UTC
    >>> from nanoheater.history.plot import to_text
    >>> stack = Stack("Power", "W", [Layer("a", [(0.0, 100.0)]), Layer("b", [(0.0, 50.0)])],
    ...               since_s=0.0, until_s=60.0, bucket_s=60)
    >>> print(to_text(draw_stack(stack, 34, 6, tz=UTC)))
    Power 150 W              max 150 W
    █ a 100 W  ▓ b 50 W
    150 ▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓
        ██████████████████████████████
      0 ██████████████████████████████
        00:00
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import tzinfo

from nanoheater.history.plot import Cell, column_means, time_axis

SHADES = "█▓▒░"
"""One shade per layer, bottom layer first."""
MAX_LAYERS = len(SHADES)
HALF_CELL = 4
"""Eighths from which the top cell of a pile shows its layer's shade rather than eighths."""
LEGEND_ROWS = 2
"""Most rows the legend takes; names are shortened to fit them."""
_EIGHTHS = " ▁▂▃▄▅▆▇█"


@dataclass(frozen=True, slots=True)
class Layer:
    """One device's (or the others') points: (time, value), oldest first."""

    name: str
    points: Sequence[tuple[float, float]]


@dataclass(frozen=True, slots=True)
class Stack:
    """What one stacked chart shows: layers bottom first, each point covering ``bucket_s``."""

    title: str
    unit: str
    layers: Sequence[Layer]
    since_s: float
    until_s: float
    bucket_s: int = 60
    decimals: int = 0
    legend_sum: bool = False
    """The legend gives each layer's sum over the window (heat: kWh), else its latest value."""


def stack_layers(
    series: Mapping[str, Sequence[tuple[float, float]]],
    names: Mapping[str, str],
    *,
    order: Sequence[str] | None = None,
) -> list[Layer]:
    """Layers of ``series`` by key: the largest (by sum, or in ``order``) first, the rest summed.

    With more than ``MAX_LAYERS`` keys the last layer is "others (n)", the sum of the rest at
    each time. ``names`` maps a key to its label (the key itself when missing).
    """
    ranked = (
        list(order)
        if order is not None
        else sorted(series, key=lambda k: sum(v for _, v in series[k]), reverse=True)
    )
    ranked = [k for k in ranked if k in series] + [k for k in series if k not in ranked]
    if len(ranked) <= MAX_LAYERS:
        return [Layer(names.get(k, k), list(series[k])) for k in ranked]
    own, rest = ranked[: MAX_LAYERS - 1], ranked[MAX_LAYERS - 1 :]
    summed: dict[float, float] = {}
    for key in rest:
        for ts_s, value in series[key]:
            summed[ts_s] = summed.get(ts_s, 0.0) + value
    layers = [Layer(names.get(k, k), list(series[k])) for k in own]
    return [*layers, Layer(f"others ({len(rest)})", sorted(summed.items()))]


def _fmt(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}"


def draw_stack(
    stack: Stack, width: int, height: int, *, tz: tzinfo | None = None
) -> list[list[Cell]]:
    """The chart as ``height`` rows of ``width`` cells: title, legend, the pile, time axis.

    A cell shows the shade of the layer at its middle; the top of the pile, when under half a
    cell, is drawn in eighths in the colour of the layer it ends in.
    """
    if width <= 0 or height <= 0:
        return []
    with_axis = height >= 6
    probe = [
        column_means(layer.points, stack.since_s, stack.until_s, width, stack.bucket_s)
        for layer in stack.layers
    ]
    high = max((sum(v or 0.0 for v in col) for col in zip(*probe, strict=True)), default=0.0)
    labels = [_fmt(high, stack.decimals), _fmt(0.0, stack.decimals)]
    gutter = max(len(s) for s in labels) + 1 if width >= 30 else 0
    inner = width - gutter
    columns = [
        column_means(layer.points, stack.since_s, stack.until_s, inner, stack.bucket_s)
        for layer in stack.layers
    ]
    totals: list[float | None] = [None] * inner
    for index, col in enumerate(zip(*columns, strict=True)):
        if any(v is not None for v in col):
            totals[index] = sum(v or 0.0 for v in col)
    # The scale is the plot area's own top (the probe only sized the gutter for its label).
    high = max((v for v in totals if v is not None), default=0.0)
    labels[0] = _fmt(high, stack.decimals)
    legend = _legend(stack, columns, width)
    rows = [_title(stack, totals, width), *legend]
    plot_rows = max(1, height - len(rows) - (1 if with_axis else 0))
    levels = 8 * plot_rows
    grid: list[list[Cell]] = [[(" ", "")] * inner for _ in range(plot_rows)]
    for column, total in enumerate(totals):
        if total is None or high <= 0:
            continue
        bounds, running = [], 0.0
        for values in columns:
            running += values[column] or 0.0
            bounds.append(running / high * levels)
        top = max(1, round(total / high * levels))
        for row in range(plot_rows):
            floor = 8 * (plot_rows - 1 - row)
            if top <= floor:
                continue
            filled = min(8, top - floor)
            layer = _layer_at(bounds, floor + filled / 2)
            # A top cell at least half full shows its layer's shade (in monochrome a sliver in
            # eighths would hide which device it is); a thinner one shows the eighths.
            char = SHADES[layer] if filled >= HALF_CELL else _EIGHTHS[filled]
            grid[row][column] = (char, f"layer{layer}")
    for index, row_cells in enumerate(grid):
        label = labels[0] if index == 0 else labels[1] if index == plot_rows - 1 else ""
        cells = [(ch, "label") for ch in label.rjust(gutter - 1)] + [(" ", "")] if gutter else []
        rows.append(cells + row_cells)
    if with_axis:
        axis = time_axis(stack.since_s, stack.until_s, inner, tz=tz)
        rows.append([(" ", "")] * gutter + [(ch, "label") for ch in axis])
    return rows[:height]


def _layer_at(bounds: list[float], level: float) -> int:
    for index, bound in enumerate(bounds):
        if level < bound:
            return index
    return len(bounds) - 1


def _title(stack: Stack, totals: list[float | None], width: int) -> list[Cell]:
    cells: list[Cell] = [(ch, "title") for ch in stack.title]
    present = [v for v in totals if v is not None]
    if not present:
        cells += [(ch, "label") for ch in "  no readings in this window"]
    else:
        latest = next(v for v in reversed(totals) if v is not None)
        value = (
            sum(v for layer in stack.layers for _, v in layer.points)
            if stack.legend_sum
            else latest
        )
        text = f" {_fmt(value, stack.decimals)} {stack.unit}"
        cells += [(ch, "value") for ch in text + (" in all" if stack.legend_sum else "")]
        span = f"max {_fmt(max(present), stack.decimals)} {stack.unit}"
        gap = width - len(cells) - len(span)
        if gap > 1:
            cells += [(" ", "")] * gap + [(ch, "label") for ch in span]
    return cells[:width] + [(" ", "")] * (width - len(cells))


def _legend(stack: Stack, columns: list[list[float | None]], width: int) -> list[list[Cell]]:
    """One or two rows naming every layer: names are shortened before a layer is left out."""
    entries = []
    for layer, values in zip(stack.layers, columns, strict=True):
        if stack.legend_sum:
            value: float | None = sum(v for _, v in layer.points)
        else:
            value = next((v for v in reversed(values) if v is not None), None)
        shown = "—" if value is None else f"{_fmt(value, stack.decimals)} {stack.unit}"
        entries.append((layer.name, shown))
    if not entries:
        return []
    longest = max(len(name) for name, _ in entries)
    rows = _pack(entries, longest, width)
    for cut in range(longest - 1, 3, -1):
        if len(rows) <= LEGEND_ROWS:
            break
        rows = _pack(entries, cut, width)
    return [row[:width] + [(" ", "")] * (width - len(row)) for row in rows[:LEGEND_ROWS]]


def _pack(entries: list[tuple[str, str]], cut: int, width: int) -> list[list[Cell]]:
    rows: list[list[Cell]] = [[]]
    for index, (name, shown) in enumerate(entries):
        short = name if len(name) <= cut else name[: cut - 1] + "…"
        item = [(SHADES[index], f"layer{index}")] + [(ch, "label") for ch in f" {short} {shown}"]
        if rows[-1] and len(rows[-1]) + 2 + len(item) > width:
            rows.append([])
        if rows[-1]:
            rows[-1] += [(" ", ""), (" ", "")]
        rows[-1] += item
    return rows
