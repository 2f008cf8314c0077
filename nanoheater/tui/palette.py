"""Provides the nanoheater entries of the command palette: every view, rescan and each device."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING

from textual.app import SystemCommand

if TYPE_CHECKING:
    from nanoheater.tui.app import NanoheaterApp


def palette_commands(app: NanoheaterApp) -> Iterator[SystemCommand]:
    """Yield a command per view, one to rescan, and one to open each device of the fleet."""
    yield SystemCommand("Fleet", "Every device with its live numbers", app.action_show_fleet)
    yield SystemCommand("Economics", "Heat, cost and sats by period", app.action_show_economics)
    yield SystemCommand("Events", "What happened this session", app.action_show_events)
    yield SystemCommand("Settings", "Tariff, market, sensors, caps", app.action_show_settings)
    yield SystemCommand("Rescan", "Look for devices again", app.rescan)
    for entry in app.fleet:
        yield SystemCommand(
            f"Open {entry.name}", f"Device at {entry.key}", partial(app.open_device, entry.key)
        )
