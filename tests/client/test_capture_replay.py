"""The client against every field capture it can read whole, served by ``firmware_sim`` replay.

Parametrized over ``tests/captures/*.capture.json``: each fixture with a JSON ``version`` and a
status blob is replayed in-process (no sockets) and read by ``HeaterClient`` exactly as a real
unit would be; the identity matches the fixture, the reading is the captured one, and a write is
refused as a read-only API refuses it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from firmware_sim.replay import ReplayDevice, load_fixture
from firmware_sim.server import MemoryLink
from nanoheater.client import HeaterClient
from nanoheater.exceptions import DeviceRefused
from nanoheater.models import HeaterState
from nanoheater.transport.memory import CallableTransport

CAPTURES = Path(__file__).parent.parent / "captures"


def readable(path: Path) -> bool:
    """Whether the client can take a whole reading from the fixture (JSON version and a blob)."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    commands = {(e["dialect"], e["command"]) for e in doc["exchanges"]}
    has_blob = any(("json", c) in commands for c in ("estats", "stats", "litestats"))
    return ("json", "version") in commands and has_blob


READABLE = [p for p in sorted(CAPTURES.glob("*.capture.json")) if readable(p)]


def client_for(device: ReplayDevice) -> HeaterClient:
    """A client whose transport hands each request to the replayed device in-process."""
    return HeaterClient(
        CallableTransport(MemoryLink(device).exchange), host="replay", timeout_s=2.0
    )


def test_some_fixture_is_readable_whole() -> None:
    """At least one committed capture gives the client a full reading."""
    assert READABLE


@pytest.mark.parametrize("path", READABLE, ids=[p.name for p in READABLE])
async def test_client_reads_the_replayed_capture(path: Path) -> None:
    """Identity as the fixture says, a status reading, a write refused (nothing pretends)."""
    fixture = load_fixture(path)
    device = ReplayDevice(fixture)
    async with client_for(device) as client:
        info = await client.get_info()
        assert info.model is not None
        assert info.model.value == fixture.model
        assert (info.product, info.firmware) == (fixture.product, fixture.firmware)
        status = await client.get_status()
        assert isinstance(status.state, HeaterState)
        assert status.when is not None
        lowest = (await client.get_capabilities()).profiles[0]
        with pytest.raises(DeviceRefused, match="Access denied"):
            await client.set_profile(
                lowest
                if status.mode != lowest.name
                else (await client.get_capabilities()).profiles[-1]
            )
    assert any(b'"ascset"' in r for r in device.requests)


async def test_q_capture_reads_as_the_standby_unit_it_was() -> None:
    """The public Q replies (standby) read back as off, Eco, 146 W, inlet 26 / outlet 27 °C."""
    device = ReplayDevice(load_fixture(CAPTURES / "q_25052801_14a19a2.capture.json"))
    async with client_for(device) as client:
        status = await client.get_status()
    assert (status.state, status.soft_off, status.mode) == (HeaterState.OFF, True, "Eco")
    assert status.power_w == 146.0
    assert (status.inlet_temp_c, status.outlet_temp_c) == (26.0, 27.0)
    assert status.pool_url is not None
    assert status.pool_url.endswith(".example.invalid:4444")
    assert status.info.mac is not None
    assert status.info.mac.startswith("02:00:5e")
