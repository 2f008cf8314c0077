"""A simulated room's history, written into a real SQLite store as the app records it.

Three days of a ``firmware_sim`` room (``sim_knowledge.learning_log``: top step 2 h, standby
2 h, an outdoor reading 1 K warm with a wander) ending now, under a device's history key. Tests
of the room model in the Home, ``thermostat`` and the TUI start from it.
"""

from __future__ import annotations

import time
from pathlib import Path

from firmware_sim.room import Outdoor, Room, RoomParams
from nanoheater.cli.sim_knowledge import learning_log, seed_history
from nanoheater.client import HeaterClient
from nanoheater.history.store import HistoryStore


def seed(
    path: Path,
    device: str,
    params: RoomParams,
    top_w: float,
    standby_w: float,
    until_s: float | None = None,
) -> None:
    """Write three days of a room of ``params`` heated by one device, up to ``until_s`` (now)."""
    end_s = time.time() if until_s is None else until_s
    samples = learning_log(Room(params, air_c=18.0), top_w, standby_w, Outdoor().temp_c, end_s)
    with HistoryStore.open(path) as store:
        seed_history(store, device, samples)


async def history_key(address: str) -> str:
    """The key the app records ``address`` under (DNA, else MAC)."""
    client = await HeaterClient.connect(address)
    try:
        return (await client.get_status()).identity_key
    finally:
        await client.close()
