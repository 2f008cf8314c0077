"""Provides DeviceControls: mode, soft off/on and fan for one device, as widgets that post intents.

The controls never hold a client (house style 2.8): they post what the user asked for, and the
screen turns that into a command worker. What is offered follows the model's capabilities.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button, Label, Select

from nanoheater.models import HeaterStatus, ModelCapabilities

FAN_CHOICES: tuple[tuple[str, int], ...] = (
    ("auto", -1),
    ("25 %", 25),
    ("50 %", 50),
    ("75 %", 75),
    ("100 %", 100),
)
"""Fan settings offered; -1 hands the fan back to the firmware's own loop."""


class DeviceControls(Horizontal):
    """A row of controls; set ``capabilities`` and ``status`` to enable and preset them."""

    @dataclass
    class ModeChosen(Message):
        """The user picked a heat step by name."""

        name: str

    @dataclass
    class SoftPowerChosen(Message):
        """The user pressed soft on (``on=True``) or soft off."""

        on: bool

    @dataclass
    class FanChosen(Message):
        """The user picked a fan duty (-1 = auto)."""

        percent: int

    def __init__(self, capabilities: ModelCapabilities | None, *, id: str | None = None) -> None:
        """Build the controls the model ``capabilities`` allow (all disabled when unknown)."""
        super().__init__(id=id)
        self.capabilities = capabilities
        self._device_mode: str | None = None
        """The mode the device was last read in (as preset): choosing it sends nothing."""
        self._modes = {p.name for p in capabilities.profiles} if capabilities else set()

    def compose(self) -> ComposeResult:
        """Mode selector, soft off/on buttons and fan selector."""
        caps = self.capabilities
        modes = [(p.name, p.name) for p in caps.profiles] if caps else []
        yield Label("Mode", classes="control-label")
        # Prompts read as prompts, not values ("Fan fan" looked like a reading).
        yield Select(modes, prompt="choose…", id="mode-select", disabled=not modes, compact=True)
        soft = bool(caps and caps.soft_off)
        yield Button("Soft off", id="soft-off", disabled=not soft, compact=True)
        yield Button("Soft on", id="soft-on", disabled=not soft, compact=True)
        yield Label("Fan", classes="control-label")
        fans = [
            (label, value)
            for label, value in FAN_CHOICES
            if value == -1 or caps is None or value in caps.fan_percent
        ]
        yield Select(fans, prompt="choose…", id="fan-select", disabled=caps is None, compact=True)

    def preset(self, status: HeaterStatus | None) -> None:
        """Show the device's current mode without sending anything back."""
        if status is None or status.mode is None:
            return
        select: Select[str] = self.query_one("#mode-select", Select)
        if status.mode in self._modes:
            self._device_mode = status.mode
            if select.value != status.mode:
                select.value = status.mode

    @on(Select.Changed, "#mode-select")
    def _mode_changed(self, event: Select.Changed) -> None:
        # A Changed to the device's own mode is a preset (or a pick of what it already runs):
        # nothing to send. Compared by value, not by a flag that the next Changed consumes: a
        # redraw presetting between a pick and its Changed used to eat the pick and send the
        # old mode back (seen as a lost mode change under load).
        event.stop()
        if isinstance(event.value, str) and event.value != self._device_mode:
            self.post_message(self.ModeChosen(event.value))

    @on(Select.Changed, "#fan-select")
    def _fan_changed(self, event: Select.Changed) -> None:
        event.stop()
        if isinstance(event.value, int):
            self.post_message(self.FanChosen(event.value))

    @on(Button.Pressed, "#soft-off")
    def _soft_off(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.SoftPowerChosen(on=False))

    @on(Button.Pressed, "#soft-on")
    def _soft_on(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.SoftPowerChosen(on=True))
