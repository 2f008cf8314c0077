"""Provides EconomicsScreen: heat, cost, sats and the effective price of heat by period.

Periods follow the app's clock (the demo's is its simulator's, so it lives its own day): today,
the seven days to today, and the heating season since ``history.season_start``.
"""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, VerticalScroll
from textual.widgets import Header, Static

from nanoheater.economics.origin import market_origin
from nanoheater.history.charts import day_plots
from nanoheater.history.period import Period
from nanoheater.history.records import LedgerTotals
from nanoheater.tui.ledger import Totals
from nanoheater.tui.screens.base import AppScreen
from nanoheater.tui.widgets.chart import TimeChart
from nanoheater.tui.widgets.footer import KeyFooter
from nanoheater.tui.widgets.format import fmt


def economics_table(
    periods: list[tuple[str, Totals]], currency: str, heat_pump_cop: float
) -> Table:
    """Build the table: one column per period, one row per figure."""
    table = Table(expand=True, show_edge=False, pad_edge=False)
    table.add_column("", style="dim", no_wrap=True)
    for label, _ in periods:
        table.add_column(label, justify="right", no_wrap=True)

    def row(label: str, values: list[str | Text]) -> None:
        # Plain Text cells: the currency is user input and must not be read as Rich markup.
        table.add_row(label, *(Text(v) if isinstance(v, str) else v for v in values))

    totals = [t for _, t in periods]
    row("Heat delivered", [fmt(t.heat_kwh, 2, "kWh") for t in totals])
    row("Electricity", [fmt(t.cost_fiat, 2, currency) for t in totals])
    row("Mined (expected)", [f"{fmt(t.sats, 0)} sats" for t in totals])
    row("  worth", [fmt(t.sats_fiat, 2, currency) for t in totals])
    row("Net cost", [_money(t.net_cost_fiat, currency) for t in totals])
    table.add_section()
    per_kwh = f"{currency}/kWh"
    row(
        "Miner heat",
        [Text(fmt(t.effective_fiat_per_kwh, 3, per_kwh), style="bold") for t in totals],
    )
    row("Resistive heater", [fmt(t.average_price_fiat_per_kwh, 3, per_kwh) for t in totals])
    row(
        f"Heat pump (COP {heat_pump_cop:g})",
        [fmt(_div(t.average_price_fiat_per_kwh, heat_pump_cop), 3, per_kwh) for t in totals],
    )
    row(
        "Saved vs resistive",
        [_money(_saving(t, 1.0), currency, good_if_positive=True) for t in totals],
    )
    row(
        "Saved vs heat pump",
        [_money(_saving(t, heat_pump_cop), currency, good_if_positive=True) for t in totals],
    )
    return table


DAY_CHARTS = ("heat", "cost", "sats", "net")
"""The bar charts, in ``day_plots`` order."""
HISTORY_REFRESH_S = 2.0
"""How often the view re-reads the history's totals while it is shown."""
LABELS = ("Today", "This week", "Season")


def from_history(totals: LedgerTotals) -> Totals:
    """The history's sums in the view's terms."""
    return Totals(totals.heat_kwh, totals.cost_fiat, totals.expected_sats, totals.revenue_fiat)


def _div(value: float | None, by: float) -> float | None:
    return None if value is None else value / by


def _saving(totals: Totals, cop: float) -> float | None:
    """What the same heat would have cost from an electric heater of ``cop``, minus the miner's."""
    if totals.heat_kwh <= 0:
        return None
    return totals.cost_fiat / cop - totals.net_cost_fiat


def _money(value: float | None, currency: str, *, good_if_positive: bool = False) -> Text:
    if value is None:
        return Text("-")
    good = value > 0 if good_if_positive else value < 0
    bad = value < 0 if good_if_positive else False
    return Text(fmt(value, 2, currency), style="green" if good else "red" if bad else "")


class EconomicsScreen(AppScreen):
    """Today, this week and this season, for the whole fleet."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.show_fleet", "Back"),
        Binding("v", "next_days", "7/30 days"),
        Binding("d", "toggle_bars", "Bars"),
        # Already here: its room in an 80-column footer goes to d (? lists every key).
        Binding("e", "app.show_economics", show=False),
    ]

    days = 30
    """Days in the bar charts; ``v`` switches between 7 and 30."""

    def compose(self) -> ComposeResult:
        """A title, the table, a note on the market inputs, and bars per day."""
        yield Header()
        with VerticalScroll():
            yield Static(id="economics-table")
            yield Static(id="economics-note", classes="note")
            yield Static(id="days-bar", classes="note")
            with Grid(id="day-charts"):
                for name in DAY_CHARTS:
                    yield TimeChart(name, "", id=f"days-{name}")
        yield KeyFooter()

    def on_mount(self) -> None:
        """Draw the current figures, and keep the history's totals fresh while shown."""
        self.sub_title = "Economics"
        self.fleet_changed(None)
        self._refresh()
        self.set_interval(HISTORY_REFRESH_S, self._refresh)

    def action_toggle_bars(self) -> None:
        """Show the bars per day instead of the table, or the table again.

        On a short terminal the table and its note fill the screen (17 rows at 80x24) and the
        bars are under it, out of sight; ``d`` brings them up, as on the fleet screen.
        """
        shown = not self.toggle_class("-bars").has_class("-bars")
        for name in ("#economics-table", "#economics-note"):
            self.query_one(name).display = shown
        self.query_one(VerticalScroll).scroll_home(animate=False)

    def _refresh(self) -> None:
        self.nano_app.load_period_totals(self.days)

    def action_next_days(self) -> None:
        """Bars for the last 7 or the last 30 days."""
        self.days = 7 if self.days == 30 else 30
        self._refresh()

    def show_days(self, days: list[LedgerTotals]) -> None:
        """Draw the bars of a history read (the App routes ``DaysLoaded`` here)."""
        if len(days) != self.days:
            return  # a read for the other span, still in flight when v was pressed
        settings = self.nano_app.settings
        plots = day_plots(days, settings.tariff.currency, settings.heat.heat_pump_cop)
        for name, plot in zip(DAY_CHARTS, plots, strict=True):
            self.query_one(f"#days-{name}", TimeChart).plot = plot
        self.query_one("#days-bar", Static).update(
            f"Per day, the last {self.days} days, from the history · [b]v[/b] 7/30 days"
        )

    def _periods(self) -> tuple[list[tuple[str, Totals]], str]:
        """The three periods and where their figures come from."""
        app = self.nano_app
        if app.period_totals is not None:
            return [
                (label, from_history(app.period_totals[key]))
                for key, label in (("today", "Today"), ("week", "This week"), ("season", "Season"))
                if key in app.period_totals
            ], "Counted from the local history."
        ledger = app.ledger
        if ledger.today is None:
            return [(label, Totals()) for label in LABELS], "No readings yet."
        season = app.settings.history.season_start
        return [
            ("Today", ledger.period(Period.TODAY, season)),
            ("This week", ledger.period(Period.WEEK, season)),
            ("Season", ledger.period(Period.SEASON, season)),
        ], "Counted from this session's readings (no history file)."

    def fleet_changed(self, key: str | None) -> None:
        """Recompute the totals (cheap: a few dict entries per device and day)."""
        app = self.nano_app
        settings = app.settings
        ledger = app.ledger
        currency = settings.tariff.currency
        periods, origin = self._periods()
        cop = settings.heat.heat_pump_cop
        self.query_one("#economics-table", Static).update(economics_table(periods, currency, cop))
        market = ledger.market
        # Where the figures came from and how old they are (dated defaults say so), as the CLI.
        label = market_origin(market, settings.market, app.clock())["label"]
        source = label + (f"; {market.note}" if market.note else "")
        tou = " with time-of-use periods" if settings.tariff.periods else ""
        note = (
            f"Market: BTC {fmt(market.btc_price_fiat, 0)} {market.currency}, difficulty "
            f"{market.difficulty / 1e12:.1f} T, pool fee {market.pool_fee:.1%} ({source}). "
            f"Tariff {settings.tariff.price_fiat_per_kwh:g} {currency}/kWh{tou}. {origin}"
        )
        # The market note can quote a fetch error ("[Errno ...]"): shown as text, not markup.
        self.query_one("#economics-note", Static).update(Text(note))
