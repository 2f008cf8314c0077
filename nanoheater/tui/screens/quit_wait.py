"""Provides QuitWaitScreen: quitting waits, visibly and for a bounded time, for calibration.

A mode change opens a calibration window of about five minutes in which the firmware refuses
the next one, so quitting inside it cannot set the exit level: the device would be left soft
off in its top mode, or (a Nano 3S) simply left heating (issue 12, item 2). Quitting with such a
device under a heat target shows this countdown; the exit level is set once no such device is
calibrating any more, or the bound runs out. ``s`` or Esc quits at once, and the quit summary
then says what each device was left at and why.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label

from nanoheater.const import CALIBRATION_RETRY_S

if TYPE_CHECKING:
    from nanoheater.tui.app import NanoheaterApp

QUIT_WAIT_S = CALIBRATION_RETRY_S + 60.0
"""The longest quitting waits for a calibration window (about five minutes) by default."""

TICK_S = 0.5
"""How often the countdown is redrawn and the devices are checked."""
POLL_EVERY_S = 5.0
"""How often the devices are read again while waiting (wall seconds)."""


def calibrating_under_target(app: NanoheaterApp) -> list[str]:
    """Names of the devices under a heat target whose last reading says they are calibrating."""
    names = []
    for key in app.devices.regulators:
        entry = app.fleet.get(key)
        if entry is not None and entry.status is not None and entry.status.calibrating:
            names.append(entry.name)
    return names


class QuitWaitScreen(ModalScreen[None]):
    """A countdown until calibration ends (then the app quits), skippable with ``s`` or Esc."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "skip", "Quit now"),
        Binding("escape", "skip", "Quit now"),
    ]

    def __init__(self, wait_s: float) -> None:
        """Wait at most ``wait_s`` seconds of the user's time.

        On the wall (monotonic) clock, not the app's: the user waits in real seconds even when
        the app runs on the demo's accelerated simulated clock (its calibration then simply ends
        sooner).
        """
        super().__init__()
        self.deadline_s = time.monotonic() + wait_s
        self._next_poll_s = 0.0

    def compose(self) -> ComposeResult:
        """The countdown line and how to skip it."""
        with Vertical(id="quit-wait-dialog", classes="dialog"):
            yield Label("", id="quit-wait-text")
            yield Label("s or Esc: quit now (the summary says what each device is left at)")

    def on_mount(self) -> None:
        """Start the countdown."""
        self._next_poll_s = time.monotonic() + POLL_EVERY_S
        self.set_interval(TICK_S, self.tick)
        self.tick()

    @property
    def _app(self) -> NanoheaterApp:
        from nanoheater.tui.app import NanoheaterApp

        if not isinstance(self.app, NanoheaterApp):
            raise TypeError("this screen only runs inside NanoheaterApp")
        return self.app

    def tick(self) -> None:
        """Redraw the countdown; quit when nothing is calibrating or the time is up."""
        app = self._app
        now_s = time.monotonic()
        waiting = calibrating_under_target(app)
        left_s = self.deadline_s - now_s
        if not waiting or left_s <= 0:
            if waiting:
                app.events.add("", f"quit: still calibrating after the wait: {', '.join(waiting)}")
            app.exit()
            return
        minutes, seconds = divmod(int(left_s + 0.999), 60)
        self.query_one("#quit-wait-text", Label).update(
            f"Calibrating after a mode change: {', '.join(waiting)}. Waiting up to "
            f"{minutes}:{seconds:02d} for it to end, then setting the exit level "
            f"({app.exit_level})."
        )
        if now_s >= self._next_poll_s:
            self._next_poll_s = now_s + POLL_EVERY_S
            app.poll_all()

    def action_skip(self) -> None:
        """Quit now; the quit summary says what each calibrating device was left at."""
        self._app.events.add("", "quit: calibration wait skipped")
        self._app.exit()


__all__ = ["POLL_EVERY_S", "QUIT_WAIT_S", "QuitWaitScreen", "calibrating_under_target"]
