"""Provides AppScreen, the base of every full screen: typed access to the NanoheaterApp."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.screen import Screen

if TYPE_CHECKING:
    from nanoheater.tui.app import NanoheaterApp


class AppScreen(Screen[None]):
    """A screen of the nanoheater app; ``fleet_changed`` is called when the fleet changes."""

    @property
    def nano_app(self) -> NanoheaterApp:
        """The app, typed (screens read its fleet, ledger, events and settings)."""
        from nanoheater.tui.app import NanoheaterApp

        if not isinstance(self.app, NanoheaterApp):
            raise TypeError("this screen only runs inside NanoheaterApp")
        return self.app

    def fleet_changed(self, key: str | None) -> None:
        """Redraw what shows device ``key`` (None: anything may have changed)."""

    def on_screen_resume(self) -> None:
        """Catch up on changes made while another screen was on top."""
        self.fleet_changed(None)
