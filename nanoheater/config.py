"""Provides the user settings: ``config.toml`` in the config folder, validated, written atomically.

Precedence is CLI flag > environment (``NANOHEATER_<SECTION>__<FIELD>``) > config.toml > default
(house style 2.11); the CLI applies its flags on top of what ``load_settings`` returns. A file
that cannot be read, parsed or validated is never silently replaced: ``load_settings`` copies it
to a timestamped backup and raises ``ConfigError`` (one line naming the file and the problem,
exit code 2), unless the caller explicitly asks to continue with defaults: then the result
carries a one-line notice, and the bad file stays where it is (plus its backup copy) until the
user fixes it or saves new settings, which backs it up again if needed.

Example:
    >>> loaded = load_settings()
    >>> loaded.settings.tariff.price_fiat_per_kwh, loaded.settings.heat.heat_pump_cop
    (0.17, 3.0)
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs
import tomli_w
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from nanoheater.address import DeviceAddress
from nanoheater.atomic import read_regular_file, write_atomic
from nanoheater.bridge_settings import AlertSettings, MqttSettings
from nanoheater.economics.engine import FUEL_PRESETS, Fuel
from nanoheater.economics.market import MarketSettings
from nanoheater.economics.tariff import Tariff
from nanoheater.exceptions import UsageError
from nanoheater.protocol.sanitize import sanitize

_LOGGER = logging.getLogger(__name__)

CONFIG_FILE = "config.toml"
MAX_CONFIG_BYTES = 1 << 20
"""A config file larger than this is refused (a real one is a few hundred bytes)."""
"""Name of the settings file inside the config folder."""


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


class ConfigError(UsageError):
    """config.toml cannot be read, parsed or validated; the file is kept and copied aside."""

    def __init__(self, path: Path, problem: str, backup: Path | None) -> None:
        kept = f"; a copy is kept at {backup}" if backup else ""
        super().__init__(
            f"{path}: {problem}{kept}; fix the file, or move it away to start from defaults"
        )
        self.path = path
        self.problem = problem
        self.backup = backup


@dataclass(frozen=True)
class LoadedSettings:
    """The settings plus what the user should be told about how they were obtained."""

    settings: Settings
    path: Path
    """The config file (it may not exist)."""
    notice: str | None = None
    """One line for the user, e.g. that a broken file is being ignored; None when all is well."""
    backup: Path | None = None
    """Where a copy of a broken file was kept, if one was found."""


def config_dir() -> Path:
    """The config folder: ``NANOHEATER_CONFIG_DIR``, else the platform's user config folder."""
    env = os.environ.get("NANOHEATER_CONFIG_DIR")
    return Path(env) if env else Path(platformdirs.user_config_dir("nanoheater"))


def data_dir() -> Path:
    """The data folder (history, caches): ``NANOHEATER_DATA_DIR``, else the platform's."""
    env = os.environ.get("NANOHEATER_DATA_DIR")
    return Path(env) if env else Path(platformdirs.user_data_dir("nanoheater"))


def config_path() -> Path:
    """Full path of config.toml."""
    return config_dir() / CONFIG_FILE


def load_settings(path: Path | None = None, *, defaults_on_error: bool = False) -> LoadedSettings:
    """Read and validate config.toml; a missing file means defaults.

    Raises:
        ConfigError: the file is unreadable or invalid (after copying it to a backup), unless
            ``defaults_on_error`` is set: then defaults (plus environment values) are returned
            with a notice, and the bad file is left in place beside its backup copy.
    """
    path = path or config_path()
    skipped: str | None = None
    try:
        data = _read_toml(path)
        skipped = _skip_bad_hosts(data, path)
        _FileOnly(**data)  # blame the file only for what the file itself says
    except FileNotFoundError:
        return LoadedSettings(_defaults_or_raise(), path)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, ValidationError) as exc:
        problem = _describe(exc)
        if not defaults_on_error:
            raise ConfigError(path, problem, backup_file(path)) from exc
        backup = backup_file(path)
        notice = f"{path}: {problem}; using defaults for now (a copy is kept at {backup})"
        _LOGGER.warning("%s", notice)
        return LoadedSettings(_defaults_or_raise(), path, notice, backup)
    return LoadedSettings(_defaults_or_raise(data), path, skipped)


def _skip_bad_hosts(data: dict[str, Any], path: Path) -> str | None:
    """Drop malformed entries of the file's ``hosts`` list; return one line naming them.

    One bad entry used to refuse the whole file, so every command (discovery of the good hosts
    included) exited 2. The file is left as it is; ``Settings`` itself stays strict, so the TUI's
    settings form still refuses a bad host typed by the user.
    """
    hosts = data.get("hosts")
    if not isinstance(hosts, list):
        return None  # not a list at all: the strict validator names the field
    kept: list[str] = []
    bad: list[str] = []
    for host in hosts:
        try:
            if not isinstance(host, str):
                raise UsageError("not a string")
            DeviceAddress.parse_tcp(host)
        except UsageError:
            bad.append(sanitize(repr(host), 60))
            continue
        kept.append(host)
    if not bad:
        return None
    data["hosts"] = kept
    notice = (
        f"{path}: skipping {len(bad)} malformed host entr{'y' if len(bad) == 1 else 'ies'} "
        f"(not host or host:port): {', '.join(bad[:5])}{', ...' if len(bad) > 5 else ''}"
    )
    _LOGGER.warning("%s", notice)
    return notice


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    """Write ``settings`` to config.toml atomically (temp file, fsync, rename).

    Values that differ from the defaults are written, and so is every key the user already had
    in the file even where it equals today's default (their choice, not ours); untouched defaults
    are left out so a later release can improve them. A file that does not parse is backed up first.
    """
    path = path or config_path()
    existing: dict[str, Any] = {}
    if path.exists():
        try:
            existing = _read_toml(path)
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            backup_file(path)
    data = settings.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    _keep_user_keys(data, settings.model_dump(mode="json", exclude_none=True), existing)
    write_atomic(path, tomli_w.dumps(data).encode("utf-8"))
    return path


def _keep_user_keys(data: dict[str, Any], full: dict[str, Any], existing: dict[str, Any]) -> None:
    """Copy into ``data`` the current value of every key ``existing`` (the old file) named."""
    for key, old in existing.items():
        if key not in full:
            continue
        if isinstance(old, dict) and isinstance(full[key], dict):
            section = data.setdefault(key, {})
            _keep_user_keys(section, full[key], old)
        else:
            data[key] = full[key]


def backup_file(path: Path) -> Path | None:
    """Copy ``path`` to ``<name>.bad-YYYYmmddTHHMMSS`` beside it and return the copy.

    A file identical to the newest existing backup is not copied again (the CLI may fail on
    every run until the user fixes it); that backup is returned instead.
    """
    if not path.is_file():
        return None  # nothing to keep (missing), or not ours to copy (a folder)
    content = path.read_bytes()
    previous = sorted(path.parent.glob(f"{path.name}.bad-*"))
    if previous and previous[-1].read_bytes() == content:
        return previous[-1]
    stamp = time.strftime("%Y%m%dT%H%M%S")
    backup = path.with_name(f"{path.name}.bad-{stamp}")
    counter = 1
    while backup.exists():
        backup = path.with_name(f"{path.name}.bad-{stamp}-{counter}")
        counter += 1
    shutil.copy2(path, backup)
    return backup


def _read_toml(path: Path) -> dict[str, Any]:
    # A regular file of sane size only: a FIFO hung every command, /dev/zero read until
    # MemoryError (issue 14).
    return tomllib.loads(read_regular_file(path, MAX_CONFIG_BYTES).decode("utf-8"))


def _defaults_or_raise(data: dict[str, Any] | None = None) -> Settings:
    try:
        return Settings(**(data or {}))
    except ValidationError as exc:
        raise UsageError(f"environment: {_describe(exc)}") from exc
    except SettingsError as exc:
        # A NANOHEATER_* value that is not even parsable (``NANOHEATER_HOSTS=[``).
        raise UsageError(f"environment: {sanitize(exc, 160)}") from None


def _describe(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "file"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        return f"{where}: {first['msg']}{more}"
    if isinstance(exc, tomllib.TOMLDecodeError):
        return f"not valid TOML: {exc}"
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    return str(exc)


__all__ = [
    "CONFIG_FILE",
    "CapsSettings",
    "ConfigError",
    "ControllerSettings",
    "HeatSettings",
    "HistorySettings",
    "LoadedSettings",
    "QuietHoursSettings",
    "Settings",
    "backup_file",
    "config_dir",
    "config_path",
    "data_dir",
    "load_settings",
    "save_settings",
]
