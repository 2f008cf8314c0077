"""Tests for the mDNS advertisement: 20 devices, all browsable on loopback with their TXT keys."""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Callable

import pytest
from zeroconf import ServiceStateChange, Zeroconf
from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

from firmware_sim.advertise import (
    SERVICE_TYPE,
    firmware_version,
    instance_name,
    interface_address,
)
from firmware_sim.clock import VirtualClock
from firmware_sim.fleet import Fleet

pytestmark = pytest.mark.mdns

MODELS = ("nano3s", "mini3", "q", "nano3")


@pytest.fixture
async def browser_zc() -> AsyncIterator[AsyncZeroconf]:
    """A separate AsyncZeroconf on loopback that plays the network's other side."""
    aiozc = AsyncZeroconf(interfaces=["127.0.0.1"])
    yield aiozc
    await aiozc.async_close()


class Watcher:
    """Browses SERVICE_TYPE and records which instances were added and removed."""

    def __init__(self, aiozc: AsyncZeroconf) -> None:
        self.added: set[str] = set()
        self.removed: set[str] = set()
        self._changed = asyncio.Event()
        self._browser = AsyncServiceBrowser(aiozc.zeroconf, [SERVICE_TYPE], handlers=[self._on])

    def _on(
        self, zeroconf: Zeroconf, service_type: str, name: str, state_change: ServiceStateChange
    ) -> None:
        if state_change is ServiceStateChange.Added:
            self.added.add(name)
        elif state_change is ServiceStateChange.Removed:
            self.removed.add(name)
        self._changed.set()

    async def wait(self, done: Callable[[], bool], timeout_s: float = 15.0) -> None:
        """Wait until ``done()`` holds; TimeoutError if it does not within ``timeout_s``."""
        async with asyncio.timeout(timeout_s):
            while not done():
                self._changed.clear()
                await self._changed.wait()

    async def close(self) -> None:
        """Stop browsing."""
        await self._browser.async_cancel()


async def test_twenty_devices_are_all_browsable_with_txt_keys(browser_zc: AsyncZeroconf) -> None:
    """Pins the advertisement: 20 instances, names, TXT keys, address and port per device."""
    models = [MODELS[i % 4] for i in range(20)]
    async with Fleet(
        models, address="127.0.0.2", port=4028, clock=VirtualClock(), mdns=True
    ) as fleet:
        watcher = Watcher(browser_zc)
        await watcher.wait(lambda: len(watcher.added) >= 20)
        await watcher.close()
        names = watcher.added
        expected = {}
        for member in fleet.members:
            heater = member.heater
            fields = heater.version_fields()
            label = instance_name(fields["PROD"], heater.state.mac)
            expected[f"{label}.{SERVICE_TYPE}"] = member
        assert names == set(expected)
        for name, member in expected.items():
            info = AsyncServiceInfo(SERVICE_TYPE, name)
            assert await info.async_request(browser_zc.zeroconf, 3000)
            heater = member.heater
            assert info.port == 4028
            assert info.server == f"avalon-{heater.profile.model}-{heater.state.mac}.local."
            assert [socket.inet_ntoa(a) for a in info.addresses] == [member.server.host]
            assert info.properties == {
                b"model": heater.profile.model.encode(),
                b"mac": heater.state.mac.encode(),
                b"dna": heater.state.dna.encode(),
                b"firmware": firmware_version(heater.version_fields()).encode(),
            }


async def test_services_are_withdrawn_when_the_fleet_stops(browser_zc: AsyncZeroconf) -> None:
    """Pins that stopping the fleet unregisters its services (goodbye packets)."""
    watcher = Watcher(browser_zc)
    try:
        async with Fleet(["q"], address="127.0.0.2", port=4028, clock=VirtualClock(), mdns=True):
            await watcher.wait(lambda: len(watcher.added) == 1)
        await watcher.wait(lambda: watcher.removed == watcher.added)
    finally:
        await watcher.close()


async def test_serve_mdns_on_a_named_interface(browser_zc: AsyncZeroconf) -> None:
    """Pins firmware-sim serve --mdns --interface lo: the device is browsable, then withdrawn."""
    watcher = Watcher(browser_zc)
    argv = [sys.executable, "-m", "firmware_sim", "serve", "--model", "q", "--port", "0"]
    argv += ["--control-port", "0", "--mdns", "--interface", "lo"]
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        lines = [await asyncio.to_thread(process.stdout.readline) for _ in range(3)]
        assert lines[1].startswith("mdns")
        assert "127.0.0.1" in lines[1]
        await watcher.wait(lambda: len(watcher.added) == 1)
        [name] = watcher.added
        assert name.startswith("Avalon Q ")
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
        if process.stdout is not None:
            process.stdout.close()
    await watcher.wait(lambda: watcher.removed == watcher.added)
    await watcher.close()


def test_interface_names_resolve_to_addresses() -> None:
    """Pins --interface resolution: an address stays, lo is 127.0.0.1, an unknown name fails."""
    assert interface_address("127.0.0.1") == "127.0.0.1"
    assert interface_address("lo") == "127.0.0.1"
    with pytest.raises(ValueError, match="no interface"):
        interface_address("nope0")


def test_instance_name_uses_the_last_four_mac_digits() -> None:
    """Pins the instance label: PROD then the MAC's last four hex digits, upper case."""
    assert instance_name("Avalon Nano3s", "e0e1a93f3a5c") == "Avalon Nano3s 3A5C"


def test_advertising_is_off_unless_asked() -> None:
    """Pins that a fleet does not advertise by default."""
    assert Fleet(["nano3s"], port=0).advertiser is None
