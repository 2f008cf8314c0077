"""Provides RenameScreen, a small dialog asking for a device's new name."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label


class RenameScreen(ModalScreen[str | None]):
    """Dismisses with the typed name ("" restores the device's own), or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, current: str) -> None:
        """Ask for a new name, starting from ``current``."""
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        """A label, the name input and two buttons."""
        with Vertical(id="rename-dialog", classes="dialog"):
            yield Label("Name this device (empty: its own name)")
            yield Input(value=self.current, placeholder="Living room Q", id="rename-name")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Rename", variant="primary", id="rename-ok")
                yield Button("Cancel", id="rename-cancel")

    @on(Input.Submitted)
    @on(Button.Pressed, "#rename-ok")
    def _submit(self) -> None:
        self.dismiss(self.query_one(Input).value)

    @on(Button.Pressed, "#rename-cancel")
    def action_cancel(self) -> None:
        """Close without renaming."""
        self.dismiss(None)
