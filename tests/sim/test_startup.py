"""Start-up as on the firmware: averages consistent from the first reply, cold boot, identities.

On hardware the API exists only once cgminer runs, and every average counts from cgminer's start:
``q_summary.json`` has ``MHS av`` times ``Elapsed`` = ``Total MH``, and ``q_stats.json`` shows the
system up 31 s longer (blob ``Elapsed[37850]``) than cgminer (envelope ``Elapsed`` 37819).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from firmware_sim.clock import VirtualClock
from firmware_sim.device import SimulatedHeater, create_heater
from firmware_sim.state import CGMINER_START_S

CAPTURES = Path(__file__).parent.parent / "captures"
MODELS = ("nano3", "nano3s", "mini3", "q")


def _call(heater: SimulatedHeater, command: str) -> dict[str, Any]:
    reply = heater.handle(json.dumps({"command": command}).encode())
    decoded: dict[str, Any] = json.loads(reply.rstrip(b"\x00"))
    return decoded


def _advance(heater: SimulatedHeater, seconds: float) -> None:
    clock = heater.world.clock
    assert isinstance(clock, VirtualClock)
    clock.advance(seconds)


def _nominal_mhs(heater: SimulatedHeater) -> float:
    return heater.profile.modes[heater.state.mode_index].hashrate_ths * 1e6


def test_capture_averages_count_from_cgminer_start() -> None:
    """q_summary.json: MHS av x Elapsed is Total MH; q_stats.json: the blob's uptime leads 30 s."""
    summary = json.loads((CAPTURES / "q_summary.json").read_text(encoding="utf-8"))["SUMMARY"][0]
    assert summary["MHS av"] * summary["Elapsed"] == pytest.approx(summary["Total MH"], rel=1e-4)
    stats = json.loads((CAPTURES / "q_stats.json").read_text(encoding="utf-8"))["STATS"][0]
    blob_elapsed = int(stats["MM ID0:Summary"].split("Elapsed[")[1].split("]")[0])
    assert blob_elapsed - stats["Elapsed"] == pytest.approx(CGMINER_START_S, abs=2)


@pytest.mark.parametrize("model", MODELS)
def test_already_running_start_reads_its_rate_from_the_first_reply(model: str) -> None:
    """uptime_s=3600: Elapsed 3570, MHS av at the mode's rate, shares booked, from reply one."""
    heater = create_heater(model, uptime_s=3600.0)
    for _ in range(3):
        s = _call(heater, "summary")["SUMMARY"][0]
        assert s["Elapsed"] >= 3600 - CGMINER_START_S
        assert s["MHS av"] == pytest.approx(_nominal_mhs(heater), rel=0.02)
        assert s["MHS av"] * s["Elapsed"] == pytest.approx(s["Total MH"], rel=0.01)
        assert s["Accepted"] > 0
        diff1 = s["Total MH"] * 1e6 / 2**32
        assert s["Difficulty Accepted"] == pytest.approx(diff1, rel=0.05)
        _advance(heater, 1.0)


@pytest.mark.parametrize("model", MODELS)
def test_just_started_unit_never_reads_zero_then_several_times_its_rate(model: str) -> None:
    """The default (cgminer just started): MHS av tracks the live rate from the first second."""
    heater = create_heater(model)
    for t in (1, 5, 29, 31, 60, 300):
        _advance(heater, t - (heater.now() - heater.state.boot_time_s - CGMINER_START_S))
        s = _call(heater, "summary")["SUMMARY"][0]
        assert s["Elapsed"] == t
        assert s["MHS av"] == pytest.approx(_nominal_mhs(heater), rel=0.03), t


def test_cold_boot_keeps_the_api_closed_until_cgminer_starts() -> None:
    """uptime_s=0: nothing answers and nothing hashes for 30 s; then the averages count from 0."""
    heater = create_heater("q", uptime_s=0.0)
    assert heater.is_down()
    _advance(heater, CGMINER_START_S - 1)
    heater.world.sync()
    assert heater.is_down()
    assert heater.state.hashrate_ghs == 0.0
    assert heater.state.power_w == pytest.approx(heater.profile.standby_power_w, abs=1.0)
    _advance(heater, 1.0)
    assert not heater.is_down()
    first = _call(heater, "summary")["SUMMARY"][0]
    assert first["Elapsed"] == 0
    assert first["Total MH"] == 0.0
    _advance(heater, 600.0)
    s = _call(heater, "summary")["SUMMARY"][0]
    assert s["Elapsed"] == 600
    assert s["MHS av"] * s["Elapsed"] == pytest.approx(s["Total MH"], rel=1e-3)
    # The power ramps up from idle, so the average trails the nominal rate at first.
    assert 0.8 * _nominal_mhs(heater) < s["MHS av"] < _nominal_mhs(heater)


@contextmanager
def _serve(*args: str) -> Iterator[list[str]]:
    argv = [sys.executable, "-m", "firmware_sim", "serve", "--control-port", "0", *args]
    process = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ)
    )
    assert process.stdout is not None
    assert process.stderr is not None
    lines: list[str] = []
    try:
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith("serving"):
                break
        assert lines, "serve printed nothing"
        assert lines[-1].startswith("serving"), lines
        yield lines
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=10)
        process.stdout.close()
        process.stderr.close()


def _macs(lines: list[str]) -> list[str]:
    return [line.split("mac ")[1].split()[0] for line in lines if " mac " in line]


def _ask(host: str, port: int, command: str) -> dict[str, Any] | None:
    """One request over loopback TCP; None while nothing listens or the reply is empty."""
    try:
        with socket.create_connection((host, port), timeout=10) as sock:
            sock.sendall(json.dumps({"command": command}).encode())
            reply = b""
            while chunk := sock.recv(65536):
                reply += chunk
    except OSError:
        return None
    if not reply:
        return None
    decoded: dict[str, Any] = json.loads(reply.rstrip(b"\x00"))
    return decoded


def _endpoint(lines: list[str]) -> tuple[str, int]:
    host, port = next(line for line in lines if " mac " in line).split()[1].rsplit(":", 1)
    return host, int(port)


def test_serve_starts_running_for_uptime_or_cold_boots_with_the_api_closed() -> None:
    """``--uptime S`` starts mining; ``--cold-boot`` keeps the API closed until cgminer starts.

    With ``--uptime S`` cgminer has run S - 30 s at the first reply; with ``--cold-boot`` nothing
    answers until cgminer starts (30 s after power-on), which then counts from 0.
    q_stats.json's blob uptime leads cgminer's Elapsed by ~30 s: the firmware's API only exists
    once cgminer runs. At 4x, cgminer starts 7.5 s (wall) after the cold boot.
    """
    running = ("--model", "nano3s", "--address", "127.0.0.75", "--port", "0", "--uptime", "7200")
    with _serve(*running) as lines:
        first = _ask(*_endpoint(lines), "summary")
        assert first is not None
        s = first["SUMMARY"][0]
        assert 7200 - CGMINER_START_S <= s["Elapsed"] < 7200
        assert s["MHS av"] == pytest.approx(6.6e6, rel=0.03)
    with _serve(
        "--model", "nano3s", "--address", "127.0.0.75", "--port", "0", "--cold-boot",
        "--speed", "4",
    ) as lines:  # fmt: skip
        host, port = _endpoint(lines)
        assert _ask(host, port, "summary") is None  # powered on, cgminer not started: closed
        deadline = time.monotonic() + 30
        reply = None
        while reply is None and time.monotonic() < deadline:
            time.sleep(0.2)
            reply = _ask(host, port, "summary")
        assert reply is not None, "the API never opened"
        s = reply["SUMMARY"][0]
        assert s["Elapsed"] < CGMINER_START_S  # counted from cgminer's start, not power-on
        assert s["MHS av"] * s["Elapsed"] == pytest.approx(s["Total MH"], rel=0.01, abs=1.0)


def _dnas(lines: list[str]) -> list[str]:
    """Each served device's DNA, as its ``version`` reply gives it."""
    found = []
    for line in lines:
        if " mac " in line:
            host, port = line.split()[1].rsplit(":", 1)
            reply = _ask(host, int(port), "version")
            assert reply is not None, line
            found.append(reply["VERSION"][0]["DNA"])
    return found


def test_serve_processes_get_distinct_identities_unless_seeded() -> None:
    """Two serve processes never share a MAC or a DNA (discovery would merge them); --seed repeats.

    Every capture shows its unit's own DNA and MAC; with the old fixed default seed two
    processes served the same pair.
    """
    with (
        _serve("--model", "q:2", "--address", "127.0.0.71", "--port", "0") as first,
        _serve("--model", "q:2", "--address", "127.0.0.73", "--port", "0") as second,
    ):
        assert len(set(_macs(first) + _macs(second))) == 4
        first_dnas = _dnas(first)
        assert len(set(first_dnas + _dnas(second))) == 4
        seed = next(line.split()[1] for line in first if line.startswith("seed"))
    with (
        _serve("--model", "q:2", "--address", "127.0.0.71", "--port", "0", "--seed", seed) as again,
    ):
        assert _macs(again) == _macs(first)
        assert _dnas(again) == first_dnas


def test_short_window_rates_swing_like_the_captures() -> None:
    """MHS 5s comes from nonce counts: it swings as much as the captures' readings do.

    nano3_summary.json reads MHS 5s 6.61 against MHS av 3.05 TH/s (+117 %) and
    nano3s_summary_partial.json 5.44 against 6.56 (-17 %); a smooth +-1 % jitter never does.
    """
    swings = []
    for name in ("nano3_summary.json", "nano3s_summary_partial.json"):
        s = json.loads((CAPTURES / name).read_text(encoding="utf-8"))["SUMMARY"][0]
        swings.append(s["MHS 5s"] / s["MHS av"])
    heater = create_heater("nano3", uptime_s=3600.0)
    ratios, one_min = [], []
    for _ in range(400):
        _advance(heater, 5.0)
        s = _call(heater, "summary")["SUMMARY"][0]
        ratios.append(s["MHS 5s"] / s["MHS av"])
        one_min.append(s["MHS 1m"] / s["MHS av"])
    assert min(ratios) <= min(swings)
    assert max(ratios) >= max(swings)
    # Unbiased, and the longer windows are steadier than the five-second one.
    assert sum(ratios) / len(ratios) == pytest.approx(1.0, abs=0.05)
    assert sum(one_min) / len(one_min) == pytest.approx(1.0, abs=0.05)
    spread_5s = max(ratios) - min(ratios)
    assert max(one_min) - min(one_min) < spread_5s / 2
