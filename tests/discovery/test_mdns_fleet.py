"""Tests for mDNS discovery with real multicast on loopback, inside the run's private namespace."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator

import pytest
from zeroconf.asyncio import AsyncZeroconf

from firmware_sim.fleet import Fleet
from nanoheater.discovery import RUNNER_TASK_NAME, browse, discover
from nanoheater.models import DiscoveredHeater, DiscoverySource, ModelId

pytestmark = pytest.mark.mdns

MDNS, PROBE = DiscoverySource.MDNS, DiscoverySource.PROBE
MODELS = ("nano3s", "mini3", "q", "nano3")


@pytest.fixture
async def zeroconf() -> AsyncIterator[AsyncZeroconf]:
    """A browsing AsyncZeroconf bound to loopback, closed after the test."""
    aiozc = AsyncZeroconf(interfaces=["127.0.0.1"])
    yield aiozc
    await aiozc.async_close()


async def test_mdns_finds_all_20_advertised_heaters(zeroconf: AsyncZeroconf) -> None:
    """Pins that 20 advertised simulated heaters are all listed, with TXT identity, source mdns."""
    models = [MODELS[i % 4] for i in range(20)]
    async with Fleet(models, address="127.0.0.2", port=4028, mdns=True) as fleet:
        devices = [member.heater for member in fleet.members]
        heaters = await discover(zeroconf=zeroconf, timeout_s=3.0)
    assert [h.host for h in heaters] == [f"127.0.0.{i}" for i in range(2, 22)]
    for heater, device in zip(heaters, devices, strict=True):
        state = device.state
        assert heater.sources == (MDNS,)
        assert heater.port == 4028
        assert heater.model is ModelId(device.profile.model)
        assert heater.dna == state.dna.lower()
        assert heater.mac is not None
        assert heater.mac.replace(":", "") == state.mac.lower()
        assert heater.name.endswith(state.mac[-4:].upper())
    assert not zeroconf.zeroconf.done  # an injected instance is left open for its owner


async def test_mdns_and_probe_merge_into_one_entry_per_device(zeroconf: AsyncZeroconf) -> None:
    """Pins that a heater both advertised and probed is one entry with sources mdns and probe."""
    async with Fleet(list(MODELS), address="127.0.0.2", port=4028, mdns=True):
        heaters = await discover(zeroconf=zeroconf, scan="127.0.0.0/29", timeout_s=3.0)
    assert [(h.host, h.sources) for h in heaters] == [
        (f"127.0.0.{i}", (MDNS, PROBE)) for i in range(2, 6)
    ]
    # The Nano 3 tells the probe no DNA or MAC; its advertisement's MAC identifies the entry.
    nano3 = heaters[3]
    assert nano3.model is ModelId.NANO3
    assert nano3.mac is not None


async def test_mdns_without_an_injected_instance_makes_and_closes_its_own() -> None:
    """Pins that discovery works with no AsyncZeroconf given (it creates one for the run)."""
    async with Fleet(["q", "mini3"], address="127.0.0.2", port=4028, mdns=True):
        fds_before = set(os.listdir("/proc/self/fd"))
        heaters = await discover(timeout_s=3.0)
        for _ in range(3):
            await asyncio.sleep(0)  # asyncio closes transport sockets on the next loop pass
        leaked = set(os.listdir("/proc/self/fd")) - fds_before
    assert leaked == set()  # the instance it created (two sockets) was closed
    assert [(h.host, h.model) for h in heaters] == [
        ("127.0.0.2", ModelId.Q),
        ("127.0.0.3", ModelId.MINI3),
    ]


async def test_browse_yields_each_finding_and_stops_when_left(zeroconf: AsyncZeroconf) -> None:
    """Pins that browse() streams findings as they arrive and leaving early ends discovery."""
    seen: list[DiscoveredHeater] = []
    async with Fleet(["nano3s"] * 3, address="127.0.0.2", port=4028, mdns=True):
        stream = browse(zeroconf=zeroconf, timeout_s=30.0)
        async for heater in stream:
            seen.append(heater)
            if len(seen) == 3:
                break
        await stream.aclose()
        assert not [t for t in asyncio.all_tasks() if t.get_name() == RUNNER_TASK_NAME]
    assert sorted(h.host for h in seen) == ["127.0.0.2", "127.0.0.3", "127.0.0.4"]
    assert all(h.sources == (MDNS,) for h in seen)
    assert not zeroconf.zeroconf.done


async def test_mdns_finds_nothing_when_nothing_advertises(zeroconf: AsyncZeroconf) -> None:
    """Pins that a quiet network gives an empty list after the window, not an error."""
    assert await discover(zeroconf=zeroconf, timeout_s=0.5) == []
