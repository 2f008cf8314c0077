"""Tests for ``nanoheater capture``: reads only, anonymised, and a replay reads back the same."""

from __future__ import annotations

import asyncio
import base64
import copy
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from firmware_sim.device import Reply, SimulatedHeater
from firmware_sim.replay import ReplayDevice, parse_fixture
from firmware_sim.server import SimServer
from firmware_sim.state import PoolState
from firmware_sim.wire import parse_request
from nanoheater.cli.anonymise import leftovers
from nanoheater.cli.capture import (
    ALLOWED,
    ASCSET_QUERIES,
    allowed_requests,
    capture_target,
    default_name,
    encode,
)
from nanoheater.client import HeaterClient
from nanoheater.exceptions import ConnectionFailed, DeviceRefused, UsageError
from tests.client.conftest import MODELS, make_heater

MAC = "e0e1a9c0ffee"
DNA = "02010000c0ffee42"
POOL_HOST = "10.20.30.40"
ACCOUNT = "bc1qownersownaddress"
WORKER = "livingroom"
PASSWORD = "hunter2secret"  # noqa: S105 - an owner secret the test proves is removed


class Recording:
    """Wraps a simulated heater and records every request that reaches it."""

    def __init__(self, heater: SimulatedHeater) -> None:
        self.heater = heater
        self.requests: list[bytes] = []

    def respond(self, request: bytes) -> Reply:
        """Record, then answer as the heater does."""
        self.requests.append(request)
        return self.heater.respond(request)

    def is_down(self) -> bool:
        """As the heater."""
        return self.heater.is_down()


def owned_heater(model: str) -> SimulatedHeater:
    """A heater an hour into mining, with an owner's identity and pools."""
    heater = make_heater(model)
    heater.world.clock.advance(3600.0)  # type: ignore[attr-defined]
    heater.world.sync()
    heater.state.mac, heater.state.dna = MAC, DNA
    heater.state.pools = [
        PoolState(
            url=f"stratum+tcp://{POOL_HOST}:3333", user=f"{ACCOUNT}.{WORKER}", password=PASSWORD
        ),
        PoolState(
            url="stratum+tcp://solo.ownerspool.example.org:4444", user=ACCOUNT, password=PASSWORD
        ),
    ]
    return heater


async def capture_of(
    heater: SimulatedHeater, *, keep_identity: bool
) -> tuple[dict[str, Any], Recording]:
    """Capture ``heater`` over real TCP; return the fixture and the requests it received."""
    device = Recording(heater)
    async with SimServer(device) as sim:
        fixture = await capture_target(
            f"{sim.host}:{sim.port}", timeout_s=2.0, keep_identity=keep_identity
        )
    return fixture, device


async def read_status(device: Any) -> dict[str, Any]:
    """One client reading of ``device`` served on loopback, as JSON (address left out)."""
    async with SimServer(device) as sim:
        client = await HeaterClient.connect_tcp(sim.host, sim.port, timeout_s=2.0)
        async with client:
            reading = (await client.get_status()).to_json_dict()
    return {k: v for k, v in reading.items() if k not in ("host", "port")}


def replies_text(fixture: dict[str, Any]) -> str:
    """Everything the fixture holds as text (base64 replies decoded)."""
    parts = [json.dumps(fixture)]
    for entry in fixture["exchanges"]:
        if "reply_base64" in entry:
            parts.append(base64.b64decode(entry["reply_base64"]).decode("latin-1"))
    return "\n".join(parts)


@pytest.mark.parametrize("model", MODELS)
async def test_capture_sends_only_allowed_reads_and_changes_nothing(model: str) -> None:
    """Every request the device received is on the allow-list, no write; its state is unchanged."""
    heater = owned_heater(model)
    before = copy.deepcopy(heater.state)
    _, device = await capture_of(heater, keep_identity=True)
    allowed = allowed_requests()
    assert device.requests
    for request in device.requests:
        assert request in allowed, request
        parsed = parse_request(request)
        if parsed.command == "ascset":
            assert parsed.parameter in ASCSET_QUERIES.values()
        assert parsed.command not in ("setpool", "switchpool", "enablepool", "disablepool")
        if parsed.command == "time":
            assert parsed.parameter == "get"
    assert heater.state == before
    dialects = {parse_request(r).is_json for r in device.requests}
    assert dialects == {True, False}


def test_encode_refuses_every_write() -> None:
    """A write cannot even be encoded: the allow-list is checked before any byte is built."""
    for command, parameter in [
        ("ascset", "0,workmode,set,1"),
        ("ascset", "0,softoff,1:1"),
        ("ascset", "0,reboot,0"),
        ("setpool", "admin,admin,stratum+tcp://x:1,u,p"),
        ("restart", None),
        ("ascset", "0,help,set"),
    ]:
        with pytest.raises(UsageError):
            encode("json", command, parameter)
    assert all(c != "ascset" or p in ASCSET_QUERIES.values() for c, p in ALLOWED)


@pytest.mark.parametrize("model", MODELS)
async def test_capture_replays_to_identical_client_readings(model: str) -> None:
    """Capture (identity kept) -> JSON file -> firmware_sim replay: the client reads the same."""
    heater = owned_heater(model)
    direct = await read_status(heater)
    fixture, _ = await capture_of(heater, keep_identity=True)
    replayed = await read_status(ReplayDevice(parse_fixture(json.loads(json.dumps(fixture)))))
    assert replayed == direct
    assert fixture["device"]["model"] == model
    assert fixture["anonymised"] is False


@pytest.mark.parametrize("model", MODELS)
async def test_anonymised_capture_replays_the_same_apart_from_identity(model: str) -> None:
    """Anonymised: every reading is the same except the identity and pool fields, now stand-ins."""
    heater = owned_heater(model)
    direct = await read_status(heater)
    fixture, _ = await capture_of(heater, keep_identity=False)
    replayed = await read_status(ReplayDevice(parse_fixture(fixture)))
    changed = {k for k in direct if direct[k] != replayed[k]}
    assert changed <= {"mac", "dna", "pool_url"}
    assert "pool_url" in changed
    assert replayed["pool_url"].endswith(".example.invalid:3333")
    if direct["mac"] is not None:
        assert replayed["mac"].startswith("02:00:5e")


@pytest.mark.parametrize("model", MODELS)
async def test_anonymisation_leaves_nothing_identifying(model: str) -> None:
    """No MAC, DNA, serial, pool host, account, worker, password or IP survives, in any form."""
    fixture, _ = await capture_of(owned_heater(model), keep_identity=False)
    text = replies_text(fixture).lower()
    mac_forms = [
        MAC,
        ":".join(MAC[i : i + 2] for i in range(0, 12, 2)),
        "-".join(MAC[i : i + 2] for i in range(0, 12, 2)),
    ]
    for secret in [
        *mac_forms,
        DNA,
        DNA[-8:],
        POOL_HOST,
        "ownerspool",
        ACCOUNT,
        WORKER,
        PASSWORD,
        "127.0.0.1",
    ]:
        assert secret.lower() not in text, secret
    assert fixture["anonymised"] is True
    for entry in fixture["exchanges"]:
        assert leftovers(entry.get("reply", "")) == [], entry["request"]
    # Consistent: the one MAC/DNA has one stand-in wherever it appears.
    stand_ins = {entry.get("reply", "").count("d0000001") for entry in fixture["exchanges"]}
    assert max(stand_ins) >= 1
    assert "d0000002" not in text


async def test_keep_identity_keeps_the_owner_values() -> None:
    """--keep-identity writes the device's own MAC, DNA and pools (a private file)."""
    fixture, _ = await capture_of(owned_heater("q"), keep_identity=True)
    text = replies_text(fixture)
    assert MAC in text
    assert DNA in text
    assert PASSWORD in text
    assert POOL_HOST in text


async def test_replay_refuses_writes_like_a_read_only_api() -> None:
    """A write to a replayed device is refused with cgminer's access-denied (exit 3 in the CLI)."""
    fixture, _ = await capture_of(owned_heater("q"), keep_identity=False)
    device = ReplayDevice(parse_fixture(fixture))
    async with SimServer(device) as sim:
        client = await HeaterClient.connect_tcp(sim.host, sim.port, timeout_s=2.0)
        async with client:
            with pytest.raises(DeviceRefused, match="Access denied to 'ascset' command"):
                await client.set_mode("Super")
    refused = device.answer(b'{"command":"ascset","parameter":"0,workmode,set,2"}')
    assert b'"Code":45' in refused
    assert refused.endswith(b"\x00")
    assert device.answer(b"setpool|a,b,c").startswith(b"STATUS=E,")


async def run_cli(*args: str) -> tuple[int, str, str]:
    """Run ``python -m nanoheater`` in a child process while this loop serves the simulator."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "nanoheater", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=os.environ.copy(),
    )  # fmt: skip
    out, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_capture_command_writes_the_fixture(tmp_path: Path) -> None:
    """The CLI writes one fixture, prints one JSON line with --json, exit 0."""
    out = tmp_path / "mine.capture.json"
    async with SimServer(owned_heater("nano3s")) as sim:
        code, stdout, stderr = await run_cli(
            "capture", f"{sim.host}:{sim.port}", "--out", str(out), "--json"
        )
    assert (code, stderr) == (0, "")
    summary = json.loads(stdout)
    assert summary["path"] == str(out)
    assert summary["anonymised"] is True
    assert summary["model"] == "nano3s"
    assert summary["unanswered"] == 0
    doc = json.loads(out.read_text())
    assert doc["format"] == "nanoheater-capture"
    assert doc["device"]["firmware"] == "25021401_56abae7"
    assert doc["nanoheater_version"]
    assert doc["captured_at"].endswith("+00:00")


async def test_capture_command_errors_are_one_line(tmp_path: Path) -> None:
    """Unreachable is exit 4, an unwritable --out exit 2; one line each, no traceback."""
    code, out, err = await run_cli("capture", "127.0.0.1:1", "--timeout", "1")
    assert code == 4
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
    blocker = tmp_path / "file"
    blocker.write_text("x")
    async with SimServer(owned_heater("nano3")) as sim:
        code, out, err = await run_cli(
            "capture", f"{sim.host}:{sim.port}", "--out", str(blocker / "x.json")
        )
    assert code == 2
    assert err.startswith("nanoheater: cannot write")
    assert "Traceback" not in err
    code, _, err = await run_cli("capture", "bad host:99999")
    assert code == 2
    assert len(err.strip().splitlines()) == 1


class DiesAfter(Recording):
    """A recording device that reboots for good (virtual time stands still) after N requests."""

    def __init__(self, heater: SimulatedHeater, after: int) -> None:
        super().__init__(heater)
        self.after = after

    def respond(self, request: bytes) -> Reply:
        """Answer, and go down once ``after`` requests have been answered."""
        reply = super().respond(request)
        if len(self.requests) == self.after:
            self.heater.reboot(downtime_s=1e9)
        return reply


async def test_capture_gives_up_when_the_device_goes_away() -> None:
    """A unit that drops off mid-capture ends it after 3 refused connects: exit 4, not 50 waits."""
    device = DiesAfter(owned_heater("nano3s"), after=6)
    async with SimServer(device) as sim:
        with pytest.raises(ConnectionFailed, match="stopped answering after 9 requests"):
            await capture_target(f"{sim.host}:{sim.port}", timeout_s=2.0, keep_identity=False)
    assert len(device.requests) == 6


class SilentOn(Recording):
    """A recording device that closes without a reply to one request (as a Q does to softon)."""

    def __init__(self, heater: SimulatedHeater, silent: bytes) -> None:
        super().__init__(heater)
        self.silent = silent

    def respond(self, request: bytes) -> Reply:
        """Drop the reply to ``silent``; answer everything else."""
        reply = super().respond(request)
        return Reply(b"", drop=True) if request == self.silent else reply


async def test_a_silent_close_is_recorded_and_replayed_as_one() -> None:
    """A request closed without a reply is kept as an empty reply with an error, and replayed so."""
    device = SilentOn(owned_heater("q"), b'{"command":"lcd"}')
    async with SimServer(device) as sim:
        fixture = await capture_target(f"{sim.host}:{sim.port}", timeout_s=2.0, keep_identity=False)
    lcd = next(e for e in fixture["exchanges"] if e["request"] == '{"command":"lcd"}')
    assert lcd["reply"] == ""
    assert "without a reply" in lcd["error"]
    assert sum("error" in e for e in fixture["exchanges"]) == 1
    replay = ReplayDevice(parse_fixture(fixture))
    assert replay.respond(b'{"command":"lcd"}').drop
    assert not replay.respond(b"lcd").drop


def test_the_default_name_is_the_one_fixtures_are_kept_under() -> None:
    """``<model>_<firmware>.capture.json``, firmware as reported, as in tests/captures/."""
    captures = Path(__file__).parents[1] / "captures"
    for path in sorted(captures.glob("*.capture.json")):
        device = json.loads(path.read_text())["device"]
        assert default_name(device) == path.name
    assert (
        default_name({"model": None, "firmware": "1.0 beta/2"}) == "unknown_1.0-beta-2.capture.json"
    )
