"""Tests for ``nanoheater.address``: the one address parser and the one identity key."""

from __future__ import annotations

import pytest

from nanoheater.address import DeviceAddress, identity_key
from nanoheater.exceptions import UsageError


@pytest.mark.parametrize(
    ("text", "kind", "host", "port", "printed"),
    [
        ("192.168.1.20", "tcp", "192.168.1.20", 4028, "192.168.1.20:4028"),
        (" 127.0.0.2:4029 ", "tcp", "127.0.0.2", 4029, "127.0.0.2:4029"),
        ("heater.local", "tcp", "heater.local", 4028, "heater.local:4028"),
        ("heater.lan:1", "tcp", "heater.lan", 1, "heater.lan:1"),
        ("[fe80::1]:4030", "tcp", "fe80::1", 4030, "[fe80::1]:4030"),
        ("[::1]", "tcp", "::1", 4028, "[::1]:4028"),
        ("::1", "tcp", "::1", 4028, "[::1]:4028"),
        ("serial:///dev/ttyUSB0", "serial", "/dev/ttyUSB0", None, "/dev/ttyUSB0"),
        ("/dev/pts/3", "serial", "/dev/pts/3", None, "/dev/pts/3"),
        ("COM3", "serial", "COM3", None, "COM3"),
        ("socket://127.0.0.1:7000", "serial", "socket://127.0.0.1:7000", None, None),
        ("rfc2217://127.0.0.1:7000", "serial", "rfc2217://127.0.0.1:7000", None, None),
        ("loop://", "serial", "loop://", None, "loop://"),
    ],
)
def test_every_address_form_parses_in_one_place(
    text: str, kind: str, host: str, port: int | None, printed: str | None
) -> None:
    """Pins each accepted form: kind, bare host, port, and how it prints (no port on serial)."""
    address = DeviceAddress.parse(text)
    assert (address.kind, address.host, address.port) == (kind, host, port)
    assert str(address) == (printed or host)
    assert DeviceAddress.parse(str(address)) == address, "printing and parsing round-trip"


@pytest.mark.parametrize(
    "text",
    [
        "", " ", ":4028", "host:0", "host:70000", "host:abc", "host:", "[::1]:", "[::1",
        "[::1]x", "http://x", "serial://", "a b", "x::y::z", "bad host!", "h\x1bst",
        "a" * 2000,
    ],
)  # fmt: skip
def test_malformed_addresses_are_usage_errors(text: str) -> None:
    """Pins that every malformed address is a UsageError (exit 2), never a crash."""
    with pytest.raises(UsageError):
        DeviceAddress.parse(text)


def test_network_only_callers_refuse_serial_links() -> None:
    """Pins that config hosts, discovery and the TUI say why a serial path is not accepted."""
    with pytest.raises(UsageError, match="serial link"):
        DeviceAddress.parse_tcp("/dev/ttyUSB0")
    assert DeviceAddress.parse_tcp("[::1]:4028") == DeviceAddress("tcp", "::1", 4028)


def test_serial_address_never_prints_a_port() -> None:
    """A serial target printed ``/dev/pts/6:0`` and ``socket://...:34285:0``; it must not."""
    assert str(DeviceAddress.from_host_port("/dev/pts/6", 0)) == "/dev/pts/6"
    assert (
        str(DeviceAddress.from_host_port("socket://127.0.0.1:34285", 0))
        == "socket://127.0.0.1:34285"
    )
    assert str(DeviceAddress.from_host_port("::1", 4028)) == "[::1]:4028"


def test_identity_key_prefers_dna_then_mac_then_address() -> None:
    """Pins the one device key: DNA, else MAC, else where it is reached."""
    tcp = DeviceAddress.parse("[::1]:4028")
    assert identity_key("0123abcd", "aa:bb:cc:dd:ee:ff", tcp) == "0123abcd"
    assert identity_key(None, "aa:bb:cc:dd:ee:ff", tcp) == "aa:bb:cc:dd:ee:ff"
    assert identity_key(None, None, tcp) == "[::1]:4028"
    assert identity_key(None, None, DeviceAddress.from_host_port("/dev/pts/6", 0)) == "/dev/pts/6"
