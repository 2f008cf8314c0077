"""Fixtures of the bridge tests: a real Mosquitto broker on loopback, one per test module."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest

from firmware_sim.fleet import Fleet
from nanoheater.config import Settings
from nanoheater.economics.market import MarketSettings
from nanoheater.home import Home
from tests.home.conftest import options
from tests.mosquitto import Broker, mosquitto_binary


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    """A Mosquitto broker on 127.0.0.1 and a free port, stopped after the module's tests."""
    binary = mosquitto_binary()
    if binary is None:
        pytest.fail("mosquitto is not installed: .ci/run installs it (apt-get install mosquitto)")
    server = Broker(binary, tmp_path_factory.mktemp("mosquitto"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def live_broker(broker: Broker) -> Broker:
    """The module's broker, started again if an earlier test stopped or killed it."""
    if not broker.running:
        broker.start()
    return broker


@pytest.fixture
async def fleet() -> AsyncIterator[Fleet]:
    """A Nano 3S on 127.0.0.2:4028 and a Q on 127.0.0.3:4028, device time at 20x.

    Slower than the Home tests' fleet so a Nano 3S calibration (300 s of device time) lasts
    15 s of the test: a refusal test still sees it on a loaded machine.
    """
    running = Fleet(["nano3s", "q"], address="127.0.0.2", port=4028, speed=20.0)
    await running.start()
    try:
        yield running
    finally:
        await bounded(running.stop(), "fleet.stop")


@pytest.fixture
async def home(tmp_path: Path, fleet: Fleet) -> AsyncIterator[Home]:
    """A started Home over the fleet; stopped afterwards."""
    # No live market: nothing may leave the machine, and its fetch is not what these test.
    settings = Settings(market=MarketSettings(live=False))
    running = Home(options(tmp_path / "data", fleet), settings)
    await running.start()
    await asyncio.wait_for(running.ready.wait(), 10)
    try:
        yield running
    finally:
        await bounded(running.stop(), "home.stop")


async def bounded(work: Coroutine[Any, Any, Any] | asyncio.Task[Any], what: str) -> None:
    """Await ``work`` for at most 20 s; on a hang fail with every pending task named."""
    task = asyncio.ensure_future(work)
    done, _ = await asyncio.wait({task}, timeout=20)
    if not done:
        pending = "\n".join(repr(t) for t in asyncio.all_tasks())
        raise AssertionError(f"{what} did not finish; tasks:\n{pending}")
    if not task.cancelled() and task.exception() is not None:
        raise task.exception()  # type: ignore[misc]
