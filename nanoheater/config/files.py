"""Reads and writes ``config.toml``: the config and data folders, validation, atomic saves.

Precedence is CLI flag > environment (``NANOHEATER_<SECTION>__<FIELD>``) > config.toml > default
(house style 2.11); the CLI applies its flags on top of what ``load_settings`` returns. A file
that cannot be read, parsed or validated is never silently replaced: ``load_settings`` copies it
to a timestamped backup and raises ``ConfigError`` (one line naming the file and the problem,
exit code 2), unless the caller explicitly asks to continue with defaults: then the result
carries a one-line notice, and the bad file stays where it is (plus its backup copy) until the
user fixes it or saves new settings, which backs it up again if needed.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs
import tomli_w
from pydantic import ValidationError
from pydantic_settings import SettingsError

from nanoheater.address import DeviceAddress
from nanoheater.atomic import read_regular_file, write_atomic
from nanoheater.config.models import Settings, _FileOnly
from nanoheater.exceptions import UsageError
from nanoheater.protocol.sanitize import sanitize

# The logger keeps the package's name: users and tests see "WARNING nanoheater.config: ...".
_LOGGER = logging.getLogger("nanoheater.config")

CONFIG_FILE = "config.toml"
"""Name of the settings file inside the config folder."""
MAX_CONFIG_BYTES = 1 << 20
"""A config file larger than this is refused (a real one is a few hundred bytes)."""


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


def update_config(change: Callable[[dict[str, Any]], None], path: Path | None = None) -> Path:
    """Apply ``change`` to config.toml's table and write the file back atomically.

    For a program that owns one section (``serve`` and its ``[zones]``): every other key stays
    as the user wrote it (comments are not kept; TOML writers drop them, as ``save_settings``
    does). The result must validate, and a file that does not parse is refused, never replaced:
    both raise ``UsageError`` and leave the file as it was.
    """
    path = path or config_path()
    data: dict[str, Any] = {}
    if path.exists():
        try:
            data = _read_toml(path)
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise UsageError(
                f"{path}: cannot be read ({sanitize(exc, 120)}); not changed"
            ) from None
    change(data)
    try:
        # The file alone, as load_settings blames it; its hosts list as load_settings reads it
        # (a malformed entry is skipped with a warning there, so it must not block this change).
        _FileOnly(**{**data, "hosts": []})
    except ValidationError as exc:
        raise UsageError(f"{path}: {_describe(exc)}; not changed") from None
    try:
        write_atomic(path, tomli_w.dumps(data).encode("utf-8"))
    except OSError as exc:
        raise UsageError(f"{path}: cannot be written ({sanitize(exc, 120)})") from None
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
    text = read_regular_file(path, MAX_CONFIG_BYTES).decode("utf-8")
    try:
        return tomllib.loads(text)
    except RecursionError:
        # tomllib recurses per nesting level: a 4 kB file of brackets was a traceback.
        raise tomllib.TOMLDecodeError("nested too deeply") from None


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
    "MAX_CONFIG_BYTES",
    "ConfigError",
    "LoadedSettings",
    "backup_file",
    "config_dir",
    "config_path",
    "data_dir",
    "load_settings",
    "save_settings",
]
