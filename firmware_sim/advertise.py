"""Provides Advertiser: optional mDNS/DNS-SD advertisement of simulated devices (python-zeroconf).

Real Avalon firmware advertises nothing (docs/protocol.md §3); this exists so ``nanoheater``'s mDNS
discovery path has something to find. Opt-in (``--mdns``) and bound to the interfaces the user
names, loopback only by default, so nothing leaves the machine unless asked.

Each device is one service:

- type ``_avalon-miner._tcp.local.``
- instance ``<PROD> <last 4 of MAC>`` (``Avalon Nano3s 3053``)
- TXT ``model`` (nano3|nano3s|mini3|q), ``mac`` (12 hex digits), ``dna``, ``firmware``
- port: the device's API port; server name ``avalon-<model>-<mac>.local.``; address: the API's
"""

from __future__ import annotations

import asyncio
import socket
import struct
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from zeroconf import ServiceInfo
from zeroconf.asyncio import AsyncZeroconf

if TYPE_CHECKING:
    from firmware_sim.fleet import FleetMember

SERVICE_TYPE = "_avalon-miner._tcp.local."
_SIOCGIFADDR = 0x8915
"""Linux ioctl: an interface's IPv4 address (no stdlib call does this)."""
DEFAULT_INTERFACES = ("127.0.0.1",)
"""Loopback only unless the user names interfaces."""


def interface_address(interface: str) -> str:
    """Return the IPv4 address for ``interface``: an address as is, or a Linux name like ``lo``.

    ValueError when the name is unknown or has no IPv4 address.
    """
    try:
        socket.inet_aton(interface)
    except OSError:
        pass
    else:
        if interface.count(".") == 3:
            return interface
    if not sys.platform.startswith("linux"):
        raise ValueError(f"{interface!r} is not an IPv4 address (names work on Linux only)")
    import fcntl

    request = struct.pack("256s", interface.encode()[:15])
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            packed = fcntl.ioctl(probe.fileno(), _SIOCGIFADDR, request)
        except OSError:
            raise ValueError(f"no interface {interface!r} with an IPv4 address") from None
    return socket.inet_ntoa(packed[20:24])


def instance_name(prod: str, mac: str) -> str:
    """Return the DNS-SD instance label: ``<PROD> <last 4 of MAC>`` (upper-case hex)."""
    return f"{prod} {mac[-4:].upper()}"


def firmware_version(fields: dict[str, str]) -> str:
    """Return the firmware build from VERSION fields (MM319 ``LVERSION``, Nano 3 ``VERSION``)."""
    return fields.get("LVERSION") or fields.get("VERSION") or fields.get("CGVERSION") or ""


def service_info(member: FleetMember, address: str) -> ServiceInfo:
    """Build the ServiceInfo for one fleet device reachable at ``address``."""
    heater = member.heater
    fields = heater.version_fields()
    model = heater.profile.model
    mac = heater.state.mac
    name = instance_name(fields.get("PROD", f"Avalon {model}"), mac)
    return ServiceInfo(
        SERVICE_TYPE,
        f"{name}.{SERVICE_TYPE}",
        addresses=[socket.inet_aton(address)],
        port=member.server.port,
        properties={
            "model": model,
            "mac": mac,
            "dna": heater.state.dna,
            "firmware": firmware_version(fields),
        },
        server=f"avalon-{model}-{mac}.local.",
    )


class Advertiser:
    """Advertises fleet devices on the given interfaces while started."""

    def __init__(
        self, members: Sequence[FleetMember], *, interfaces: Sequence[str] | None = None
    ) -> None:
        self.members = list(members)
        self.interfaces = list(interfaces) if interfaces else list(DEFAULT_INTERFACES)
        self.infos: list[ServiceInfo] = []
        self._zc: AsyncZeroconf | None = None

    async def start(self) -> None:
        """Register every device (concurrently: each registration probes for ~1 s)."""
        self._zc = AsyncZeroconf(interfaces=self.interfaces)
        self.infos = [service_info(m, self._address_of(m)) for m in self.members]
        # allow_name_change: two devices whose MACs end alike get "... (2)" instead of an error.
        # Probing (the first await) takes about a second per service, so run them all at once.
        announcing = await asyncio.gather(
            *(self._zc.async_register_service(info, allow_name_change=True) for info in self.infos)
        )
        await asyncio.gather(*announcing)

    async def stop(self) -> None:
        """Say goodbye for every service and close the responder."""
        if self._zc is not None:
            await self._zc.async_unregister_all_services()
            await self._zc.async_close()
            self._zc = None

    def _address_of(self, member: FleetMember) -> str:
        host = member.server.host
        if host != "0.0.0.0":  # noqa: S104 - comparing, not binding
            return host
        # Listening on every address: advertise the first named interface's address.
        return self.interfaces[0]
