"""Tests for the firmware-sim command: serve, devices, fault, room; one-line errors only."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from click.testing import CliRunner

from firmware_sim.cli import cli
from tests.sim.netclient import exchange

VERSION = b'{"command":"version"}'


def run(*args: str) -> tuple[int, str, str]:
    """Run firmware-sim in-process; return (exit code, stdout, stderr)."""
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def assert_one_error_line(code: int, err: str, expected_code: int, fragment: str) -> None:
    """An exit status, a single ``firmware-sim: error:`` line naming the problem, no traceback."""
    assert code == expected_code
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("firmware-sim: error: ")
    assert fragment in lines[0]
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--model", "nano9"], "unknown model 'nano9'"),
        (["--model", "q:0"], "bad count"),
        (["--address", "10.1.2.3"], "outside 127.0.0.0/8; pass --expose"),
        (["--address", "nonsense"], "not an IPv4 address"),
        (["--speed", "0"], "--speed must be positive"),
        (["--port", "70000"], "outside 0..65535"),
        (["--control-port", "-1"], "--control-port"),
        (["--mdns", "--interface", "192.168.1.9"], "pass --expose"),
        (["--interface", "127.0.0.1"], "only applies with --mdns"),
        (["--mdns", "--interface", "nope0"], "no interface 'nope0'"),
        (["--record-interval", "0.5"], "--record-interval"),
    ],
)
def test_bad_serve_input_is_one_error_line(args: list[str], fragment: str) -> None:
    """Pins that bad serve input exits 2 with one clear error line and binds nothing."""
    code, _, err = run("serve", *args)
    assert_one_error_line(code, err, 2, fragment)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["fault", "0", "explode"], "'explode' is not one of"),
        (["serve", "--bogus"], "No such option '--bogus'"),
        (["fault"], "Missing argument 'DEVICE'"),
        (["serve", "--port", "abc"], "'abc' is not a valid integer"),
    ],
)
def test_usage_errors_from_the_entry_point_are_one_line(args: list[str], fragment: str) -> None:
    """Pins that click's own usage errors also print as one error line, exit 2."""
    done = subprocess.run(
        [sys.executable, "-m", "firmware_sim", *args], capture_output=True, text=True, check=False
    )
    assert_one_error_line(done.returncode, done.stderr, 2, fragment)


def test_port_in_use_is_one_error_line() -> None:
    """Pins that an API port already taken exits 1 with one line naming host:port."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, _, err = run("serve", "--port", str(port), "--control-port", "0")
    assert_one_error_line(code, err, 1, f"127.0.0.1:{port}")
    # As docs/simulator.md shows it (it read "firmware-sim: error: [Errno 98] cannot listen ...").
    assert (
        err == f"firmware-sim: error: cannot listen on 127.0.0.1:{port}: Address already in use\n"
    )


def test_control_port_in_use_is_one_error_line() -> None:
    """Pins that a control port already taken exits 1 and suggests --control-port 0."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, _, err = run("serve", "--port", "0", "--control-port", str(port))
    assert_one_error_line(code, err, 1, "--control-port 0")


def test_control_commands_without_a_running_simulator_fail_cleanly() -> None:
    """Pins that devices/fault/room with nothing listening exit 1 with one line."""
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    for args in (["devices"], ["fault", "0", "drop"], ["room"]):
        code, _, err = run(*args, "--control", str(port))
        assert_one_error_line(code, err, 1, "no control endpoint")


def test_control_outside_loopback_is_refused() -> None:
    """Pins that --control never points the CLI off this machine."""
    code, _, err = run("room", "--control", "10.0.0.1:40280")
    assert_one_error_line(code, err, 2, "only on loopback")


@dataclass
class Served:
    """A running ``firmware-sim serve`` subprocess and what it printed."""

    process: subprocess.Popen[str]
    lines: list[str]
    control: str


@pytest.fixture
def served() -> Iterator[Served]:
    """``firmware-sim serve --model nano3s:2 --model q --address 127.0.0.2 --port 4028``."""
    argv = [sys.executable, "-m", "firmware_sim", "serve", "--model", "nano3s:2", "--model", "q"]
    argv += ["--address", "127.0.0.2", "--port", "4028", "--control-port", "0"]
    process = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ)
    )
    assert process.stdout is not None
    lines: list[str] = []
    control = ""
    for line in process.stdout:
        lines.append(line.rstrip("\n"))
        if line.startswith("control"):
            control = line.split()[-1].removeprefix("http://")
        if line.startswith("serving"):
            break
    assert control, lines
    yield Served(process, lines, control)
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)
    process.stdout.close()
    assert process.stderr is not None
    process.stderr.close()


async def test_serve_prints_where_each_device_listens(served: Served) -> None:
    """Pins serve's output: one line per device on consecutive addresses, and the control URL."""
    device_lines = served.lines[:3]
    assert [line.split()[1] for line in device_lines] == [
        "127.0.0.2:4028",
        "127.0.0.3:4028",
        "127.0.0.4:4028",
    ]
    assert [line.split()[0] for line in device_lines] == ["nano3s-0", "nano3s-1", "q-2"]
    assert served.control.startswith("127.0.0.1:")
    assert b"Avalon Q" in await exchange("127.0.0.4", 4028, VERSION)


async def test_fault_and_devices_commands_drive_the_served_fleet(served: Served) -> None:
    """Pins fault/devices: arm drop on one device, see it listed, clear it."""
    code, out, _ = await asyncio.to_thread(run, "fault", "1", "drop", "--control", served.control)
    assert code == 0
    assert "drop_replies" in out
    assert await exchange("127.0.0.3", 4028, VERSION) == b""
    assert b"CGMiner versions" in await exchange("127.0.0.2", 4028, VERSION)
    await asyncio.to_thread(
        run, "fault", "127.0.0.3", "no-nul", "--forever", "--control", served.control
    )
    code, out, _ = await asyncio.to_thread(run, "devices", "--control", served.control)
    assert code == 0
    assert "no_nul_replies" in out.splitlines()[1]
    code, _, _ = await asyncio.to_thread(run, "fault", "all", "clear", "--control", served.control)
    assert code == 0
    assert (await exchange("127.0.0.3", 4028, VERSION)).endswith(b"\x00")


async def test_fault_with_unknown_device_is_one_error_line(served: Served) -> None:
    """Pins that naming a device that does not exist is an exit-2 one-liner."""
    code, _, err = await asyncio.to_thread(run, "fault", "7", "drop", "--control", served.control)
    assert_one_error_line(code, err, 2, "no device 7")


async def test_room_command_reads_and_sets_the_weather(served: Served) -> None:
    """Pins room: lists each device's room, sets the outdoor temperature, goes back to profile."""
    code, out, _ = await asyncio.to_thread(run, "room", "--control", served.control)
    assert code == 0
    assert out.startswith("outdoor")
    assert len(out.strip().splitlines()) == 4
    code, out, _ = await asyncio.to_thread(
        run, "room", "--outdoor", "-7.5", "--json", "--control", served.control
    )
    data = json.loads(out)
    assert (data["outdoor_c"], data["outdoor_override"]) == (-7.5, True)
    code, out, _ = await asyncio.to_thread(
        run, "room", "--outdoor-profile", "--control", served.control
    )
    assert "daily profile" in out


def test_serve_stops_cleanly_on_interrupt(served: Served) -> None:
    """Pins that SIGINT ends serve with status 0 and no traceback."""
    served.process.send_signal(signal.SIGINT)
    assert served.process.wait(timeout=10) == 0
    assert served.process.stderr is not None
    assert "Traceback" not in served.process.stderr.read()
