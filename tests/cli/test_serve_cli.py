"""``nanoheater serve`` and its clients (target, zones, status, set) as real processes."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from firmware_sim.fleet import Fleet
from nanoheater.service.remote import RemoteHome, ServiceUnavailable
from tests.home.conftest import fleet, hosts

__all__ = ["fleet"]

TOKEN = "tok-9f3a1c77e2"  # noqa: S105 - a test token, searched for in every log


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def spawn(*args: str, env: dict[str, str] | None = None) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "nanoheater", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )  # fmt: skip


async def run_cli(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    proc = await spawn(*args, env=env)
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def wait_ready(api: str, proc: asyncio.subprocess.Process, token: str | None = None) -> None:
    """Wait until the service says it has its first reading (or fail if it died)."""
    for _ in range(200):
        if proc.returncode is not None:
            _, err = await proc.communicate()
            raise AssertionError(f"serve exited {proc.returncode}: {err.decode()}")
        try:
            async with RemoteHome(api, token=token) as remote:
                if (await remote.health())["ready"]:
                    return
        except ServiceUnavailable:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError("serve never became ready")


def serve_args(fleet: Fleet, api: str, *extra: str) -> list[str]:
    args = ["serve", "--no-mdns", "--api", api, "--poll", "0.3", "--interval", "0.5"]
    for host in hosts(fleet):
        args += ["--host", host]
    return [*args, *extra]


async def stop(proc: asyncio.subprocess.Process) -> tuple[int, str, str]:
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


@pytest.fixture
async def service(fleet: Fleet) -> AsyncIterator[tuple[str, asyncio.subprocess.Process]]:
    """A running ``nanoheater serve`` over the fleet; stopped with SIGTERM afterwards."""
    api = f"127.0.0.1:{free_port()}"
    proc = await spawn(*serve_args(fleet, api))
    try:
        await wait_ready(api, proc)
        yield api, proc
    finally:
        await stop(proc)


async def test_clients_go_through_the_service(
    service: tuple[str, asyncio.subprocess.Process], fleet: Fleet
) -> None:
    """target, zones, fleet status/watch and set go through the service; rivals are refused.

    The target command sets a zone named by a host; zones, status and watch (no host) show the
    service's state; set on a regulated device becomes an override that target --resume ends;
    thermostat on a device the service owns and a second serve on the same data folder exit 2.
    """
    api, proc = service
    env = {"NANOHEATER_API": api}
    q = hosts(fleet)[1]
    code, out, err = await run_cli("target", "127.0.0.2", "--c", "21", env=env)
    assert code == 0, err
    assert "21.0 °C" in out
    code, out, _ = await run_cli("zones", "--json", env=env)
    assert code == 0
    zones = [json.loads(line) for line in out.splitlines()]
    assert [(z["name"], z["devices"], z["setpoint_c"]) for z in zones] == [
        (hosts(fleet)[0], [hosts(fleet)[0]], 21.0),
        (q, [q], None),
    ]
    code, out, _ = await run_cli("status", "--json", "--api", api)
    assert code == 0
    devices = [json.loads(line) for line in out.splitlines()]
    assert [d["model"] for d in devices] == ["nano3s", "q"]
    assert all("power_w" in d and "state" in d for d in devices)

    async with RemoteHome(api) as remote:
        await remote.set_target(q, {"level": "Eco"})
    code, out, err = await run_cli("set", q, "--mode", "Standard", env=env)
    assert code == 0, err
    assert "manual until" in out
    assert "--resume" in out
    async with RemoteHome(api) as remote:
        assert (await remote.zone(q))["override"]["action"] == "mode Standard"
    code, out, _ = await run_cli("target", q, "--resume", env=env)
    assert code == 0
    assert "manual until" not in out
    async with RemoteHome(api) as remote:
        assert (await remote.zone(q))["override"] is None

    code, out, err = await run_cli("watch", "--count", "3", "--json", env=env)
    assert code == 0, err
    watched = [json.loads(line) for line in out.splitlines()]
    # --count is polls per device, as for named hosts: three rounds of the two devices.
    assert sorted(f"{d['host']}:{d['port']}" for d in watched) == sorted(hosts(fleet) * 3)
    assert all("mode" in d and "zone" in d for d in watched)

    code, _, err = await run_cli("thermostat", q, "--mode", "Eco", env=env)
    assert code == 2
    assert "run by nanoheater serve" in err

    code, _, err = await run_cli(*serve_args(fleet, f"127.0.0.1:{free_port()}"))
    assert code == 2
    assert f"pid {proc.pid}" in err
    assert api in err
    assert "Traceback" not in err


async def settle(fleet: Fleet, index: int, mode_index: int) -> None:
    """Wait until simulated device ``index`` runs ``mode_index`` and has finished calibrating."""
    heater = fleet.members[index].heater
    for _ in range(200):
        if heater.state.mode_index == mode_index and not heater.is_calibrating():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"device {index} never settled in mode {mode_index}")


async def test_kill_9_resumes_and_sigterm_leaves_exit_levels(fleet: Fleet, tmp_path: Path) -> None:
    """A kill -9 and restart resumes the target in one interval; SIGTERM leaves exit levels.

    The restarted service re-applies the persisted target within one control interval with no
    command; SIGTERM then leaves the regulated Q at its lowest heating step, logs a per-device
    summary and exits 0. Under systemd (NOTIFY_SOCKET, JOURNAL_STREAM) it signals READY=1 and
    writes journald lines with their priority prefix.
    """
    api = f"127.0.0.1:{free_port()}"
    q = hosts(fleet)[1]
    heater = fleet.members[1].heater
    proc = await spawn(*serve_args(fleet, api))
    await wait_ready(api, proc)
    async with RemoteHome(api) as remote:
        await remote.set_target(q, {"level": "Standard"})
    await settle(fleet, 1, 1)
    proc.kill()
    await proc.wait()
    heater.set_mode(0)  # while nobody watches, the device is put back to Eco by hand
    await settle(fleet, 1, 0)
    notify_path = tmp_path / "notify.sock"
    notify_sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify_sock.bind(str(notify_path))
    notify_sock.setblocking(False)
    journal = {"NOTIFY_SOCKET": str(notify_path), "JOURNAL_STREAM": "8:1"}
    proc = await spawn(*serve_args(fleet, api), env=journal)
    try:
        await wait_ready(api, proc)
        loop = asyncio.get_running_loop()
        started = loop.time()
        while heater.state.mode_index != 1:
            assert loop.time() - started < 0.5 + 1.0, "not resumed within one control interval"
            await asyncio.sleep(0.05)
        await settle(fleet, 1, 1)
        ready = await asyncio.wait_for(loop.sock_recv(notify_sock, 100), 5)
        assert ready == b"READY=1"  # sd_notify once the first reading was in
    finally:
        code, _, err = await stop(proc)
        notify_sock.close()
    assert code == 0, err
    lines = err.splitlines()
    assert lines
    assert all(line.startswith("<") and line[1].isdigit() for line in lines), lines[:3]
    assert "\x1b" not in err  # journald lines: no colours
    assert f"exit: {q}:" in err
    assert sum(q in line and "left at" in line for line in lines) == 1, err  # one line a device
    assert heater.state.mode_index == 0  # Eco, the Q's lowest heating step
    assert f"exit: {hosts(fleet)[0]}" not in err  # not regulated: untouched


async def test_non_loopback_bind_without_token_is_refused(fleet: Fleet) -> None:
    """--api on a non-loopback address without a token refuses to start (exit 2)."""
    code, _, err = await run_cli(*serve_args(fleet, "0.0.0.0:8128"))
    assert code == 2
    assert "needs a token" in err
    assert "Traceback" not in err


async def test_token_never_reaches_a_log(fleet: Fleet, tmp_path: Path) -> None:
    """With a token and -vv, neither stderr, stdout nor any file in the data folder has it."""
    api = f"127.0.0.1:{free_port()}"
    env = {"NANOHEATER_API_TOKEN": TOKEN}
    proc = await spawn("-vv", *serve_args(fleet, api), env=env)
    await wait_ready(api, proc, token=TOKEN)
    code, _, err = await run_cli("zones", "--api", api, env={"NANOHEATER_API_TOKEN": "wrong"})
    assert code == 3
    assert TOKEN not in err
    wrong = {"NANOHEATER_API_TOKEN": "wrong"}
    code, out, err = await run_cli("zones", "add", "hall", "127.0.0.2", "--api", api, env=wrong)
    assert (code, out) == (3, "")  # a zone edit with a wrong token: refused, one line
    assert len(err.splitlines()) == 1
    code, _, _ = await run_cli("target", "127.0.0.3", "--level", "Eco", "--api", api, env=env)
    assert code == 0
    _, out, err = await stop(proc)
    assert TOKEN not in out
    assert TOKEN not in err
    assert "GET" in err or "INFO" in err  # the log was not empty
    for path in (tmp_path / "data").rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path


async def test_a_bad_outdoor_sensor_is_one_line_and_exit_2() -> None:
    """``outdoor_sensor`` that is not a sensor: serve refuses at start, one line, exit 2."""
    config_dir = Path(os.environ["NANOHEATER_CONFIG_DIR"])
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "config.toml").write_text('outdoor_sensor = "ftp://weather.example/now"\n')
    api = f"127.0.0.1:{free_port()}"
    code, out, err = await run_cli("serve", "--no-mdns", "--api", api)
    assert (code, out) == (2, "")
    assert err.strip().splitlines() == [
        "nanoheater: outdoor_sensor: unknown sensor 'ftp://weather.example/now';"
        " use file:PATH, cmd:COMMAND or an http(s) URL"
    ], err
