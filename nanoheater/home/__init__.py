"""The home runtime: one owner of the heaters, zones, regulators, history and user intents.

``Home`` is plain asyncio (no HTTP, no Textual). ``nanoheater serve`` wraps it in the local API;
the TUI, the CLI and the bridges are its clients. Its public interface (methods, typed messages,
the JSON they map to) is described in docs/service.md.
"""

from __future__ import annotations

from nanoheater.home.bus import Subscription
from nanoheater.home.devices import UnknownRef
from nanoheater.home.lock import DataDirLock, DataDirLocked
from nanoheater.home.options import HomeOptions
from nanoheater.home.runtime import Home
from nanoheater.home.types import (
    DecisionMade,
    DeviceView,
    HomeEvent,
    HomeMessage,
    Override,
    Reading,
    Target,
    ZoneView,
)

__all__ = [
    "DataDirLock",
    "DataDirLocked",
    "DecisionMade",
    "DeviceView",
    "Home",
    "HomeEvent",
    "HomeMessage",
    "HomeOptions",
    "Override",
    "Reading",
    "Subscription",
    "Target",
    "UnknownRef",
    "ZoneView",
]
