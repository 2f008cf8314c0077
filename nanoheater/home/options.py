"""Provides HomeOptions and describe_error.

HomeOptions: where the devices are, how often to look at them, where state lives.
describe_error: the one-line text of a failure that the Home logs and publishes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nanoheater.const import DEFAULT_TIMEOUT_S
from nanoheater.controller.build import ZoneChoices
from nanoheater.exceptions import NanoheaterError
from nanoheater.protocol.sanitize import sanitize

DEFAULT_OVERRIDE_S = 7200.0
"""How long a manual command on a regulated device pauses its zone unless resumed sooner."""


def describe_error(exc: BaseException) -> str:
    """One sanitised line: the library's message, else the exception type and text."""
    if isinstance(exc, NanoheaterError):
        return sanitize(str(exc), 300)
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return sanitize(text, 300)


@dataclass(frozen=True, slots=True)
class HomeOptions:
    """Where the devices are, how often to look at them, and where to keep state."""

    data_dir: Path
    hosts: Sequence[str] = ()
    zones: Mapping[str, Sequence[str]] = field(default_factory=dict)
    """Configured zones: name to its devices' ``host[:port]``. Others are one-device zones."""
    scan: Sequence[str] = ()
    mdns: bool = False
    poll_interval_s: float = 5.0
    control_interval_s: float = 30.0
    rescan_interval_s: float = 300.0
    market_refresh_s: float = 3600.0
    exit_level: str = "lowest"
    exit_timeout_s: float = 20.0
    timeout_s: float = DEFAULT_TIMEOUT_S
    history: bool = True
    persist: bool = True
    """Load and save ``intents.json``. False for a foreground run whose targets are its argv
    (``nanoheater thermostat``): a later ``serve`` must not resume what a terminal once asked."""
    config_file: Path | None = None
    """Where zone edits (``Home.create_zone`` ...) are kept: config.toml, whose ``[zones]`` the
    next start reads. None: edits last until the process ends."""
    backstops: bool = True
    """Give each regulated Mini 3 its own room limit (a dead-man backstop for a long-lived
    service; a foreground thermostat leaves the device's settings alone)."""
    outdoor: Callable[[float], float | None] | None = None
    """The outdoor temperature now (a sensor the front end reads), or None: every zone's
    feed-forward and reachability use it, and with a history each reading is recorded for the
    room model."""
    room_log: Path | None = None
    """Learn the rooms from this history file, read-only, when ``history`` is False (a
    foreground ``thermostat`` reads what ``serve`` or the TUI recorded)."""
    zone_choices: Callable[[ZoneChoices], ZoneChoices] | None = None
    """A front end's own choices for every zone (the thermostat's flags: sensor, controller,
    limits...), given the choices the Home would use; None: the settings alone."""
