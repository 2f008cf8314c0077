"""Fixtures for client tests: a simulated heater behind a real SimServer, and a client on it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from firmware_sim.clock import Clock, ScaledClock, VirtualClock
from firmware_sim.device import SimulatedHeater, create_heater
from firmware_sim.server import SimServer
from firmware_sim.world import World
from nanoheater.client import HeaterClient

MODELS = ("nano3", "nano3s", "mini3", "q")


def make_heater(model: str, clock: Clock | None = None, seed: int = 0) -> SimulatedHeater:
    """Build one simulated heater in its own world (virtual time unless a clock is given)."""
    world = World(clock if clock is not None else VirtualClock(), seed)
    return create_heater(model, world=world, seed=seed)


@dataclass
class Rig:
    """A heater, the server that exposes it, and a client connected to the server."""

    heater: SimulatedHeater
    sim: SimServer
    client: HeaterClient


async def open_rig(model: str, *, speed: float | None = None, timeout_s: float = 2.0) -> Rig:
    """Start a SimServer for ``model`` and connect a client to it (caller closes both)."""
    clock = ScaledClock(speed=speed) if speed is not None else None
    heater = make_heater(model, clock)
    sim = SimServer(heater, port=0)
    await sim.start()
    client = await HeaterClient.connect_tcp(sim.host, sim.port, timeout_s=timeout_s)
    return Rig(heater, sim, client)


@pytest.fixture(params=MODELS)
async def rig(request: pytest.FixtureRequest) -> AsyncIterator[Rig]:
    """One rig per model, in virtual time that stands still unless a test advances it."""
    opened = await open_rig(request.param)
    try:
        yield opened
    finally:
        await opened.client.close()
        await opened.sim.stop()


@pytest.fixture(params=MODELS)
async def fast_rig(request: pytest.FixtureRequest) -> AsyncIterator[Rig]:
    """One rig per model whose device clock runs 20 times faster than the wall clock."""
    opened = await open_rig(request.param, speed=20.0)
    try:
        yield opened
    finally:
        await opened.client.close()
        await opened.sim.stop()
