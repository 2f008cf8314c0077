"""Fixtures for the TUI tests: a simulated fleet on loopback in virtual time, apps wired to it."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from firmware_sim.fleet import Fleet
from nanoheater.client import HeaterClient
from nanoheater.config import Settings
from nanoheater.discovery import browse
from nanoheater.history import AsyncHistoryStore, HistoryStore
from nanoheater.models import DiscoveredHeater
from nanoheater.tui.app import NanoheaterApp
from tests.fleets import MODELS as MODELS  # re-exported: tests import it from here too
from tests.fleets import advance as advance
from tests.fleets import endpoints as endpoints
from tests.fleets import loopback_fleet

AppFactory = Callable[..., NanoheaterApp]


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> None:
    """Label the charts in UTC, so seeded hours are the axis's hours on every machine."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


@pytest.fixture
async def history(tmp_path: Path) -> AsyncIterator[AsyncHistoryStore]:
    """A history file of the test's own, open on its thread."""
    store = AsyncHistoryStore(HistoryStore.open(tmp_path / "history.sqlite3"))
    yield store
    await store.close()


@pytest.fixture
async def sim_fleet() -> AsyncIterator[Fleet]:
    """Four simulated heaters on free ports of 127.0.0.1; time moves only when a test says so."""
    async with loopback_fleet(MODELS) as fleet:
        yield fleet


@pytest.fixture
def make_app(sim_fleet: Fleet, tmp_path: Path) -> AppFactory:
    """Build a NanoheaterApp wired to ``sim_fleet`` (discovery probes only its endpoints).

    Like the demo, the test owns its simulator, so the app runs on the fleet's virtual clock
    (readings are booked when they arrive on it) unless a test passes its own ``clock``.
    """

    async def connect(heater: DiscoveredHeater) -> HeaterClient:
        return await HeaterClient.connect_tcp(heater.host, heater.port, timeout_s=2.0)

    def discover() -> AsyncIterator[DiscoveredHeater]:
        return browse(mdns=False, hosts=endpoints(sim_fleet), timeout_s=1.0)

    def factory(
        *,
        settings: Settings | None = None,
        hosts: Sequence[DiscoveredHeater] = (),
        scan_on_start: bool = True,
        history: AsyncHistoryStore | None = None,
        **extra: Any,
    ) -> NanoheaterApp:
        extra.setdefault("clock", sim_fleet.clock.now)
        return NanoheaterApp(
            settings or Settings(),
            connect=connect,
            discover=discover,
            hosts=hosts,
            config_file=tmp_path / "config" / "config.toml",
            # Polls happen only when a test asks: nothing depends on wall-clock timing.
            poll_interval_s=3600.0,
            scan_on_start=scan_on_start,
            history=history,
            **extra,
        )

    return factory


async def settle(pilot: Pilot[None]) -> None:
    """Wait until every worker has finished and every message they posted has been handled."""
    app = pilot.app
    for _ in range(20):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not any(worker.is_running for worker in app.workers):
            return
    raise AssertionError("workers kept starting")


async def poll(
    pilot: Pilot[None], advance_fleet: Fleet | None = None, seconds: float = 0.0
) -> None:
    """Optionally advance simulated time, then poll every device once and settle."""
    if advance_fleet is not None and seconds:
        advance(advance_fleet, seconds)
    app = pilot.app
    assert isinstance(app, NanoheaterApp)
    app.poll_all()
    await settle(pilot)
