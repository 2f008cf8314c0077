"""Provides KeyFooter: Textual's Footer, rebuilt only when the keys it shows have changed.

Textual's Footer recomposes (unmounts and mounts a widget per key) whenever a screen's bindings
may have changed: on every screen switch and focus change, even when the keys shown are the same
as before. That rebuild was most of the time from a key to the next frame when opening or
closing the device screen; this footer compares what it would show with what it shows, and
skips the rebuild when nothing differs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Footer

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.screen import Screen

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

    def compose(self) -> ComposeResult:
        """Textual's keys; remember which, to compare with when the bindings change next."""
        if self.is_attached and self._bindings_ready:  # before that, Footer shows nothing
            self._shown = shown_keys(self.screen)
        yield from super().compose()

    def bindings_changed(self, screen: Screen[object]) -> None:
        """Rebuild when the keys to show differ from the keys shown (Textual rebuilds always)."""
        if self._shown is not None and screen is self.screen and shown_keys(screen) == self._shown:
            return
        super().bindings_changed(screen)
