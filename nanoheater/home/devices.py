"""Provides DeviceSlot (one device the Home owns) and resolve_device.

A slot holds the device's one client and latest reading; resolve_device maps a user's
reference (``host``, ``host:port``, identity or name) to one of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from nanoheater.address import DeviceAddress
from nanoheater.client import HeaterClient
from nanoheater.exceptions import UsageError
from nanoheater.home.types import DeviceView
from nanoheater.models import HeaterStatus
from nanoheater.protocol.sanitize import sanitize


class UnknownRef(UsageError):
    """No device or zone of that name (the API answers 404)."""


def address_of(text: str) -> str:
    """``host:port`` of a ``host`` or ``host:port`` string (port 4028 by default)."""
    return str(DeviceAddress.parse_tcp(text))


@dataclass(slots=True)
class DeviceSlot:
    """One device: where it is, its one client, what it last said and whether it answers."""

    address: str
    host: str
    port: int
    zone: str = ""
    name: str = ""
    client: HeaterClient | None = None
    status: HeaterStatus | None = None
    error: str | None = None
    online: bool = False
    ever_online: bool = False
    room_c: float | None = None
    updated_s: float | None = None
    polling: bool = False

    @classmethod
    def at(cls, text: str) -> DeviceSlot:
        """A slot for ``host[:port]``."""
        address = DeviceAddress.parse_tcp(text)
        return cls(str(address), address.host, address.tcp_port)

    @property
    def key(self) -> str:
        """The identity key: DNA, else MAC, else the address (``HeaterStatus.identity_key``)."""
        return self.status.identity_key if self.status is not None else self.address

    def view(self) -> DeviceView:
        """The frozen view the API and subscribers see."""
        return DeviceView(
            key=self.key,
            name=self.name or self.address,
            host=self.host,
            port=self.port,
            zone=self.zone,
            online=self.online,
            error=self.error,
            status=self.status,
            room_c=self.room_c,
            updated_s=self.updated_s,
        )


def resolve_device(slots: Iterable[DeviceSlot], ref: str) -> DeviceSlot:
    """The device ``ref`` names: an address, a host (any port if unique), an identity or a name.

    Raises:
        UsageError: nothing, or more than one device, matches.
    """
    pool = list(slots)
    ref = ref.strip()
    tests: list[Callable[[DeviceSlot], bool]] = [
        lambda s: s.address == ref,
        lambda s: s.key == ref or (s.status is not None and s.status.info.mac == ref),
        lambda s: bool(s.name) and s.name == ref,
        lambda s: s.host == ref,
    ]
    for test in tests:
        found = [s for s in pool if test(s)]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise UsageError(f"{sanitize(ref, 80)!r} matches {len(found)} devices; give host:port")
    raise UnknownRef(f"no device {sanitize(ref, 80)!r} in this home")
