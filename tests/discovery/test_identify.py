"""Tests for recognising an Avalon from its ``version`` reply and from an mDNS record, sanitised."""

from __future__ import annotations

from typing import Any

import pytest

from nanoheater.discovery import heater_from_version
from nanoheater.discovery.mdns import MAX_NAME_CHARS, heater_from_service
from nanoheater.models import DiscoverySource, ModelId

SOURCES = (DiscoverySource.PROBE,)
SERVICE = "_avalon-miner._tcp.local."

# VERSION[0] of the real Nano 3S capture (tests/captures/nano3s_version.json).
NANO3S = {
    "CGMiner": "4.11.1",
    "API": "3.7",
    "PROD": "Avalon Nano3s",
    "MODEL": "Nano3s",
    "HWTYPE": "N_MM1v1_X1",
    "SWTYPE": "MM319",
    "LVERSION": "25021401_56abae7",
    "DNA": "020100003cbe4d15",
    "MAC": "e0e1a93f3053",
    "UPAPI": "2",
}
# VERSION[0] of the Nano 3 capture (tests/captures/nano3_version_ABRIDGED.json): no DNA, no MAC.
NANO3 = {
    "CGMiner": "4.11.1",
    "PROD": "Avalonnano",
    "MODEL": "nano3",
    "HWTYPE": "PMMv1_X1",
    "SWTYPE": "MM318_X2",
    "VERSION": "24071801_42c628d",
}


def _reply(fields: dict[str, Any]) -> dict[str, Any]:
    return {"STATUS": [{"STATUS": "S", "Code": 22}], "VERSION": [fields], "id": 1}


def test_heater_from_version_identifies_a_nano3s() -> None:
    """Pins model, normalised MAC, DNA and the "<PROD> <mac last 4>" name from a Nano 3S reply."""
    heater = heater_from_version(_reply(NANO3S), "127.0.0.2", 4028, SOURCES)
    assert heater is not None
    assert heater.model is ModelId.NANO3S
    assert heater.mac == "e0:e1:a9:3f:30:53"
    assert heater.dna == "020100003cbe4d15"
    assert heater.name == "Avalon Nano3s 3053"
    assert (heater.host, heater.port, heater.sources) == ("127.0.0.2", 4028, SOURCES)


def test_heater_from_version_identifies_a_nano3_without_identity() -> None:
    """Pins that a Nano 3 (no DNA, no MAC) is an Avalon, named "Avalon Nano 3", keyed by address.

    Its PROD is "Avalonnano"; discover printed that (issue 12 item 15).
    """
    heater = heater_from_version(_reply(NANO3), "127.0.0.3", 4028, SOURCES)
    assert heater is not None
    assert heater.model is ModelId.NANO3
    assert (heater.mac, heater.dna, heater.name) == (None, None, "Avalon Nano 3")
    assert heater.identity == "127.0.0.3:4028"


def test_heater_from_version_accepts_an_mm319_with_an_unknown_product() -> None:
    """Pins that SWTYPE MM319 identifies an Avalon even when PROD is renamed and MODEL unknown."""
    fields = {**NANO3S, "PROD": "Heater 9000", "MODEL": "Mystery"}
    heater = heater_from_version(_reply(fields), "127.0.0.2", 4028, SOURCES)
    assert heater is not None
    assert heater.model is None
    assert heater.name == "Heater 9000 3053"


@pytest.mark.parametrize(
    "reply",
    [
        _reply({"PROD": "Antminer S19", "MODEL": "S19", "SWTYPE": "BMMiner"}),
        _reply({"CGMiner": "4.11.1"}),
        {"STATUS": [{"STATUS": "E", "Code": 14, "Msg": "Invalid command"}], "id": 1},
        {"VERSION": []},
        {"VERSION": ["Avalon"]},
        {"VERSION": {"PROD": "Avalon Q"}},
    ],
)
def test_heater_from_version_rejects_other_replies(reply: dict[str, Any]) -> None:
    """Pins that non-Avalon, error and malformed replies identify nothing."""
    assert heater_from_version(reply, "127.0.0.2", 4028, SOURCES) is None


def test_heater_from_version_sanitises_a_hostile_product() -> None:
    """Pins that escape sequences, control characters and length are stripped from PROD and DNA."""
    fields = {
        **NANO3S,
        "PROD": "Avalon\x1b]0;pwned\x07 Q\x1b[2J\r\n" + "X" * 500,
        "DNA": "\x1b[31m" + "ab" * 8,
    }
    heater = heater_from_version(_reply(fields), "127.0.0.2", 4028, SOURCES)
    assert heater is not None
    assert "\x1b" not in heater.name
    assert not any(ord(c) < 0x20 for c in heater.name)
    assert heater.name.startswith("Avalon Q")
    assert len(heater.name) <= 60
    assert heater.dna == "ab" * 8


def test_heater_from_service_reads_the_simulator_txt_keys() -> None:
    """Pins instance name, address, port, model, MAC and DNA from a resolved mDNS record."""
    heater = heater_from_service(
        f"Avalon Nano3s 3053.{SERVICE}",
        SERVICE,
        ["127.0.0.2"],
        4028,
        {
            b"model": b"nano3s",
            b"mac": b"e0e1a93f3053",
            b"dna": b"020100003CBE4D15",
            b"firmware": b"x",
        },
    )
    assert heater is not None
    assert heater.name == "Avalon Nano3s 3053"
    assert (heater.host, heater.port) == ("127.0.0.2", 4028)
    assert heater.model is ModelId.NANO3S
    assert heater.mac == "e0:e1:a9:3f:30:53"
    assert heater.dna == "020100003cbe4d15"
    assert heater.sources == (DiscoverySource.MDNS,)


def test_heater_from_service_sanitises_hostile_records() -> None:
    """Pins that a hostile instance name and TXT values cannot carry escapes or unbounded text."""
    heater = heater_from_service(
        "\x1b[2J\x1b]0;title\x07Evil\x00\x9b1m" + "N" * 300 + "." + SERVICE,
        SERVICE,
        ["127.0.0.2"],
        None,
        {b"model": b"\xff\xfeq\x1b[0m", b"mac": None, b"dna": b"\x1b" * 10, b"\x1bmodel": b"q"},
    )
    assert heater is not None
    assert heater.name.startswith("Evil")
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in heater.name)
    assert len(heater.name) <= MAX_NAME_CHARS
    assert heater.model is None  # the value is not a known model once cleaned
    assert (heater.mac, heater.dna, heater.port) == (None, None, 4028)


def test_heater_from_service_without_an_address_is_nothing() -> None:
    """Pins that a service that resolved to no address is not reported."""
    assert heater_from_service(f"x.{SERVICE}", SERVICE, [], 4028, {}) is None
