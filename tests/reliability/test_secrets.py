"""Safety and secrets: confirmations, no secret in any output or log, loopback binds, atomic writes.

Pinned: reboot needs an explicit confirmation in the library and the CLI (the TUI offers none) and
nanoheater has no pool-changing command at all; a pool password a device leaks and a sensor's
bearer token, URL credentials or query token never reach stdout, stderr or a log record; the
simulator and everything it opens bind 127.0.0.0/8 unless told otherwise (checked on the
namespace's own socket table); config and history writes survive SIGKILL mid-write.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from firmware_sim.control import ControlServer
from firmware_sim.fleet import Fleet
from firmware_sim.server import SimServer
from nanoheater.atomic import write_atomic
from nanoheater.client import HeaterClient
from nanoheater.config import Settings, load_settings, save_settings
from nanoheater.controller.sensors import HttpJsonSensor, SensorError, SensorGuard
from nanoheater.exceptions import UsageError
from nanoheater.tui.app import NanoheaterApp
from nanoheater.tui.screens.device import DeviceScreen
from tests.reliability.hostile import SECRET_PASS, HostileDevice, poison_reply, proxy
from tests.reliability.rigs import Ledger, make_heater, open_tcp, tcp_client

ROOT = Path(__file__).resolve().parents[2]
HEADER_TOKEN = "hdr-token-7f3a9c"  # noqa: S105 - planted fakes, searched for in output
URL_PASSWORD = "url-pass-41d2e8"  # noqa: S105
QUERY_TOKEN = "query-token-90b1c4"  # noqa: S105
SECRETS = (HEADER_TOKEN, URL_PASSWORD, QUERY_TOKEN)


def _run(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", *args],
        capture_output=True,
        cwd=ROOT,
        timeout=60,
        check=False,
        env={**os.environ, **(env or {})},
    )


# ---- confirmations ---------------------------------------------------------------------------


@pytest.mark.parametrize("confirm", [False, None, "yes", 1])
async def test_reboot_without_explicit_confirmation_sends_nothing(confirm: object) -> None:
    """Pins: reboot() refuses anything but confirm=True, before a byte is sent."""
    heater, _ = make_heater("mini3")
    ledger = Ledger(heater)
    async with open_tcp(heater) as sim:
        client = tcp_client(sim.host, sim.port, timeout_s=1.0)
        with pytest.raises(UsageError):
            await client.reboot(confirm=confirm)  # type: ignore[arg-type]
        assert ledger.requests == []
        await client.reboot(confirm=True)
    assert ledger.ascsets("reboot") != []
    assert heater.is_down()


async def test_cli_reboot_needs_yes() -> None:
    """Pins: ``nanoheater set --reboot`` without --yes exits 2 and the device sees nothing."""
    heater, _ = make_heater("mini3")
    ledger = Ledger(heater)
    async with open_tcp(heater) as sim:
        target = f"{sim.host}:{sim.port}"
        run = await asyncio.to_thread(_run, ["nanoheater", "set", target, "--reboot"])
    assert run.returncode == 2
    assert b"--yes" in run.stderr
    assert ledger.requests == []


def test_no_pool_changing_command_exists() -> None:
    """Pins: the client, CLI and TUI offer no way to change pools or reboot without a confirm."""
    public = [n for n, _ in inspect.getmembers(HeaterClient) if not n.startswith("_")]
    assert [n for n in public if "pool" in n] == ["get_pools"]
    assert "confirm" in inspect.signature(HeaterClient.reboot).parameters
    set_help = _run(["nanoheater", "set", "--help"]).stdout.decode()
    assert "pool" not in set_help.lower()
    bindings = [*NanoheaterApp.BINDINGS, *DeviceScreen.BINDINGS]
    actions = " ".join(getattr(b, "action", str(b)) for b in bindings).lower()
    assert "reboot" not in actions
    assert "pool" not in actions


# ---- pool passwords --------------------------------------------------------------------------


async def test_leaked_pool_password_is_never_printed_or_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Pins: a Pass field in the pools reply reaches no model, log record or CLI output (-vv)."""
    heater, _ = make_heater("q")
    device = HostileDevice(proxy(heater.handle, poison_reply))
    async with device.running():
        target = f"{device.host}:{device.port}"
        with caplog.at_level(logging.DEBUG):
            client = tcp_client(device.host, device.port, timeout_s=1.0)
            status = await client.get_status()
            pools = await client.get_pools()
        runs = [
            await asyncio.to_thread(_run, ["nanoheater", "-vv", *args])
            for args in (["status", target], ["status", target, "--json"])
        ]
    assert pools
    assert SECRET_PASS not in repr(status) + repr(pools) + status.model_dump_json()
    assert SECRET_PASS not in caplog.text
    for run in runs:
        assert run.returncode == 0, run.stderr
        assert SECRET_PASS.encode() not in run.stdout + run.stderr


# ---- sensor tokens ---------------------------------------------------------------------------


@asynccontextmanager
async def http_sensor(status: int, body: bytes) -> AsyncIterator[tuple[int, list[bytes]]]:
    """A loopback HTTP endpoint answering every GET with ``status`` and ``body``."""
    seen: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(await reader.readuntil(b"\r\n\r\n"))
        head = f"HTTP/1.1 {status} X\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        writer.write(head.encode() + body)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1], seen
    finally:
        server.close()


def _query_url(port: int) -> str:
    return f"http://127.0.0.1:{port}/api/states/sensor.room?token={QUERY_TOKEN}"


def _userinfo_url(port: int) -> str:
    return f"http://ha:{URL_PASSWORD}@127.0.0.1:{port}/api/states/sensor.room"


@pytest.mark.parametrize(
    ("status", "body"),
    [(401, b"unauthorised"), (200, b"not json"), (200, b'{"state": "unavailable"}')],
)
@pytest.mark.parametrize("url", [_query_url, _userinfo_url], ids=["query", "userinfo"])
async def test_sensor_failures_never_show_the_token_or_url_secrets(
    status: int, body: bytes, url, caplog: pytest.LogCaptureFixture
) -> None:
    """Pins: sensor errors, the guard's problem text and logs carry no token or URL secret."""
    async with http_sensor(status, body) as (port, seen):
        sensor = HttpJsonSensor(url(port), HEADER_TOKEN, timeout_s=2.0)
        guard = SensorGuard(sensor, max_age_s=0.0)
        with caplog.at_level(logging.DEBUG):
            with pytest.raises(SensorError) as raised:
                await sensor.read(time.time())
            assert await guard.read(time.time()) is None
    if url is _query_url:
        assert HEADER_TOKEN.encode() in seen[0]  # the token was sent, to the sensor only
    shown = " ".join([str(raised.value), guard.problem, sensor.label, caplog.text])
    assert "127.0.0.1" in shown
    for secret in SECRETS:
        assert secret not in shown


async def test_headless_thermostat_prints_no_sensor_secret(tmp_path: Path) -> None:
    """Pins: ``nanoheater -vv thermostat`` with a failing token-protected sensor leaks nothing."""
    heater, _ = make_heater("mini3")
    async with open_tcp(heater) as sim, http_sensor(401, b"no") as (port, seen):
        run = await asyncio.to_thread(
            _run,
            [
                "nanoheater",
                "-vv",
                "thermostat",
                f"{sim.host}:{sim.port}",
                "--target",
                "21",
                "--sensor",
                _query_url(port),
                "--interval",
                "0.2",
                "--duration",
                "0.6",
            ],
            {"NANOHEATER_SENSOR_TOKEN": HEADER_TOKEN, "NANOHEATER_CONFIG_DIR": str(tmp_path)},
        )
    assert seen, run.stderr  # the sensor was really asked
    output = run.stdout + run.stderr
    assert b"fail-safe" in output or b"401" in output, output[-2000:]
    for secret in SECRETS:
        assert secret.encode() not in output


# ---- loopback ----------------------------------------------------------------------------------


def _listening() -> list[str]:
    """Local addresses of every listening TCP socket and bound UDP socket in this namespace."""
    found = []
    for name, listen_state in (("tcp", "0A"), ("tcp6", "0A"), ("udp", "07"), ("udp6", "07")):
        path = Path("/proc/net") / name
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == listen_state:
                found.append(f"{name}:{fields[1]}")
    return found


def _is_loopback_entry(entry: str) -> bool:
    kind, address = entry.split(":", 1)
    host = address.split(":")[0]
    if kind in ("tcp", "udp"):
        return host.endswith("7F")  # little-endian 127.x.y.z
    return host == "00000000000000000000000001000000"  # ::1


async def test_simulator_and_app_bind_only_loopback_by_default(tmp_path: Path) -> None:
    """Pins: a default fleet (API, serial over TCP), control endpoint and TUI listen on 127/8."""
    before = set(_listening())  # whatever earlier tests left open is not ours to judge here
    fleet = Fleet(["nano3s", "q"], port=0, layout="ports", serial=True)
    async with fleet, ControlServer(fleet, port=0) as control:
        single = SimServer("mini3", port=0)
        async with single:
            from tests.reliability.tui_rig import make_app, settle

            app = make_app(fleet, tmp_path)
            async with app.run_test(size=(100, 30)) as pilot:
                await settle(pilot)
                during = set(_listening())
        assert control.host.startswith("127.")
        assert single.host.startswith("127.")
    opened = during - before
    assert len(opened) >= 4  # two APIs, their serial ports, control, the single server
    assert all(_is_loopback_entry(e) for e in opened), opened


def test_non_loopback_needs_an_explicit_expose() -> None:
    """Pins: the simulator refuses a LAN address without --expose (API and CLI) and demo too."""
    with pytest.raises(ValueError, match="expose"):
        Fleet(["q"], address="192.0.2.10")
    served = _run(["firmware_sim", "serve", "--model", "q", "--address", "192.0.2.10"])
    assert served.returncode != 0
    assert b"expose" in served.stderr
    demo = _run(["nanoheater", "demo", "--address", "192.0.2.10"])
    assert demo.returncode == 2
    assert b"loopback" in demo.stderr


# ---- atomic writes -----------------------------------------------------------------------------


def test_failed_config_write_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pins: a write that fails before the rename leaves the old config and no temp file."""
    path = tmp_path / "config.toml"
    save_settings(Settings(hosts=("127.0.0.2",)), path)
    before = path.read_bytes()

    def broken_fsync(_fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="space"):
        write_atomic(path, b"half")
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]


KILL_CONFIG = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from nanoheater.config import Settings, save_settings
    path = Path(sys.argv[1])
    print("ready", flush=True)
    i = 0
    while True:
        i += 1
        hosts = tuple(f"127.0.{i % 250}.{k}:4028" for k in range(1, 1 + i % 40))
        save_settings(Settings(hosts=hosts), path)
    """
)

KILL_HISTORY = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from nanoheater.history import HistoryStore
    from nanoheater.history.records import Sample
    store = HistoryStore.open(Path(sys.argv[1]))
    print("ready", flush=True)
    t = 0
    while True:
        t += 1
        store.add_samples(Sample("dev", t * 100 + k, power_w=float(k)) for k in range(50))
    """
)


def _kill_mid_write(script: str, target: Path, after_s: float) -> None:
    with subprocess.Popen(
        [sys.executable, "-c", script, str(target)], cwd=ROOT, stdout=subprocess.PIPE
    ) as proc:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == b"ready"
        time.sleep(after_s)
        proc.send_signal(signal.SIGKILL)
        proc.wait()


@pytest.mark.parametrize("after_s", [0.05, 0.2, 0.35])
def test_config_survives_sigkill_mid_write(tmp_path: Path, after_s: float) -> None:
    """Pins: killing a process that keeps saving settings leaves a complete, loadable config."""
    path = tmp_path / "config.toml"
    _kill_mid_write(KILL_CONFIG, path, after_s)
    loaded = load_settings(path)
    assert loaded.notice is None
    assert all(h.startswith("127.0.") for h in loaded.settings.hosts)


@pytest.mark.parametrize("after_s", [0.1, 0.3])
def test_history_survives_sigkill_mid_transaction(tmp_path: Path, after_s: float) -> None:
    """Pins: killing a writer mid-stream leaves an intact database holding only whole batches."""
    path = tmp_path / "history.sqlite3"
    _kill_mid_write(KILL_HISTORY, path, after_s)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        table = next(t for t in tables if "sample" in t)
        rows = db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: S608
    assert rows > 0
    assert rows % 50 == 0
