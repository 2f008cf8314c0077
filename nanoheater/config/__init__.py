"""Provides the user settings: ``config.toml`` in the config folder, validated, written atomically.

The models (one per section, and ``Settings``) live in ``nanoheater.config.models``; reading,
validating and writing the file live in ``nanoheater.config.files``, and the device names of
``[names]`` in ``nanoheater.config.names``. Callers import from here.

Precedence is CLI flag > environment (``NANOHEATER_<SECTION>__<FIELD>``) > config.toml > default
(house style 2.11). A broken file is never silently replaced: it is copied aside and reported in
one line (``ConfigError``, exit code 2).

Example:
    >>> loaded = load_settings()
    >>> loaded.settings.tariff.price_fiat_per_kwh, loaded.settings.heat.heat_pump_cop
    (0.17, 3.0)
"""

from __future__ import annotations

from nanoheater.config.files import (
    CONFIG_FILE,
    ConfigError,
    LoadedSettings,
    backup_file,
    config_dir,
    config_path,
    data_dir,
    load_settings,
    save_settings,
    update_config,
)
from nanoheater.config.models import (
    CapsSettings,
    ControllerSettings,
    HeatSettings,
    HistorySettings,
    QuietHoursSettings,
    Settings,
)
from nanoheater.config.names import names_device, save_names, with_name

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
    "names_device",
    "save_names",
    "save_settings",
    "update_config",
    "with_name",
]
