"""Provides ScheduleEditorScreen: write or change a weekly schedule in the app, checked on save.

The schedule is the TOML file ``thermostat --schedule`` reads (README "Schedules"). Ctrl+S
parses it with the controller's own parser: a mistake is shown in one line and nothing is
saved; a good schedule closes the editor with its text, and the App has it written and followed.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static, TextArea

from nanoheater.controller.targets import parse_schedule
from nanoheater.exceptions import UsageError

TEMPLATE = """\
# A week of heat targets: each entry holds from its time until the next one.
[[entry]]
days = "mon-fri"   # "all", "mon-fri", "sat,sun", "tue", ...
at = "06:30"
target_c = 21      # or: mode = "Night"   or: power_w = 500

[[entry]]
days = "mon-fri"
at = "22:30"
target_c = 17

[[entry]]
days = "sat,sun"
at = "08:00"
target_c = 21

# Quiet hours cap noise, mode or power while they last (may run past midnight).
[[quiet]]
days = "all"
from = "22:00"
to = "07:00"
max_db = 35        # and/or: max_mode = "Night", max_power_w = 400
"""
"""What a new schedule starts from: the README's example, commented."""


class ScheduleEditorScreen(ModalScreen[str | None]):
    """Dismisses with the schedule text once it parses, or None when cancelled (Esc)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save and follow", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, path: str, text: str) -> None:
        """Edit the schedule at ``path`` (shown), starting from ``text``."""
        super().__init__()
        self.path = path
        self.text = text

    def compose(self) -> ComposeResult:
        """The file name, the editor and the status line."""
        with Vertical(id="schedule-dialog", classes="dialog"):
            yield Label(f"Schedule {self.path}  (Ctrl+S save and follow, Esc cancel)")
            yield TextArea(self.text, language=None, id="schedule-text")
            yield Static("", id="schedule-error")

    def action_save(self) -> None:
        """Check the schedule; close with it when it parses, else say what is wrong."""
        text = self.query_one(TextArea).text
        try:
            schedule = parse_schedule(text)
        except (UsageError, ValueError) as exc:
            self.query_one("#schedule-error", Static).update(f"Not saved: {exc}")
            return
        if not schedule.entries:
            self.query_one("#schedule-error", Static).update("Not saved: add an [[entry]]")
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        """Close without saving."""
        self.dismiss(None)
