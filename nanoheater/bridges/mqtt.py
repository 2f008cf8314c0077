"""Provides ``MqttBridge``: the Home's devices and zones in Home Assistant, over MQTT discovery.

Why it is shaped this way: Home Assistant (and the broker) may restart at any time, so the bridge
holds no state it cannot rebuild. Each connection sets a last will (``offline``, retained, on the
bridge's availability topic) so a dead bridge greys out every entity; after every (re)connect and
on Home Assistant's ``homeassistant/status`` birth message it announces every retained discovery
config again. States are published on a fixed cycle (``publish_interval_s``) and only when they
changed, so 200 devices cost a few JSON encodings a second. Commands run as their own tasks
through the Home's confirmed-write path: a slow or refusing device never stalls the others, and
every outcome is published on the entity's ``result`` topic. A lost broker is retried with
exponential backoff (1 s doubling to 60 s, with jitter), for ever.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Protocol

import aiomqtt

from nanoheater.bridges.broker import BrokerAddress
from nanoheater.bridges.counters import LedgerCounters
from nanoheater.bridges.ha_commands import (
    CommandHome,
    Result,
    run_device_command,
    run_zone_command,
)
from nanoheater.bridges.ha_entities import (
    OFFLINE,
    ONLINE,
    Topics,
    device_config_topics,
    device_entities,
    device_state,
    topic_id,
)
from nanoheater.bridges.ha_zone import (
    ZonePresets,
    quiet_now,
    zone_config_topics,
    zone_entities,
    zone_state,
)
from nanoheater.capabilities import capabilities
from nanoheater.config import QuietHoursSettings
from nanoheater.home.types import DeviceView, Target, ZoneView

_LOGGER = logging.getLogger(__name__)

BACKOFF_FIRST_S = 1.0
BACKOFF_MAX_S = 60.0
KEEPALIVE_S = 30
CONNECT_TIMEOUT_S = 10.0
OFFLINE_TIMEOUT_S = 2.0


def _log_crash(task: asyncio.Task[None]) -> None:
    """Log a helper loop that died of anything but the broker going or a cancellation."""
    if task.cancelled():
        return
    error = task.exception()
    if error is not None and not isinstance(error, aiomqtt.MqttError):
        _LOGGER.error("mqtt bridge loop failed", exc_info=error)


class BridgeHome(CommandHome, Protocol):
    """The part of ``Home`` the bridge uses."""

    def devices(self) -> list[DeviceView]:
        """Every device the Home knows, unreachable ones included."""
        ...

    def zones(self) -> list[ZoneView]:
        """Every zone."""
        ...

    async def ledger(
        self, since_s: float, until_s: float, device: str | None = None
    ) -> Mapping[str, Any]:
        """Ledger totals of a period (``LedgerTotals`` as JSON)."""
        ...


class MqttBridge:
    """Publishes a Home to Home Assistant and carries its commands back (``run()``)."""

    def __init__(
        self,
        home: BridgeHome,
        broker: BrokerAddress,
        *,
        topics: Topics | None = None,
        presets: ZonePresets | None = None,
        currency: str = "USD",
        quiet_hours: QuietHoursSettings | None = None,
        publish_interval_s: float = 5.0,
        ledger_refresh_s: float = 60.0,
        client_id: str = "nanoheater",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.home = home
        self.broker = broker
        self.topics = topics or Topics()
        self.presets = presets or ZonePresets()
        self.currency = currency
        self.quiet_hours = quiet_hours
        self.publish_interval_s = publish_interval_s
        self.ledger_refresh_s = ledger_refresh_s
        self.client_id = client_id
        self.clock = clock
        self.counters = LedgerCounters(self._ledger, clock=clock)
        self.connected = asyncio.Event()
        """Set while a broker session is up (tests and ``serve`` readiness wait on it)."""
        self.sessions = 0
        """Broker sessions so far (a reconnect makes it grow)."""
        self._client: aiomqtt.Client | None = None
        self._announced: dict[str, tuple[str, ...]] = {}  # device or zone uid -> config topics
        self._announce_keys: dict[str, str] = {}  # uid -> what the configs were built from
        self._published: dict[str, bytes] = {}  # topic -> last payload (states, availability)
        self._schedules: dict[str, Target] = {}  # zone uid -> its last schedule (for "auto")
        self._kick = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._ended = 0  # the last session whose loops must stop

    async def _ledger(self, since_s: float, until_s: float, device: str) -> Mapping[str, Any]:
        return await self.home.ledger(since_s, until_s, device)

    async def run(self) -> None:
        """Connect, publish and serve commands; reconnect with backoff when the broker goes.

        Runs until cancelled; a cancelled bridge publishes ``offline`` before it disconnects.
        """
        backoff = BACKOFF_FIRST_S
        while True:
            sessions = self.sessions
            try:
                await self._session()
            except aiomqtt.MqttError as exc:
                _LOGGER.warning(
                    "mqtt: %s: %s; retrying in %.0f s", self.broker.describe(), exc, backoff
                )
            if self.sessions > sessions:
                backoff = BACKOFF_FIRST_S  # it was up: the first retry is quick again
            await asyncio.sleep(backoff * random.uniform(0.8, 1.2))
            backoff = min(BACKOFF_MAX_S, backoff * 2)

    async def _session(self) -> None:
        tls = aiomqtt.TLSParameters() if self.broker.tls else None
        will = aiomqtt.Will(self.topics.bridge_availability, OFFLINE, qos=1, retain=True)
        client = aiomqtt.Client(
            self.broker.host,
            self.broker.port,
            username=self.broker.username,
            password=self.broker.password,
            identifier=self.client_id,
            will=will,
            keepalive=KEEPALIVE_S,
            tls_params=tls,
            timeout=CONNECT_TIMEOUT_S,
        )
        async with client:
            self._client = client
            self._announced.clear()
            self._announce_keys.clear()
            self._published.clear()
            await client.publish(self.topics.bridge_availability, ONLINE, qos=1, retain=True)
            await client.subscribe(self.topics.ha_status, qos=1)
            for topic_filter in self.topics.command_filters:
                await client.subscribe(topic_filter, qos=1)
            self.sessions += 1
            self.connected.set()
            _LOGGER.info("mqtt: connected to %s", self.broker.describe())
            try:
                await self._serve(client)
            except asyncio.CancelledError:
                # A clean disconnect suppresses the last will, so say offline ourselves.
                with contextlib.suppress(aiomqtt.MqttError, TimeoutError):
                    async with asyncio.timeout(OFFLINE_TIMEOUT_S):
                        await client.publish(
                            self.topics.bridge_availability, OFFLINE, qos=1, retain=True
                        )
                raise
            finally:
                self._client = None
                self.connected.clear()
                for task in list(self._tasks):
                    task.cancel()

    async def _serve(self, client: aiomqtt.Client) -> None:
        """Run the loops of one session until the broker goes (MqttError) or we are cancelled.

        No TaskGroup: on Python 3.11 a cancellation can be swallowed inside aiomqtt (its
        ``asyncio.wait_for``), which would leave a group waiting for ever. The helper loops end
        when their session does, and are awaited with a deadline.
        """
        session = self.sessions
        helpers = [
            asyncio.create_task(self._publish_loop(session)),
            asyncio.create_task(self._ledger_loop(session)),
        ]
        for helper in helpers:
            helper.add_done_callback(_log_crash)
        try:
            await self._message_loop(client)
        finally:
            self._ended = session
            for helper in helpers:
                helper.cancel()
            await asyncio.wait(helpers, timeout=OFFLINE_TIMEOUT_S)

    async def _publish_loop(self, session: int) -> None:
        while self._ended < session:
            await self.publish_once()
            self._kick.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.publish_interval_s):
                    await self._kick.wait()

    async def _ledger_loop(self, session: int) -> None:
        while self._ended < session:
            await self.counters.refresh([d.key for d in self.home.devices()])
            self._kick.set()
            await asyncio.sleep(self.ledger_refresh_s)

    async def _message_loop(self, client: aiomqtt.Client) -> None:
        async for message in client.messages:
            topic = message.topic.value
            payload = message.payload if isinstance(message.payload, bytes) else b""
            if topic == self.topics.ha_status:
                if payload.strip() == ONLINE.encode():
                    _LOGGER.info("mqtt: Home Assistant is back; announcing again")
                    self._announced.clear()
                    self._announce_keys.clear()
                    self._published.clear()
                    self._kick.set()
                continue
            task = asyncio.create_task(self._command(topic, payload))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _command(self, topic: str, payload: bytes) -> None:
        parts = topic.split("/")
        base_len = len(self.topics.base.split("/"))
        if len(parts) != base_len + 4 or parts[-1] != "set":
            return
        kind, uid, command = parts[base_len], parts[base_len + 1], parts[base_len + 2]
        result: Result | None = None
        if kind == "device":
            device = next((d for d in self.home.devices() if topic_id(d.key) == uid), None)
            if device is not None:
                result = await run_device_command(self.home, device, command, payload)
                await self._send(self.topics.device(uid, "result"), result.to_json())
        elif kind == "zone":
            zone = next((z for z in self.home.zones() if topic_id(z.name) == uid), None)
            if zone is not None:
                result = await run_zone_command(
                    self.home,
                    zone,
                    command,
                    payload,
                    presets=self.presets,
                    schedule=self._schedules.get(uid),
                )
                await self._send(self.topics.zone(uid, "result"), result.to_json())
        if result is not None:
            level = logging.INFO if result.ok else logging.WARNING
            _LOGGER.log(level, "mqtt command %s/%s: %s", kind, uid, result.message)
            # Republish at once: a refused command must snap Home Assistant back to the truth.
            self._published.clear()
            self._kick.set()

    async def _send(
        self, topic: str, payload: Mapping[str, Any] | str, *, retain: bool = False, qos: int = 0
    ) -> bool:
        data = (
            payload.encode()
            if isinstance(payload, str)
            else json.dumps(payload, separators=(",", ":")).encode()
        )
        if retain and self._published.get(topic) == data:
            return False
        client = self._client
        if client is None:
            return False
        await client.publish(topic, data, qos=qos, retain=retain)
        if retain:
            self._published[topic] = data
        return True

    async def publish_once(self) -> int:
        """Announce what is new, remove what is gone and publish changed states; returns sends."""
        sent = 0
        devices = self.home.devices()
        seen: set[str] = set()
        for device in devices:
            if device.status is None or device.status.info.model is None:
                continue  # nothing to announce until the model is known
            uid = topic_id(device.key)
            seen.add(uid)
            caps = capabilities(device.status.info.model)
            build_key = f"{device.name}|{device.status.info.firmware}|{caps.model}"
            if self._announce_keys.get(uid) != build_key:
                configs = device_entities(device, caps, self.topics, self.currency)
                for topic, payload in configs:
                    sent += await self._send(topic, payload, retain=True, qos=1)
                self._announced[uid] = tuple(topic for topic, _ in configs)
                self._announce_keys[uid] = build_key
            availability = ONLINE if device.online else OFFLINE
            sent += await self._send(
                self.topics.device(uid, "availability"), availability, retain=True, qos=1
            )
            state = device_state(device, self.counters.get(device.key))
            sent += await self._send(self.topics.device(uid, "state"), state, retain=True)
        local = datetime.fromtimestamp(self.clock()).astimezone()
        by_address = {d.address: d for d in devices}
        for zone in self.home.zones():
            uid = f"zone_{topic_id(zone.name)}"
            seen.add(uid)
            zid = topic_id(zone.name)
            if zone.target is not None and zone.target.kind == "schedule":
                self._schedules[zid] = zone.target
            with_auto = zid in self._schedules
            build_key = f"{zone.name}|{with_auto}"
            if self._announce_keys.get(uid) != build_key:
                configs = zone_entities(zone, self.topics, with_auto=with_auto)
                for topic, payload in configs:
                    sent += await self._send(topic, payload, retain=True, qos=1)
                self._announced[uid] = tuple(topic for topic, _ in configs)
                self._announce_keys[uid] = build_key
            members = [by_address[a] for a in zone.devices if a in by_address]
            state = zone_state(
                zone,
                members,
                presets=self.presets,
                quiet=quiet_now(zone, self.quiet_hours, local),
            )
            sent += await self._send(self.topics.zone(zid, "state"), state, retain=True)
        for uid in [uid for uid in self._announced if uid not in seen]:
            sent += await self._remove(uid)
        return sent

    async def _remove(self, uid: str) -> int:
        """Delete a forgotten device's (or zone's) retained configs and states."""
        self._announced.pop(uid, None)
        self._announce_keys.pop(uid, None)
        if uid.startswith("zone_"):
            zid = uid.removeprefix("zone_")
            topics = [*zone_config_topics(zid, self.topics), self.topics.zone(zid, "state")]
            self._schedules.pop(zid, None)
        else:
            topics = [
                *device_config_topics(uid, self.topics),
                self.topics.device(uid, "state"),
                self.topics.device(uid, "availability"),
            ]
        client = self._client
        if client is None:
            return 0
        for topic in topics:
            await client.publish(topic, b"", qos=1, retain=True)
            self._published.pop(topic, None)
        _LOGGER.info("mqtt: %s left the Home; its entities were removed", uid)
        return len(topics)
