"""Provides ``CallableTransport``: a transport that hands each request to a Python callable.

It lets the client talk to an in-process device (``firmware_sim``'s ``MemoryLink.exchange`` or
any bytes-to-bytes function) with no sockets and no wall-clock waiting, which is how
virtual-time simulations and benchmarks drive thousands of exchanges per second.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable

from nanoheater.exceptions import ConnectionFailed

Exchange = Callable[[bytes], bytes | Awaitable[bytes]]
"""A function taking the request bytes and returning (or awaiting) the reply bytes."""


class CallableTransport:
    """Calls ``fn(request)`` for each request; ``fn`` may be sync or async."""

    def __init__(self, fn: Exchange, *, label: str = "memory") -> None:
        self._fn = fn
        self._label = label
        self._closed = False

    @property
    def label(self) -> str:
        """The label given at construction ("memory" by default)."""
        return self._label

    async def request(self, data: bytes) -> bytes:
        """Return ``fn(data)``, awaiting it if it is a coroutine.

        Raises:
            ConnectionFailed: the transport is closed, or ``fn`` raised an OSError.
        """
        if self._closed:
            raise ConnectionFailed(f"{self._label}: transport is closed")
        try:
            reply = self._fn(data)
            if inspect.isawaitable(reply):
                reply = await reply
        except OSError as exc:
            raise ConnectionFailed(f"{self._label}: {exc}") from None
        if not isinstance(reply, bytes | bytearray):
            raise ConnectionFailed(
                f"{self._label}: link returned {type(reply).__name__}, not bytes"
            )
        return bytes(reply)

    async def close(self) -> None:
        """Mark the transport closed; idempotent."""
        self._closed = True
