"""Provides TimeChart, an area chart of one quantity over time drawn with eighth-block characters.

One column per sample and eight levels per row, so a 36x4 chart shows 36 samples at 32 levels.
Block characters are in every terminal font (braille is not, and SVG exports lose it); the
chart needs no plotting dependency and stays readable in 80x24.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import RenderResult
from textual.reactive import reactive
from textual.widget import Widget

_EIGHTHS = " ▁▂▃▄▅▆▇█"


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
    values: Sequence[float],
    width: int,
    height: int,
    scale: tuple[float, float] | None = None,
) -> list[str]:
    """Return ``height`` strings of ``width`` cells plotting the last ``width`` values, top first.

    The vertical scale is ``scale`` (low, high), by default the plotted values' range, with the
    lowest level a sliver above the floor, so a flat series shows as a low bar rather than
    nothing. Newest sample at the right edge.
    """
    if width <= 0 or height <= 0:
        return []
    points = list(values)[-width:]
    levels = 8 * height
    columns: list[int] = []
    if points:
        low, high = scale if scale is not None else (min(points), max(points))
        span = high - low
        for value in points:
            # 1..levels: even the minimum gets one eighth so the series is always visible.
            fraction = min(1.0, max(0.0, (value - low) / span)) if span > 0 else 0.0
            columns.append(1 + round(fraction * (levels - 1)))
    columns = [0] * (width - len(columns)) + columns
    rows = []
    for row in range(height):
        floor = 8 * (height - 1 - row)
        rows.append("".join(_EIGHTHS[max(0, min(8, level - floor))] for level in columns))
    return rows


def _format(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}"


class TimeChart(Widget):
    """A titled braille line chart; set ``values`` to redraw (attributes down)."""

    DEFAULT_CSS = """
    TimeChart {
        height: 5;
        min-width: 16;
        padding: 0 1;
    }
    TimeChart > .timechart--line {
        color: $accent;
    }
    TimeChart > .timechart--title {
        text-style: bold;
    }
    TimeChart > .timechart--scale {
        color: $text-muted;
    }
    """

    COMPONENT_CLASSES = {"timechart--line", "timechart--title", "timechart--scale"}

    values: reactive[tuple[float, ...]] = reactive(tuple, layout=False)
    """Samples, oldest first."""

    def __init__(
        self,
        title: str,
        unit: str,
        *,
        decimals: int = 1,
        from_zero: bool = False,
        min_span: float = 0.0,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """Create a chart titled ``title`` whose values are in ``unit``."""
        super().__init__(name=name, id=id, classes=classes)
        self.title = title
        self.unit = unit
        self.decimals = decimals
        self.from_zero = from_zero
        """Scale from zero (power, hashrate: a drop to nothing must look like one)."""
        self.min_span = min_span
        """Smallest vertical span (temperatures: whole-degree sensors would look jumpy)."""

    def render(self) -> RenderResult:
        """Draw the title line with the latest value, then the plot with its scale."""
        width = max(self.size.width, 1)
        height = max(self.size.height - 1, 1)
        title_style = self.get_component_rich_style("timechart--title")
        scale_style = self.get_component_rich_style("timechart--scale")
        line_style = self.get_component_rich_style("timechart--line")
        text = Text(no_wrap=True, overflow="crop")
        text.append(self.title, title_style)
        if self.values:
            latest = _format(self.values[-1], self.decimals)
            text.append(f" {latest} {self.unit}")
            low, high = min(self.values), max(self.values)
            span = f"{_format(low, self.decimals)}..{_format(high, self.decimals)}"
            gap = width - len(text.plain) - len(span)
            if gap > 1:
                text.append(" " * gap)
                text.append(span, scale_style)
        else:
            text.append("  waiting for data", scale_style)
        shown = self.values[-width:]
        scale = chart_scale(shown, from_zero=self.from_zero, min_span=self.min_span)
        for line in block_lines(shown, width, height, scale):
            text.append("\n")
            text.append(line, line_style)
        return text
