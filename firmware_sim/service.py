"""Provides Service, the start/stop lifecycle every simulator listener shares.

A subclass implements ``start`` and ``stop``; ``async with`` then starts it and always stops it.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self


class Service:
    """Something that listens until stopped: ``async with`` starts it and always stops it."""

    async def start(self) -> None:
        """Begin serving."""
        raise NotImplementedError

    async def stop(self) -> None:
        """Stop serving and release every socket; idempotent."""
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
