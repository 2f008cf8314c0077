"""Provides ApiServer: the API bound to an address, loopback unless a token guards it.

Binding anything but a loopback address without a token is refused before a socket opens,
so a typo in ``--api`` never exposes the heaters' controls to the network.
"""

from __future__ import annotations

import logging

from aiohttp import web

from nanoheater.exceptions import UsageError
from nanoheater.home import Home
from nanoheater.service.address import TOKEN_ENV, is_loopback, parse_api
from nanoheater.service.api import build_app

log = logging.getLogger(__name__)


class ApiServer:
    """The API of ``home`` on ``host:port``; ``await start()``, ``await stop()``."""

    def __init__(self, home: Home, api: str, token: str | None) -> None:
        self.host, self.port = parse_api(api)
        if not token and not is_loopback(self.host):
            raise UsageError(
                f"refusing to listen on {self.host}: a non-loopback address needs a token "
                f"(set {TOKEN_ENV})"
            )
        self._runner = web.AppRunner(
            build_app(home, token or None), access_log=None, shutdown_timeout=1.0
        )
        self.bound: tuple[str, int] | None = None

    async def start(self) -> None:
        """Listen; OSError (port taken) becomes a one-line UsageError."""
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        try:
            await site.start()
        except OSError as exc:
            await self._runner.cleanup()
            raise UsageError(
                f"cannot listen on {self.host}:{self.port}: {exc.strerror or exc}"
            ) from None
        addresses = self._runner.addresses
        self.bound = (self.host, int(addresses[0][1])) if addresses else (self.host, self.port)
        log.info("API listening on http://%s:%d/api/v1", *self.bound)

    async def stop(self) -> None:
        """Close the listener and every open connection (event streams included)."""
        await self._runner.cleanup()
