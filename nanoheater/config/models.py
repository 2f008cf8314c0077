"""The settings models: each section of ``config.toml`` and ``Settings``, validated by pydantic.

Reading and writing the file is ``nanoheater.config.files``; callers import both from
``nanoheater.config``.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from nanoheater.address import DeviceAddress
from nanoheater.bridge_settings import AlertSettings, MqttSettings
from nanoheater.economics.engine import FUEL_PRESETS, Fuel
from nanoheater.economics.market import MarketSettings
from nanoheater.economics.tariff import Tariff
from nanoheater.exceptions import UsageError


class _Section(BaseModel):
    # allow_inf_nan=False: NaN compares false with every limit, so it would switch checks off.
    model_config = ConfigDict(
        frozen=True, extra="forbid", use_attribute_docstrings=True, allow_inf_nan=False
    )


class HeatSettings(_Section):
    """The ``[heat]`` section: the heaters miner heat is compared with (docs/physics.md §6.3)."""

    heat_pump_cop: float = Field(default=3.0, gt=0)
    """Seasonal COP of the heat pump you would otherwise run (air-source 2-4, ground 3-5)."""
    fuel: str = "gas"
    """Fuel of the combustion heater you would otherwise run: gas, propane or oil."""
    fuel_price_fiat_per_unit: float = Field(default=1.50, ge=0)
    """Price per fuel unit (therm for gas, gallon for propane and oil) in the tariff currency."""
    fuel_efficiency: float | None = Field(default=None, gt=0, le=1)
    """Appliance efficiency (AFUE); None uses the fuel's typical value (gas 0.92)."""
    fuel_btu_per_unit: float | None = Field(default=None, gt=0)
    """Energy per fuel unit; None uses the standard figure (gas 100,000 BTU per therm)."""
    hardware_price_fiat: float | None = Field(default=None, gt=0)
    """What you paid for the heater ``economics`` evaluates, in the tariff currency; unset, no
    payback is shown (no price is assumed). ``--hardware-price`` overrides it."""

    @field_validator("fuel")
    @classmethod
    def _known_fuel(cls, value: str) -> str:
        if value.casefold() not in FUEL_PRESETS:
            raise ValueError(f"unknown fuel {value!r}; choose one of {', '.join(FUEL_PRESETS)}")
        return value.casefold()

    def to_fuel(self) -> Fuel:
        """The configured fuel as an engine ``Fuel``."""
        unit, btu, efficiency = FUEL_PRESETS[self.fuel]
        return Fuel(
            name=self.fuel,
            unit=unit,
            price_fiat_per_unit=self.fuel_price_fiat_per_unit,
            btu_per_unit=self.fuel_btu_per_unit or btu,
            efficiency=self.fuel_efficiency or efficiency,
        )


class QuietHoursSettings(_Section):
    """A daily window in which devices are held at or below a power level (for noise)."""

    start_hour: float = Field(default=22.0, ge=0, le=24)
    """Start, hours after local midnight."""
    end_hour: float = Field(default=7.0, ge=0, le=24)
    """End; smaller than the start for a window that wraps midnight."""
    max_power_w: float = Field(default=0.0, ge=0)
    """Per-device power ceiling inside the window; 0 means the lowest profile."""


class CapsSettings(_Section):
    """The ``[caps]`` section: hard limits the controller never crosses."""

    max_room_temp_c: float = Field(default=26.0, gt=0, lt=60)
    """Room temperature above which every device is turned down, whatever the set-point."""
    power_budget_w: float | None = Field(default=None, gt=0)
    """Total power allowed across all devices (a circuit limit); None for no limit."""
    quiet_hours: QuietHoursSettings | None = None
    """Optional nightly noise limit."""


class ControllerSettings(_Section):
    """The ``[controller]`` section: defaults of docs/physics.md §6.4."""

    kind: str = "staged"
    """Control law: staged (mode steps), pi (time-proportioning) or bang-bang."""
    setpoint_c: float = Field(default=21.0, gt=0, lt=40)
    """Comfort set-point."""
    eco_setpoint_c: float = Field(default=18.0, gt=0, lt=40)
    """Eco (set-back) set-point."""
    tolerance_k: float = Field(default=0.3, gt=0)
    """Deadband half-width of the staged controller."""
    min_dwell_s: float = Field(default=600.0, ge=0)
    """Minimum time between two mode steps (calibration lock and fan noise)."""
    bang_bang_tolerance_k: float = Field(default=0.5, gt=0)
    """Hot and cold tolerance of the on/off controller."""
    min_on_off_s: float = Field(default=300.0, ge=0)
    """Minimum on or off time of the on/off controller."""
    pi_kp_w_per_k: float = Field(default=400.0, gt=0)
    """Proportional gain of the PI controller (≈ 20 x UA)."""
    pi_ti_s: float = Field(default=3600.0, gt=0)
    """Integral time of the PI controller."""
    pi_period_s: float = Field(default=900.0, gt=0)
    """Time-proportioning period of the PI controller."""

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        if value not in ("staged", "pi", "bang-bang"):
            raise ValueError("kind must be staged, pi or bang-bang")
        return value


class HistorySettings(_Section):
    """The ``[history]`` section: how long the local history keeps each resolution."""

    full_resolution_h: float = Field(default=24.0, gt=0)
    """Keep every sample this long, then keep 1-minute means."""
    minute_means_days: float = Field(default=30.0, gt=0)
    """Keep 1-minute means this long, then keep hourly means."""
    hourly_means_days: float | None = Field(default=None, gt=0)
    """Keep hourly means this long; None keeps them forever (a few MB per device per decade)."""
    events_days: float | None = Field(default=365.0, gt=0)
    """Keep control decisions and device events this long; None keeps them forever."""
    season_start: str = "09-01"
    """First day (MM-DD) of the heating season for season totals."""

    @field_validator("season_start")
    @classmethod
    def _month_day(cls, value: str) -> str:
        if not re.fullmatch(r"(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])", value):
            raise ValueError("season_start must look like MM-DD, e.g. 09-01")
        return value


class Settings(BaseSettings):
    """Everything a user can configure; each section is a table in config.toml."""

    model_config = SettingsConfigDict(
        env_prefix="NANOHEATER_",
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
        use_attribute_docstrings=True,
        allow_inf_nan=False,
    )

    hosts: tuple[str, ...] = ()
    """Devices to always poll, as "host" or "host:port" (port 4028 by default)."""
    sensors: tuple[str, ...] = ()
    """Room temperature sensors as spec strings (e.g. "file:/sys/bus/w1/.../temperature")."""
    sensor_ca_file: Path | None = None
    """PEM certificate(s) an https sensor's certificate must chain to, instead of the system's
    authorities: a home sensor's self-signed certificate or private CA. Always verified."""
    outdoor_sensor: str | None = None
    """The outdoor temperature, as a sensor spec (``file:``, ``cmd:``, ``http(s)://...#path``):
    serve records it so each zone's room model can be learned, and uses it for feed-forward and
    the "cannot be reached" warning; ``thermostat --outdoor`` defaults to it."""
    tariff: Tariff = Tariff()
    """Electricity price: flat, with optional time-of-use periods, and its currency."""
    market: MarketSettings = MarketSettings()
    """BTC price, difficulty, subsidy, fees, pool fee, and the live endpoints."""
    heat: HeatSettings = HeatSettings()
    """Alternative heaters for the comparison."""
    caps: CapsSettings = CapsSettings()
    """Safety and comfort limits."""
    controller: ControllerSettings = ControllerSettings()
    """Controller defaults."""
    history: HistorySettings = HistorySettings()
    """History retention."""
    api: str = "127.0.0.1:8128"
    """Where ``nanoheater serve`` listens and where clients look for it, as "host:port"."""
    zones: dict[str, tuple[str, ...]] = {}
    """Rooms for ``serve``: zone name to its devices ("host" or "host:port"); others: one each."""
    mqtt: MqttSettings = MqttSettings()
    """Home Assistant over MQTT (``serve``)."""
    alerts: AlertSettings = AlertSettings()
    """Alerts to a phone (``serve``)."""
    names: dict[str, str] = {}
    """Names the user gave devices ("Living room Q") by "host" or "host:port" (the TUI's ``n``)."""

    @field_validator("hosts")
    @classmethod
    def _valid_hosts(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for host in value:
            try:
                DeviceAddress.parse_tcp(host)
            except UsageError:
                raise ValueError(f"{host!r} is not host or host:port") from None
        return value

    @field_validator("api")
    @classmethod
    def _valid_api(cls, value: str) -> str:
        try:
            DeviceAddress.parse_tcp(value, 8128)
        except UsageError:
            raise ValueError(f"{value!r} is not host:port") from None
        return value

    @field_validator("zones")
    @classmethod
    def _valid_zones(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        seen: set[str] = set()
        for name, hosts in value.items():
            if not name.strip() or len(name) > 64 or not name.isprintable():
                raise ValueError(f"zone name {name[:64]!r} must be 1-64 printable characters")
            for host in hosts:
                try:
                    DeviceAddress.parse_tcp(host)
                except UsageError:
                    raise ValueError(f"zone {name}: {host!r} is not host or host:port") from None
                if host in seen:
                    raise ValueError(f"{host} is in two zones")
                seen.add(host)
        return value

    @field_validator("names")
    @classmethod
    def _valid_names(cls, value: dict[str, str]) -> dict[str, str]:
        for host, name in value.items():
            try:
                DeviceAddress.parse_tcp(host)
            except UsageError:
                raise ValueError(f"names: {host[:64]!r} is not host or host:port") from None
            if not name.strip() or len(name) > 64 or not name.isprintable():
                raise ValueError(f"names: {name[:64]!r} must be 1-64 printable characters")
        return value

    def device_names(self) -> dict[str, str]:
        """The user's device names keyed as the TUI keys devices (``host:port``, port explicit)."""
        return {str(DeviceAddress.parse_tcp(host)): name for host, name in self.names.items()}

    @model_validator(mode="after")
    def _one_currency(self) -> Settings:
        if self.market.currency != self.tariff.currency:
            raise ValueError(
                f"market.currency ({self.market.currency}) must equal tariff.currency "
                f"({self.tariff.currency}): revenue and cost are compared directly"
            )
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Environment first, then the file contents (passed as init values), then defaults."""
        return (env_settings, init_settings)


class _FileOnly(Settings):
    """Settings validated from the file alone, without the environment."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Only the file contents."""
        return (init_settings,)


__all__ = [
    "CapsSettings",
    "ControllerSettings",
    "HeatSettings",
    "HistorySettings",
    "QuietHoursSettings",
    "Settings",
]
