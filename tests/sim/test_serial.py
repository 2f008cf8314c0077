"""Tests for the serial line: framing, the pty and serial-over-TCP through pyserial."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import serial

from firmware_sim.device import SimulatedHeater, create_heater
from firmware_sim.serial_line import LINE_LIMIT, LineFramer
from firmware_sim.server import SimServer

VERSION = b'{"command":"version"}'


def test_framer_splits_on_cr_or_lf_and_skips_empty_lines() -> None:
    r"""Pins the line framing: \n or \r ends a request, \r\n is one, empty lines vanish."""
    framer = LineFramer()
    assert framer.feed(b"version\r\nsumm") == [b"version"]
    assert framer.feed(b"ary\n\n\rpools\r") == [b"summary", b"pools"]
    assert framer.feed(b"") == []


def test_framer_cuts_a_long_line_at_the_limit() -> None:
    """Pins that a line longer than 4095 bytes is cut there, and the next line is whole."""
    framer = LineFramer()
    frames = framer.feed(b"a" * 5000 + b"\nversion\n")
    assert frames == [b"a" * LINE_LIMIT, b"version"]


@pytest.fixture
async def sim() -> AsyncIterator[SimServer]:
    """A Nano 3S with a pty and a serial-over-TCP port."""
    async with SimServer(create_heater("nano3s"), serial_pty=True, serial_port=0) as server:
        yield server


def talk(url: str, payload: bytes, replies: int) -> list[bytes]:
    """Open ``url`` with pyserial, write ``payload``, read ``replies`` NUL-terminated replies."""
    port = serial.serial_for_url(url, timeout=5)
    try:
        port.write(payload)
        return [port.read_until(b"\x00") for _ in range(replies)]
    finally:
        port.close()


def urls(sim: SimServer) -> list[str]:
    """The pty path and the socket:// URL of the served device."""
    assert sim.serial is not None
    assert sim.serial.pty_path is not None
    assert sim.serial.url is not None
    return [sim.serial.pty_path, sim.serial.url]


async def test_serial_urls_are_a_pty_and_loopback_socket(sim: SimServer) -> None:
    """Pins the serial endpoints: /dev/pts/N and socket://127.0.0.1:<port>."""
    pty_path, url = urls(sim)
    assert pty_path.startswith("/dev/")
    assert url.startswith("socket://127.0.0.1:")


@pytest.mark.parametrize("which", [0, 1], ids=["pty", "socket"])
async def test_serial_reply_is_the_tcp_reply_ending_in_nul(sim: SimServer, which: int) -> None:
    """Pins that a serial request gets the same bytes TCP gives, NUL-terminated."""
    assert isinstance(sim.device, SimulatedHeater)
    expected = sim.device.respond(VERSION).data
    [reply] = await asyncio.to_thread(talk, urls(sim)[which], VERSION + b"\n", 1)
    assert reply == expected
    assert reply.endswith(b"\x00")


@pytest.mark.parametrize("which", [0, 1], ids=["pty", "socket"])
async def test_several_requests_in_one_write_are_answered_in_order(
    sim: SimServer, which: int
) -> None:
    """Pins pipelining on a serial line: three requests, three replies, in order."""
    replies = await asyncio.to_thread(
        talk, urls(sim)[which], b"version\r\nsummary\r\n" + VERSION + b"\r\n", 3
    )
    assert b"CGMiner versions" in replies[0]
    assert b"Summary" in replies[1]
    assert b"CGMiner versions" in replies[2]


async def test_dropped_serial_reply_is_silence_then_the_next_reply(sim: SimServer) -> None:
    """Pins drop on serial: nothing is sent for that request; the next one is answered."""
    assert isinstance(sim.device, SimulatedHeater)
    sim.device.faults.arm("drop")
    [reply] = await asyncio.to_thread(talk, urls(sim)[1], b"summary\nversion\n", 1)
    assert b"CGMiner versions" in reply


async def test_serial_survives_garbage_and_hangups(sim: SimServer) -> None:
    """Pins that binary junk and abrupt closes leave both serial sides serving."""
    pty_path, url = urls(sim)
    for target in (pty_path, url):
        port = serial.serial_for_url(target, timeout=1)
        port.write(b"\xff\x00\xfe" * 2000)
        port.close()
    await asyncio.sleep(0.1)
    # The pty is one line: the junk's unterminated tail is a request once "\n" ends it.
    # Each TCP connection is its own line, so the junk left with its connection.
    for target, replies in ((pty_path, 2), (url, 1)):
        answers = await asyncio.to_thread(talk, target, b"\nversion\n", replies)
        assert b"Invalid command" in answers[0] or replies == 1
        assert b"CGMiner versions" in answers[-1]
