"""Benchmark: the drawing tools compared for issue 18 (block chart, textual-plot, textual-plotext).

Usage (in a scratch virtual environment, the two plotting widgets are not project dependencies)::

    uv venv /tmp/tp-venv --python 3.11
    uv pip install --python /tmp/tp-venv/bin/python . textual-plot==0.10.1 \
        textual-plotext==1.0.1 plotext==5.3.2
    /tmp/tp-venv/bin/python bench/chart_tools.py [--runs 7] [--out DIR]

With only the project installed it measures the block chart alone. ``--fleet-day N`` measures
the fleet screen's day instead: reading N devices' day from a history file and drawing the two
stacked charts (issue 18). Each tool draws one chart
filling a headless Textual app of 80x24 and of 120x40 cells: a week of minute means of a
heater's power (10,080 points, a day/night cycle with a few off hours), the case the issue
sets ("a 7-day window of minute data must render within the key-to-repaint budget"). Measured
per tool and size, ``--runs`` times (median [min-max]):

- **data to frame**: from handing the widget new points to the first frame Textual composes
  after it (wall and this process's CPU), through the widget's own path: ``TimeChart.plot``,
  ``PlotWidget.clear`` + ``plot``, ``PlotextPlot.plt`` + ``refresh``.
- **import**: seconds to import the widget's module in a fresh interpreter (best of 3).

It saves each picture as SVG (Textual's export, what the README uses) and as text in ``--out``
and counts the characters each draws that are not block or box-drawing characters (braille and
other glyphs a font may lack; the SVG export keeps them as text, so their look depends on the
viewer's font). Headless: no terminal output time is included.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness import ROOT, print_header, spread

sys.path.insert(0, str(ROOT))

SIZES = ((80, 24), (120, 40))
WEEK_S = 7 * 86_400
FRAME_DEADLINE_S = 30.0
Drawn = tuple[Any, Callable[[float], None]]
"""A widget and how to hand it the week (shifted by some seconds)."""
BLOCKS = set(" ▁▂▃▄▅▆▇█") | {chr(c) for c in range(0x2500, 0x2600)}
"""Block elements and box drawing: in every terminal font."""


def week_of_minutes(until_s: float) -> list[tuple[float, float]]:
    """(time, watts): 10,080 minute means, warmer days drawing less, two hours off each night."""
    points = []
    for minute in range(WEEK_S // 60):
        ts_s = until_s - WEEK_S + minute * 60
        hour = (ts_s % 86_400) / 3600
        off = 2.0 <= hour < 4.0
        watts = 0.0 if off else 100.0 + 40.0 * math.cos(2 * math.pi * (hour - 4) / 24)
        points.append((ts_s, watts))
    return points


def _blocks(points: list[tuple[float, float]], until_s: float) -> Drawn:
    from nanoheater.history.plot import Plot
    from nanoheater.tui.widgets.chart import TimeChart

    widget = TimeChart("Power", "W", from_zero=True)
    widget.styles.height = "1fr"

    def show(shift_s: float) -> None:
        widget.plot = Plot(
            "Power",
            "W",
            [(t + shift_s, w) for t, w in points],
            since_s=until_s + shift_s - WEEK_S,
            until_s=until_s + shift_s,
            bucket_s=60,
            from_zero=True,
        )

    return widget, show


def _textual_plot(points: list[tuple[float, float]], _: float) -> Drawn:
    from textual_plot import HiResMode, PlotWidget  # type: ignore[import-not-found]

    widget = PlotWidget(allow_pan_and_zoom=False)
    widget.styles.height = "1fr"
    xs = [(t - points[-1][0]) / 3600 for t, _ in points]  # hours before now
    ys = [w for _, w in points]

    def show(shift_s: float) -> None:
        del shift_s  # hours before now: the same picture a minute later
        widget.clear()
        widget.plot(xs, ys, hires_mode=HiResMode.BRAILLE, label="power W")
        widget.set_xlabel("hours")
        widget.set_ylabel("W")

    return widget, show


def _textual_plotext(points: list[tuple[float, float]], _: float) -> Drawn:
    from textual_plotext import PlotextPlot  # type: ignore[import-not-found]

    widget = PlotextPlot()
    xs = [(t - points[-1][0]) / 3600 for t, _ in points]
    ys = [w for _, w in points]

    def show(shift_s: float) -> None:
        del shift_s
        widget.plt.clear_data()
        widget.plt.plot(xs, ys)
        widget.plt.title("Power W")
        widget.refresh()

    return widget, show


TOOLS: dict[str, tuple[str, Callable[..., Drawn]]] = {
    "blocks (tui/widgets/chart.py)": ("nanoheater.tui.widgets.chart", _blocks),
    "textual-plot 0.10.1 (braille)": ("textual_plot", _textual_plot),
    "textual-plotext 1.0.1": ("textual_plotext", _textual_plotext),
}


async def measure(tool: str, size: tuple[int, int], runs: int, out: Path) -> dict[str, Any]:
    """Draw the week ``runs`` times at ``size``; frame latency, CPU, SVG and text of the last."""
    from textual.app import App, ComposeResult

    until_s = 1_765_000_000.0
    points = week_of_minutes(until_s)
    widget, show = TOOLS[tool][1](points, until_s)
    frames: list[float] = []

    class Bench(App[None]):
        def compose(self) -> ComposeResult:
            yield widget

    app = Bench()
    wall: list[float] = []
    cpu: list[float] = []
    async with app.run_test(size=size) as pilot:
        display = app._display

        def timed(screen: Any, renderable: Any) -> None:
            display(screen, renderable)
            frames.append(time.perf_counter())

        app._display = timed  # type: ignore[method-assign]
        await pilot.pause()
        for run in range(runs + 1):  # the first draw warms caches and is not counted
            await pilot.pause(0.05)
            start, start_cpu = time.perf_counter(), time.process_time()
            show(60.0 * run)  # new data each time (a reactive repaints only on a change)
            while not frames or frames[-1] < start:
                if time.perf_counter() - start > FRAME_DEADLINE_S:
                    raise SystemExit(f"{tool} {size}: no frame within {FRAME_DEADLINE_S} s")
                await asyncio.sleep(0)
            wall.append(frames[-1] - start)
            cpu.append(time.process_time() - start_cpu)
        name = tool.split()[0]
        svg = app.export_screenshot(title=f"{name} {size[0]}x{size[1]}")
        (out / f"{name}-{size[0]}x{size[1]}.svg").write_text(svg, encoding="utf-8")
        lines = [strip.text for strip in app.screen._compositor.render_strips()]
    text = "\n".join(lines)
    (out / f"{name}-{size[0]}x{size[1]}.txt").write_text(text, encoding="utf-8")
    others = sorted({ch for ch in text if ch not in BLOCKS and not ch.isascii()})
    return {
        "wall_ms": [1000 * s for s in wall[1:]],
        "cpu_ms": [1000 * s for s in cpu[1:]],
        "other_glyphs": "".join(others[:12]) + ("…" if len(others) > 12 else ""),
        "other_count": sum(1 for ch in text if ch not in BLOCKS and not ch.isascii()),
    }


def import_s(module: str) -> float:
    """Best of three: seconds to import ``module`` in a fresh interpreter."""
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    best = math.inf
    for _ in range(3):
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=ROOT
        )
        if done.returncode != 0:
            return math.nan
        best = min(best, float(done.stdout))
    return best


def available(module: str) -> bool:
    """Whether ``module`` imports here (the two plotting widgets are optional)."""
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def fleet_day(runs: int, devices: int) -> None:
    """The fleet screen's day with ``devices`` devices: its read and its two stacked charts.

    A real history file with a day of minute readings and ledger hours per device; the read is
    ``fleet_power`` + ``ledger_hours`` (what the screen asks the history thread for), the draw
    ``charts.fleet_day`` + ``draw_stack`` of both charts at 59x14 (side by side at 120x40).
    """
    from nanoheater.history import HistoryStore, Sample, Window
    from nanoheater.history.charts import fleet_day as stacks
    from nanoheater.history.series import window_since
    from nanoheater.history.stacked import draw_stack

    until = 1_765_000_000.0
    with tempfile.TemporaryDirectory() as folder, HistoryStore.open(Path(folder) / "h.db") as store:
        for d in range(devices):
            start = int(until) - 86_400
            store.add_samples(
                Sample(f"dev{d}", float(t), power_w=50.0 + 10 * d)
                for t in range(start, int(until), 60)
            )
            rows = [
                (f"dev{d}", h, 3600.0, 0.1, 0.1, 0.0, 0.0, 0.0, "USD")
                for h in range(start // 3600 * 3600, int(until) // 3600 * 3600, 3600)
            ]
            store._db.executemany("INSERT INTO ledger VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        since = window_since(Window.H24, until)
        read_ms, full_ms, draw_ms = [], [], []
        for _ in range(runs):
            start_s = time.perf_counter()
            store.fleet_window(Window.H24, until)  # every field as Samples: the read it replaced
            full_ms.append(1000 * (time.perf_counter() - start_s))
            start_s = time.perf_counter()
            power = store.fleet_power(Window.H24, until)
            heat = store.ledger_hours(None, since, until)
            read_ms.append(1000 * (time.perf_counter() - start_s))
            start_s = time.perf_counter()
            pair = stacks(power, heat, {}, since_s=since, until_s=until, bucket_s=60)
            for stack in pair:
                draw_stack(stack, 59, 14)
            draw_ms.append(1000 * (time.perf_counter() - start_s))
    print(
        f"fleet day, {devices} devices (a day of minutes each): read {spread(read_ms, '{:.1f}')}"
        f" ms (fleet_window's full read: {spread(full_ms, '{:.1f}')} ms),"
        f" both stacked charts {spread(draw_ms, '{:.1f}')} ms"
    )


def main() -> None:
    """Measure every installed tool at both sizes and print one line per figure."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "chart-tools")
    parser.add_argument(
        "--fleet-day", type=int, metavar="N", help="only the fleet's day with N devices"
    )
    args = parser.parse_args()
    if args.fleet_day:
        print_header("the fleet's day: history read and stacked charts", args.runs)
        fleet_day(args.runs, args.fleet_day)
        return
    args.out.mkdir(parents=True, exist_ok=True)
    print_header("drawing tools: a week of minute points (10,080)", args.runs)
    print(f"baseline: import textual.app {import_s('textual.app') * 1000:.0f} ms (best of 3)")
    for tool, (module, _) in TOOLS.items():
        if not available(module):
            print(f"{tool}: not installed, skipped")
            continue
        print(f"{tool}: import {import_s(module) * 1000:.0f} ms (best of 3, fresh interpreter)")
        for size in SIZES:
            got = asyncio.run(measure(tool, size, args.runs, args.out))
            print(
                f"  {size[0]}x{size[1]}: data to frame {spread(got['wall_ms'], '{:.1f}', ' ms')}"
                f", CPU {spread(got['cpu_ms'], '{:.1f}', ' ms')}"
                f", p-max {max(got['wall_ms']):.1f} ms"
                f"; glyphs outside blocks/box drawing: {got['other_count']}"
                f" {got['other_glyphs']!r}"
            )
    print(f"pictures: {args.out}/*.svg, *.txt")


if __name__ == "__main__":
    main()
