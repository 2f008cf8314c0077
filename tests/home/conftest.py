"""Fixtures for Home tests: a real-time simulated fleet on 127.0.0.2.. and a Home over it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from firmware_sim.fleet import Fleet
from nanoheater.home import Home, HomeOptions
from tests.fleets import endpoints, loopback_fleet

FAST = {"poll_interval_s": 0.2, "control_interval_s": 0.3, "timeout_s": 2.0}
"""Intervals short enough for seconds-long tests on a real-time simulator."""


@pytest.fixture
async def fleet() -> AsyncIterator[Fleet]:
    """A Nano 3S on 127.0.0.2:4028 and a Q on 127.0.0.3:4028, device time at 100x.

    A 300 s calibration after a mode change takes 3 s of the test.
    """
    async with loopback_fleet(["nano3s", "q"], speed=100.0) as running:
        yield running


def hosts(fleet: Fleet) -> list[str]:
    """The fleet's addresses as ``host:port``."""
    return endpoints(fleet)


def options(data_dir: Path, fleet: Fleet, **overrides: object) -> HomeOptions:
    """HomeOptions over ``fleet`` with fast intervals."""
    values: dict[str, object] = {"hosts": tuple(hosts(fleet)), **FAST, **overrides}
    return HomeOptions(data_dir=data_dir, **values)  # type: ignore[arg-type]


async def until(check: Callable[[], bool], timeout_s: float = 10.0) -> None:
    """Wait until ``check()`` holds (polling the event loop), or fail after ``timeout_s``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not check():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


@pytest.fixture
async def home(tmp_path: Path, fleet: Fleet) -> AsyncIterator[Home]:
    """A started Home over the fleet; stopped (exit level lowest) afterwards."""
    running = Home(options(tmp_path / "data", fleet))
    await running.start()
    await asyncio.wait_for(running.ready.wait(), 10)
    try:
        yield running
    finally:
        await running.stop()


@asynccontextmanager
async def serving(home: Home) -> AsyncIterator[str]:
    """Start ``home`` and its API on 127.0.0.1; yield the address once every device was read.

    Both are stopped afterwards.
    """
    from nanoheater.service.server import ApiServer

    await home.start()
    server = ApiServer(home, "127.0.0.1:0", None)
    try:
        await server.start()
        assert server.bound is not None
        await until(lambda: all(d.online for d in home.devices()))
        yield f"127.0.0.1:{server.bound[1]}"
    finally:
        await server.stop()
        await home.stop()


@pytest.fixture
async def served(tmp_path: Path, fleet: Fleet) -> AsyncIterator[tuple[Home, str]]:
    """A Home over the fleet and its API on a free 127.0.0.1 port, every device read once."""
    home = Home(options(tmp_path / "data", fleet))
    async with serving(home) as api:
        yield home, api
