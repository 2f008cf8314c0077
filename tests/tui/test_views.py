"""Pilot tests of the economics, events and settings screens."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from rich.console import Console
from textual.widgets import Input, RichLog, Static

from firmware_sim.fleet import Fleet
from nanoheater.config import Settings, load_settings
from nanoheater.economics.tariff import Tariff
from nanoheater.history import AsyncHistoryStore
from nanoheater.tui.screens.economics import EconomicsScreen
from nanoheater.tui.screens.events import EventsScreen
from nanoheater.tui.screens.fleet import FleetScreen
from nanoheater.tui.screens.settings import SettingsScreen
from tests.tui.conftest import AppFactory, poll, settle


def _text(widget: Static) -> str:
    console = Console(width=120, record=True)
    console.print(widget.content)
    return console.export_text()


async def test_economics_counts_heat_cost_and_sats(make_app: AppFactory, sim_fleet: Fleet) -> None:
    """Pins that heat, cost and sats accumulate per poll and the view prices heat per kWh."""
    settings = Settings(tariff=Tariff(price_fiat_per_kwh=0.25))
    app = make_app(settings=settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await poll(pilot, sim_fleet, 240)
        await poll(pilot, sim_fleet, 240)
        today = app.ledger.on_day(app.ledger.today)
        drawn_w = sum(e.status.power_w or 0 for e in app.fleet if e.status)
        assert today.heat_kwh > 0
        assert today.sats > 0
        # Roughly the fleet's power for 8 simulated minutes (powers ramp, so not exact).
        assert 0.5 * drawn_w / 7500 < today.heat_kwh < 1.5 * drawn_w / 7500
        assert abs(today.cost_fiat - 0.25 * today.heat_kwh) < 1e-9
        await pilot.press("e")
        assert isinstance(app.screen, EconomicsScreen)
        table = _text(app.screen.query_one("#economics-table", Static))
        assert f"{today.heat_kwh:,.2f} kWh" in table
        assert "Resistive heater" in table
        assert "Heat pump (COP 3)" in table
        assert "0.250 USD/kWh" in table, "resistive heat costs the electricity price"
        effective = today.effective_fiat_per_kwh
        assert effective is not None
        assert f"{effective:,.3f} USD/kWh" in table


async def test_events_screen_lists_what_happened(make_app: AppFactory, sim_fleet: Fleet) -> None:
    """Pins that discovery and an offline device show up in the events log."""
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await sim_fleet.members[0].server.stop()
        await poll(pilot)
        await pilot.press("l")
        assert isinstance(app.screen, EventsScreen)
        log = app.screen.query_one(RichLog)
        lines = "\n".join(strip.text for strip in log.lines)
        for expected in ("found at", "offline", "scan finished"):
            assert expected in lines
        await pilot.press("escape")
        assert isinstance(app.screen, FleetScreen)


async def test_settings_are_saved_to_the_config_file(make_app: AppFactory, tmp_path: Path) -> None:
    """Pins that the settings form validates and writes tariff, market and caps atomically."""
    app = make_app(scan_on_start=False)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("s")
        assert isinstance(app.screen, SettingsScreen)
        for field, value in (
            ("#tariff-price", "0.31"),
            ("#market-btc", "90000"),
            ("#caps-max-room", "24"),
            ("#caps-quiet", "22-7 150"),
            ("#sensors", "file:/tmp/room"),
        ):
            app.screen.query_one(field, Input).value = value
        await pilot.press("ctrl+s")
        await settle(pilot)
        path = app.config_file
        assert path.exists()
        data = tomllib.loads(path.read_text())
        assert data["tariff"]["price_fiat_per_kwh"] == 0.31
        assert data["market"]["btc_price_fiat"] == 90000
        assert data["caps"]["max_room_temp_c"] == 24
        assert data["caps"]["quiet_hours"]["max_power_w"] == 150
        loaded = load_settings(path).settings
        assert loaded.sensors == ("file:/tmp/room",)
        assert app.settings == loaded
        assert app.ledger.tariff.price_fiat_per_kwh == 0.31


async def test_settings_form_hides_sensor_secrets_and_keeps_them(make_app: AppFactory) -> None:
    """Pins that a sensor URL's token is shown masked, and saving unchanged keeps the real one."""
    url = "https://ha:pw-1f2e@ha.local/api/states/sensor.room?token=tok-9c8b#state"
    app = make_app(settings=Settings(sensors=(url, "file:/tmp/room")), scan_on_start=False)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("s")
        assert isinstance(app.screen, SettingsScreen)
        shown = app.screen.query_one("#sensors", Input).value
        assert "tok-9c8b" not in shown
        assert "pw-1f2e" not in shown
        assert "file:/tmp/room" in shown
        app.screen.query_one("#tariff-price", Input).value = "0.29"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert load_settings(app.config_file).settings.sensors == (url, "file:/tmp/room")


async def test_settings_form_sets_the_outdoor_sensor(make_app: AppFactory) -> None:
    """Pins the outdoor sensor field: saved, shown masked and kept, refused when not a sensor."""
    url = "https://ha:pw-1f2e@ha.local/api/states/sensor.outside#state"
    app = make_app(scan_on_start=False)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("s")
        field = app.screen.query_one("#outdoor-sensor", Input)
        assert field.value == ""
        field.value = "inlet"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not app.config_file.exists()
        assert any("Outdoor sensor: inlet is" in n.message for n in app._notifications)
        field.value = url
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert load_settings(app.config_file).settings.outdoor_sensor == url
        assert app.settings.outdoor_sensor == url
    app = make_app(settings=Settings(outdoor_sensor=url), scan_on_start=False)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("s")
        shown = app.screen.query_one("#outdoor-sensor", Input).value
        assert "pw-1f2e" not in shown
        assert "ha.local" in shown
        app.screen.query_one("#tariff-price", Input).value = "0.29"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert load_settings(app.config_file).settings.outdoor_sensor == url
        app.screen.query_one("#outdoor-sensor", Input).value = ""
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert load_settings(app.config_file).settings.outdoor_sensor is None


async def test_invalid_settings_are_refused_with_a_reason(make_app: AppFactory) -> None:
    """Pins that a bad value is named in a notification and nothing is written."""
    app = make_app(scan_on_start=False)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("s")
        app.screen.query_one("#tariff-price", Input).value = "cheap"
        app.screen.query_one("#market-pool-fee", Input).value = "2"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not app.config_file.exists()
        assert any("Electricity price" in n.message for n in app._notifications)


async def test_economics_reads_the_history(
    make_app: AppFactory, sim_fleet: Fleet, tmp_path: Path
) -> None:
    """Pins that readings go into the history file and the view shows its period totals."""
    store = await AsyncHistoryStore.open(tmp_path / "history.sqlite3")
    try:
        app = make_app(history=store)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            await poll(pilot, sim_fleet, 240)
            await poll(pilot, sim_fleet, 240)
            await pilot.press("e")
            await settle(pilot)
            assert app.period_totals is not None
            season = app.period_totals["season"]
            session = app.ledger.on_day(app.ledger.today)
            assert season.heat_kwh == pytest.approx(session.heat_kwh, rel=1e-6)
            assert season.expected_sats > 0
            table = _text(app.screen.query_one("#economics-table", Static))
            assert f"{season.heat_kwh:,.2f} kWh" in table
            assert "This week" in table
            note = _text(app.screen.query_one("#economics-note", Static))
            assert "Counted from the local history." in " ".join(note.split())
        stored = await store.call(lambda s: s.devices())
        assert len(stored) == len(app.fleet)
    finally:
        await store.close()


async def test_command_palette_lists_the_views(make_app: AppFactory, sim_fleet: Fleet) -> None:
    """Pins that the command palette offers every view, rescan, and each device."""
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        for expected in ("Fleet", "Economics", "Events", "Settings", "Rescan"):
            assert expected in titles
        assert sum(title.startswith("Open ") for title in titles) == len(app.fleet)


async def test_economics_note_dates_the_default_market(make_app: AppFactory) -> None:
    """Pins that fallback market figures say their date and age, as the CLI says them."""
    app = make_app(scan_on_start=False)
    async with app.run_test(size=(120, 30)) as pilot:
        assert app.ledger.market.source.value == "default"
        await pilot.press("e")
        await pilot.pause()
        note = " ".join(_text(app.screen.query_one("#economics-note", Static)).split())
        assert re.search(
            r"\(config\.toml \[market\] values as of 2025-12-01, \d+ (s|min|h|days) old; "
            r"nothing fetched\)",
            note,
        ), note


async def test_market_note_with_brackets_is_shown_as_text(make_app: AppFactory) -> None:
    """Pins that a fetch error quoted in the market note ("[/]...") is text, not a markup crash."""
    app = make_app(scan_on_start=False)
    async with app.run_test(size=(100, 30)) as pilot:
        app.ledger.market = app.ledger.market.model_copy(update={"note": "fetch failed [/] [b"})
        await pilot.press("e")
        await pilot.pause()
        assert app.is_running
        note = _text(app.screen.query_one("#economics-note", Static))
        assert "fetch failed [/] [b" in note


async def test_changing_the_currency_saves_one_currency(make_app: AppFactory) -> None:
    """Pins that Currency sets the tariff's and the market's currency together, and saves."""
    app = make_app(scan_on_start=False)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("s")
        app.screen.query_one("#tariff-currency", Input).value = "eur"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not [n.message for n in app._notifications if n.severity == "error"]
        loaded = load_settings(app.config_file).settings
        assert loaded.tariff.currency == loaded.market.currency == "EUR"
        assert app.settings.market.currency == "EUR"


async def test_settings_explain_the_field_in_focus_without_a_mouse(make_app: AppFactory) -> None:
    """Pins a help line for the focused field: the help was a tooltip, shown on mouse hover only."""
    app = make_app(scan_on_start=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s")
        await settle(pilot)
        help_line = app.screen.query_one("#settings-help", Static)
        app.screen.query_one("#tariff-price", Input).focus()
        await pilot.press("tab")  # the keyboard moves on to Currency
        await settle(pilot)
        assert app.focused is app.screen.query_one("#tariff-currency", Input)
        assert _text(help_line).startswith("Currency: ISO code, e.g. USD, EUR")
        assert help_line.region.height >= 1, "the help line is on the 80x24 screen"
        assert help_line.region.bottom <= 24
        app.screen.query_one("#market-live").focus()
        await settle(pilot)
        assert "mempool.space" in _text(help_line)


@pytest.mark.parametrize(
    ("field", "typed", "toast"),
    [
        ("caps-max-room", "500", "Max room °C: Input should be less than 60"),
        ("market-pool-fee", "150", "Pool fee %: Input should be less than 100"),
        (
            "tariff-currency",
            "euro",
            "Currency: 'EURO' is not a three-letter ISO code (USD, EUR, ...)",
        ),
    ],
)
async def test_a_refused_setting_is_named_as_the_form_names_it(
    make_app: AppFactory, field: str, typed: str, toast: str
) -> None:
    """Pins the form's label and units in the refusal, not pydantic's path and units.

    It read ``caps.max_room_temp_c: ...`` and, for a pool fee typed as 150 (%), ``market.
    pool_fee: Input should be less than 1``; a four-letter currency was saved.
    """
    app = make_app(scan_on_start=False)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("s")
        app.screen.query_one(f"#{field}", Input).value = typed
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert [n.message for n in app._notifications] == [toast]
        assert not app.config_file.exists()
