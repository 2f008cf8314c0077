"""Provides KeyFooter: Textual's Footer, rebuilt only when the keys it shows have changed.

Textual's Footer recomposes (unmounts and mounts a widget per key) whenever a screen's bindings
may have changed: on every screen switch and focus change, even when the keys shown are the same
as before. That rebuild was most of the time from a key to the next frame when opening or
closing the device screen; this footer compares what it would show with what it shows, and
skips the rebuild when nothing differs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len
from textual import events
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.screen import Screen

DROPPABLE: tuple[tuple[str, str], ...] = (
    ("f", "show_fleet"),
    ("l", "show_events"),
    ("s", "show_settings"),
    ("e", "show_economics"),
    ("enter", "open_device"),
)
"""The app-wide screen keys (f, l, s, e), then Enter (Open), left out in this order from a
footer too narrow for every key: the help (?) and the command palette list them, and ? and q
must stay in view (at 80 columns the fleet screen's footer used to end at "l Events", cutting
off s, q and ?)."""

Shown = tuple[tuple[str, str, str, bool, str], ...]
"""Per key shown: key, description, action, enabled, tooltip."""


def shown_keys(screen: Screen[object]) -> Shown:
    """What a footer on ``screen`` shows now (the command palette key included)."""
    palette = screen.app.COMMAND_PALETTE_BINDING
    return tuple(
        (binding.key, binding.description, binding.action, enabled, tooltip)
        for key, (_, binding, enabled, tooltip) in screen.active_bindings.items()
        if binding.show or key == palette
    )


class KeyFooter(Footer):
    """A Footer that skips rebuilding when the screen's shown keys are what it already shows."""

    def __init__(self) -> None:
        """A footer with Textual's defaults."""
        super().__init__()
        self._shown: Shown | None = None
        self._composed_width: int | None = None

    def compose(self) -> ComposeResult:
        """Textual's keys that fit the width; remember which, to compare with next time."""
        if self.is_attached and self._bindings_ready:  # before that, Footer shows nothing
            self._shown = shown_keys(self.screen)
        keys = list(super().compose())
        self._composed_width = self.app.size.width
        for key, action in DROPPABLE:  # by key and action: Esc may show the fleet too ("Back")
            if _width(keys) <= self._composed_width:
                break
            keys = [k for k in keys if not _is(k, key, action)]
        if len(keys):
            listed = [k for k in keys if not k.has_class("-command-palette")]
            self.styles.grid_size_columns = len(listed)
        yield from keys

    def on_resize(self, _event: events.Resize) -> None:
        """Fit the keys again when the terminal's width changed since they were laid out."""
        if self._composed_width is not None and self.app.size.width != self._composed_width:
            self._composed_width = self.app.size.width
            self.call_after_refresh(self.recompose)

    def bindings_changed(self, screen: Screen[object]) -> None:
        """Rebuild when the keys to show differ from the keys shown (Textual rebuilds always)."""
        if self._shown is not None and screen is self.screen and shown_keys(screen) == self._shown:
            return
        super().bindings_changed(screen)


def _width(keys: list[Widget]) -> int:
    """Columns a footer of ``keys`` takes: each key, its description and their padding."""
    return sum(
        cell_len(k.key_display) + cell_len(k.description) + 3
        for k in keys
        if isinstance(k, FooterKey)
    )


def _is(widget: Widget, key: str, action: str) -> bool:
    """Whether ``widget`` is the footer key ``key`` running app action ``action``."""
    return (
        isinstance(widget, FooterKey)
        and widget.key == key
        and widget.action.removeprefix("app.") == action
    )
