"""Provides TargetPanel: what the controller aims for on one device, and why it did what it did.

A room set-point with up/down, a fixed heat level, a weekly schedule file, and the settings'
quiet hours on or off. Like every widget here it only posts what the user asked for; the screen
hands that to the App, which runs the controller in workers.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.markup import escape
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Button, Input, Label, Select, Static, Switch

from nanoheater.units import CELSIUS

SETPOINT_STEP_C = 0.5
"""One press of up or down."""

SETPOINT_RANGE_C = (5.0, 30.0)
"""The set-point stays inside this range."""


class TargetPanel(Vertical):
    """Heat-target controls; ``control`` and ``reason`` are set from above after each tick."""

    @dataclass
    class SetpointChosen(Message):
        """The user engaged (or moved, while engaged) the room set-point."""

        target_c: float
        quiet_hours: bool

    @dataclass
    class LevelChosen(Message):
        """The user picked a fixed heat level (a mode name) for the controller to hold."""

        mode: str
        quiet_hours: bool

    @dataclass
    class ScheduleChosen(Message):
        """The user asked to follow the schedule file at ``path``."""

        path: str
        quiet_hours: bool

    @dataclass
    class ControlStopped(Message):
        """The user handed the device back to manual control."""

    setpoint_c: reactive[float] = reactive(21.0)
    """The set-point shown (and sent when engaging)."""
    control: reactive[str | None] = reactive(None)
    """What the controller aims for now; None under manual control."""
    reason: reactive[str] = reactive("")
    """Why the controller did what it last did."""
    room: reactive[str] = reactive("")
    """The room model learned from the history, in one line ("" hides the line)."""

    def compose(self) -> ComposeResult:
        """Set-point row, level/schedule/quiet row, and the decision line."""
        with Horizontal(classes="target-row"):
            yield Label("Room target", classes="control-label")
            yield Button("-", id="setpoint-down", compact=True)
            yield Static(self._setpoint_text(), id="setpoint-value")
            yield Button("+", id="setpoint-up", compact=True)
            yield Button("Heat to target", id="target-engage", variant="primary", compact=True)
            yield Button("Manual", id="target-stop", compact=True, disabled=self.control is None)
        with Horizontal(classes="target-row"):
            yield Label("Level", classes="control-label")
            yield Select[str]([], prompt="choose…", id="level-select", compact=True)
            yield Label("Schedule", classes="control-label")
            yield Input(placeholder="schedule.toml", id="schedule-path", compact=True)
            yield Label("Quiet hours", classes="control-label")
            yield Switch(value=True, id="quiet-hours")
        yield Static(self._decision_text(), id="decision")
        yield Static(escape(self.room), id="room-model", classes="note")

    def on_mount(self) -> None:
        """Draw the initial values."""
        self._redraw()

    def set_levels(self, names: list[str]) -> None:
        """Offer these heat levels (the model's profiles, lowest first)."""
        self.query_one("#level-select", Select).set_options([(n, n) for n in names])

    @property
    def quiet_hours(self) -> bool:
        """Whether the settings' quiet hours should apply."""
        return self.query_one("#quiet-hours", Switch).value

    def watch_setpoint_c(self) -> None:
        """Redraw the set-point."""
        self._redraw()

    def watch_control(self) -> None:
        """Redraw the state."""
        self._redraw()

    def watch_reason(self) -> None:
        """Redraw the decision line."""
        self._redraw()

    def watch_room(self) -> None:
        """Redraw the room model line."""
        self._redraw()

    def _setpoint_text(self) -> str:
        return f"{self.setpoint_c:.1f} °C"

    def _decision_text(self) -> str:
        if self.control is not None:
            # The reason quotes sensors and devices: escaped, so "[/]" is text, not markup.
            reason = escape(self.reason or "starting…")
            return f"[b]Controller ({escape(self.control)}):[/] {reason}"
        return "[dim]Manual control: the device keeps the mode you set.[/]"

    def _redraw(self) -> None:
        if not self.is_mounted:
            return
        self.query_one("#setpoint-value", Static).update(self._setpoint_text())
        self.query_one("#target-stop", Button).disabled = self.control is None
        self.query_one("#decision", Static).update(self._decision_text())
        room = self.query_one("#room-model", Static)
        room.update(escape(self.room))
        room.display = bool(self.room)

    def step(self, delta_c: float) -> None:
        """Move the set-point by ``delta_c`` within range; re-target a running set-point."""
        low, high = SETPOINT_RANGE_C
        self.setpoint_c = min(high, max(low, round(self.setpoint_c + delta_c, 1)))
        if self.control is not None and self.control.endswith(CELSIUS):
            self.post_message(self.SetpointChosen(self.setpoint_c, self.quiet_hours))

    def engage(self) -> None:
        """Ask to heat to the shown set-point."""
        self.post_message(self.SetpointChosen(self.setpoint_c, self.quiet_hours))

    @on(Button.Pressed, "#setpoint-down")
    def _down(self, event: Button.Pressed) -> None:
        event.stop()
        self.step(-SETPOINT_STEP_C)

    @on(Button.Pressed, "#setpoint-up")
    def _up(self, event: Button.Pressed) -> None:
        event.stop()
        self.step(SETPOINT_STEP_C)

    @on(Button.Pressed, "#target-engage")
    def _engage(self, event: Button.Pressed) -> None:
        event.stop()
        self.engage()

    @on(Button.Pressed, "#target-stop")
    def _stop(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.ControlStopped())

    @on(Select.Changed, "#level-select")
    def _level(self, event: Select.Changed) -> None:
        event.stop()
        if isinstance(event.value, str):
            self.post_message(self.LevelChosen(event.value, self.quiet_hours))

    @on(Input.Submitted, "#schedule-path")
    def _schedule(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip():
            self.post_message(self.ScheduleChosen(event.value.strip(), self.quiet_hours))
