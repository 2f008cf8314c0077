"""Tests for the control endpoint: device list, faults per device, room thermometer, weather."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from firmware_sim.clock import VirtualClock
from firmware_sim.control import ControlServer
from firmware_sim.faults import FAULT_KINDS
from firmware_sim.fleet import Fleet
from tests.sim.netclient import exchange, http

VERSION = b'{"command":"version"}'


@pytest.fixture
async def fleet() -> AsyncIterator[Fleet]:
    """Three devices (Nano 3S, Q, Mini 3) on 127.0.0.2-4 with free ports, on a virtual clock."""
    async with Fleet(
        ["nano3s", "q", "mini3"], address="127.0.0.2", port=0, clock=VirtualClock()
    ) as f:
        yield f


@pytest.fixture
async def ctl(fleet: Fleet) -> AsyncIterator[ControlServer]:
    """The fleet's control endpoint on 127.0.0.1, free port."""
    async with ControlServer(fleet, port=0) as server:
        yield server


async def test_control_binds_loopback(ctl: ControlServer) -> None:
    """Pins that the control endpoint listens on 127.0.0.1."""
    assert ctl.host == "127.0.0.1"
    assert ctl.url == f"http://127.0.0.1:{ctl.port}"


async def test_list_devices(ctl: ControlServer, fleet: Fleet) -> None:
    """Pins GET /devices: one entry per device with where it listens and who it is."""
    status, body = await http(ctl.port, "GET", "/devices")
    assert status == 200
    devices = body["devices"]
    assert [d["id"] for d in devices] == [0, 1, 2]
    assert [d["model"] for d in devices] == ["nano3s", "q", "mini3"]
    for dev, member in zip(devices, fleet.members, strict=True):
        assert (dev["host"], dev["port"]) == (member.server.host, member.server.port)
        assert dev["mac"] == member.heater.state.mac
        assert dev["down"] is False
        assert not any(dev["faults"].values())


async def test_fault_kinds_are_listed(ctl: ControlServer) -> None:
    """Pins GET /faults: every kind with its description."""
    assert await http(ctl.port, "GET", "/faults") == (200, {"kinds": FAULT_KINDS})


async def test_arm_a_reply_fault_on_one_device_only(ctl: ControlServer, fleet: Fleet) -> None:
    """Pins POST /devices/1/faults: device 1 drops its replies, the others still answer."""
    status, body = await http(ctl.port, "POST", "/devices/1/faults", {"kind": "drop", "count": 2})
    assert status == 200
    assert body["devices"][0]["faults"]["drop_replies"] == 2
    one, zero = fleet.members[1].server, fleet.members[0].server
    assert await exchange(one.host, one.port, VERSION) == b""
    assert b"CGMiner versions" in await exchange(zero.host, zero.port, VERSION)


@pytest.mark.parametrize("kind", [k for k in FAULT_KINDS if k != "reboot"])
async def test_every_fault_kind_arms_and_clears(
    ctl: ControlServer, fleet: Fleet, kind: str
) -> None:
    """Pins that each kind arms through the endpoint and DELETE clears it."""
    body = {"kind": kind, "count": -1, "delay_s": 0.5, "offset_s": -3600}
    status, armed = await http(ctl.port, "POST", "/devices/1/faults", body)
    assert status == 200, armed
    dev = armed["devices"][0]
    assert any(v for v in dev["faults"].values()) or dev["fan_blocked"]
    status, cleared = await http(ctl.port, "DELETE", "/devices/1/faults")
    assert status == 200
    dev = cleared["devices"][0]
    assert not any(dev["faults"].values())
    assert dev["fan_blocked"] is False


async def test_reboot_with_downtime_refuses_connections(ctl: ControlServer, fleet: Fleet) -> None:
    """Pins the reboot fault: the device is down, refuses connects, and is back after downtime."""
    member = fleet.members[0]
    status, body = await http(
        ctl.port, "POST", "/devices/0/faults", {"kind": "reboot", "downtime_s": 20}
    )
    assert status == 200
    assert body["devices"][0]["down"] is True
    with pytest.raises(ConnectionRefusedError):
        await exchange(member.server.host, member.server.port, VERSION)
    clock = fleet.clock
    assert isinstance(clock, VirtualClock)
    clock.advance(21)
    for _ in range(50):
        await asyncio.sleep(0.05)
        try:
            assert b"CGMiner" in await exchange(member.server.host, member.server.port, VERSION)
            break
        except ConnectionRefusedError:
            continue
    else:
        pytest.fail("the device did not come back")


async def test_select_by_host_port_and_all(ctl: ControlServer, fleet: Fleet) -> None:
    """Pins device selection: host, host:port and all."""
    second = fleet.members[1].server
    status, body = await http(ctl.port, "GET", f"/devices/{second.host}:{second.port}")
    assert (status, [d["id"] for d in body["devices"]]) == (200, [1])
    status, body = await http(ctl.port, "GET", "/devices/127.0.0.4")
    assert [d["id"] for d in body["devices"]] == [2]
    status, body = await http(ctl.port, "POST", "/devices/all/faults", {"kind": "calibrating"})
    assert status == 200
    assert all(d["faults"]["refuse_calibrating"] for d in body["devices"])
    assert len(body["devices"]) == 3


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "/devices/9", None, 404),
        ("GET", "/devices/10.0.0.1", None, 404),
        ("GET", "/nothing", None, 404),
        ("PATCH", "/devices", None, 405),
        ("PUT", "/devices/0/faults", None, 405),
        ("POST", "/devices/0/faults", {"kind": "explode"}, 400),
        ("POST", "/devices/0/faults", {"kind": "drop", "count": 0}, 400),
        ("POST", "/devices/0/faults", {"kind": "drop", "count": "x"}, 400),
        ("POST", "/devices/0/faults", {"kind": "empty-summary"}, 400),
        ("POST", "/devices/0/faults", [1, 2], 400),
        ("PUT", "/outdoor", {"temp_c": "cold"}, 400),
        ("PUT", "/outdoor", {"temp_c": 500}, 400),
        ("PUT", "/outdoor", {}, 400),
    ],
)
async def test_bad_requests_get_an_error_not_a_crash(
    ctl: ControlServer, method: str, path: str, body: object, status: int
) -> None:
    """Pins error replies: status code plus one-line JSON error; the endpoint keeps serving."""
    got, payload = await http(ctl.port, method, path, body)
    assert got == status
    assert isinstance(payload["error"], str)
    assert "\n" not in payload["error"]
    assert (await http(ctl.port, "GET", "/devices"))[0] == 200


@pytest.mark.parametrize(
    "raw",
    [
        b"garbage\r\n\r\n",
        b"GET /devices HTTP/1.1\r\nContent-Length: nope\r\n\r\n",
        b"PUT /outdoor HTTP/1.1\r\nContent-Length: 5\r\n\r\n{not}",
        b"\xff\xfe\r\n\r\n",
    ],
)
async def test_malformed_http_never_crashes_the_endpoint(ctl: ControlServer, raw: bytes) -> None:
    """Pins that malformed HTTP gets a 4xx and the next request is served."""
    status, _ = await http(ctl.port, "GET", "/", raw=raw)
    assert 400 <= status < 500
    assert (await http(ctl.port, "GET", "/devices"))[0] == 200


async def test_half_sent_request_is_dropped_without_harm(ctl: ControlServer) -> None:
    """Pins that a client closing mid-request does not affect the endpoint."""
    _, writer = await asyncio.open_connection("127.0.0.1", ctl.port)
    writer.write(b"GET /dev")
    await writer.drain()
    writer.close()
    assert (await http(ctl.port, "GET", "/devices"))[0] == 200


async def test_room_reads_the_true_air_temperature(ctl: ControlServer, fleet: Fleet) -> None:
    """Pins GET /room: each device's room air temperature, as the physics has it now."""
    clock = fleet.clock
    assert isinstance(clock, VirtualClock)
    _, before = await http(ctl.port, "GET", "/room")
    clock.advance(1800)
    status, body = await http(ctl.port, "GET", "/room")
    assert status == 200
    for room, member in zip(body["rooms"], fleet.members, strict=True):
        assert room["air_c"] == pytest.approx(member.heater.room.air_c, abs=1e-3)
    assert body["rooms"][0]["air_c"] != before["rooms"][0]["air_c"]
    assert body["time_s"] == before["time_s"] + 1800
    assert body["outdoor_override"] is False


async def test_set_outdoor_then_back_to_the_profile(ctl: ControlServer, fleet: Fleet) -> None:
    """Pins PUT /outdoor: a set temperature holds, a colder outdoor cools rooms, null restores."""
    clock = fleet.clock
    assert isinstance(clock, VirtualClock)
    status, warm = await http(ctl.port, "PUT", "/outdoor", {"temp_c": 15.0})
    assert (status, warm["outdoor_c"], warm["outdoor_override"]) == (200, 15.0, True)
    clock.advance(6 * 3600)
    _, warm = await http(ctl.port, "GET", "/room")
    await http(ctl.port, "PUT", "/outdoor", {"temp_c": -20.0})
    clock.advance(6 * 3600)
    _, cold = await http(ctl.port, "GET", "/room")
    assert cold["outdoor_c"] == -20.0
    assert cold["rooms"][0]["air_c"] < warm["rooms"][0]["air_c"]
    status, back = await http(ctl.port, "PUT", "/outdoor", {"temp_c": None})
    assert (status, back["outdoor_override"]) == (200, False)
    assert fleet.world.outdoor.override_c is None


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("Origin: https://evil.example\r\nContent-Type: application/json\r\n", 403),
        # Names that only look loopback: any DNS name can start with "127." or "localhost".
        ("Origin: http://127.0.0.1.evil.example\r\nContent-Type: application/json\r\n", 403),
        ("Origin: http://localhost.evil.example\r\nContent-Type: application/json\r\n", 403),
        ("Origin: null\r\nContent-Type: application/json\r\n", 403),
        ("Content-Type: text/plain\r\n", 415),
        ("Content-Type: application/x-www-form-urlencoded\r\n", 415),
        ("Origin: http://127.0.0.1:8000\r\nContent-Type: application/json\r\n", 200),
    ],
)
async def test_a_browser_page_cannot_drive_the_control_endpoint(
    ctl: ControlServer, extra: str, expected: int
) -> None:
    """Pins (issue 14): cross-origin and non-JSON (form) POSTs are refused; loopback pages work."""
    body = b'{"kind": "reboot"}'
    raw = (
        f"POST /devices/0/faults HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    status, _ = await http(ctl.port, "POST", "/devices/0/faults", raw=raw)
    assert status == expected


@pytest.mark.parametrize(
    "host",
    [
        "evil.example",
        "evil.example:8080",
        "",
        "10.0.0.1",
        # A rebinding domain names itself to pass a prefix check: 127.<anything> is a DNS name.
        "127.0.0.1.nip.io",
        "127.evil.example:8080",
        "[::1.evil]",
    ],
)
async def test_a_rebound_host_name_is_refused(ctl: ControlServer, host: str) -> None:
    """Pins: DNS rebinding (a foreign Host header on a loopback connection) gets 403."""
    raw = f"GET /devices HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
    status, _ = await http(ctl.port, "GET", "/devices", raw=raw)
    assert status == 403


@pytest.mark.parametrize("delay", ["NaN", "Infinity", "-1", '"nan"', "1e999"])
async def test_a_non_finite_delay_is_refused(ctl: ControlServer, delay: str) -> None:
    """Pins: NaN/inf/negative delays are a 400, never stored."""
    body = f'{{"kind": "delay", "delay_s": {delay}}}'.encode()
    raw = (
        "POST /devices/0/faults HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    status, _ = await http(ctl.port, "POST", "/devices/0/faults", raw=raw)
    assert status == 400


def test_record_does_not_follow_a_symlink(tmp_path: Path) -> None:
    """Pins (issue 14): --record refuses a symlink at its path; the link's target is untouched."""
    from firmware_sim.record import Recorder
    from tests.reliability.rigs import make_heater

    victim = tmp_path / "precious.txt"
    victim.write_text("keep me")
    link = tmp_path / "run.csv"
    link.symlink_to(victim)
    heater, _ = make_heater("nano3s")
    with pytest.raises(OSError, match="symlink"):
        Recorder(heater, link)
    assert victim.read_text() == "keep me"
