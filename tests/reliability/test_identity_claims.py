"""Identity is a claim, not a fact: adverts, clones and a different device at a known address.

Issue 14: an mDNS advertisement carrying a configured heater's MAC moved that heater to the
advertiser's address; a device cloning another's MAC and DNA hid it from ``discover``; 1000
adverts added 280 devices; a different model answering at a known address (DHCP reuse) kept the
old identity. Adverts here are real multicast inside the test run's namespace; devices are
simulated heaters behind loopback proxies.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from zeroconf import ServiceInfo
from zeroconf.asyncio import AsyncZeroconf

from nanoheater.const import MDNS_SERVICE_TYPE
from nanoheater.discovery import discover, mdns
from nanoheater.exceptions import NanoheaterError
from nanoheater.home import Home, HomeOptions
from nanoheater.models import DiscoverySource, ModelId
from tests.reliability.hostile import HostileDevice, proxy
from tests.reliability.rigs import make_heater, tcp_client

pytestmark = pytest.mark.mdns


def _version_of(heater_handle: Callable[[bytes], bytes]) -> dict[str, str]:
    body = json.loads(heater_handle(b'{"command":"version"}').rstrip(b"\x00"))
    return body["VERSION"][0]  # type: ignore[no-any-return]


@asynccontextmanager
async def adverts(*infos: ServiceInfo) -> AsyncIterator[AsyncZeroconf]:
    """Register ``infos`` on loopback; yield a browsing instance; unregister everything."""
    advertiser = AsyncZeroconf(interfaces=["127.0.0.1"])
    browser = AsyncZeroconf(interfaces=["127.0.0.1"])
    try:
        for info in infos:
            await advertiser.async_register_service(info, cooperating_responders=True)
        yield browser
    finally:
        await advertiser.async_unregister_all_services()
        await advertiser.async_close()
        await browser.async_close()


def _advert(name: str, host: str, port: int, mac: str, dna: str) -> ServiceInfo:
    return ServiceInfo(
        MDNS_SERVICE_TYPE,
        f"{name}.{MDNS_SERVICE_TYPE}",
        addresses=[socket.inet_aton(host)],
        port=port,
        properties={b"model": b"nano3s", b"mac": mac.encode(), b"dna": dna.encode()},
        server=f"{name.replace(' ', '-')}.local.",
    )


async def test_an_advert_claiming_a_configured_heaters_identity_does_not_move_it() -> None:
    """Pins: the configured heater stays at its address; the advert gets no identity."""
    heater, _ = make_heater("nano3s")
    real = _version_of(heater.handle)
    async with HostileDevice(proxy(heater.handle, lambda r: r)).running() as device:
        # Nothing answers the API at the advertised port: the claim cannot be confirmed.
        with socket.socket() as spare:
            spare.bind(("127.0.0.1", 0))
            silent_port = spare.getsockname()[1]
        fake = _advert("Avalon Nano3s fake", "127.0.0.1", silent_port, real["MAC"], real["DNA"])
        async with adverts(fake) as browser:
            found = await discover(
                zeroconf=browser, hosts=[f"127.0.0.1:{device.port}"], timeout_s=2.0
            )
    by_port = {h.port: h for h in found}
    configured = by_port[device.port]
    assert configured.dna == real["DNA"].lower()
    assert DiscoverySource.CONFIG in configured.sources
    assert DiscoverySource.MDNS not in configured.sources  # not merged with the claim
    advertised = by_port[silent_port]
    assert (advertised.mac, advertised.dna) == (None, None)


async def test_a_confirmed_advert_takes_the_identity_the_api_reports() -> None:
    """Pins: an advert whose TXT lies about the MAC is listed under the API's MAC."""
    heater, _ = make_heater("nano3s")
    real = _version_of(heater.handle)
    async with HostileDevice(proxy(heater.handle, lambda r: r)).running() as device:
        lie = _advert("Avalon liar", "127.0.0.1", device.port, "aa:bb:cc:dd:ee:ff", "ab" * 8)
        async with adverts(lie) as browser:
            found = await discover(zeroconf=browser, timeout_s=2.0)
    (only,) = found
    assert only.mac is not None
    assert only.mac.replace(":", "") == real["MAC"].lower()
    assert only.dna == real["DNA"].lower()


async def test_a_clone_does_not_hide_the_original() -> None:
    """Pins: two addresses answering with one MAC and DNA are both listed (flagged in the log)."""
    original, _ = make_heater("nano3s")
    clone, _ = make_heater("mini3", seed=1)
    real = _version_of(original.handle)
    other = _version_of(clone.handle)

    def cloned(reply: bytes) -> bytes:
        return reply.replace(other["MAC"].encode(), real["MAC"].encode()).replace(
            other["DNA"].encode(), real["DNA"].encode()
        )

    first = HostileDevice(proxy(original.handle, lambda r: r), host="127.0.0.2")
    second = HostileDevice(proxy(clone.handle, cloned), host="127.0.0.3")
    async with first.running(), second.running():
        found = await discover(
            mdns=False, hosts=[f"127.0.0.2:{first.port}", f"127.0.0.3:{second.port}"]
        )
    assert sorted(h.host for h in found) == ["127.0.0.2", "127.0.0.3"]
    assert {h.model for h in found} == {ModelId.NANO3S, ModelId.MINI3}


async def test_a_browse_adds_at_most_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pins: a flood of adverts is cut at MAX_MDNS_SERVICES per browse (3 here, 8 adverts)."""
    monkeypatch.setattr(mdns, "MAX_MDNS_SERVICES", 3)
    # A port each: unconfirmed findings at one address merge into one, which hid the cap (the
    # test passed with the cap removed while every advert named port 9).
    flood = [
        _advert(f"Avalon flood {i}", "127.0.0.1", port, f"aa:bb:cc:dd:ee:{i:02x}", f"{i:016x}")
        for i, port in enumerate(_silent_ports(8), start=1)
    ]
    async with adverts(*flood) as browser:
        found = await discover(zeroconf=browser, timeout_s=2.0)
    assert 1 <= len(found) <= 3
    assert len({h.port for h in found}) == len(found)


def _silent_ports(count: int) -> list[int]:
    """Loopback ports nothing listens on (bound, noted and closed)."""
    ports: list[int] = []
    for _ in range(count):
        with socket.socket() as spare:
            spare.bind(("127.0.0.1", 0))
            ports.append(spare.getsockname()[1])
    return ports


async def test_a_different_device_at_a_known_address_is_read_as_itself() -> None:
    """Pins: after an outage the client reads identity again (DHCP gave the address away)."""
    nano, _ = make_heater("nano3s")
    mini, _ = make_heater("mini3", seed=1)
    current: list[Callable[[bytes], bytes] | None] = [nano.handle]

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await reader.read(4095)
        handle = current[0]
        if handle is not None:  # None: the address is dark (a reboot, a DHCP change)
            writer.write(handle(request))
            await writer.drain()

    async with HostileDevice(serve).running() as device:
        client = tcp_client("127.0.0.1", device.port, timeout_s=0.5)
        try:
            assert (await client.get_status()).info.model is ModelId.NANO3S
            current[0] = None
            with pytest.raises(NanoheaterError):
                await client.get_status()
            current[0] = mini.handle
            status = await client.get_status()
        finally:
            await client.close()
    assert status.info.model is ModelId.MINI3
    assert status.info.dna == _version_of(mini.handle)["DNA"].lower()


async def test_one_odd_host_does_not_end_discovery(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pins: an unexpected error probing one configured host skips it; the others are found."""
    from nanoheater.transport.tcp import TcpTransport

    heater, _ = make_heater("nano3s")
    real_request = TcpTransport.request

    async def request(self: TcpTransport, data: bytes) -> bytes:
        if self.host == "127.0.0.9":
            raise RuntimeError("\x1b]0;pwned\x07 odd failure")
        return await real_request(self, data)

    monkeypatch.setattr(TcpTransport, "request", request)
    async with HostileDevice(proxy(heater.handle, lambda r: r)).running() as device:
        found = await discover(mdns=False, hosts=["127.0.0.9:4028", f"127.0.0.1:{device.port}"])
    assert [h.port for h in found] == [device.port]


async def test_the_service_takes_on_only_adverts_the_api_confirms(tmp_path: Path) -> None:
    """Pins: the Home's mDNS rescan adds the advert a device answers, not the ones nothing does.

    Unconfirmed adverts were added and polled as devices: with the names rotated, 64 more on
    every rescan (every 5 min) for ever. ``discover`` still lists them, without identity.
    """
    heater, _ = make_heater("nano3s")
    async with HostileDevice(proxy(heater.handle, lambda r: r)).running() as device:
        silent = _silent_ports(3)
        claims = [
            _advert(f"Avalon claim {i}", "127.0.0.1", port, f"aa:bb:cc:dd:ee:{i:02x}", f"{i:016x}")
            for i, port in enumerate(silent, start=1)
        ]
        real = _advert("Avalon real", "127.0.0.1", device.port, "aa:bb:cc:00:00:01", "f" * 16)
        async with adverts(real, *claims) as browser:
            listed = await discover(zeroconf=browser, timeout_s=2.0)
            home = Home(HomeOptions(data_dir=tmp_path, mdns=True, history=False, persist=False))
            await home._discover()  # one rescan, as the service's loop runs it
    assert {h.port for h in listed} == {device.port, *silent}  # discover lists every advert
    assert [d.address for d in home.devices()] == [f"127.0.0.1:{device.port}"]
