"""Provides where the service is: ``find_api``, ``parse_api``, ``is_loopback`` and the token's name.

Kept apart from the server and the client so a command can find the service (and see that
nothing listens there) without importing the web framework.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import os

from nanoheater.address import DeviceAddress
from nanoheater.config import load_settings

TOKEN_ENV = "NANOHEATER_API_TOKEN"  # noqa: S105 - a variable name, not a secret
"""Where serve and its clients read the API token (an environment variable keeps it out of ps)."""
API_ENV = "NANOHEATER_API"
DEFAULT_API_PORT = 8128
API_PREFIX = "/api/v1"
KEEPALIVE_S = 15.0
"""An SSE comment this often, so proxies and clients see a live connection."""


def find_api(api: str | None = None) -> str:
    """The service's address: ``--api``, else ``NANOHEATER_API``, else the config's ``api``."""
    if api:
        return api
    env = os.environ.get(API_ENV)
    if env:
        return env
    return load_settings(defaults_on_error=True).settings.api


def parse_api(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (port 8128 when left out; port 0 picks a free one, for tests)."""
    if text.endswith(":0") and text.count(":") == 1:
        return DeviceAddress.parse_tcp(text[:-2], DEFAULT_API_PORT).host, 0
    address = DeviceAddress.parse_tcp(text, DEFAULT_API_PORT)
    return address.host, address.tcp_port


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


async def listening(api: str, timeout_s: float = 1.0) -> bool:
    """True when something accepts connections at ``api`` (no request is sent)."""
    host, port = parse_api(api)
    try:
        _, writer = await asyncio.wait_for(
            asyncio.open_connection(host.strip("[]"), port), timeout_s
        )
    except (OSError, TimeoutError):
        return False
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return True
