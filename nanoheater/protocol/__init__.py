"""Provides the wire codec: request encoding, reply decoding with repairs, the MM ID0 blob parser.

Pure functions over bytes and dicts: no sockets and no asyncio, so the transports and the
client share one implementation of the firmware's framing and quirks.
"""

from __future__ import annotations
