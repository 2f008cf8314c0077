"""``nanoheater thermostat`` against simulated heaters on loopback, in a child process."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from firmware_sim.clock import ScaledClock, VirtualClock
from firmware_sim.device import SimulatedHeater
from firmware_sim.server import SimServer
from nanoheater.cli.sim_harness import mode_of
from tests.client.conftest import make_heater
from tests.readme_blocks import normalised, readme_exit_lines


async def start(*args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "nanoheater", "thermostat", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=os.environ.copy(),
    )  # fmt: skip


def is_room_line(line: str) -> bool:
    """A line about the room model (``room: ...`` or ``{"time":..,"room":..}``), not a decision."""
    return " room: " in line or (line.startswith('{"time"') and '"room":' in line)


async def run_cli(*args: str, rooms: bool = False) -> tuple[int, str, str]:
    """Run thermostat; its stdout without the room-model lines unless ``rooms``."""
    proc = await start(*args)
    out, err = await proc.communicate()
    assert proc.returncode is not None
    lines = out.decode().splitlines(keepends=True)
    return proc.returncode, "".join(x for x in lines if rooms or not is_room_line(x)), err.decode()


@pytest.fixture
async def mini3() -> AsyncIterator[tuple[SimulatedHeater, str]]:
    """A Mini 3 in real time (it boots in Mining, 800 W) served on 127.0.0.1."""
    heater = make_heater("mini3", ScaledClock(speed=1.0))
    async with SimServer(heater) as sim:
        yield heater, f"{sim.host}:{sim.port}"


def room_file(tmp_path: Path, value: str, age_s: float = 0.0) -> Path:
    path = tmp_path / "room.txt"
    path.write_text(value)
    if age_s:
        old = path.stat().st_mtime - age_s
        os.utime(path, (old, old))
    return path


async def test_logs_decisions_and_leaves_exit_level(
    mini3: tuple[SimulatedHeater, str], tmp_path: Path
) -> None:
    """A warm room steps the Mini 3 down with reasons on stdout; on exit it is left soft off."""
    heater, target = mini3
    sensor = room_file(tmp_path, "24.0\n")
    code, out, err = await run_cli(
        target, "--target", "21", "--sensor", f"file:{sensor}", "--interval", "0.5",
        "--duration", "2", "--exit-level", "off", "--soft-lead", "0", "--json",
    )  # fmt: skip
    assert code == 0, err
    decisions = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert len(decisions) >= 2
    first = decisions[0]
    assert first["room_c"] == 24.0
    assert first["setpoint_c"] == 21.0
    assert "above set-point" in first["reason"]
    assert mode_of(heater) == "off"
    assert decisions[-1]["exit"] == target
    assert decisions[-1]["left"] == "off"
    # A foreground one-zone Home: the target is the command line, nothing for a serve to resume.
    assert not (Path(os.environ["NANOHEATER_DATA_DIR"]) / "intents.json").exists()


async def test_stale_sensor_runs_fail_safe(
    mini3: tuple[SimulatedHeater, str], tmp_path: Path
) -> None:
    """A stale sensor trips the fail-safe (Night); a refused exit mode falls back to soft off."""
    # The fail-safe's mode change starts calibration, so the exit level's mode change is
    # refused and the thermostat leaves the Mini 3 in standby instead of at a higher step.
    heater, target = mini3
    sensor = room_file(tmp_path, "19.0", age_s=3600)
    code, out, err = await run_cli(
        target, "--target", "21", "--sensor", f"file:{sensor}", "--sensor-max-age", "60",
        "--interval", "0.5", "--duration", "1", "--exit-level", "Heating Eco", "--soft-lead", "0",
    )  # fmt: skip
    assert code == 0, err
    assert "fail-safe" in out.splitlines()[0]
    assert "stale" in out.splitlines()[0]
    assert mode_of(heater) == "off"
    summary = [line for line in out.splitlines() if line.startswith("exit:")]
    assert len(summary) == 1, out
    assert "left at off" in summary[0]
    assert "(asked: Heating Eco)" in summary[0]
    assert "calibrating" in summary[0]
    assert "next 'on' resumes at Night" in summary[0]


async def test_sigterm_leaves_devices_at_lowest_step(
    mini3: tuple[SimulatedHeater, str], tmp_path: Path
) -> None:
    """On SIGTERM the loop stops and every device is left at its lowest heating step."""
    heater, target = mini3
    sensor = room_file(tmp_path, "20.5")
    proc = await start(target, "--target", "21", "--sensor", f"file:{sensor}", "--interval", "0.5")
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), timeout=30)
    while is_room_line(line.decode()):
        line = await asyncio.wait_for(proc.stdout.readline(), timeout=30)
    assert "target 21.0 °C".encode() in line
    assert mode_of(heater) == "Mining"
    proc.send_signal(signal.SIGTERM)
    out, err = await proc.communicate()
    assert proc.returncode == 0, err
    assert mode_of(heater) == "Night"
    assert f"exit: {target} (Avalon Mini 3): left at Night".encode() in out


async def test_fixed_mode_needs_no_sensor_reading(
    mini3: tuple[SimulatedHeater, str], tmp_path: Path
) -> None:
    """--mode runs that mode even when the room sensor is missing."""
    heater, target = mini3
    code, out, err = await run_cli(
        target, "--mode", "Heating Eco", "--sensor", f"file:{tmp_path / 'missing'}",
        "--interval", "0.5", "--duration", "1", "--exit-level", "Heating Eco",
    )  # fmt: skip
    assert code == 0, err
    assert "fixed level" in out.splitlines()[0]
    assert mode_of(heater) == "Heating Eco"


async def test_nano3s_inlet_sensor_is_refused() -> None:
    """A Nano 3S has no trustworthy inlet sensor: asking for it is a usage error (exit 2)."""
    heater = make_heater("nano3s", ScaledClock(speed=1.0))
    async with SimServer(heater) as sim:
        code, out, err = await run_cli(
            f"{sim.host}:{sim.port}", "--target", "21", "--duration", "1"
        )
    assert code == 2
    assert "inlet sensor" in err
    assert out == ""


async def test_target_and_mode_together_is_a_usage_error(tmp_path: Path) -> None:
    """Conflicting targets are refused before any device is contacted."""
    code, _, err = await run_cli("127.0.0.1:9", "--target", "21", "--mode", "Night")
    assert code == 2
    assert "only one of" in err


async def test_schedule_quiet_hours_cap_the_mode(
    mini3: tuple[SimulatedHeater, str], tmp_path: Path
) -> None:
    """A schedule whose quiet hours allow at most Night keeps a cold room's Mini 3 at Night."""
    heater, target = mini3
    sensor = room_file(tmp_path, "15.0")
    schedule = tmp_path / "week.toml"
    schedule.write_text(
        '[[entry]]\ndays = "all"\nat = "00:00"\ntarget_c = 22\n'
        '[[quiet]]\ndays = "all"\nfrom = "00:00"\nto = "23:59"\nmax_mode = "Night"\n'
    )
    code, out, err = await run_cli(
        target, "--schedule", str(schedule), "--sensor", f"file:{sensor}", "--interval", "0.5",
        "--duration", "1", "--exit-level", "Night",
    )  # fmt: skip
    assert code == 0, err
    first = out.splitlines()[0]
    assert "target 22.0 °C -> Night" in first
    assert "quiet hours" in first
    assert mode_of(heater) == "Night"


async def test_config_file_supplies_caps_and_sensor(
    mini3: tuple[SimulatedHeater, str], tmp_path: Path
) -> None:
    """Without flags, config.toml's sensor and hard maximum apply: 23 C > 22 C forces off."""
    heater, target = mini3
    sensor = room_file(tmp_path, "23.0")
    config_dir = Path(os.environ["NANOHEATER_CONFIG_DIR"])
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "config.toml").write_text(
        f'sensors = ["file:{sensor}"]\n[caps]\nmax_room_temp_c = 22.0\n'
        "[controller]\nsetpoint_c = 24.0\n"
    )
    code, out, err = await run_cli(
        target, "--interval", "0.5", "--duration", "1", "--exit-level", "off", "--soft-lead", "0"
    )
    assert code == 0, err
    first = out.splitlines()[0]
    assert "target 24.0 °C" in first
    assert "hard maximum 22.0 °C" in first
    assert mode_of(heater) == "off"


async def test_bad_exit_level_is_a_usage_error_before_anything_is_driven(
    mini3: tuple[SimulatedHeater, str], tmp_path: Path
) -> None:
    """--exit-level turbo stops at start-up (exit 2, one line); the device is never touched."""
    heater, target = mini3
    heater.set_mode(0)  # Night, a minute into the session the loop would raise it
    sensor = room_file(tmp_path, "15.0")
    for level, word in (("turbo", "is not a level"), ("Super", "unknown mode")):
        code, out, err = await run_cli(
            target, "--target", "21", "--sensor", f"file:{sensor}", "--interval", "0.5",
            "--duration", "2", "--exit-level", level,
        )  # fmt: skip
        assert code == 2, (level, out, err)
        assert out == ""
        assert len(err.strip().splitlines()) == 1, err
        assert word in err
        assert mode_of(heater) == "Night"


async def test_no_target_is_a_usage_error_not_a_silent_21c(
    mini3: tuple[SimulatedHeater, str],
) -> None:
    """Without --target/--mode/--power/--schedule nothing runs: one line, exit 2."""
    heater, target = mini3
    code, out, err = await run_cli(target, "--duration", "1")
    assert code == 2
    assert out == ""
    assert err.strip().splitlines() == [
        "nanoheater: give --target C, --mode NAME, --power W or --schedule FILE"
        " (or set [controller] setpoint_c in config.toml)"
    ]
    assert mode_of(heater) == "Mining"


async def test_json_stream_is_json_on_every_line(
    mini3: tuple[SimulatedHeater, str], tmp_path: Path
) -> None:
    """With --json every stdout line parses, the exit summary included (jq never chokes)."""
    _, target = mini3
    sensor = room_file(tmp_path, "20.0")
    code, out, err = await run_cli(
        target, "--target", "21", "--sensor", f"file:{sensor}", "--interval", "0.5",
        "--duration", "1", "--json",
    )  # fmt: skip
    assert code == 0, err
    records = [json.loads(line) for line in out.splitlines()]
    assert "reason" in records[0]
    assert records[-1]["exit"] == target
    assert records[-1]["asked"] == "Night"


async def test_exit_wait_counts_down_and_then_sets_the_exit_level() -> None:
    """--exit-wait outlasts a calibration window, counting down on stderr, then sets the level.

    The Mini 3 runs on a virtual clock that moves only once the thermostat says it is waiting,
    so however slowly the child starts, it meets the window open (an 8 s window in real time
    closed before a slow start at load 12, and nothing was waited for).
    """
    clock = VirtualClock(start_s=time.time())
    heater = make_heater("mini3", clock)
    heater.set_mode(0)  # Night, just switched: its calibration window (5 min) is open
    async with SimServer(heater) as sim:
        target = f"{sim.host}:{sim.port}"
        proc = await start(
            target, "--mode", "Night", "--interval", "0.5",
            "--duration", "0.5", "--exit-level", "Heating Eco", "--exit-wait", "60",
        )  # fmt: skip
        assert proc.stderr is not None
        err = ""
        while "calibrating; waiting" not in err:
            line = await asyncio.wait_for(proc.stderr.readline(), timeout=60)
            assert line, f"the thermostat ended without waiting: {err}"
            err += line.decode()
        assert mode_of(heater) == "Night"  # refused so far: it is calibrating
        clock.advance(heater.profile.calibration_s)  # the window closes
        out_b, rest = await asyncio.wait_for(proc.communicate(), timeout=60)
    out, err = out_b.decode(), err + rest.decode()
    assert proc.returncode == 0, err
    assert mode_of(heater) == "Heating Eco"
    waited = re.search(rf"exit: {re.escape(target)}: calibrating; waiting up to (\d+) s", err)
    assert waited is not None, err
    # The countdown starts from the bound (less what reading the device took at exit).
    assert 50 <= int(waited.group(1)) <= 60, err
    assert "to set Heating Eco" in err
    assert f"exit: {target} (Avalon Mini 3): left at Heating Eco, " in out


async def test_the_readme_thermostat_quit_summary_is_what_it_prints(tmp_path: Path) -> None:
    """The README's thermostat quit summary is this code's output in the situation it names.

    A Mini 3 and a Q heat a room at 18 °C to 21 °C; the Q has just switched up to Super (its
    window stays open), so at exit the Mini 3 steps down and the Q is switched
    off. Only addresses and the power read at that moment may differ from the README. Real
    time: the Q's 5 min window outlasts any slow start, and its soft off needs a moving clock.
    """
    mini = make_heater("mini3", ScaledClock(speed=1.0))
    q = make_heater("q", ScaledClock(speed=1.0))
    sensor = room_file(tmp_path, "18.0")
    async with SimServer(mini) as mini_sim, SimServer(q) as q_sim:
        code, out, err = await run_cli(
            f"{mini_sim.host}:{mini_sim.port}", f"{q_sim.host}:{q_sim.port}", "--target", "21",
            "--sensor", f"file:{sensor}", "--interval", "0.5", "--duration", "1",
        )  # fmt: skip
    assert code == 0, err
    printed = [normalised(line) for line in out.splitlines() if line.startswith("exit: ")]
    shown = readme_exit_lines("`thermostat` prints it on stdout")
    assert printed == [normalised(line) for line in shown]


async def test_a_warning_is_printed_once(tmp_path: Path) -> None:
    """A Nano 3S in a warm room is told once that it cannot switch off, not also as a log line."""
    heater = make_heater("nano3s", ScaledClock(speed=1.0))
    sensor = room_file(tmp_path, "25.0")
    async with SimServer(heater) as sim:
        code, out, err = await run_cli(
            f"{sim.host}:{sim.port}", "--target", "21", "--sensor", f"file:{sensor}",
            "--interval", "0.5", "--duration", "1.2",
        )  # fmt: skip
    assert code == 0, err
    assert (out + err).count("cannot switch off") == 1, out + err


async def test_eco_holds_the_configured_eco_setpoint(
    mini3: tuple[SimulatedHeater, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``[controller] eco_setpoint_c`` was read nowhere; ``--eco`` now holds it."""
    _heater, target = mini3
    (tmp_path / "config.toml").write_text("[controller]\neco_setpoint_c = 17.5\n")
    monkeypatch.setenv("NANOHEATER_CONFIG_DIR", str(tmp_path))
    sensor = room_file(tmp_path, "16.0")
    code, out, err = await run_cli(
        target, "--eco", "--sensor", f"file:{sensor}", "--interval", "0.5", "--duration", "0.5",
        "--json",
    )  # fmt: skip
    assert code == 0, err
    first = json.loads(out.splitlines()[0])
    assert first["setpoint_c"] == 17.5
    code, _, err = await run_cli("127.0.0.1:9", "--eco", "--target", "21")
    assert code == 2
    assert "only one of" in err
