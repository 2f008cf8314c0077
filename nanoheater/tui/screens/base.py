"""Provides AppScreen, the base of every full screen: typed access to the NanoheaterApp."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events
from textual.screen import Screen

if TYPE_CHECKING:
    from nanoheater.tui.app import NanoheaterApp


class AppScreen(Screen[None]):
    """A screen of the nanoheater app; ``fleet_changed`` is called when the fleet changes."""

    _styled_for: tuple[object, ...] | None = None
    """The app-wide style inputs when this screen was last left (None: not left yet)."""

    @property
    def nano_app(self) -> NanoheaterApp:
        """The app, typed (screens read its fleet, ledger, events and settings)."""
        from nanoheater.tui.app import NanoheaterApp

        if not isinstance(self.app, NanoheaterApp):
            raise TypeError("this screen only runs inside NanoheaterApp")
        return self.app

    def fleet_changed(self, key: str | None) -> None:
        """Redraw what shows device ``key`` (None: anything may have changed)."""

    def _style_inputs(self) -> tuple[object, ...]:
        """What, outside this screen, its styles depend on: theme, app classes and states."""
        app = self.app
        return (app.theme, app.pseudo_classes, frozenset(app.classes))

    def on_screen_suspend(self) -> None:
        """Remember the app-wide style inputs, to tell on return whether they changed."""
        self._styled_for = self._style_inputs()

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        """Catch up on changes made while another screen was on top.

        Textual restyles every widget of a screen it returns to, in case the theme or the app's
        state changed meanwhile; that was most of the time from a key to the frame showing a
        kept device screen again. When nothing the styles depend on has changed, it is skipped.
        (Changes inside the screen restyle their widgets as they happen.)
        """
        if self._styled_for is not None and self._styled_for == self._style_inputs():
            event.refresh_styles = False
        self.fleet_changed(None)
