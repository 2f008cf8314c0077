"""Provides TimeChart, an area chart of one quantity over time drawn with eighth-block characters.

Given a ``Plot`` (``history.plot``) it draws that chart: a time axis in local time, value labels,
a set-point or expected-value line over the area and marks for mode changes and faults, each
coloured by role. Given a ``Stack`` (``history.stacked``) it draws several devices' layers, each
in its own shade and colour, with a legend. Given only ``values`` it draws one column per sample
with the latest value and range in the title (the fleet's live power line). Block characters
are in every terminal font (braille is not, and SVG exports lose it); the chart needs no
plotting dependency and stays readable in 80x24.

A plot is drawn through Textual's line API, once per plot and size, and only when a line of it
is on screen: a new plot (a poll, a window switch) costs nothing until the chart is painted, a
chart scrolled out of view is not drawn at all, and a repaint of an unchanged plot reuses the
drawn lines (issue 18: the 7-day switch with 20 devices polled must repaint within 100 ms).
"""

from __future__ import annotations

from itertools import groupby

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.app import RenderResult
from textual.geometry import Size
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from nanoheater.history.plot import Plot, block_lines, chart_scale, draw, local_tz
from nanoheater.history.stacked import MAX_LAYERS, Stack, draw_stack


def _format(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}"


class TimeChart(Widget):
    """A titled block chart; set ``stack``, ``plot`` or ``values`` to redraw (attributes down)."""

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
    TimeChart > .timechart--setpoint {
        color: $warning;
        text-style: bold;
    }
    TimeChart > .timechart--mode {
        color: $primary;
    }
    TimeChart > .timechart--fault {
        color: $error;
        text-style: bold;
    }
    TimeChart > .timechart--layer0 {
        color: $accent;
    }
    TimeChart > .timechart--layer1 {
        color: $success;
    }
    TimeChart > .timechart--layer2 {
        color: $primary;
    }
    TimeChart > .timechart--layer3 {
        color: $secondary;
    }
    """

    COMPONENT_CLASSES = {
        "timechart--line",
        "timechart--title",
        "timechart--scale",
        "timechart--setpoint",
        "timechart--mode",
        "timechart--fault",
        *(f"timechart--layer{i}" for i in range(MAX_LAYERS)),
    }

    values: reactive[tuple[float, ...]] = reactive(tuple, layout=False)
    """Samples, oldest first (drawn when no ``plot`` is set)."""
    plot: reactive[Plot | None] = reactive(None, layout=False)
    """A time chart to draw, axes and lines included."""
    stack: reactive[Stack | None] = reactive(None, layout=False)
    """Layers to draw one over another (several devices' shares), drawn instead of ``plot``."""

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
        self._drawn: tuple[Plot | Stack, Size, list[Strip]] | None = None
        """The plot last drawn, at which size, and its lines."""

    def notify_style_update(self) -> None:
        """Forget the drawn lines when the styles change (a theme switch recolours the roles)."""
        self._drawn = None
        super().notify_style_update()

    def render_line(self, y: int) -> Strip:
        """Line ``y`` of the plot, drawn on first need; without a plot, the values' blocks."""
        plot = self.stack if self.stack is not None else self.plot
        if plot is None:
            return super().render_line(y)
        size = self.size
        drawn = self._drawn
        if drawn is None or drawn[0] is not plot or drawn[1] != size:
            drawn = self._drawn = (plot, size, self._plot_strips(plot, size))
        lines = drawn[2]
        if 0 <= y < len(lines):
            return lines[y]
        return Strip.blank(size.width, self.visual_style.rich_style)

    def render(self) -> RenderResult:
        """The title line with the latest value and the values' blocks (plots: ``render_line``)."""
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

    def _plot_strips(self, plot: Plot | Stack, size: Size) -> list[Strip]:
        base = self.visual_style.rich_style
        styles: dict[str, Style] = {"": base}
        for role, component in (
            ("bar", "timechart--line"),
            ("title", "timechart--title"),
            ("label", "timechart--scale"),
            ("expected", "timechart--scale"),
            ("quiet", "timechart--scale"),
            ("line", "timechart--setpoint"),
            ("mode", "timechart--mode"),
            ("fault", "timechart--fault"),
            *((f"layer{i}", f"timechart--layer{i}") for i in range(MAX_LAYERS)),
        ):
            styles[role] = base + self.get_component_rich_style(component)
        width = max(size.width, 1)
        if isinstance(plot, Stack):
            rows = draw_stack(plot, width, max(size.height, 1), tz=local_tz())
        else:
            rows = draw(plot, width, max(size.height, 1), tz=local_tz())
        strips = []
        for row in rows:
            # One segment per run of a role: a 7-day chart at 120 columns is ~40 runs, not 1000.
            segments = [
                Segment("".join(ch for ch, _ in cells), styles.get(role, base))
                for role, cells in groupby(row, key=lambda cell: cell[1])
            ]
            strips.append(Strip(segments).adjust_cell_length(width, base))
        return strips
