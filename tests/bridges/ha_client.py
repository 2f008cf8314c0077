"""A real MQTT client playing Home Assistant: it subscribes, remembers and sends commands."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from types import TracebackType
from typing import Any

import aiomqtt

from tests.mosquitto import Broker


class HomeAssistant:
    """Subscribes to discovery and nanoheater topics; ``retained[topic]`` is the last payload."""

    def __init__(
        self,
        broker: Broker,
        *,
        topics: tuple[str, ...] = ("#",),
        username: str | None = None,
        password: str | None = None,
    ) -> None:
        self.client = aiomqtt.Client(
            broker.host,
            broker.port,
            identifier="home-assistant-test",
            username=username,
            password=password,
        )
        self.topics = topics
        self.last: dict[str, bytes] = {}
        self.log: list[tuple[str, bytes, bool]] = []
        self._reader: asyncio.Task[None] | None = None

    async def __aenter__(self) -> HomeAssistant:
        await self.client.__aenter__()
        for topic in self.topics:
            await self.client.subscribe(topic, qos=1)
        self._reader = asyncio.create_task(self._read())
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, aiomqtt.MqttError):
                await self._reader
        with contextlib.suppress(aiomqtt.MqttError):
            await self.client.__aexit__(kind, exc, tb)

    async def _read(self) -> None:
        with contextlib.suppress(aiomqtt.MqttError):
            async for message in self.client.messages:
                payload = message.payload if isinstance(message.payload, bytes) else b""
                self.last[message.topic.value] = payload
                self.log.append((message.topic.value, payload, message.retain))

    def json(self, topic: str) -> Any:
        """The last payload of ``topic`` as JSON."""
        return json.loads(self.last[topic])

    def configs(self) -> dict[str, dict[str, Any]]:
        """Every non-empty discovery config seen, by topic."""
        return {
            t: json.loads(p)
            for t, p in self.last.items()
            if t.startswith("homeassistant/") and t.endswith("/config") and p
        }

    async def send(self, topic: str, payload: str) -> None:
        """Publish a command as Home Assistant does."""
        await self.client.publish(topic, payload.encode(), qos=1)

    async def until(self, check: Callable[[], bool], timeout_s: float = 10.0) -> None:
        """Wait until ``check()`` holds, or fail; a topic not received yet (KeyError) is "not yet".

        A command's result can arrive before this client's first state message (a test run alone,
        or first on its worker), so ``ha.json(state)`` in a check may not have a payload yet.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while not self._holds(check):
            if loop.time() > deadline:
                raise AssertionError("condition not met in time")
            await asyncio.sleep(0.05)

    @staticmethod
    def _holds(check: Callable[[], bool]) -> bool:
        try:
            return check()
        except KeyError:
            return False
