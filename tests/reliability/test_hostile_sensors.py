"""Sensors are untrusted devices: hostile HTTP sensors on loopback, broken commands and files.

Issue 14: exceptions outside SensorError crashed the thermostat, a trickling sensor stalled the
loop without limit, URL passwords were printed, the bearer token followed redirects to other
hosts, and the max-room interlock ignored readings above the plausible range. Every case here
runs against a real loopback server (raw asyncio, so it can lie at the byte level).
"""

from __future__ import annotations

import asyncio
import base64
import os
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from nanoheater.capabilities import capabilities
from nanoheater.controller.decision import Decision
from nanoheater.controller.ladder import Caps, Ladder
from nanoheater.controller.safety import SafetyInput, SafetyLimits, guard
from nanoheater.controller.sensors import (
    CommandSensor,
    FileSensor,
    HttpJsonSensor,
    Reading,
    SensorError,
    SensorGuard,
    sensor_from_spec,
)
from nanoheater.exceptions import UsageError
from nanoheater.models import ModelId

TOKEN = "bearer-secret-4711"  # noqa: S105 - a planted fake, searched for where it must not be
PASSWORD = "pa@ss:w0rd-secret"  # noqa: S105 - likewise
Handler = Callable[[bytes, asyncio.StreamWriter], Awaitable[None]]


def http_reply(body: bytes, status: str = "200 OK", extra: str = "") -> bytes:
    """A complete HTTP/1.1 reply that closes the connection."""
    head = f"HTTP/1.1 {status}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n{extra}\r\n"
    return head.encode() + body


@asynccontextmanager
async def server(
    handle: Handler, host: str = "127.0.0.1"
) -> AsyncIterator[tuple[int, list[bytes]]]:
    """A loopback server calling ``handle(request_head, writer)``; yields (port, request heads)."""
    heads: list[bytes] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            heads.append(head)
            await handle(head, writer)
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    srv = await asyncio.start_server(serve, host, 0)
    try:
        yield srv.sockets[0].getsockname()[1], heads
    finally:
        srv.close()
        await srv.wait_closed()


def fixed(payload: bytes) -> Handler:
    async def handle(_head: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(payload)

    return handle


HOSTILE_REPLIES = {
    "not HTTP": b"SSH-2.0-OpenSSH_9.6\r\n\x1b]0;pwned\x07",
    "deeply nested JSON": http_reply(b"[" * 200_000 + b"]" * 200_000),
    "huge JSON": http_reply(b'{"state": "' + b"9" * 2_000_000 + b'"}'),
    "not JSON": http_reply(b"<html>\x1b[2J</html>"),
    "JSON null": http_reply(b"null"),
    "NaN state": http_reply(b'{"state": NaN}'),
    "HTTP 500": http_reply(b"oops", "500 Internal Server Error"),
    "redirect loop": http_reply(b"", "302 Found", "Location: /again\r\n"),
    "redirect to file": http_reply(b"", "302 Found", "Location: file:///etc/passwd\r\n"),
    "bad status line": b"HTTP/1.1 999999999999999999999 \x1b[31m\r\n\r\n",
}


@pytest.mark.parametrize("name", sorted(HOSTILE_REPLIES))
async def test_a_hostile_http_sensor_is_a_lost_reading_never_a_crash(name: str) -> None:
    """Pins: whatever the sensor sends, the guard answers None with a clean one-line problem."""
    async with server(fixed(HOSTILE_REPLIES[name])) as (port, _):
        guard_ = SensorGuard(HttpJsonSensor(f"http://127.0.0.1:{port}/s", timeout_s=2.0), 300.0)
        assert await guard_.read(100.0) is None
    assert guard_.problem
    assert guard_.problem.isprintable()
    assert "\n" not in guard_.problem


async def test_a_trickling_sensor_is_cut_off_at_the_deadline() -> None:
    """Pins: one byte every 50 ms never completes; the read ends at the sensor's own timeout."""

    async def trickle(_head: bytes, writer: asyncio.StreamWriter) -> None:
        for byte in http_reply(b'{"state": "21.0"}' + b" " * 10_000):
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(0.05)

    async with server(trickle) as (port, _):
        sensor = HttpJsonSensor(f"http://127.0.0.1:{port}/s", timeout_s=0.4)
        started = time.monotonic()
        with pytest.raises(SensorError, match=r"within 0\.4 s"):
            await sensor.read(1.0)
        assert time.monotonic() - started < 0.4 * 3  # the deadline, not the 10 kB body


async def test_the_guard_bounds_any_sensor_and_contains_any_exception() -> None:
    """Pins: a sensor that hangs, or raises anything at all, cannot stall or crash a tick."""

    class Hangs:
        label = "hangs"

        async def read(self, now_s: float) -> Reading:
            await asyncio.sleep(3600)
            raise AssertionError

    class Raises:
        label = "raises"

        def __init__(self, exc: Exception) -> None:
            self.exc = exc

        async def read(self, now_s: float) -> Reading:
            raise self.exc

    hang = SensorGuard(Hangs(), deadline_s=0.2)
    started = time.monotonic()
    assert await hang.read(1.0) is None
    assert time.monotonic() - started < 1.0
    assert "within 0.2 s" in hang.problem
    for exc in (RuntimeError("x"), KeyError("k"), RecursionError(), ValueError(f"p={PASSWORD}")):
        raising = SensorGuard(Raises(exc))
        assert await raising.read(1.0) is None
        assert type(exc).__name__ in raising.problem
        assert PASSWORD not in raising.problem


async def test_url_credentials_work_with_a_port_and_are_never_shown() -> None:
    """Pins: user:password@host:port is sent as basic auth; label and errors show ***."""
    quoted = PASSWORD.replace("@", "%40").replace(":", "%3A")

    async def check_auth(head: bytes, writer: asyncio.StreamWriter) -> None:
        expected = base64.b64encode(f"me:{PASSWORD}".encode()).decode()
        ok = f"authorization: basic {expected}".lower().encode() in head.lower()
        writer.write(http_reply(b'{"state": "21.5"}' if ok else b"no", "200 OK" if ok else "401 X"))

    async with server(check_auth) as (port, _):
        url = f"http://me:{quoted}@127.0.0.1:{port}/api/states/sensor.t"
        sensor = sensor_from_spec(url)
        assert (await sensor.read(1.0)).temp_c == 21.5
        assert PASSWORD not in sensor.label
        assert quoted not in sensor.label
    failing = SensorGuard(sensor_from_spec(url))  # the server is gone now
    assert await failing.read(1.0) is None
    assert PASSWORD not in failing.problem
    assert quoted not in failing.problem


@pytest.mark.parametrize(
    "spec", ["http://[::1/x", "http://h:99999/x", "http:///x", "http://a:b:c@/"]
)
def test_an_invalid_sensor_url_is_a_usage_error(spec: str) -> None:
    """Pins: a URL that cannot be parsed is refused when the sensor is built, redacted."""
    with pytest.raises(UsageError) as info:
        sensor_from_spec(spec)
    assert "b:c" not in str(info.value)


async def test_the_token_never_follows_a_redirect_to_another_origin() -> None:
    """Pins: the bearer token reaches the configured origin only, not the redirect's host."""
    async with server(fixed(http_reply(b'{"state": "20.0"}')), host="127.0.0.2") as (other, seen):
        target = f"http://127.0.0.2:{other}/elsewhere"
        redirect = fixed(http_reply(b"", "302 Found", f"Location: {target}\r\n"))
        async with server(redirect) as (port, first):
            sensor = HttpJsonSensor(f"http://127.0.0.1:{port}/s", TOKEN)
            assert (await sensor.read(1.0)).temp_c == 20.0
    assert TOKEN.encode() in first[0]
    assert seen
    assert all(TOKEN.encode() not in head for head in seen)


async def test_the_token_follows_a_redirect_within_its_origin() -> None:
    """Pins: a same-origin redirect (Home Assistant behind a path change) keeps working."""

    async def handle(head: bytes, writer: asyncio.StreamWriter) -> None:
        if head.startswith(b"GET /old"):
            writer.write(http_reply(b"", "301 Moved", "Location: /new\r\n"))
        elif TOKEN.encode() in head:
            writer.write(http_reply(b'{"state": "19.5"}'))
        else:
            writer.write(http_reply(b"", "401 Unauthorized"))

    async with server(handle) as (port, heads):
        assert (
            await HttpJsonSensor(f"http://127.0.0.1:{port}/old", TOKEN).read(1.0)
        ).temp_c == 19.5
    assert len(heads) == 2


async def test_a_command_sensor_that_never_ends_is_killed(tmp_path: Path) -> None:
    """Pins: a command printing forever is cut at the size cap; one hanging is killed."""
    yes = CommandSensor(["yes", "21"], timeout_s=5.0)
    started = time.monotonic()
    with pytest.raises(SensorError, match="printed over"):
        await yes.read(1.0)
    assert time.monotonic() - started < 2.0  # at the size cap, not the 5 s timeout
    hang = SensorGuard(CommandSensor(["sleep", "60"], timeout_s=30.0), deadline_s=0.3)
    started = time.monotonic()
    assert await hang.read(1.0) is None
    assert time.monotonic() - started < 2.0


async def test_a_fifo_or_device_file_sensor_does_not_block(tmp_path: Path) -> None:
    """Pins: a FIFO or /dev/zero as the sensor file is refused at once, not read forever."""
    fifo = tmp_path / "room.fifo"
    os.mkfifo(fifo)
    for path in (fifo, Path("/dev/zero")):
        with pytest.raises(SensorError, match="not a regular file"):
            await asyncio.wait_for(FileSensor(path).read(1.0), 2.0)


# ---- the max-room interlock on bad readings -----------------------------------------------

LADDER = Ladder.from_capabilities(capabilities(ModelId.MINI3))
LIMITS = SafetyLimits(max_room_c=27.0)


def _decide(guard_: SensorGuard, room_c: float | None, current: int) -> Decision:
    full_heat = Decision(LADDER.top, "controller wants full heat")
    caps = Caps(0, LADDER.top)
    inp = SafetyInput(room_c, current, None, 21.0, guard_.problem, latest_room_c=guard_.latest_c)
    return guard(full_heat, LADDER, caps, inp, LIMITS)


class Scripted:
    """A sensor giving scripted readings: a number, an age, or an exception."""

    label = "scripted"

    def __init__(self) -> None:
        self.next: float | Exception = 20.0
        self.age_s = 0.0

    async def read(self, now_s: float) -> Reading:
        if isinstance(self.next, Exception):
            raise self.next
        from nanoheater.controller.sensors import plausible

        return Reading(plausible(self.next), now_s - self.age_s)


@pytest.mark.parametrize("value", [28.0, 61.0, 85.0, float("inf"), 1e300])
async def test_a_reading_above_the_hard_maximum_goes_to_the_floor(value: float) -> None:
    """Pins: above the maximum, plausible or not, the floor runs (not the last cold reading)."""
    sensor = Scripted()
    guard_ = SensorGuard(sensor, max_age_s=300.0)
    assert await guard_.read(0.0) == 20.0
    sensor.next = value
    room = await guard_.read(30.0)
    decision = _decide(guard_, room, LADDER.top)
    assert decision.index == 0, decision.reason
    assert "hard maximum" in decision.reason


async def test_a_stale_hot_sensor_stays_at_the_floor_and_a_stale_cold_one_fails_safe() -> None:
    """Pins: stale above the maximum keeps the floor; stale below it runs the fail-safe."""
    sensor = Scripted()
    guard_ = SensorGuard(sensor, max_age_s=300.0)
    sensor.next = 30.0
    assert await guard_.read(0.0) == 30.0
    sensor.next = SensorError("gone")
    room = await guard_.read(400.0)
    assert room is None  # stale: never reported as the current room
    assert _decide(guard_, room, LADDER.top).index == 0
    sensor.next, sensor.age_s = 18.0, 1000.0  # a file last written long ago
    room = await guard_.read(2000.0)
    assert room is None
    decision = _decide(guard_, room, LADDER.top)
    assert decision.index == LIMITS.fail_safe_index(LADDER)
    assert "fail-safe" in decision.reason


async def test_a_nan_reading_fails_safe() -> None:
    """Pins: NaN is no reading (fail-safe), and cannot switch the interlock off."""
    sensor = Scripted()
    guard_ = SensorGuard(sensor, max_age_s=60.0)
    sensor.next = float("nan")
    assert await guard_.read(0.0) is None
    assert _decide(guard_, None, 2).index == LIMITS.fail_safe_index(LADDER)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_a_non_finite_maximum_is_refused(bad: float) -> None:
    """Pins: ``--max-room nan`` used to switch the interlock off; now it is a usage error."""
    with pytest.raises(UsageError):
        SafetyLimits(max_room_c=bad)


async def test_sigterm_while_a_sensor_trickles_leaves_at_once() -> None:
    """Pins: SIGTERM stops ``thermostat`` mid-read of a trickling sensor within its 5 s timeout.

    The sensor would trickle for minutes; the device is left at its lowest step. Issue 14:
    SIGTERM waited 170 s for an executor thread blocked on such a sensor.
    """
    from firmware_sim.clock import ScaledClock
    from firmware_sim.server import SimServer
    from nanoheater.cli.sim_harness import mode_of
    from tests.cli.test_thermostat_cli import start
    from tests.client.conftest import make_heater

    connected = asyncio.Event()

    async def trickle(_head: bytes, writer: asyncio.StreamWriter) -> None:
        connected.set()
        for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 600:
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(0.2)

    heater = make_heater("mini3", ScaledClock(speed=1.0))
    async with SimServer(heater) as sim, server(trickle) as (port, _):
        proc = await start(
            f"{sim.host}:{sim.port}", "--target", "21", "--sensor",
            f"http://127.0.0.1:{port}/s", "--interval", "1",
        )  # fmt: skip
        try:
            await asyncio.wait_for(connected.wait(), timeout=30)
            await asyncio.sleep(0.5)  # well inside the read, which would trickle for minutes
            proc.send_signal(signal.SIGTERM)
            stopped = time.monotonic()
            out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
            waited_s = time.monotonic() - stopped
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    assert proc.returncode == 0, err
    assert waited_s < 5.0 + 3.0, f"SIGTERM took {waited_s:.1f} s"
    assert b"Traceback" not in err
    assert mode_of(heater) == "Night"
    assert b"left at Night" in out


async def test_a_hot_reading_stamped_in_the_past_still_goes_to_the_floor() -> None:
    """Pins: a reading's own time is input; a hot value stamped before the last one counts.

    A file sensor stamps with the file's mtime: a value above the maximum written with an older
    mtime (or after the clock stepped back) was dropped, and the last cold reading heated on.
    """
    sensor = Scripted()
    guard_ = SensorGuard(sensor, max_age_s=300.0)
    assert await guard_.read(100.0) == 20.0
    sensor.next, sensor.age_s = 35.0, 80.0  # stamped at 50 s, before the reading at 100 s
    room = await guard_.read(130.0)
    decision = _decide(guard_, room, LADDER.top)
    assert decision.index == 0, decision.reason
    assert "hard maximum" in decision.reason
