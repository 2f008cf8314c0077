"""Provides ``DeviceAddress`` (where a device is reached) and ``identity_key`` (who it is).

Every address a user, a config file, a discovery advert or the history hands us is parsed here
and nowhere else: ``HOST``, ``HOST:PORT``, ``[v6]:PORT``, a bare IPv6 literal, a serial device
path, ``serial:///dev/...`` and the pyserial URLs. A TCP address prints as ``host:port`` (IPv6 in
brackets); a serial address prints as its path or URL and never grows a port. The identity key
(DNA, else MAC, else the address) is the one key the CLI, the TUI, discovery and the history use
for "the same device", because an address changes with DHCP while the DNA does not.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Literal

from nanoheater.const import DEFAULT_TCP_PORT
from nanoheater.exceptions import UsageError

AddressKind = Literal["tcp", "serial"]

SERIAL_SCHEMES = (
    "socket://",
    "rfc2217://",
    "loop://",
    "spy://",
    "alt://",
    "hwgrep://",
    "cp2110://",
)
"""pyserial URL schemes: such a target is a serial link, passed to pyserial unchanged."""

_HOSTNAME = re.compile(r"[A-Za-z0-9_.-]{1,253}")
_MAX_TEXT = 1024
"""Longer than any real address; refused before any parsing work (addresses are untrusted)."""


@dataclass(frozen=True, slots=True)
class DeviceAddress:
    """Where one device is reached: a TCP host and port, or a serial path or pyserial URL.

    ``host`` is the bare host (no brackets around IPv6) for TCP and the path or URL for serial;
    ``port`` is the TCP port, None for serial.

    >>> str(DeviceAddress.parse("[::1]:4029")), DeviceAddress.parse("::1").port
    ('[::1]:4029', 4028)
    >>> str(DeviceAddress.parse("serial:///dev/ttyUSB0"))
    '/dev/ttyUSB0'
    """

    kind: AddressKind
    host: str
    port: int | None = None

    @classmethod
    def tcp(cls, host: str, port: int = DEFAULT_TCP_PORT) -> DeviceAddress:
        """A TCP address; ``host`` may carry IPv6 brackets, which are dropped.

        Raises:
            UsageError: an empty or malformed host, or a port outside 1-65535.
        """
        bare = host.strip()
        if bare.startswith("[") and bare.endswith("]"):
            bare = bare[1:-1]
        if not _valid_host(bare):
            raise UsageError(f"cannot parse address {host!r}")
        if isinstance(port, bool) or not 0 < port < 65536:
            raise UsageError(f"bad port in {host!r}: {port}")
        return cls("tcp", bare, port)

    @classmethod
    def serial(cls, path: str) -> DeviceAddress:
        """A serial link: a device path (``/dev/ttyUSB0``, ``COM3``) or a pyserial URL."""
        text = path.strip().removeprefix("serial://")
        if not text or any(c.isspace() or ord(c) < 0x20 for c in text):
            raise UsageError(f"no usable device path in {path!r}")
        return cls("serial", text, None)

    @classmethod
    def parse(cls, text: str, default_port: int = DEFAULT_TCP_PORT) -> DeviceAddress:
        """Parse any address form (see the module docstring).

        Raises:
            UsageError: the text is empty, malformed, has a bad port or an unknown scheme.
        """
        if len(text) > _MAX_TEXT:
            raise UsageError(f"address is too long ({len(text)} characters)")
        stripped = text.strip()
        if not stripped:
            raise UsageError("empty device address")
        if stripped.startswith(("serial://", *SERIAL_SCHEMES, "/")) or _is_com_port(stripped):
            return cls.serial(stripped)
        if "://" in stripped:
            raise UsageError(f"unsupported address scheme in {text!r}")
        host, port_text = stripped, ""
        if stripped.startswith("["):
            host, close, rest = stripped[1:].partition("]")
            if not close or (rest and not rest.startswith(":")):
                raise UsageError(f"cannot parse address {text!r}")
            port_text = rest.removeprefix(":")
            if rest and not port_text:
                raise UsageError(f"bad port in {text!r}")
        elif stripped.count(":") == 1:
            host, _, port_text = stripped.partition(":")
            if not port_text:
                raise UsageError(f"bad port in {text!r}")
        if not port_text:
            return cls.tcp(host, default_port)
        if not port_text.isdigit() or len(port_text) > 5:
            raise UsageError(f"bad port in {text!r}")
        return cls.tcp(host, int(port_text))

    @classmethod
    def parse_tcp(cls, text: str, default_port: int = DEFAULT_TCP_PORT) -> DeviceAddress:
        """Parse a network address (config hosts, discovery, the TUI); serial links refused.

        Raises:
            UsageError: as ``parse``, or the text names a serial link.
        """
        address = cls.parse(text, default_port)
        if address.is_serial:
            raise UsageError(f"{text.strip()!r} is a serial link; a network address is needed here")
        return address

    @classmethod
    def from_host_port(cls, host: str, port: int) -> DeviceAddress:
        """The address behind a ``(host, port)`` pair as models carry it (port 0 means serial).

        No validation: the pair was parsed (or reported by the transport) already.
        """
        return cls("serial", host, None) if port == 0 else cls("tcp", host, port)

    @property
    def is_serial(self) -> bool:
        """Whether this is a serial link."""
        return self.kind == "serial"

    @property
    def tcp_port(self) -> int:
        """The TCP port; 0 for a serial link (what ``HeaterStatus.port`` carries for one)."""
        return self.port if self.port is not None else 0

    def __str__(self) -> str:
        if self.port is None:
            return self.host
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def identity_key(dna: str | None, mac: str | None, address: DeviceAddress | str) -> str:
    """The one key for "the same device": its DNA, else its MAC, else where it is reached."""
    return dna or mac or str(address)


def _valid_host(host: str) -> bool:
    if not host:
        return False
    if ":" in host:
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            return False
        return True
    if _HOSTNAME.fullmatch(host) is None:
        return False
    try:
        host.encode("idna")  # what the resolver will do: empty or over-long labels fail
    except UnicodeError:
        return False
    return True


def _is_com_port(text: str) -> bool:
    return text.upper().startswith("COM") and text[3:].isdigit()


__all__ = ["SERIAL_SCHEMES", "AddressKind", "DeviceAddress", "identity_key"]
