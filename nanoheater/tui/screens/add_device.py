"""Provides AddDeviceScreen, a small dialog asking for a device address (``host[:port]``)."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label


class AddDeviceScreen(ModalScreen[str | None]):
    """Dismisses with the typed address, or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def compose(self) -> ComposeResult:
        """A label, the address input and two buttons."""
        with Vertical(id="add-dialog", classes="dialog"):
            yield Label("Add a device by address (host or host:port, port 4028 by default)")
            yield Input(placeholder="192.168.1.50:4028", id="add-address")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Add", variant="primary", id="add-ok")
                yield Button("Cancel", id="add-cancel")

    @on(Input.Submitted)
    @on(Button.Pressed, "#add-ok")
    def _submit(self) -> None:
        self.dismiss(self.query_one(Input).value.strip() or None)

    @on(Button.Pressed, "#add-cancel")
    def action_cancel(self) -> None:
        """Close without adding."""
        self.dismiss(None)
