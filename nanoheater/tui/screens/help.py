"""Provides HelpScreen (``?`` or F1): the keys, and what states, modes and calibrating mean.

The footer shows only the current screen's keys, and the command palette lists commands, but
nothing said what ``calibrating`` is or why a device refuses a mode change for minutes. This
is that explanation, in the app, closed with Esc (or ``?``, F1, ``q``).
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP_TEXT = """\
# nanoheater help

**Everywhere**: `f` fleet · `e` economics · `l` events · `s` settings · `ctrl+p` every command ·
`?`/`F1` this help · `q` quit · `Esc` back (and closes the Keys panel).

**Fleet**: `Enter` open a device · `a` add one by address · `r` rescan the network ·
`n` rename · `x` remove · `d` the day's power and heat per device instead of the table.

**Device**: `t` heat the room to a target · `+`/`-` move the target · `m` back to manual ·
`w` write or edit its weekly schedule · `o`/`n` soft off / soft on · `v` the charts' window.

## States
- **mining**: hashing, so heating. **idle**: powered, not hashing (little heat).
- **calibrating**: just after a mode change, the device tunes itself for about 5 minutes and
  **refuses another mode change** until it is done; the app waits and retries.
- **off**: soft off, reachable, standby power (a Nano 3S has no soft off).
- **fault**: the device protects itself; the events view says why (fan stopped, overheating).
- **offline**: it does not answer; its last figures are shown dimmed.

## Modes
Each model's heat steps, lowest to highest (Nano 3S: Low, Mid, High; Mini 3: Night, Heating
Eco, Heating Super, Mining; Q: Eco, Standard, Super). A target lets the controller choose.

## Quitting
Devices under a target are left at the exit level (lowest heating step unless
`--exit-level` says otherwise). Inside a calibration window the mode cannot change, so `q`
first counts down (up to 6 minutes) until the window closes, then sets the exit level. `s` or
`Esc` skips the wait: such a device is switched off instead (its next "on" resumes its old mode),
or a Nano 3S keeps heating. The terminal shows what each device was left at when the app closes.
"""


class HelpScreen(ModalScreen[None]):
    """The in-app help; any of Esc, ``?``, F1 or ``q`` closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,f1,q", "close", "Close"),
    ]

    def compose(self) -> ComposeResult:
        """The help text, scrollable on small terminals."""
        with VerticalScroll(id="help-dialog", classes="dialog"):
            yield Markdown(HELP_TEXT)

    def action_close(self) -> None:
        """Close the help."""
        self.dismiss(None)
