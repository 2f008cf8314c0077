"""Provides SettingsScreen: tariff, market, room and outdoor sensors, caps, hosts; to config.toml.

The form edits a copy; Save validates it with the same ``Settings`` model the CLI loads, and the
App writes the file in a worker (atomic write in ``nanoheater.config``).
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from pydantic import ValidationError
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Header, Input, Label, Static, Switch

from nanoheater.config import Settings
from nanoheater.controller.sensors import redact_url
from nanoheater.exceptions import UsageError
from nanoheater.home.roomlearn import check_outdoor_spec
from nanoheater.tui.screens.base import AppScreen
from nanoheater.tui.widgets.footer import KeyFooter

FIELDS: tuple[tuple[str, str, str], ...] = (
    # (input id, label, help) — ids name the settings path with dashes.
    ("tariff-price", "Electricity price per kWh", "flat price, in the tariff currency"),
    ("tariff-currency", "Currency", "ISO code, e.g. USD, EUR: of prices and of mining revenue"),
    ("market-btc", "BTC price", "used when live prices are off or unavailable"),
    ("market-difficulty", "Difficulty (T)", "network difficulty in trillions"),
    ("market-pool-fee", "Pool fee %", "e.g. 2 for 2 %"),
    ("heat-cop", "Heat pump COP", "the heat pump you compare with"),
    ("sensors", "Room sensors", "comma-separated specs, e.g. file:/path/to/temperature"),
    (
        "outdoor-sensor",
        "Outdoor sensor",
        "file:PATH, cmd:COMMAND or http(s)://URL#path; empty: none",
    ),
    ("caps-max-room", "Max room °C", "every device turns down above this"),
    ("caps-budget", "Power budget W", "total across devices; empty for none"),
    ("caps-quiet", "Quiet hours", "HH-HH max W, e.g. 22-7 200; empty for none"),
    ("hosts", "Hosts", "always polled: host or host:port, comma-separated"),
)
"""The form, in order."""

LIVE_HELP = "fetch BTC price, difficulty and fees from the [market] URLs (mempool.space by default)"
"""Help of the live-market switch, which is not in ``FIELDS``."""

HELP = {field_id: f"{label}: {text}" for field_id, label, text in FIELDS} | {
    "market-live": f"Live market prices: {LIVE_HELP}"
}
"""The help line shown for each focused field (keyboard users never see a tooltip)."""


def form_values(settings: Settings) -> dict[str, str]:
    """The text each input starts with."""
    caps = settings.caps
    quiet = caps.quiet_hours
    return {
        "tariff-price": f"{settings.tariff.price_fiat_per_kwh:g}",
        "tariff-currency": settings.tariff.currency,
        "market-btc": f"{settings.market.btc_price_fiat:g}",
        "market-difficulty": f"{settings.market.difficulty / 1e12:g}",
        "market-pool-fee": f"{settings.market.pool_fee * 100:g}",
        "heat-cop": f"{settings.heat.heat_pump_cop:g}",
        "sensors": ", ".join(_shown_sensor(spec) for spec in settings.sensors),
        "outdoor-sensor": _shown_sensor(settings.outdoor_sensor or ""),
        "caps-max-room": f"{caps.max_room_temp_c:g}",
        "caps-budget": "" if caps.power_budget_w is None else f"{caps.power_budget_w:g}",
        "caps-quiet": (
            ""
            if quiet is None
            else f"{quiet.start_hour:g}-{quiet.end_hour:g} {quiet.max_power_w:g}"
        ),
        "hosts": ", ".join(settings.hosts),
    }


def _shown_sensor(spec: str) -> str:
    # Tokens and passwords in a sensor URL stay off the screen; see _kept_sensors.
    return redact_url(spec) if spec.startswith(("http://", "https://")) else spec


def _kept_sensors(typed: list[str], current: tuple[str, ...]) -> list[str]:
    """Map each sensor still shown redacted back to the configured spec it stands for."""
    originals = {_shown_sensor(spec): spec for spec in current}
    return [originals.get(spec, spec) for spec in typed]


def _number(text: str, label: str) -> float:
    try:
        return float(text.strip())
    except ValueError:
        raise ValueError(f"{label}: {text!r} is not a number") from None


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _quiet(text: str) -> dict[str, float] | None:
    text = text.strip()
    if not text:
        return None
    try:
        hours, power = text.split()
        start, end = hours.split("-")
        return {"start_hour": float(start), "end_hour": float(end), "max_power_w": float(power)}
    except ValueError:
        raise ValueError(f"Quiet hours: {text!r} is not like 22-7 200") from None


def apply_form(settings: Settings, values: dict[str, str], live: bool) -> Settings:
    """Return ``settings`` with the form's values; ValueError names the first bad field."""
    data: dict[str, Any] = settings.model_dump(mode="json", exclude_none=True)
    data["tariff"]["price_fiat_per_kwh"] = _number(values["tariff-price"], "Electricity price")
    # One currency for both: prices and revenue are compared directly, so they cannot differ.
    currency = values["tariff-currency"].strip().upper()
    if not (len(currency) == 3 and currency.isascii() and currency.isalpha()):
        raise ValueError(f"Currency: {currency!r} is not a three-letter ISO code (USD, EUR, ...)")
    data["tariff"]["currency"] = data["market"]["currency"] = currency
    data["market"]["btc_price_fiat"] = _number(values["market-btc"], "BTC price")
    data["market"]["difficulty"] = _number(values["market-difficulty"], "Difficulty") * 1e12
    data["market"]["pool_fee"] = _number(values["market-pool-fee"], "Pool fee") / 100
    data["market"]["live"] = live
    data["heat"]["heat_pump_cop"] = _number(values["heat-cop"], "Heat pump COP")
    data["sensors"] = _kept_sensors(_split(values["sensors"]), settings.sensors)
    data.pop("outdoor_sensor", None)
    outdoor = values["outdoor-sensor"].strip()
    if outdoor:
        # Shown redacted: unchanged, it stands for the configured spec with its secrets.
        (kept,) = _kept_sensors([outdoor], (settings.outdoor_sensor or "",))
        try:
            check_outdoor_spec(kept, "Outdoor sensor")
        except UsageError as exc:
            raise ValueError(str(exc)) from None
        data["outdoor_sensor"] = kept
    data["caps"]["max_room_temp_c"] = _number(values["caps-max-room"], "Max room")
    budget = values["caps-budget"].strip()
    data["caps"].pop("power_budget_w", None)
    if budget:
        data["caps"]["power_budget_w"] = _number(budget, "Power budget")
    data["caps"].pop("quiet_hours", None)
    quiet = _quiet(values["caps-quiet"])
    if quiet is not None:
        data["caps"]["quiet_hours"] = quiet
    data["hosts"] = _split(values["hosts"])
    try:
        return Settings(**data)
    except ValidationError as exc:
        raise ValueError(_form_error(exc)) from None


FIELD_OF = {
    "tariff.price_fiat_per_kwh": "tariff-price",
    "tariff.currency": "tariff-currency",
    "market.currency": "tariff-currency",
    "market.btc_price_fiat": "market-btc",
    "market.difficulty": "market-difficulty",
    "market.pool_fee": "market-pool-fee",
    "heat.heat_pump_cop": "heat-cop",
    "sensors": "sensors",
    "outdoor_sensor": "outdoor-sensor",
    "caps.max_room_temp_c": "caps-max-room",
    "caps.power_budget_w": "caps-budget",
    "caps.quiet_hours": "caps-quiet",
    "hosts": "hosts",
}
"""The form field behind each settings path a validation error can name."""

FORM_SCALE = {"market.pool_fee": 100.0, "market.difficulty": 1e-12}
"""Factor from the settings' unit to the form's (a fraction to %, hashes to T)."""


def _form_error(exc: ValidationError) -> str:
    """The first error in the form's words: its label and its units, not pydantic's path.

    The toast used to read ``market.pool_fee: Input should be less than 1`` for a pool fee
    typed as 150 (%).
    """
    first = exc.errors()[0]
    path = ".".join(str(p) for p in first["loc"])
    message = str(first["msg"]).removeprefix("Value error, ")  # pydantic's prefix
    key = next((k for k in FIELD_OF if path == k or path.startswith(k + ".")), None)
    if key is None:
        return f"{path}: {message}"
    scale = FORM_SCALE.get(key)
    bounds = first.get("ctx") or {}
    if scale is not None and any(name in bounds for name in ("gt", "ge", "lt", "le")):
        # "Input should be less than 1": the bound ends the message, in the settings' unit.
        message = re.sub(r"-?\d[\d.e+-]*$", lambda m: f"{float(m[0]) * scale:g}", message)
    label = next(label for field_id, label, _ in FIELDS if field_id == FIELD_OF[key])
    return f"{label}: {message}"


class SettingsScreen(AppScreen):
    """The settings form; Ctrl+S (or the Save button) validates and saves."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.show_fleet", "Back"),
        Binding("ctrl+s", "save", "Save", priority=True),
    ]

    def compose(self) -> ComposeResult:
        """One labelled input per field, the live-market switch and Save."""
        settings = self.nano_app.settings
        values = form_values(settings)
        yield Header()
        yield Static(
            "Tab moves between fields; this line explains the one you are in.", id="settings-help"
        )
        with VerticalScroll(id="settings-form"):
            for field_id, label, help_text in FIELDS:
                with Horizontal(classes="form-row"):
                    yield Label(label, classes="form-label")
                    yield Input(values[field_id], id=field_id, tooltip=help_text, compact=True)
            with Horizontal(classes="form-row"):
                yield Label("Live market prices", classes="form-label")
                yield Switch(value=settings.market.live, id="market-live", tooltip=LIVE_HELP)
            yield Static(Text(f"Saved to {self.nano_app.config_file}"), classes="note")
            yield Button("Save", id="settings-save", variant="primary")
        yield KeyFooter()

    def on_mount(self) -> None:
        """Name the screen."""
        self.sub_title = "Settings"

    @on(events.DescendantFocus)
    def _explain_focused(self, event: events.DescendantFocus) -> None:
        # The help was a tooltip only, which needs a mouse: say it on screen for the keyboard.
        text = HELP.get(event.widget.id or "")
        if text is not None:
            self.query_one("#settings-help", Static).update(Text(text))

    @on(Button.Pressed, "#settings-save")
    def action_save(self) -> None:
        """Validate the form and hand the new settings to the app to save."""
        values = {field_id: self.query_one(f"#{field_id}", Input).value for field_id, *_ in FIELDS}
        live = self.query_one("#market-live", Switch).value
        try:
            settings = apply_form(self.nano_app.settings, values, live)
        except ValueError as exc:
            self.notify(str(exc), title="Settings not saved", severity="error", markup=False)
            return
        self.nano_app.save_settings(settings)
