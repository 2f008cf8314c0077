"""Provides the shapes of the services the App is given: how to reach a device and how to find them.

The App never builds a client or a scanner itself (house style 2.8): ``nanoheater.cli.tui`` passes
the real ones, ``nanoheater demo`` and the tests pass ones bound to an in-process simulator.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

from nanoheater.client import HeaterClient
from nanoheater.models import DiscoveredHeater

DeviceClient = HeaterClient
"""The client the App drives; only workers ever hold one."""

Connect = Callable[[DiscoveredHeater], Awaitable[HeaterClient]]
"""Open a client for a device (no traffic needed until the first command)."""

Discover = Callable[[], AsyncIterator[DiscoveredHeater]]
"""Yield devices as they are found; a scan ends when the iterator does."""
