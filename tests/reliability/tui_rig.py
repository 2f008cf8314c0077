"""Provides the TUI rig of the reliability tests: a NanoheaterApp on a small simulated fleet.

Time is virtual (the fleet's clock moves only when a test says so) and the App's timers are
set to an hour, so polls and controller ticks happen only when a test asks for them. Clients
time out after ``TUI_TIMEOUT_S``: the deadline is the client's own, never the test's.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from firmware_sim.fleet import Fleet
from nanoheater.client import HeaterClient
from nanoheater.config import Settings
from nanoheater.models import DiscoveredHeater, DiscoverySource
from nanoheater.tui.app import NanoheaterApp
from tests.fleets import endpoints, loopback_fleet
from tests.reliability.rigs import tcp_client

TUI_TIMEOUT_S = 0.4


@asynccontextmanager
async def sim_fleet(models: Sequence[str]) -> AsyncIterator[Fleet]:
    """Simulated heaters on free ports of 127.0.0.1, in virtual time."""
    async with loopback_fleet(models) as fleet:
        yield fleet


def key_of(fleet: Fleet, index: int = 0) -> str:
    """The TUI's key (``host:port``) of fleet member ``index``."""
    return endpoints(fleet)[index]


def make_app(fleet: Fleet, tmp_path: Path, *, control_interval_s: float = 3600.0) -> NanoheaterApp:
    """An App that knows every fleet member from the start and never scans or polls by itself."""

    async def connect(heater: DiscoveredHeater) -> HeaterClient:
        return tcp_client(heater.host, heater.port, timeout_s=TUI_TIMEOUT_S)

    async def discover() -> AsyncIterator[DiscoveredHeater]:
        nothing: tuple[DiscoveredHeater, ...] = ()
        for heater in nothing:
            yield heater

    hosts = [
        DiscoveredHeater(
            name="", host=m.server.host, port=m.server.port, sources=(DiscoverySource.CONFIG,)
        )
        for m in fleet.members
    ]
    return NanoheaterApp(
        Settings(),
        connect=connect,
        discover=discover,
        hosts=hosts,
        config_file=tmp_path / "config.toml",
        poll_interval_s=3600.0,
        control_interval_s=control_interval_s,
        scan_on_start=False,
        clock=fleet.clock.now,  # the rig owns the simulator: the app runs on its virtual clock
    )


async def settle(pilot: Pilot[None]) -> None:
    """Wait until every worker has finished and every message it posted has been handled."""
    app = pilot.app
    for _ in range(50):
        # A command replaced by a newer one (an exclusive worker group) ends cancelled.
        with contextlib.suppress(WorkerCancelled):
            await app.workers.wait_for_complete()
        await pilot.pause()
        if not any(worker.is_running for worker in app.workers):
            return
    raise AssertionError("workers kept starting")


async def poll(pilot: Pilot[None]) -> None:
    """Poll every device once and settle."""
    app = pilot.app
    assert isinstance(app, NanoheaterApp)
    app.poll_all()
    await settle(pilot)
