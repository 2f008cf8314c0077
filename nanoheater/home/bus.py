"""Provides Bus and Subscription: the Home's fan-out of readings, decisions and events.

Each subscriber has its own bounded queue. A slow subscriber (a stalled SSE client, a bridge
waiting on its broker) loses its oldest messages and is told how many; it never stalls the Home
or the other subscribers.
"""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Self

from nanoheater.home.types import HomeMessage


class Subscription:
    """An async iterator of ``HomeMessage``, also an async context manager that unsubscribes."""

    def __init__(self, bus: Bus, maxsize: int) -> None:
        self._bus = bus
        self._queue: asyncio.Queue[HomeMessage | None] = asyncio.Queue(maxsize=max(1, maxsize))
        self.dropped = 0
        """Messages lost because this subscriber fell behind."""
        self.closed = False
        """True once the subscription or the whole bus has ended."""

    def put(self, message: HomeMessage | None) -> None:
        """Queue ``message``, dropping the oldest when full."""
        while True:
            try:
                self._queue.put_nowait(message)
                return
            except asyncio.QueueFull:
                self._queue.get_nowait()
                self.dropped += 1

    def close(self) -> None:
        """Stop receiving; a pending ``__anext__`` ends the iteration."""
        self._bus.remove(self)
        if not self.closed:
            self.closed = True
            self.put(None)

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> HomeMessage:
        if self.closed and self._queue.empty():
            raise StopAsyncIteration
        message = await self._queue.get()
        if message is None:
            raise StopAsyncIteration
        return message

    async def get(self, timeout_s: float) -> HomeMessage | None:
        """The next message, or None when none came within ``timeout_s`` (or the bus closed)."""
        if self.closed and self._queue.empty():
            return None
        try:
            # asyncio.timeout: wait_for can lose a racing cancellation on 3.11 (gh-86296).
            async with asyncio.timeout(timeout_s):
                return await self._queue.get()
        except TimeoutError:
            return None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class Bus:
    """Publishes each message to every current subscription."""

    def __init__(self) -> None:
        self._subscriptions: set[Subscription] = set()

    def subscribe(self, maxsize: int = 1000) -> Subscription:
        """A new subscription that sees every message published from now on."""
        sub = Subscription(self, maxsize)
        self._subscriptions.add(sub)
        return sub

    def remove(self, sub: Subscription) -> None:
        """Forget ``sub``."""
        self._subscriptions.discard(sub)

    def publish(self, message: HomeMessage) -> None:
        """Hand ``message`` to every subscriber without waiting."""
        for sub in list(self._subscriptions):
            sub.put(message)

    def close(self) -> None:
        """End every subscription."""
        for sub in list(self._subscriptions):
            sub.close()

    def __len__(self) -> int:
        return len(self._subscriptions)
