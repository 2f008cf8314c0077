"""Tests for Fleet: layouts, shared world and clock, seeding, loopback policy and recording."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path

import pytest

from firmware_sim.clock import ScaledClock, VirtualClock
from firmware_sim.fleet import Fleet, parse_models, plan_endpoints
from firmware_sim.record import COLUMNS
from tests.sim.netclient import exchange

VERSION = b'{"command":"version"}'
TEST_PORT = 40628
"""A fixed port: the run has its own network namespace, so nothing else holds it."""


def test_parse_models_expands_counts() -> None:
    """Pins MODEL:N expansion and order."""
    assert parse_models(["nano3s:2", "q", "MINI3:1"]) == ["nano3s", "nano3s", "q", "mini3"]


@pytest.mark.parametrize("spec", ["nano9", "q:0", "q:x", "nano3s:-1"])
def test_parse_models_rejects_bad_specs(spec: str) -> None:
    """Pins that an unknown model or a bad count is a ValueError naming the problem."""
    with pytest.raises(ValueError, match=r"unknown model|bad count"):
        parse_models([spec])


def test_plan_endpoints_layouts() -> None:
    """Pins consecutive addresses at one port, and consecutive ports at one address."""
    assert plan_endpoints(3, "127.0.0.2", 4028, "addresses") == [
        ("127.0.0.2", 4028),
        ("127.0.0.3", 4028),
        ("127.0.0.4", 4028),
    ]
    assert plan_endpoints(2, "127.0.0.1", 4028, "ports") == [
        ("127.0.0.1", 4028),
        ("127.0.0.1", 4029),
    ]
    assert plan_endpoints(2, "127.0.0.1", 0, "ports") == [("127.0.0.1", 0), ("127.0.0.1", 0)]


@pytest.mark.parametrize(
    ("count", "address", "port", "layout"),
    [
        (2, "127.255.255.255", 4028, "addresses"),
        (1, "not-an-ip", 4028, "addresses"),
        (1, "127.0.0.1", 70000, "ports"),
        (3, "127.0.0.1", 65534, "ports"),
        (2, "0.0.0.0", 4028, "addresses"),  # noqa: S104 - a plan, never bound
    ],
)
def test_plan_endpoints_rejects_impossible_plans(
    count: int, address: str, port: int, layout: str
) -> None:
    """Pins that plans leaving loopback, the port range or naming no address are ValueErrors."""
    with pytest.raises(ValueError):
        plan_endpoints(count, address, port, layout)  # type: ignore[arg-type]


def test_non_loopback_address_needs_expose() -> None:
    """Pins the loopback-only default: 10.0.0.1 is refused unless expose is set."""
    with pytest.raises(ValueError, match="--expose"):
        Fleet(["nano3s"], address="10.0.0.1")
    assert Fleet(["nano3s"], address="10.0.0.1", expose=True).endpoints == [("10.0.0.1", 4028)]


async def test_fleet_on_consecutive_addresses_at_one_port() -> None:
    """Pins the address layout: each device answers on its own 127.0.0.x at the same port."""
    async with Fleet(["nano3s", "q", "mini3"], address="127.0.0.2", port=TEST_PORT) as fleet:
        replies = [await exchange(f"127.0.0.{i}", TEST_PORT, VERSION) for i in (2, 3, 4)]
        assert [m.server.host for m in fleet.members] == ["127.0.0.2", "127.0.0.3", "127.0.0.4"]
    assert b"Avalon Nano3s" in replies[0]
    assert b"Avalon Q" in replies[1]
    assert b"MINI3" in replies[2].upper()


async def test_fleet_on_consecutive_ports() -> None:
    """Pins the ports layout: one address, ports first, first+1, ..."""
    async with Fleet(["nano3s", "q"], port=TEST_PORT, layout="ports") as fleet:
        assert [(m.server.host, m.server.port) for m in fleet.members] == [
            ("127.0.0.1", TEST_PORT),
            ("127.0.0.1", TEST_PORT + 1),
        ]
        assert b"Avalon Q" in await exchange("127.0.0.1", TEST_PORT + 1, VERSION)


async def test_port_in_use_is_an_oserror_naming_the_endpoint_and_nothing_stays_open() -> None:
    """Pins that a failed bind names host:port and releases the devices already started."""
    async with Fleet(["nano3s"], address="127.0.0.3", port=TEST_PORT):
        fleet = Fleet(["nano3s", "nano3s"], address="127.0.0.2", port=TEST_PORT)
        with pytest.raises(OSError, match=f"127.0.0.3:{TEST_PORT}"):
            await fleet.start()
        assert fleet.members == []
    # 127.0.0.2 was released by the failed fleet: binding it again works.
    async with Fleet(["nano3s"], address="127.0.0.2", port=TEST_PORT):
        pass


async def test_fleet_shares_one_world_and_clock() -> None:
    """Pins that every heater lives in the fleet's world, driven by the fleet's clock."""
    clock = VirtualClock()
    async with Fleet(["nano3s", "q"], port=0, layout="ports", clock=clock) as fleet:
        assert all(m.heater.world is fleet.world for m in fleet.members)
        assert fleet.world.clock is clock
        clock.advance(120)
        fleet.tick()
        assert fleet.world.time_s == pytest.approx(clock.now(), abs=1.0)


def test_speed_makes_a_scaled_clock() -> None:
    """Pins that speed X runs the fleet on a ScaledClock at X."""
    fleet = Fleet(["nano3s"], speed=60.0)
    assert isinstance(fleet.clock, ScaledClock)
    assert fleet.clock.speed == 60.0


async def test_same_seed_same_identities_other_seed_others() -> None:
    """Pins seeding: identities repeat for a seed and change with it."""

    async def identities(seed: int) -> list[tuple[str, str]]:
        async with Fleet(["nano3s", "q"], port=0, layout="ports", seed=seed) as fleet:
            return [(m.heater.state.mac, m.heater.state.dna) for m in fleet.members]

    first = await identities(7)
    assert first == await identities(7)
    assert first != await identities(8)
    assert len({mac for mac, _ in first}) == 2


async def test_record_writes_one_csv_per_device(tmp_path: Path) -> None:
    """Pins --record: FILE-<index>.csv per device, header then one row per tick."""
    clock = VirtualClock()
    target = tmp_path / "run.csv"
    async with Fleet(["nano3s", "q"], port=0, layout="ports", clock=clock, record=target) as fleet:
        for _ in range(3):
            clock.advance(10)
            fleet.tick()
    for index in (0, 1):
        text = (tmp_path / f"run-{index}.csv").read_text(encoding="utf-8")
        rows = list(csv.reader(text.splitlines()))
        assert tuple(rows[0]) == COLUMNS
        assert len(rows) == 4
        assert float(rows[-1][0]) > float(rows[1][0])


async def test_single_device_records_to_file_itself(tmp_path: Path) -> None:
    """Pins that one device records to FILE exactly."""
    target = tmp_path / "one.csv"
    async with Fleet(["mini3"], port=0, clock=VirtualClock(), record=target):
        pass
    assert target.read_text(encoding="utf-8").startswith(",".join(COLUMNS))


async def test_background_tick_advances_a_quiet_world() -> None:
    """Pins that the world advances without any request (the tick), so rooms warm on their own."""
    async with Fleet(["nano3s"], port=0, speed=600.0, tick_s=0.05) as fleet:
        start = fleet.world.time_s
        await asyncio.sleep(0.3)
        assert fleet.world.time_s > start


async def test_delayed_reboot_is_refused_from_its_start_time() -> None:
    """Pins that a reboot scheduled for later (reboot,30) closes the listener once it begins."""
    clock = VirtualClock()
    async with Fleet(["nano3s"], port=0, clock=clock, tick_s=0.05) as fleet:
        server = fleet.members[0].server
        reply = await exchange(server.host, server.port, b"ascset|0,reboot,30")
        assert reply.endswith(b"\x00")
        assert b"CGMiner versions" in await exchange(server.host, server.port, VERSION)
        clock.advance(31)
        await asyncio.sleep(0.3)
        with pytest.raises(ConnectionRefusedError):
            await exchange(server.host, server.port, VERSION)
