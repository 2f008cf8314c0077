"""Provides EventsScreen: the session's events, newest at the bottom, following new ones."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Header, RichLog

from nanoheater.tui.eventlog import LoggedEvent, Severity
from nanoheater.tui.screens.base import AppScreen
from nanoheater.tui.widgets.footer import KeyFooter

_STYLES = {Severity.INFO: "", Severity.WARNING: "yellow", Severity.ERROR: "bold red"}


def event_line(event: LoggedEvent) -> Text:
    """One log line: time, device, text, coloured by severity."""
    stamp = datetime.fromtimestamp(event.at_s).strftime("%H:%M:%S")
    line = Text.assemble((stamp, "dim"), " ")
    if event.device:
        line.append(event.device, "bold")
        line.append(": ")
    line.append(event.text, _STYLES[event.severity])
    return line


class EventsScreen(AppScreen):
    """Every event this session: devices found, offline, commands, refusals, controller steps."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "app.show_fleet", "Back")]

    def __init__(self) -> None:
        """Start with nothing shown; ``on_mount`` catches up."""
        super().__init__()
        self._shown = 0

    def compose(self) -> ComposeResult:
        """The log between header and footer."""
        yield Header()
        yield RichLog(id="events-log", wrap=True, markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        """Write every event logged so far."""
        self.sub_title = "Events"
        self.fleet_changed(None)

    def fleet_changed(self, key: str | None) -> None:
        """Append the events logged since the last call."""
        events = self.nano_app.events
        log = self.query_one(RichLog)
        for event in events.since(self._shown):
            log.write(event_line(event))
        self._shown = events.total
