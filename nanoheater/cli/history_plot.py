"""Provides ``nanoheater history HOST --plot`` (or ``--zone NAME``): the day and the week as charts.

The same charts as the TUI's device screen (``history.charts``, drawn by ``history.plot``):
power from zero, room temperature with the controller's set-point over it, hashrate against its
expected value, mode changes (◆) and faults (!) under the time axis, and heat and net cost per
day for the week. Charts are block characters only, so they survive pipes, pagers and any font. With
``--json`` the same windows come out as one JSON object of points instead of pictures. A zone
of the config's ``[zones]`` gets the zone's charts: its room under the zone's set-point and its
devices' total power (``history.charts.zone_plots``). Under the room chart: the config's quiet
hours (a device) or those of the zone's target in the service, with its schedule's steps.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import asdict, replace

import click

from nanoheater.cli.output import print_json
from nanoheater.config import data_dir, load_settings
from nanoheater.exceptions import UsageError
from nanoheater.history import HistoryStore, LedgerTotals, Window
from nanoheater.history.charts import day_plots, device_plots, zone_plots
from nanoheater.history.plot import QUIET_MARK, draw, local_tz, to_text
from nanoheater.history.series import DeviceSeries
from nanoheater.history.window_json import window_json
from nanoheater.home.chart_marks import quiet_spans, room_marks
from nanoheater.home.intents import INTENTS_FILE, Intents
from nanoheater.home.regulation import schedule_for

PLOT_WINDOWS = (Window.H24, Window.D7)
"""What ``--plot`` draws: the day, then the week."""
CHART_ROWS = 8
"""Lines per chart: title, five plot rows, marks, time axis."""


def plot_width() -> int:
    """The terminal's width (80 when not a terminal), kept between 40 and 160 columns."""
    width = shutil.get_terminal_size((80, 24)).columns if sys.stdout.isatty() else 80
    return max(40, min(160, width))


def read_plots(
    store: HistoryStore, device: str, model: str | None, now_s: float
) -> tuple[dict[Window, DeviceSeries], list[LedgerTotals]]:
    """The two windows and the week's days of ``device`` up to ``now_s``."""
    windows = {window: store.window(device, window, now_s) for window in PLOT_WINDOWS}
    return windows, store.days(device, 7, now_s)


def echo_plots(
    device: str,
    model: str | None,
    windows: dict[Window, DeviceSeries],
    days: list[LedgerTotals],
    *,
    as_json: bool,
) -> None:
    """Print the charts, or with ``as_json`` their points as one JSON object."""
    currency = next((d.currency for d in days if d.currency), "")
    if as_json:
        print_json(
            {
                "device": device,
                "windows": {
                    window.value: {
                        "since_s": series.since_s,
                        "until_s": series.until_s,
                        "bucket_s": window.bucket_s,
                        "points": [asdict(s) for s in series.samples],
                        "setpoints": [list(p) for p in series.setpoints],
                        "marks": [asdict(m) for m in series.marks],
                    }
                    for window, series in windows.items()
                },
                "days": [asdict(d) for d in days],
            }
        )
        return
    width, tz = plot_width(), local_tz()
    titles = {Window.H24: "the last 24 hours", Window.D7: "the last 7 days"}
    # The config's quiet hours, as the device screen shades them (its target is not known here).
    config_quiet = load_settings().settings.caps.quiet_hours
    marked = {
        window: quiet_spans(None, True, config_quiet, series.since_s, series.until_s, tz)
        for window, series in windows.items()
    }
    legend = f"  {QUIET_MARK} quiet hours" if any(marked.values()) else ""
    blocks = [
        f"History of {device}{f' ({model})' if model else ''}: ◆ mode change  ! fault{legend}"
    ]
    for window, series in windows.items():
        blocks.append(f"== {titles[window]} ==")
        for plot in device_plots(series, model=model, quiet=marked[window]):
            blocks.append(to_text(draw(plot, width, CHART_ROWS, tz=tz)))
    for plot in day_plots(days, currency, load_settings().settings.heat.heat_pump_cop):
        blocks.append(to_text(draw(plot, width, CHART_ROWS, tz=tz)))
    click.echo("\n\n".join(blocks))


def zone_devices(store: HistoryStore, zone: str) -> list[str]:
    """The history keys of the devices of ``zone`` (config ``[zones]``); usage errors otherwise."""
    zones = load_settings().settings.zones
    hosts = zones.get(zone)
    if hosts is None:
        known = ", ".join(sorted(zones)) or "none in config.toml [zones]"
        raise UsageError(f"no zone {zone!r}; zones: {known}")
    keys = [key for host in hosts if (key := store.resolve(host)) is not None]
    if not keys:
        raise UsageError(f"no history for the devices of zone {zone!r} ({', '.join(hosts)})")
    return keys


def echo_zone_plots(store: HistoryStore, zone: str, now_s: float, *, as_json: bool) -> None:
    """Print the zone's day and week (room and set-point, total power), or their points."""
    devices = zone_devices(store, zone)
    windows = {w: zone_marked(store.zone_window(zone, devices, w, now_s)) for w in PLOT_WINDOWS}
    if as_json:
        print_json(
            {
                "zone": zone,
                "devices": devices,
                "windows": {window.value: window_json(s) for window, s in windows.items()},
            }
        )
        return
    width, tz = plot_width(), local_tz()
    titles = {Window.H24: "the last 24 hours", Window.D7: "the last 7 days"}
    count = f"{len(devices)} device{'' if len(devices) == 1 else 's'}"
    legend = "".join(
        (
            f"  {QUIET_MARK} quiet hours" if any(s.quiet for s in windows.values()) else "",
            "  ↑↓ schedule" if any(s.steps for s in windows.values()) else "",
        )
    )
    blocks = [f"Zone {zone} ({count}): ◆ mode change  ! fault{legend}"]
    for window, series in windows.items():
        blocks.append(f"== {titles[window]} ==")
        for plot in zone_plots(series):
            blocks.append(to_text(draw(plot, width, CHART_ROWS, tz=tz)))
    click.echo("\n\n".join(blocks))


def zone_marked(series: DeviceSeries) -> DeviceSeries:
    """``series`` with the quiet hours and schedule steps of the zone's target in the service.

    The target is the one ``nanoheater serve`` keeps in ``<data>/intents.json`` (read, never
    changed: the service may be running); a zone without a target there has none, as the
    service's own zone window says.
    """
    target = Intents.peek(data_dir() / INTENTS_FILE).targets.get(series.device)
    if target is None or target.kind == "off":
        return series
    config_quiet = load_settings().settings.caps.quiet_hours
    quiet, steps = room_marks(
        schedule_for(target), True, config_quiet, series.since_s, series.until_s, local_tz()
    )
    return replace(series, quiet=tuple(quiet), steps=tuple(steps))
