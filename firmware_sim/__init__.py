"""firmware_sim: a simulator of Avalon home-miner firmware, its room and its revenue.

It stands in for the device firmware, so it imports nothing from ``nanoheater``: the wire side
here is written independently from the protocol reference and real captures.
"""

from __future__ import annotations
