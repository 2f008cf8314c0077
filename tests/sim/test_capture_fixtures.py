"""Every field capture (``tests/captures/*.capture.json``) against the simulator.

Parametrized over the folder, so adding a fixture adds coverage with no code: the replay serves
each captured request byte for byte over TCP, and the simulated model, run in the captured mode,
answers every captured request with the same sections, keys and value formats
(``firmware_sim.fidelity``). A gap the simulator cannot close yet is listed in the fixture's own
``known_gaps``, and a listed gap that no longer exists fails too, so the list stays true.
The loose single-reply captures are each covered by tests/sim/test_captures.py or listed below
with the reason they are not.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from firmware_sim.cli import cli, main
from firmware_sim.clock import VirtualClock
from firmware_sim.device import create_heater
from firmware_sim.fidelity import KINDS, diff_fixture
from firmware_sim.replay import ReplayDevice, load_fixture, parse_fixture
from firmware_sim.server import SimServer
from tests.sim.netclient import exchange
from tests.sim.test_captures import JSON_CASES

CAPTURES = Path(__file__).parent.parent / "captures"
FIXTURES = sorted(CAPTURES.glob("*.capture.json"))
IDS = [p.name for p in FIXTURES]
STRUCTURAL = ("missing", "extra", "format")

LOOSE_COVERED_ELSEWHERE = {
    "nano3s_summary_partial.json": "test_capture_nano3s_summary_keys_in_order",
    "nano3_version_ABRIDGED.json": "test_capture_nano3_version_fields",
    "nano3s_estats_mmid0.txt": "test_capture_nano3s_blob_keys_and_formats",
    "q_invalid_command_minerstats.json": "test_capture_q_invalid_command_is_byte_identical",
    "q_estats_json_TRUNCATED.txt": "test_capture_q_estats_compact_prefix",
    "mini3_version_plaintext.txt": "test_capture_mini3_version_text",
    "mini3_devdetails_plaintext.txt": "test_capture_mini3_devdetails_text_identical",
    "mini3_stats_plaintext_TRUNCATED.txt": "test_capture_mini3_stats_text_prefix",
}
"""Loose captures compared by a dedicated test in tests/sim/test_captures.py."""

LOOSE_NOT_SIMULATED = {
    "nano3s_ascset_help_options_CLEANED.txt": "the publisher split the Msg into lines",
    "nano3_firmware_dump_systemcfg.ini": "a config file from the device, not a reply",
    "a1566_stats_mmid0_pyasic_fixture.txt": "an industrial AvalonMiner, not a home model",
    "bitaxe_api_system_info.json": "another device family (HTTP API)",
    "bitaxe_api_system_asic.json": "another device family (HTTP API)",
}
"""Loose captures the simulator is not compared with, and why."""


def test_every_loose_capture_is_covered_or_excused() -> None:
    """Each single-reply capture is compared by a sim test or excused here with a reason."""
    loose = {
        p.name
        for p in CAPTURES.iterdir()
        if p.name != "README.md" and not p.name.endswith(".capture.json")
    }
    covered = {c[0] for c in JSON_CASES} | set(LOOSE_COVERED_ELSEWHERE) | set(LOOSE_NOT_SIMULATED)
    covered |= {p for p in loose if re.fullmatch(r"a10_official_.*_plaintext\.txt", p)}
    assert loose - covered == set(), "classify the new capture in this file"
    assert covered - loose - {"a10_official_*"} == set(), "a listed capture is gone"
    assert not any(name.startswith("a10_") for name in LOOSE_NOT_SIMULATED)


@pytest.mark.parametrize("path", FIXTURES, ids=IDS)
async def test_replay_serves_every_captured_reply_byte_for_byte(path: Path) -> None:
    """Over real TCP each captured request gets exactly the captured bytes (or no reply)."""
    fixture = load_fixture(path)
    async with SimServer(ReplayDevice(fixture)) as sim:
        for captured in fixture.exchanges:
            got = await exchange(sim.host, sim.port, captured.request)
            first = next(e for e in fixture.exchanges if e.request == captured.request)
            assert got == first.reply, captured.request


@pytest.mark.parametrize("path", FIXTURES, ids=IDS)
def test_replay_joins_reads_and_refuses_writes(path: Path) -> None:
    """A join the capture lacks is framed from its parts; writes get Code 45 in the dialect."""
    device = ReplayDevice(load_fixture(path))
    json_reads = [
        e.command
        for e in device.fixture.exchanges
        if e.is_json and e.parameter is None and e.command in ("version", "summary", "pools")
    ]
    if len(json_reads) >= 2:
        request = json.dumps({"command": "+".join(json_reads)}).encode()
        joined = json.loads(device.answer(request)[:-1])
        assert list(joined) == [*json_reads, "id"]
        for name in json_reads:
            assert joined[name][0]["STATUS"][0]["STATUS"] in "SI"
    json_write = device.answer(b'{"command":"ascset","parameter":"0,workmode,set,1"}')
    assert json.loads(json_write[:-1])["STATUS"][0]["Code"] == 45
    text_write = device.answer(b"setpool|admin,admin,stratum+tcp://x:1,u,p")
    assert text_write.startswith(b"STATUS=E,")
    assert b"Code=45," in text_write


@pytest.mark.parametrize("path", FIXTURES, ids=IDS)
def test_simulator_matches_the_capture_in_keys_and_formats(path: Path) -> None:
    """The simulated model in the captured mode has every captured key and format, no more."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    known = {(g["request"], g["field"], g["kind"]) for g in doc.get("known_gaps", [])}
    found = {
        (d.request, d.field, d.kind)
        for d in diff_fixture(parse_fixture(doc))
        if d.kind in STRUCTURAL
    }
    assert found - known == set(), "a fidelity gap: fix firmware_sim or list it in known_gaps"
    assert known - found == set(), "a known gap is closed: remove it from known_gaps"


def test_diff_finds_a_changed_number_format() -> None:
    """A capture whose summary prints one more decimal is reported as a format difference."""
    doc = json.loads((CAPTURES / "q_25052801_14a19a2.capture.json").read_text())
    for entry in doc["exchanges"]:
        if entry["command"] == "summary":
            entry["reply"] = re.sub(r'("MHS av":\d+\.\d+)', r"\g<1>7", entry["reply"])
            entry["reply"] = entry["reply"].replace('"Accepted":', '"Accepted2":', 1)
    found = diff_fixture(parse_fixture(doc))
    kinds = {(d.field, d.kind) for d in found if d.request == '{"command":"summary"}'}
    assert ("SUMMARY[0].MHS av", "format") in kinds
    assert ("SUMMARY[0].Accepted2", "missing") in kinds
    assert ("SUMMARY[0].Accepted", "extra") in kinds


def run_sim(*args: str) -> Result:
    """``firmware-sim ARGS`` in-process."""
    return CliRunner().invoke(cli, list(args))


def test_diff_command_prints_each_difference_and_a_total() -> None:
    """`firmware-sim diff FILE` lists differences (JSON per line with --json) and a summary."""
    path = str(CAPTURES / "q_25052801_14a19a2.capture.json")
    done = run_sim("diff", path)
    assert done.exit_code == 0, done.stderr
    assert re.fullmatch(
        r"\d+ differences: 0 missing, 0 extra, 0 format, \d+ value", done.stdout.splitlines()[-1]
    )
    done = run_sim("diff", path, "--json", "--kind", "value")
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert rows
    assert {r["kind"] for r in rows} == {"value"}
    assert all(r["kind"] in KINDS and r["request"] and r["field"] for r in rows)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["replay", "/nonexistent.capture.json"], "cannot read"),
        (["replay", str(CAPTURES.parent.parent / "pyproject.toml")], "is not JSON"),
        (["replay", str(CAPTURES / "q_version.json")], "not a nanoheater capture"),
        (["diff", str(CAPTURES / "q_version.json")], "not a nanoheater capture"),
        (
            ["replay", str(CAPTURES / "q_25052801_14a19a2.capture.json"), "--address", "10.0.0.9"],
            "pass --expose",
        ),
    ],
)
def test_replay_and_diff_bad_input_is_one_line(
    args: list[str],
    fragment: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Bad files and addresses: exit 2, one ``firmware-sim: error:`` line, no traceback."""
    monkeypatch.setattr(sys, "argv", ["firmware-sim", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    lines = capsys.readouterr().err.strip().splitlines()
    assert exited.value.code == 2
    assert len(lines) == 1
    assert lines[0].startswith("firmware-sim: error: ")
    assert fragment in lines[0]


@pytest.fixture
def replaying() -> Iterator[tuple[subprocess.Popen[str], list[str]]]:
    """``firmware-sim replay`` of both committed fixtures on 127.0.0.2 and .3, free ports."""
    argv = [sys.executable, "-m", "firmware_sim", "replay", *map(str, FIXTURES[:2])]
    argv += ["--address", "127.0.0.2", "--port", "0"]
    process = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ)
    )
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line.rstrip("\n"))
        if line.startswith("replaying"):
            break
    yield process, lines
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)
    process.stdout.close()
    assert process.stderr is not None
    process.stderr.close()


async def test_replay_command_serves_each_capture(
    replaying: tuple[subprocess.Popen[str], list[str]],
) -> None:
    """Each file is served on its own address with its captured version reply; SIGINT exits 0."""
    process, lines = replaying
    assert lines[-1].startswith("replaying")
    for index, (path, line) in enumerate(zip(FIXTURES[:2], lines, strict=False)):
        host, port = line.split()[1].rsplit(":", 1)
        assert host == f"127.0.0.{2 + index}"
        fixture = load_fixture(path)
        version = next(e for e in fixture.exchanges if e.command == "version")
        assert await exchange(host, int(port), version.request) == version.reply
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=10) == 0


@pytest.mark.parametrize(
    ("model", "setting", "field", "want"),
    [
        ("nano3", "0,worklevel,set,0", "WORKLEVEL", "0"),
        ("nano3s", "0,workmode,set,0", "WORKMODE", "0"),
        ("mini3", "0,workmode,set,2", "WORKMODE", "2"),
        ("q", "0,softoff,1:1764547300", "SoftOFF", "4"),
    ],
)
def test_diff_runs_the_model_in_the_captured_mode(
    model: str, setting: str, field: str, want: str
) -> None:
    """A unit captured outside its default mode (or soft off) is compared in that mode."""
    heater = create_heater(model)
    clock = heater.world.clock
    assert isinstance(clock, VirtualClock)
    clock.advance(3600.0)
    heater.handle(json.dumps({"command": "ascset", "parameter": setting}).encode())
    clock.advance(3600.0)
    request = b'{"command":"estats"}'
    doc = {
        "format": "nanoheater-capture",
        "format_version": 1,
        "device": {"model": model},
        "exchanges": [{"request": request.decode(), "reply": heater.handle(request).decode()}],
    }
    assert f"{field}[{want}]" in doc["exchanges"][0]["reply"]  # type: ignore[index]
    found = diff_fixture(parse_fixture(doc))
    assert [d for d in found if d.kind in STRUCTURAL] == []
    assert not [d for d in found if d.field.endswith(("WORKMODE", "WORKLEVEL", "SoftOFF"))]
