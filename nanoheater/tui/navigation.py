"""Provides Navigation: the App's screen switching (bindings and palette) and the heap freeze.

Fleet, device, economics, events, settings and help screens; Esc first closes an open Keys panel.
Kept screens are long-lived, so the garbage collector is told to leave them alone
(``freeze_heap``).
"""

from __future__ import annotations

import gc

from nanoheater.tui.app_base import AppBase
from nanoheater.tui.screens.base import AppScreen
from nanoheater.tui.screens.device import DeviceScreen
from nanoheater.tui.screens.economics import EconomicsScreen
from nanoheater.tui.screens.events import EventsScreen
from nanoheater.tui.screens.help import HelpScreen
from nanoheater.tui.screens.settings import SettingsScreen


def freeze_heap() -> None:
    """Take every object alive now out of the garbage collector's full passes (``gc.freeze``).

    Why: Textual keeps hundreds of thousands of long-lived objects (widgets, styles, render
    caches), and each full (generation 2) collection walked all of them: 50-160 ms with the UI
    stalled, which were the slowest key-to-repaint times in bench/tui.py. Frozen objects are
    never freed, which suits screens kept for the whole session; garbage made later is still
    collected as usual.
    """
    gc.freeze()


class Navigation(AppBase):
    """Screen switching: the actions behind the App's bindings and the command palette."""

    def action_show_fleet(self) -> None:
        """Go back to the fleet screen (Esc first closes an open Keys panel)."""
        if self._keys_panel_closed():
            return
        while len(self.screen_stack) > 2:
            self.pop_screen()

    def action_help(self) -> None:
        """Open the help: keys, states, modes and calibrating explained."""
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_hide_keys(self) -> None:
        """Close the Keys panel if it is open (Esc on a screen without its own Esc)."""
        self._keys_panel_closed()

    async def action_pop_screen(self) -> None:
        """Go back one screen (Esc first closes an open Keys panel)."""
        if not self._keys_panel_closed():
            await super().action_pop_screen()

    def _keys_panel_closed(self) -> bool:
        """Close the Keys panel; whether one was open (then Esc has done its job)."""
        if not self.screen.query("HelpPanel"):
            return False
        self.action_hide_help_panel()
        return True

    def action_show_economics(self) -> None:
        """Open the economics view."""
        self._open(EconomicsScreen)

    def action_show_events(self) -> None:
        """Open the events log."""
        self._open(EventsScreen)

    def action_show_settings(self) -> None:
        """Open the settings form."""
        self._open(SettingsScreen)

    def open_device(self, key: str) -> None:
        """Show the device screen of ``key``; it is built once and kept, so reopening is instant."""
        name = f"device:{key}"
        if not self.is_screen_installed(name):
            self.install_screen(DeviceScreen(key), name=name)
            self.call_after_refresh(freeze_heap)  # the kept screen is long-lived too
        self.push_screen(name)

    def _open(self, screen_type: type[AppScreen]) -> None:
        if isinstance(self.screen, screen_type):
            return
        self.action_show_fleet()
        self.push_screen(screen_type())
