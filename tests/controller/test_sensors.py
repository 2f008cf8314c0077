"""Room temperature sources and the staleness guard."""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from nanoheater.capabilities import capabilities
from nanoheater.client import HeaterClient
from nanoheater.controller.regulator import Member
from nanoheater.controller.sensors import (
    CommandSensor,
    FileSensor,
    HttpJsonSensor,
    InletSensor,
    Reading,
    SensorError,
    SensorGuard,
    extract_json,
    parse_number,
    sensor_from_spec,
)
from nanoheater.exceptions import ConnectionFailed, UsageError

TOKEN = "secret-token"  # noqa: S105


class _HA(BaseHTTPRequestHandler):
    state: object = "21.4"

    def do_GET(self) -> None:
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self.send_response(401)
            self.end_headers()
            return
        body = json.dumps({"entity_id": "sensor.room", "state": _HA.state}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def ha_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _HA)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _HA.state = "21.4"
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/states/sensor.room"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_parse_number_and_plausibility() -> None:
    """The first number is taken; absurd values are sensor faults."""
    assert parse_number("temp=21.5C\n") == 21.5
    with pytest.raises(SensorError):
        parse_number("-273")
    with pytest.raises(SensorError):
        parse_number("no digits")


def test_extract_json_home_assistant_and_path() -> None:
    """HA's ``state`` is the default; a dotted path reaches nested values; unavailable fails."""
    assert extract_json({"state": "20.1"}) == 20.1
    assert extract_json({"a": {"b": [1, 19.5]}}, "a.b.1") == 19.5
    with pytest.raises(SensorError, match="unavailable"):
        extract_json({"state": "unavailable"})


async def test_command_sensor_reads_stdout() -> None:
    """A command that prints a number is a sensor; a failing command is a SensorError."""
    ok = CommandSensor([sys.executable, "-c", "print('22.25')"])
    assert (await ok.read(100.0)) == Reading(22.25, 100.0)
    bad = CommandSensor([sys.executable, "-c", "import sys; sys.exit(3)  # token=s3cret"])
    assert "s3cret" not in bad.label
    with pytest.raises(SensorError, match="exited with 3"):
        await bad.read(100.0)


async def test_file_sensor_uses_mtime_and_guard_goes_stale(tmp_path: Path) -> None:
    """A file's age is its reading's age; the guard answers None once it is older than max age."""
    path = tmp_path / "room.txt"
    path.write_text("20.5\n")
    os.utime(path, (1000.0, 1000.0))
    guard = SensorGuard(FileSensor(path), max_age_s=300.0)
    assert await guard.read(1100.0) == 20.5
    assert await guard.read(1400.0) is None
    assert "stale" in guard.problem


async def test_guard_keeps_last_reading_until_max_age(tmp_path: Path) -> None:
    """A failing sensor keeps its last good value until it is too old, then trips the fail-safe."""
    path = tmp_path / "room.txt"
    path.write_text("19.0")
    os.utime(path, (0.0, 0.0))
    guard = SensorGuard(FileSensor(path), max_age_s=120.0)
    assert await guard.read(10.0) == 19.0
    path.unlink()
    assert await guard.read(100.0) == 19.0
    assert await guard.read(200.0) is None
    assert "cannot read" in guard.problem


async def test_http_sensor_with_token(ha_url: str) -> None:
    """A Home Assistant style endpoint is read with a bearer token; a wrong token is an error."""
    assert (await HttpJsonSensor(ha_url, TOKEN).read(5.0)).temp_c == 21.4
    with pytest.raises(SensorError, match="401"):
        await HttpJsonSensor(ha_url, "wrong").read(5.0)
    _HA.state = "unknown"
    with pytest.raises(SensorError, match="unknown"):
        await HttpJsonSensor(ha_url, TOKEN).read(5.0)


def test_sensor_from_spec() -> None:
    """Specs pick the source; inlet needs a device; junk is a usage error."""
    assert isinstance(sensor_from_spec("cmd:echo 21"), CommandSensor)
    assert isinstance(sensor_from_spec("file:/tmp/x"), FileSensor)
    http = sensor_from_spec("http://127.0.0.1:8123/api/states/sensor.t#attributes.t", token="k")
    assert isinstance(http, HttpJsonSensor)
    assert http.path == "attributes.t"
    with pytest.raises(UsageError):
        sensor_from_spec("inlet")
    with pytest.raises(UsageError):
        sensor_from_spec("carrier-pigeon")


async def test_http_sensor_errors_never_show_secrets(ha_url: str) -> None:
    """Credentials in the URL (user:password@, ?token=) never reach the label or errors."""
    leaky = ha_url.replace("http://", "http://me:hunter2@") + "?token=s3cret"
    sensor = HttpJsonSensor(leaky, "wrong")
    assert "hunter2" not in sensor.label
    assert "s3cret" not in sensor.label
    with pytest.raises(SensorError) as info:
        await sensor.read(1.0)
    assert "hunter2" not in str(info.value)
    assert "s3cret" not in str(info.value)


async def test_inlet_sensor_of_an_unreachable_device_is_a_sensor_error() -> None:
    """A device that cannot be reached makes the inlet sensor fail, not the regulator crash."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = await HeaterClient.connect_tcp("127.0.0.1", port, timeout_s=1.0)
    member = Member("dev", client, capabilities("mini3"))
    try:
        with pytest.raises(ConnectionFailed) as failed:
            await client.get_status()
        member.status, member.error = None, str(failed.value)
        with pytest.raises(SensorError, match=r"inlet: .*127\.0\.0\.1"):
            await InletSensor(member).read(0.0)
    finally:
        await client.close()
