"""Provides text charts of history series: eighth-block areas with value and local-time axes.

One home for the drawing that the TUI's ``TimeChart`` and ``nanoheater history --plot`` share.
A chart is a grid of cells, each a character and a role (bar, set-point line, expected value,
mark, label), so the TUI colours the roles and a plain terminal prints the characters.

Why block characters: they are in every terminal font and survive SVG export (braille is not
and does not), so the same picture shows in a console, the TUI and the README's screenshots.
Eight levels per row: a 4-row chart shows 32 levels. Columns are time, not samples: each
covers ``span / width`` seconds and shows the mean of the points overlapping it, so gaps in
the record stay gaps and a week of hourly means fills the width like 15 minutes of raw ones.

Example:
    >>> chart = Plot("Power", "W", points=[(0.0, 100.0), (60.0, 140.0)], since_s=0.0,
    ...              until_s=120.0, bucket_s=60, from_zero=True)
    >>> print(to_text(draw(chart, 32, 6, tz=UTC)))
    Power 140 W    min 100 max 140 W
    140 ▁▁▁▁▁▁▁▁▁▁▁▁▁▁██████████████
        ████████████████████████████
      0 ████████████████████████████
    <BLANKLINE>
        00:00         00:01
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo

from nanoheater.history.series import Mark

_EIGHTHS = " ▁▂▃▄▅▆▇█"
MODE_MARK = "◆"
FAULT_MARK = "!"
QUIET_MARK = "░"
"""Fills the marks row under a span (quiet hours): a shade, legible without colour."""
STEP_MARKS = {"up": "↑", "down": "↓", "step": "•"}
"""Schedule steps by mark kind: the set-point raised, lowered, or another target."""
_MARK_CELLS: dict[str, Cell] = {
    "fault": (FAULT_MARK, "fault"),
    "mode": (MODE_MARK, "mode"),
    **{kind: (char, "line") for kind, char in STEP_MARKS.items()},
}
_PRECEDENCE = ("fault", "mode", "line", "quiet", "")
"""Which mark keeps a shared column: a fault over a mode change over a step over quiet hours."""
LINE = "─"
EXPECTED = "┄"

Cell = tuple[str, str]
"""A character and its role: ``""`` (blank), ``bar``, ``line``, ``expected``, ``mode``,
``fault``, ``label``, ``title``, ``value``."""


@dataclass(frozen=True, slots=True)
class Plot:
    """What one chart shows."""

    title: str
    unit: str
    points: Sequence[tuple[float, float]]
    """(time, value), oldest first; each covers ``bucket_s`` seconds from its time."""
    since_s: float
    until_s: float
    bucket_s: int = 1
    decimals: int = 0
    from_zero: bool = False
    """Scale from zero (power, hashrate: a drop to nothing must look like one)."""
    min_span: float = 0.0
    """Smallest vertical span (temperatures: whole-degree sensors would look jumpy)."""
    line: Sequence[tuple[float, float | None]] = ()
    """A step line drawn over the area (the set-point): (time it starts, value or None)."""
    line_label: str = "set-point"
    expected: float | None = None
    """A dashed level to compare with (the profile's nominal hashrate)."""
    expected_label: str = "expected"
    marks: Sequence[Mark] = field(default_factory=tuple)
    """Marked under the plot: ``mode`` ◆, ``fault`` !, schedule steps ``up``/``down``/``step``."""
    spans: Sequence[tuple[float, float]] = ()
    """(start, end) times shaded under the plot: quiet hours."""
    bars: bool = False
    """Points are bars (a day's, with a gap before the next): see ``column_means``."""


def chart_scale(
    values: Sequence[float], *, from_zero: bool = False, min_span: float = 0.0
) -> tuple[float, float]:
    """The (low, high) a chart of ``values`` spans.

    From zero, or the values' range widened to at least ``min_span`` around its middle, so that
    sensor quantisation does not look like a swing.
    """
    if not values:
        return 0.0, 0.0
    low, high = min(values), max(values)
    if from_zero:
        return min(0.0, low), high
    if high - low < min_span:
        middle = (high + low) / 2
        low, high = middle - min_span / 2, middle + min_span / 2
    return low, high


def block_lines(
    values: Sequence[float | None],
    width: int,
    height: int,
    scale: tuple[float, float] | None = None,
) -> list[str]:
    """Return ``height`` strings of ``width`` cells plotting the last ``width`` values, top first.

    The vertical scale is ``scale`` (low, high), by default the plotted values' range, with the
    lowest level a sliver above the floor, so a flat series shows as a low bar rather than
    nothing. None is a gap. Newest value at the right edge.
    """
    if width <= 0 or height <= 0:
        return []
    points = list(values)[-width:]
    present = [v for v in points if v is not None]
    columns = [0] * (width - len(points))
    if present:
        low, high = scale if scale is not None else (min(present), max(present))
        columns += [_level(v, low, high, 8 * height) for v in points]
    else:
        columns += [0] * len(points)
    rows = []
    for row in range(height):
        floor = 8 * (height - 1 - row)
        rows.append("".join(_EIGHTHS[max(0, min(8, level - floor))] for level in columns))
    return rows


def _level(value: float | None, low: float, high: float, levels: int) -> int:
    # 1..levels: even the minimum gets one eighth so the series is always visible; 0 is a gap.
    if value is None:
        return 0
    span = high - low
    fraction = min(1.0, max(0.0, (value - low) / span)) if span > 0 else 0.0
    return 1 + round(fraction * (levels - 1))


def column_means(
    points: Sequence[tuple[float, float]],
    since_s: float,
    until_s: float,
    width: int,
    bucket_s: float = 1.0,
    *,
    bars: bool = False,
) -> list[float | None]:
    """The mean of the points overlapping each of ``width`` equal time columns; None if none.

    With ``bars`` (points at least two columns wide) a point counts only in the columns whose
    middle it covers, so the gap a bar leaves before the next shows once it is wider than half
    a column, rather than only when it holds a whole column. Narrower bars fill every column
    they touch: gaps under a column would land on arbitrary columns, not between every bar.
    """
    sums = [0.0] * width
    counts = [0] * width
    per_column = (until_s - since_s) / width if width > 0 else 0.0
    if per_column <= 0:
        return [None] * width
    # Hot on every repaint (four charts per poll): plain comparisons, no min/max/range per point.
    floor, cover_s, right = math.floor, max(bucket_s, 1e-9), width - 1
    middles = bars and cover_s >= 2 * per_column
    for ts_s, value in points:
        if middles:
            first = math.ceil((ts_s - since_s) / per_column - 0.5)
            last = floor((ts_s + cover_s - since_s) / per_column - 0.5 - 1e-9)
        else:
            first = floor((ts_s - since_s) / per_column)
            last = floor((ts_s + cover_s - since_s) / per_column - 1e-9)
        if first < 0:
            first = 0
        if last > right:
            last = right
        if first == last:
            sums[first] += value
            counts[first] += 1
            continue
        for column in range(first, last + 1):
            sums[column] += value
            counts[column] += 1
    return [s / n if n else None for s, n in zip(sums, counts, strict=True)]


def _step_values(
    line: Sequence[tuple[float, float | None]], since_s: float, per_column: float, width: int
) -> list[float | None]:
    values: list[float | None] = []
    index, current = 0, None
    for column in range(width):
        middle = since_s + (column + 0.5) * per_column
        while index < len(line) and line[index][0] <= middle:
            current = line[index][1]
            index += 1
        values.append(current)
    return values


def draw(plot: Plot, width: int, height: int, *, tz: tzinfo | None = None) -> list[list[Cell]]:
    """The chart as ``height`` rows of ``width`` cells: title, plot, marks, time axis.

    Below 5 rows the marks and the axis give way to the plot.
    """
    if width <= 0 or height <= 0:
        return []
    fmt = _formatter(plot.decimals)
    gutter = 0
    plot_rows = height - 1
    with_axis = height >= 5
    if with_axis:
        plot_rows -= 2
    columns = column_means(
        plot.points, plot.since_s, plot.until_s, width, plot.bucket_s, bars=plot.bars
    )
    present = [v for v in columns if v is not None]
    per_column = (plot.until_s - plot.since_s) / width
    line = _step_values(plot.line, plot.since_s, per_column, width) if plot.line else []
    extra = [v for v in line if v is not None]
    if plot.expected is not None:
        extra.append(plot.expected)
    low, high = chart_scale(present + extra, from_zero=plot.from_zero, min_span=plot.min_span)
    labels = [fmt(high), fmt(low)] if present or extra else []
    gutter = max((len(s) for s in labels), default=0) + 1 if width >= 30 else 0
    inner = width - gutter
    if inner != width:  # recompute for the narrower plot area
        columns = column_means(
            plot.points, plot.since_s, plot.until_s, inner, plot.bucket_s, bars=plot.bars
        )
        per_column = (plot.until_s - plot.since_s) / inner
        line = _step_values(plot.line, plot.since_s, per_column, inner) if plot.line else []
    rows: list[list[Cell]] = [_title(plot, present, columns, line, width, fmt)]
    levels = 8 * plot_rows
    bars = block_lines(columns, inner, plot_rows, (low, high))
    grid = [[(ch, "bar" if ch != " " else "") for ch in row] for row in bars]
    expected = [plot.expected] * inner if plot.expected is not None else []
    _overlay(grid, expected, EXPECTED, "expected", low, high, levels)
    _overlay(grid, line, LINE, "line", low, high, levels)
    for index, row in enumerate(grid):
        label = ""
        if gutter and labels:
            label = labels[0] if index == 0 else labels[1] if index == plot_rows - 1 else ""
        rows.append(_label_cells(label, gutter) + row)
    if with_axis:
        rows.append([(" ", "")] * gutter + _marks_row(plot, inner, per_column))
        axis = time_axis(plot.since_s, plot.until_s, inner, tz=tz)
        rows.append([(" ", "")] * gutter + [(ch, "label") for ch in axis])
    return rows


def _formatter(decimals: int) -> Callable[[float], str]:
    def fmt(value: float) -> str:
        return f"{value:.{decimals}f}"

    return fmt


def _label_cells(label: str, gutter: int) -> list[Cell]:
    if not gutter:
        return []
    return [(ch, "label") for ch in label.rjust(gutter - 1)] + [(" ", "")]


def _overlay(
    grid: list[list[Cell]],
    values: Sequence[float | None],
    char: str,
    role: str,
    low: float,
    high: float,
    levels: int,
) -> None:
    rows = len(grid)
    for column, value in enumerate(values):
        if value is None or column >= len(grid[0]):
            continue
        level = _level(value, low, high, levels)
        row = min(rows - 1, max(0, rows - 1 - (level - 1) // 8))
        grid[row][column] = (char, role)


def _title(
    plot: Plot,
    present: list[float],
    columns: list[float | None],
    line: list[float | None],
    width: int,
    show: Callable[[float], str],
) -> list[Cell]:
    cells: list[Cell] = [(ch, "title") for ch in plot.title]
    latest = next((v for v in reversed(columns) if v is not None), None)
    if latest is None:
        text = "  no readings in this window"
        cells += [(ch, "label") for ch in text]
    else:
        cells += [(ch, "value") for ch in f" {show(latest)} {plot.unit}"]
        current = next((v for v in reversed(line) if v is not None), None)
        if current is not None:
            cells += [(" ", ""), (" ", ""), (LINE, "line")]
            cells += [(ch, "label") for ch in f" {plot.line_label} {show(current)} {plot.unit}"]
        if plot.expected is not None:
            cells += [(" ", ""), (" ", ""), (EXPECTED, "expected")]
            cells += [(ch, "label") for ch in f" {plot.expected_label} {show(plot.expected)}"]
        span = f"min {show(min(present))} max {show(max(present))} {plot.unit}"
        gap = width - len(cells) - len(span)
        if gap > 1:
            cells += [(" ", "")] * gap + [(ch, "label") for ch in span]
    return cells[:width] + [(" ", "")] * (width - len(cells))


def _marks_row(plot: Plot, width: int, per_column: float) -> list[Cell]:
    row: list[Cell] = [(" ", "")] * width
    if per_column <= 0:
        return row
    for start, end in plot.spans:
        first = max(0, math.floor((start - plot.since_s) / per_column))
        last = min(width, math.ceil((end - plot.since_s) / per_column))
        row[first:last] = [(QUIET_MARK, "quiet")] * max(0, last - first)
    for mark in plot.marks:
        column = math.floor((mark.ts_s - plot.since_s) / per_column)
        cell = _MARK_CELLS.get(mark.kind, _MARK_CELLS["mode"])
        if 0 <= column < width and _PRECEDENCE.index(cell[1]) < _PRECEDENCE.index(row[column][1]):
            row[column] = cell
    return row


_TICKS_S = (60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86_400, 2 * 86_400)


def time_axis(since_s: float, until_s: float, width: int, *, tz: tzinfo | None = None) -> str:
    """A line of local-time labels (``14:00``, or ``Mon 07`` for whole days) at round times."""
    span = until_s - since_s
    if width <= 0 or span <= 0:
        return " " * max(width, 0)
    zone = tz or datetime.now().astimezone().tzinfo or UTC
    days = span > 2 * 86_400
    label_len = 6
    step = next((s for s in _TICKS_S if width * s / span >= label_len + 2), _TICKS_S[-1])
    if days:
        step = max(step, 86_400)
    offset = datetime.fromtimestamp(since_s, zone).utcoffset()
    shift = offset.total_seconds() if offset else 0.0
    first = math.ceil((since_s + shift) / step) * step - shift
    line = [" "] * width
    tick = first
    while tick < until_s:
        column = int((tick - since_s) / span * width)
        moment = datetime.fromtimestamp(tick, zone)
        text = moment.strftime("%a %d") if days else moment.strftime("%H:%M")
        around = line[max(0, column - 1) : column + len(text) + 1]
        if column + len(text) <= width and all(c == " " for c in around):
            line[column : column + len(text)] = text
        tick += step
    return "".join(line)


def to_text(rows: list[list[Cell]]) -> str:
    """The chart's characters, one line per row, trailing blanks removed."""
    return "\n".join("".join(ch for ch, _ in row).rstrip() for row in rows)


def local_tz() -> tzinfo:
    """This machine's zone (charts label local time)."""
    return datetime.now().astimezone().tzinfo or UTC
