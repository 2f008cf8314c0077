"""Provides TimeChart, a line chart of one quantity over time drawn with braille dots.

Braille gives each terminal cell a 2x4 grid of dots, so a 30x4 chart still shows 60 samples
at 16 levels; it needs no plotting dependency and stays readable in 80x24.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import RenderResult
from textual.reactive import reactive
from textual.widget import Widget

# Bit of each dot in a braille cell, indexed [row][column] (Unicode "Braille Patterns").
_DOTS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))
_BRAILLE_BASE = 0x2800


def braille_lines(values: Sequence[float], width: int, height: int) -> list[str]:
    """Return ``height`` strings of ``width`` braille cells plotting the last ``2*width`` values.

    The vertical scale spans the plotted values; a flat series is drawn mid-height.
    """
    if width <= 0 or height <= 0:
        return []
    cells = [[0] * width for _ in range(height)]
    points = list(values)[-2 * width :]
    if points:
        low, high = min(points), max(points)
        span = high - low
        dots_high = 4 * height - 1
        previous: int | None = None
        # Right-align the series so the newest sample is always at the right edge.
        offset = 2 * width - len(points)
        for index, value in enumerate(points):
            level = round((value - low) / span * dots_high) if span > 0 else dots_high // 2
            row_dot = dots_high - level
            x = offset + index
            # Join to the previous point with a vertical run so steep changes stay a line.
            lo_dot, hi_dot = (row_dot, row_dot) if previous is None else sorted((previous, row_dot))
            for y in range(lo_dot, hi_dot + 1):
                cells[y // 4][x // 2] |= _DOTS[y % 4][x % 2]
            previous = row_dot
    return ["".join(chr(_BRAILLE_BASE + bits) for bits in row) for row in cells]


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
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """Create a chart titled ``title`` whose values are in ``unit``."""
        super().__init__(name=name, id=id, classes=classes)
        self.title = title
        self.unit = unit
        self.decimals = decimals

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
            scale = f"{_format(low, self.decimals)}..{_format(high, self.decimals)}"
            gap = width - len(text.plain) - len(scale)
            if gap > 1:
                text.append(" " * gap)
                text.append(scale, scale_style)
        else:
            text.append("  waiting for data", scale_style)
        for line in braille_lines(self.values, width, height):
            text.append("\n")
            text.append(line, line_style)
        return text
