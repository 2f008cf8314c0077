"""Provides HistoryRouting: the App's history and ledger plumbing.

Period totals, day and window series are read from the history in workers (``tui.storage``);
their messages land here and go to the screen showing them. Market inputs feed the session
ledger (``tui.ledger``). The handlers do no I/O.
"""

from __future__ import annotations

from textual import on

from nanoheater.tui.app_base import AppBase
from nanoheater.tui.eventlog import Severity
from nanoheater.tui.messages import (
    DaysLoaded,
    FleetWindowLoaded,
    HistoryFailed,
    MarketLoaded,
    PeriodTotalsLoaded,
    WindowLoaded,
)
from nanoheater.tui.screens.device import DeviceScreen
from nanoheater.tui.screens.economics import EconomicsScreen
from nanoheater.tui.screens.fleet import FleetScreen


class HistoryRouting(AppBase):
    """History reads out to the storage worker; totals, series and market data back in."""

    def load_period_totals(self, days: int | None = None) -> None:
        """Ask the history for today, this week and this season (app clock), and ``days``."""
        now_s = self.ledger.latest_s or self.clock()
        self.storage.load_totals(now_s, self.settings.history.season_start)
        if days is not None:
            self.storage.load_days(days, now_s)

    @on(PeriodTotalsLoaded)
    def _period_totals_loaded(self, message: PeriodTotalsLoaded) -> None:
        self.period_totals = message.totals
        self._fleet_changed(None)

    @on(FleetWindowLoaded)
    def _fleet_window_loaded(self, message: FleetWindowLoaded) -> None:
        screen = self.screen
        if isinstance(screen, FleetScreen):
            screen.show_day(message)

    @on(DaysLoaded)
    def _days_loaded(self, message: DaysLoaded) -> None:
        screen = self.screen
        if isinstance(screen, EconomicsScreen):
            screen.show_days(message.days)

    @on(WindowLoaded)
    def _window_loaded(self, message: WindowLoaded) -> None:
        screen = self.screen
        if isinstance(screen, DeviceScreen) and screen.key == message.key:
            screen.show_window(message.series)

    @on(HistoryFailed)
    def _history_failed(self, message: HistoryFailed) -> None:
        self.log_event("", f"history: {message.error}", Severity.ERROR)

    @on(MarketLoaded)
    def _market_loaded(self, message: MarketLoaded) -> None:
        self.ledger.market = message.market
        self._fleet_changed(None)
