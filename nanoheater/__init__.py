"""nanoheater: find, watch and heat with Avalon home miners.

The public library API is re-exported here; importing ``nanoheater`` loads neither Textual nor the
simulator.
"""

from __future__ import annotations

from nanoheater.exceptions import (
    CalibratingError,
    ConnectionFailed,
    DeviceRefused,
    DeviceTimeout,
    NanoheaterError,
    ProtocolError,
    UnsupportedError,
    UsageError,
)
from nanoheater.models import (
    DiscoveredHeater,
    DiscoverySource,
    HeaterInfo,
    HeaterState,
    HeaterStatus,
    ModelCapabilities,
    ModelId,
    PowerProfile,
)

__all__ = [
    "CalibratingError",
    "ConnectionFailed",
    "DeviceRefused",
    "DeviceTimeout",
    "DiscoveredHeater",
    "DiscoverySource",
    "HeaterInfo",
    "HeaterState",
    "HeaterStatus",
    "ModelCapabilities",
    "ModelId",
    "NanoheaterError",
    "PowerProfile",
    "ProtocolError",
    "UnsupportedError",
    "UsageError",
]
