"""Provides the ``[mqtt]`` and ``[alerts]`` sections of config.toml (the service's bridges).

Kept beside ``config/models.py`` rather than in it so that module stays one screenful of core
settings; ``Settings`` includes both sections. Secrets (the broker password, Apprise URLs with their
tokens) are left out of every ``repr``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class MqttSettings(_Section):
    """The ``[mqtt]`` section: the Home Assistant bridge of ``serve``."""

    url: str | None = None
    """Broker as ``mqtt://[user@]host[:port]`` or ``mqtts://...``; None: no bridge."""
    password: str | None = Field(default=None, repr=False)
    """Broker password (``NANOHEATER_MQTT_PASSWORD`` wins); never printed or logged."""
    discovery_prefix: str = Field(default="homeassistant", pattern=r"^[A-Za-z0-9_/-]+$")
    """Home Assistant's discovery prefix."""
    base_topic: str = Field(default="nanoheater", pattern=r"^[A-Za-z0-9_-]+$")
    """Topic under which states and commands live."""
    publish_interval_s: float = Field(default=5.0, ge=1.0, le=3600.0)
    """How often changed states are published."""
    away_setpoint_c: float = Field(default=12.0, gt=0, lt=40)
    """Set-point of the climate entity's "away" preset (comfort and eco come from [controller])."""


class AlertSettings(_Section):
    """The ``[alerts]`` section: notifications through Apprise URLs (ntfy, Telegram, e-mail...)."""

    urls: tuple[str, ...] = Field(default=(), repr=False)
    """Apprise URLs, e.g. "ntfy://my-topic"; they carry tokens, so they are never printed."""
    unreachable_after_min: float = Field(default=10.0, gt=0)
    """A device unreachable this long raises an alert."""
    not_hashing_after_min: float = Field(default=10.0, gt=0)
    """A device "mining" at 0 TH/s this long raises an alert."""
    sensor_stale_after_min: float = Field(default=15.0, gt=0)
    """A zone regulated on a room sensor without a reading this long raises an alert."""
    setpoint_unreachable_after_h: float = Field(default=3.0, gt=0)
    """A zone this far below its set-point at full heat for this long raises an alert."""
    setpoint_margin_k: float = Field(default=1.0, gt=0)
    """How far below the set-point counts as not reaching it."""
    frost_c: float = Field(default=5.0, gt=-30, lt=20)
    """A room below this raises a critical alert."""
    hysteresis_k: float = Field(default=0.5, ge=0)
    """A temperature alert resolves only this far back inside its limit."""
    quiet_start_hour: float | None = Field(default=22.0, ge=0, le=24)
    """Non-critical alerts wait until the end of the quiet hours; None: no quiet hours."""
    quiet_end_hour: float = Field(default=7.0, ge=0, le=24)
    """End of the alerts' quiet hours (smaller than the start wraps midnight)."""
    daily_summary_hour: float | None = Field(default=None, ge=0, lt=24)
    """Local hour of a daily summary (heat kWh, cost, sats, net cost per kWh); None: none."""
