"""Provides the ``Transport`` protocol: one request/reply exchange with one device.

TCP, serial and in-memory links implement it. Framing (JSON request, trailing NUL, repairs)
belongs to ``nanoheater.protocol.codec``; a transport only moves bytes and turns I/O failures
into ``ConnectionFailed`` / ``DeviceTimeout`` carrying its ``label``.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class Transport(Protocol):
    """One device link: ``request`` sends one encoded request and returns the raw reply."""

    @property
    def label(self) -> str:
        """Human-readable address for error messages, e.g. ``192.168.1.20:4028``."""
        ...

    async def request(self, data: bytes) -> bytes:
        """Send ``data`` and return the reply bytes (NUL included when the device sent one).

        An empty result means the device closed the link without replying.
        """
        ...

    async def close(self) -> None:
        """Release the link; idempotent."""
        ...
