"""nanoheater: find, watch and heat with Avalon home miners.

The public library API is re-exported here; importing ``nanoheater`` loads neither Textual nor the
simulator.
"""

from __future__ import annotations

from nanoheater.capabilities import capabilities, find_profile, model_from_version
from nanoheater.client import HeaterClient
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
    Pool,
    PowerProfile,
)
from nanoheater.protocol.codec import ReplyStatus, decode_reply, encode_request
from nanoheater.protocol.sanitize import sanitize
from nanoheater.transport.base import Transport
from nanoheater.transport.memory import CallableTransport
from nanoheater.transport.serial import SerialTransport
from nanoheater.transport.tcp import TcpTransport

__all__ = [
    "CalibratingError",
    "CallableTransport",
    "ConnectionFailed",
    "DeviceRefused",
    "DeviceTimeout",
    "DiscoveredHeater",
    "DiscoverySource",
    "HeaterClient",
    "HeaterInfo",
    "HeaterState",
    "HeaterStatus",
    "ModelCapabilities",
    "ModelId",
    "NanoheaterError",
    "Pool",
    "PowerProfile",
    "ProtocolError",
    "ReplyStatus",
    "SerialTransport",
    "TcpTransport",
    "Transport",
    "UnsupportedError",
    "UsageError",
    "capabilities",
    "decode_reply",
    "encode_request",
    "find_profile",
    "model_from_version",
    "sanitize",
]
