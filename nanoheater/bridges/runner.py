"""Provides ``Bridges``: the MQTT bridge and the alerts of ``serve``, started and stopped together.

Everything a bridge needs is checked when it is built (a bad broker URL, a password inside it,
an Apprise URL nobody knows), so ``serve`` refuses to start with one line and exit 2 before it
takes the data folder, instead of failing hours later.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from typing import Any

from nanoheater.bridges.alerts import AlertService
from nanoheater.bridges.broker import parse_broker_url
from nanoheater.bridges.ha_entities import Topics
from nanoheater.bridges.ha_zone import ZonePresets
from nanoheater.bridges.mqtt import MqttBridge
from nanoheater.bridges.notify import AppriseNotifier
from nanoheater.config import Settings
from nanoheater.home import Home

_LOGGER = logging.getLogger(__name__)
STOP_TIMEOUT_S = 5.0


class Bridges:
    """The bridges configured for one Home: ``start()`` after the Home, ``stop()`` before it."""

    def __init__(self, home: Home, settings: Settings, *, mqtt_url: str | None = None) -> None:
        self.home = home
        self.mqtt: MqttBridge | None = None
        self.alerts: AlertService | None = None
        self._tasks: list[asyncio.Task[Any]] = []
        mqtt = settings.mqtt
        url = mqtt_url or mqtt.url
        if url:
            controller = settings.controller
            self.mqtt = MqttBridge(
                home,
                parse_broker_url(url, config_password=mqtt.password),
                topics=Topics(prefix=mqtt.discovery_prefix, base=mqtt.base_topic),
                presets=ZonePresets(
                    comfort_c=controller.setpoint_c,
                    eco_c=controller.eco_setpoint_c,
                    away_c=mqtt.away_setpoint_c,
                ),
                currency=settings.tariff.currency,
                quiet_hours=settings.caps.quiet_hours,
                publish_interval_s=mqtt.publish_interval_s,
                client_id=f"nanoheater-{socket.gethostname()}"[:64],
            )
        if settings.alerts.urls:
            self.alerts = AlertService(
                home,
                settings.alerts,
                AppriseNotifier(settings.alerts.urls),
                max_room_c=settings.caps.max_room_temp_c,
            )

    def describe(self) -> str:
        """One line for the log: which bridges run (never a password or an alert URL)."""
        parts = []
        if self.mqtt is not None:
            parts.append(f"Home Assistant over {self.mqtt.broker.describe()}")
        if self.alerts is not None:
            parts.append(f"alerts to {self.alerts.sender_count} URL(s)")
        return ", ".join(parts) or "no bridges"

    async def start(self) -> None:
        """Start every configured bridge as a background task."""
        if self.mqtt is not None:
            self._tasks.append(asyncio.create_task(self.mqtt.run(), name="mqtt-bridge"))
        if self.alerts is not None:
            self._tasks.append(asyncio.create_task(self.alerts.run(), name="alerts"))
        for task in self._tasks:
            task.add_done_callback(_log_end)

    async def stop(self) -> None:
        """Cancel the bridges (the MQTT bridge says offline first), waiting a few seconds."""
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=STOP_TIMEOUT_S)
        self._tasks.clear()


def _log_end(task: asyncio.Task[Any]) -> None:
    if task.cancelled():
        return
    with contextlib.suppress(asyncio.CancelledError):
        error = task.exception()
        if error is not None:
            _LOGGER.error("%s stopped: %s", task.get_name(), error, exc_info=error)
