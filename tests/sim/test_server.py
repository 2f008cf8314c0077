"""Tests for SimServer's firmware framing and robustness, and for MemoryLink."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket

import pytest

from firmware_sim import server as server_module
from firmware_sim.clock import VirtualClock
from firmware_sim.device import create_heater
from firmware_sim.server import RECV_LIMIT, MemoryLink, SimServer
from firmware_sim.world import World
from tests.sim.netclient import abort, exchange, exchange_or_reset

VERSION = b'{"command":"version"}'


async def test_reply_is_json_then_one_nul_then_close() -> None:
    """Pins the reply framing: the reply text, exactly one NUL at the end, then EOF."""
    async with SimServer("nano3s") as sim:
        data = await exchange(sim.host, sim.port, VERSION)
    assert data.endswith(b"\x00")
    assert data.count(b"\x00") == 1
    assert json.loads(data[:-1])["STATUS"][0]["Code"] == 22


async def test_default_bind_is_loopback_only() -> None:
    """Pins that a SimServer given no address listens on 127.0.0.1 and nowhere else."""
    async with SimServer("nano3s") as sim:
        assert sim.host == "127.0.0.1"
        assert sim.port > 0
        with socket.create_connection(("127.0.0.1", sim.port)):
            pass
        with pytest.raises(OSError):
            # Same port on another loopback address: nothing listens there.
            socket.create_connection(("127.0.0.2", sim.port), timeout=2).close()


async def test_explicit_loopback_address_is_used() -> None:
    """Pins that an explicitly given address (127.0.0.5) is the one bound."""
    async with SimServer("q", host="127.0.0.5") as sim:
        data = await exchange("127.0.0.5", sim.port, VERSION)
    assert b"Avalon Q" in data


async def test_a_request_in_two_writes_is_answered_from_the_first_only() -> None:
    """Pins the single recv: a request split in two writes is judged on its first part."""
    async with SimServer("nano3s") as sim:
        reader, writer = await asyncio.open_connection(sim.host, sim.port)
        writer.write(b"vers")
        await writer.drain()
        data = await reader.read()
        writer.close()
        assert sim.last_request == b"vers"
    assert b"Invalid command" in data
    assert data.endswith(b"\x00")


async def test_request_is_cut_at_4095_bytes_and_the_server_survives() -> None:
    """Pins the 4095-byte recv limit: the device sees the first 4095 bytes and nothing more."""
    padded = VERSION + b" " * (RECV_LIMIT - len(VERSION)) + b"garbage-after-the-cut"
    async with SimServer("nano3s") as sim:
        data = await exchange_or_reset(sim.host, sim.port, padded)
        assert sim.last_request == padded[:RECV_LIMIT]
        if data is not None:  # unread bytes make the kernel reset; the firmware does the same
            assert b"CGMiner versions" in data
        assert b"CGMiner versions" in await exchange(sim.host, sim.port, VERSION)


async def test_megabyte_request_does_not_crash_the_server() -> None:
    """Pins that an oversize request is cut, not buffered, and the next client is served."""
    async with SimServer("nano3s") as sim:
        reader, writer = await asyncio.open_connection(sim.host, sim.port)
        writer.write(b"x" * 1_000_000)
        # The server stops reading after 4095 bytes and closes; this side sees EOF or a reset.
        with contextlib.suppress(ConnectionError):
            await writer.drain()
            await reader.read()
        writer.close()
        assert len(sim.last_request) == RECV_LIMIT
        assert b"CGMiner versions" in await exchange(sim.host, sim.port, VERSION)


async def test_second_client_waits_until_the_first_is_done() -> None:
    """Pins one client at a time: a second connection is served only after the first closes."""
    async with SimServer("nano3s") as sim:
        _, first_writer = await asyncio.open_connection(sim.host, sim.port)
        second = asyncio.create_task(exchange(sim.host, sim.port, VERSION))
        await asyncio.sleep(0.3)
        assert not second.done()
        assert sim.exchanges == 0
        first_writer.write(b"summary")
        await first_writer.drain()
        await second
        first_writer.close()
        assert sim.exchanges == 2
    assert second.result().endswith(b"\x00")


async def test_idle_client_is_closed_after_the_receive_timeout() -> None:
    """Pins the receive timeout: a silent client is closed unanswered; the next is served."""
    async with SimServer("nano3s", recv_timeout_s=0.2) as sim:
        reader, writer = await asyncio.open_connection(sim.host, sim.port)
        assert await reader.read() == b""
        writer.close()
        assert sim.exchanges == 0
        assert b"CGMiner versions" in await exchange(sim.host, sim.port, VERSION)


async def test_receive_timeout_defaults_to_the_patchable_module_constant(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Pins that RECV_TIMEOUT_S (10 s like the firmware) is what a new server uses."""
    assert server_module.RECV_TIMEOUT_S == 10.0
    monkeypatch.setattr(server_module, "RECV_TIMEOUT_S", 0.1)
    async with SimServer("nano3s") as sim:
        reader, writer = await asyncio.open_connection(sim.host, sim.port)
        assert await reader.read() == b""
        writer.close()


@pytest.mark.parametrize(
    "request_bytes",
    [b"\xff\xfe\x00\x01", b"{", b'{"command":', b"[]", b"|||", b"\x00", b"ascset|", b"\r\n" * 100],
)
async def test_malformed_requests_get_an_answer_and_never_crash(request_bytes: bytes) -> None:
    """Pins that malformed input is answered like the firmware would and the server keeps going."""
    async with SimServer("nano3s") as sim:
        data = await exchange(sim.host, sim.port, request_bytes)
        assert data.endswith(b"\x00")
        assert b"STATUS" in data
        assert b"CGMiner versions" in await exchange(sim.host, sim.port, VERSION)


async def test_client_that_connects_and_resets_does_not_hurt_the_server() -> None:
    """Pins that abrupt disconnects (RST before and after sending) leave the server serving."""
    async with SimServer("nano3s") as sim:
        for payload in (b"", b"version"):
            _, writer = await asyncio.open_connection(sim.host, sim.port)
            if payload:
                writer.write(payload)
                await writer.drain()
            abort(writer)
        assert b"CGMiner versions" in await exchange(sim.host, sim.port, VERSION)


async def test_a_handler_exception_closes_that_connection_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Pins that a failing handler closes the connection without a reply and the server lives on."""
    heater = create_heater("nano3s")
    real_handle = heater.handle
    calls = 0

    def failing_once(request: bytes) -> bytes:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("handler bug")
        return real_handle(request)

    monkeypatch.setattr(heater, "handle", failing_once)
    async with SimServer(heater) as sim:
        assert await exchange(sim.host, sim.port, VERSION) == b""
        assert b"CGMiner versions" in await exchange(sim.host, sim.port, VERSION)


async def test_a_stuck_client_on_one_device_does_not_block_another() -> None:
    """Pins that devices are independent: holding one device's only slot leaves others serving."""
    world = World(VirtualClock(), 0)
    a = create_heater("nano3s", world=world, index=0)
    b = create_heater("q", world=world, index=1)
    async with SimServer(a) as sim_a, SimServer(b) as sim_b:
        _, stuck = await asyncio.open_connection(sim_a.host, sim_a.port)  # says nothing
        data = await exchange(sim_b.host, sim_b.port, VERSION)
        assert sim_a.exchanges == 0
        stuck.close()
    assert b"Avalon Q" in data


async def test_a_slow_device_does_not_delay_another() -> None:
    """Pins that a delay fault on one device holds only that device; the other answers at once."""
    world = World(VirtualClock(), 0)
    slow = create_heater("nano3s", world=world, index=0)
    fast = create_heater("mini3", world=world, index=1)
    slow.faults.arm("delay", delay_s=30.0)
    async with SimServer(slow) as sim_slow, SimServer(fast) as sim_fast:
        held = asyncio.create_task(exchange(sim_slow.host, sim_slow.port, VERSION))
        await asyncio.sleep(0.1)
        assert b"CGMiner versions" in await exchange(sim_fast.host, sim_fast.port, VERSION)
        assert not held.done()
        held.cancel()


async def test_reboot_refuses_connections_then_comes_back_on_the_same_port() -> None:
    """Pins that a rebooting device refuses connections and listens again when it is back."""
    heater = create_heater("nano3s")
    clock = heater.world.clock
    assert isinstance(clock, VirtualClock)
    async with SimServer(heater) as sim:
        port = sim.port
        heater.reboot(downtime_s=30.0)
        sim.notice_down()
        await asyncio.sleep(0.1)
        with pytest.raises(ConnectionRefusedError):
            await exchange(sim.host, port, VERSION)
        clock.advance(31.0)
        await asyncio.sleep(server_module.DOWN_POLL_S * 4)
        assert sim.port == port
        assert b"CGMiner versions" in await exchange(sim.host, port, VERSION)


async def test_reboot_over_the_api_takes_the_listener_down() -> None:
    """Pins that a reboot asked for over the API is noticed after its reply: connects refused."""
    heater = create_heater("nano3s")
    async with SimServer(heater) as sim:
        reply = await exchange(sim.host, sim.port, b"ascset|0,reboot,0")
        assert reply.endswith(b"\x00")
        await asyncio.sleep(0.1)
        assert heater.is_down()
        with pytest.raises(ConnectionRefusedError):
            await exchange(sim.host, sim.port, VERSION)


async def test_bind_failure_is_an_oserror_and_leaves_nothing_open() -> None:
    """Pins that a port in use raises OSError from start()."""
    async with SimServer("nano3s") as first:
        taken = SimServer("nano3s", port=first.port)
        with pytest.raises(OSError):
            await taken.start()
        await taken.stop()


async def test_memory_link_answers_like_tcp_without_sockets() -> None:
    """Pins MemoryLink: same bytes as TCP for a request, b"" for a drop, refused while down."""
    heater = create_heater("nano3s")
    link = MemoryLink(heater)
    async with SimServer(heater) as sim:
        assert link.exchange(VERSION) == await exchange(sim.host, sim.port, VERSION)
    heater.faults.arm("drop")
    assert link.exchange(VERSION) == b""
    assert await link.request(VERSION) == link.exchange(VERSION)
    heater.reboot(downtime_s=10.0)
    with pytest.raises(ConnectionRefusedError):
        link.exchange(VERSION)


async def test_memory_link_applies_the_4095_cut() -> None:
    """Pins that MemoryLink hands the device at most 4095 bytes, as the TCP side does."""
    heater = create_heater("nano3s")
    padded = VERSION + b" " * (RECV_LIMIT - len(VERSION)) + b"junk"
    assert b"CGMiner versions" in MemoryLink(heater).exchange(padded)
