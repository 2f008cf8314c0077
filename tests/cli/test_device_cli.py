"""Tests for ``nanoheater status``, ``watch`` and ``set``: exit codes, JSON shape, error lines."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from firmware_sim.clock import ScaledClock
from firmware_sim.device import SimulatedHeater
from firmware_sim.faults import arm_fault
from firmware_sim.server import SimServer
from nanoheater.cli import cli
from tests.client.conftest import make_heater

STATUS_KEYS = {
    "model", "firmware", "mac", "dna", "host", "port", "state", "mode", "power_w", "hashrate_ths",
    "chip_temp_max_c", "chip_temp_avg_c", "inlet_temp_c", "outlet_temp_c", "fan_rpm",
    "fan_percent", "uptime_s", "pool_url",
}  # fmt: skip


async def run_cli(*args: str) -> tuple[int, str, str]:
    """Run the real entry point in a child process while the simulator serves in this loop."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "nanoheater",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=os.environ.copy(),
    )
    out, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


class Device:
    """A simulated heater served on loopback, addressed as the CLI takes it."""

    def __init__(self, heater: SimulatedHeater, sim: SimServer) -> None:
        self.heater = heater
        self.sim = sim
        self.target = f"{sim.host}:{sim.port}"


@pytest.fixture(params=["nano3s", "q"])
async def device(request: pytest.FixtureRequest) -> AsyncIterator[Device]:
    """A Nano 3S and a Q (no soft off vs soft off, no inlet sensor vs one)."""
    heater = make_heater(request.param)
    async with SimServer(heater) as sim:
        yield Device(heater, sim)


def assert_one_error_line(code: int, out: str, err: str, exit_code: int) -> str:
    assert code == exit_code, err
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("nanoheater: ")
    assert "Traceback" not in err
    return lines[0]


async def test_status_json_shape_and_values(device: Device) -> None:
    """The status --json output is one object with the documented keys and the device's values."""
    code, out, err = await run_cli("status", device.target, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert set(data) >= STATUS_KEYS
    state = device.heater.state
    assert data["model"] == device.heater.profile.model
    assert data["dna"] == state.dna
    assert data["port"] == device.sim.port
    assert data["power_w"] == pytest.approx(state.power_w, abs=1.0)
    assert data["pool_url"] == state.pools[0].url
    if device.heater.profile.model == "nano3s":
        assert data["inlet_temp_c"] is None  # ITemp[-273]: no sensor


async def test_status_human_table(device: Device) -> None:
    """Without --json, status prints a readable table naming the product and its readings."""
    code, out, err = await run_cli("status", device.target)
    assert code == 0, err
    assert device.heater.profile.version["PROD"] in out.splitlines()[0]
    for label in ("state", "mode", "power", "hashrate", "chip temp", "fan", "pool"):
        assert f"  {label}" in out


async def test_device_strings_are_sanitised(device: Device) -> None:
    """Escape sequences in device-supplied text never reach the terminal or the JSON."""
    device.heater.state.pools[0].url = "stratum+tcp://evil\x1b]0;owned\x07\x1b[2J.example:3333"
    for args in (("status", device.target), ("status", device.target, "--json")):
        code, out, err = await run_cli(*args)
        assert code == 0, err
        assert "\x1b" not in out
        assert "\\u001b" not in out
        assert "\x07" not in out
        assert "evil" in out


async def test_watch_json_prints_one_object_per_line(device: Device) -> None:
    """With --json --count 3, watch prints three JSON lines and exits 0."""
    code, out, err = await run_cli(
        "watch", device.target, "--json", "--interval", "0.1", "--count", "3"
    )
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 3
    assert all(set(json.loads(line)) >= {*STATUS_KEYS, "problems"} for line in lines)


async def test_watch_human_lines(device: Device) -> None:
    """Without --json, watch prints one compact line per reading."""
    code, out, err = await run_cli("watch", device.target, "--interval", "0.1", "--count", "2")
    assert code == 0, err
    assert len(out.splitlines()) == 2
    assert " W " in out


async def test_set_mode_json(device: Device) -> None:
    """Set by --mode prints the confirmed reading; a change while calibrating exits 3."""
    modes = [m.name for m in device.heater.profile.modes]
    current = modes[device.heater.state.mode_index]
    first, second = (m for m in modes if m != current)
    code, out, err = await run_cli("set", device.target, "--mode", first, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["action"] == "mode"
    assert data["mode"].casefold() == first.casefold()
    line = assert_one_error_line(
        *await run_cli("set", device.target, "--mode", second), exit_code=3
    )
    assert "calibrating" in line


async def test_set_fan_and_off(device: Device) -> None:
    """--fan auto works everywhere; --off is unsupported (2) on the Nano 3S."""
    code, out, err = await run_cli("set", device.target, "--fan", "auto", "--json")
    assert code == 0, err
    assert json.loads(out)["action"] == "fan"
    assert device.heater.state.fan_manual_percent == -1
    if device.heater.profile.model == "nano3s":
        line = assert_one_error_line(*await run_cli("set", device.target, "--off"), exit_code=2)
        assert "softoff" in line


@pytest.mark.parametrize(
    "args",
    [
        ["--mode", "turbo"],
        [],
        ["--mode", "Low", "--fan", "50"],
        ["--reboot"],
        ["--fan", "fast"],
        ["--fan", "5"],
    ],
)
async def test_set_usage_errors_exit_2(device: Device, args: list[str]) -> None:
    """Bad or missing actions are usage errors: exit 2, one line, nothing changed."""
    before = device.heater.state.mode_index
    assert_one_error_line(*await run_cli("set", device.target, *args), exit_code=2)
    assert device.heater.state.mode_index == before


async def test_set_reboot_with_yes(device: Device) -> None:
    """--reboot --yes reboots and reports it."""
    code, out, err = await run_cli("set", device.target, "--reboot", "--yes", "--json")
    assert code == 0, err
    assert json.loads(out) == {"action": "reboot", "target": device.target, "ok": True}
    assert device.heater.is_down()


async def test_unreachable_device_exits_4() -> None:
    """Nothing listening: exit 4 with one line naming the address."""
    line = assert_one_error_line(*await run_cli("status", "127.0.0.1:1", "--json"), exit_code=4)
    assert "127.0.0.1:1" in line


def test_bad_address_exits_2() -> None:
    """A malformed address is a usage error."""
    result = CliRunner().invoke(cli, ["status", "host:99999"])
    assert result.exit_code == 2
    assert result.stderr.startswith("nanoheater: ")
    assert len(result.stderr.splitlines()) == 1


async def test_watch_keeps_going_through_failed_readings(device: Device) -> None:
    """A dropped reply is a failure record in the stream, not the end of the watch (exit 0)."""
    arm_fault(device.heater, "drop", count=3)
    code, out, err = await run_cli(
        "watch", device.target, "--json", "--interval", "0.1", "--count", "6", "--timeout", "1"
    )
    assert code == 0, err
    records = [json.loads(line) for line in out.splitlines()]
    assert len(records) == 6
    failures = [r for r in records if "error" in r]
    assert failures, out
    assert all(r["exit_code"] == 4 and r["host"] == device.sim.host for r in failures)
    assert set(records[-1]) >= STATUS_KEYS, "readings resume after the failures"


async def test_watch_gives_up_only_after_max_failures_in_a_row(device: Device) -> None:
    """--max-failures N: N failure records, then one error line and exit 4."""
    arm_fault(device.heater, "drop", count=-1)
    code, out, err = await run_cli(
        "watch", device.target, "--interval", "0.1", "--max-failures", "2", "--timeout", "1"
    )
    assert code == 4, err
    lines = out.splitlines()
    assert len(lines) == 2
    assert all("no reading:" in line for line in lines)
    assert err.splitlines() == [
        f"nanoheater: gave up after 2 failed readings in a row: {device.target}"
    ]


@pytest.fixture
async def fleet_config() -> AsyncIterator[list[str]]:
    """A Mini 3 and a Nano 3S, plus an address nothing listens on, as config.toml hosts."""
    async with SimServer(make_heater("mini3")) as a, SimServer(make_heater("nano3s")) as b:
        hosts = [f"{a.host}:{a.port}", f"{b.host}:{b.port}", "127.0.0.1:1"]
        config_dir = Path(os.environ["NANOHEATER_CONFIG_DIR"])
        config_dir.mkdir(parents=True, exist_ok=True)
        (config_dir / "config.toml").write_text(f"hosts = {json.dumps(hosts)}\n")
        yield hosts


async def test_status_without_host_reads_the_whole_fleet(fleet_config: list[str]) -> None:
    """`status` with no address reads every configured heater; a dead one is reported, exit 4."""
    code, out, err = await run_cli("status", "--no-mdns", "--json", "--timeout", "1")
    records = [json.loads(line) for line in out.splitlines()]
    assert [f"{r['host']}:{r['port']}" for r in records] == fleet_config
    assert {r["model"] for r in records[:2]} == {"mini3", "nano3s"}
    assert [r["problems"] for r in records[:2]] == [[], []]  # every reading says what is wrong
    assert "refused" in records[2]["error"]
    assert code == 4
    assert err.splitlines() == ["nanoheater: 1 of 3 heaters did not answer"]


async def test_watch_without_host_watches_the_whole_fleet(fleet_config: list[str]) -> None:
    """`watch` with no address polls every configured heater, each line naming its device."""
    code, out, err = await run_cli(
        "watch", "--no-mdns", "--interval", "0.1", "--count", "2", "--timeout", "1"
    )
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 6
    for host in fleet_config:
        assert sum(line.startswith(f"{host}  ") for line in lines) == 2
    assert sum("no reading:" in line for line in lines) == 2


async def test_set_reports_the_setting_and_the_value_still_settling() -> None:
    """Pins that --fan 80 and --off on a Q say what was set and where the reading is heading."""
    heater = make_heater("q", ScaledClock(speed=1.0))
    async with SimServer(heater) as sim:
        target = f"{sim.host}:{sim.port}"
        code, out, err = await run_cli("set", target, "--fan", "80")
        assert code == 0, err
        shown = re.search(r"fan +\d+ rpm \((\d+) %\)", out)
        assert shown is not None, out
        if shown.group(1) == "80":
            assert "settling" not in out, "a settled fan needs no note"
        else:
            assert re.search(r"settling +fan 80 % set; now \d+ % and rising", out), out
        code, out, err = await run_cli("set", target, "--off", "--json")
        assert code == 0, err
        record = json.loads(out)
        assert record["power_w"] > 100, "the reading right after soft off still draws"
        assert re.fullmatch(
            r"soft off confirmed; power \d+ W now and falling to about \d+ W", record["settling"]
        )


async def test_status_explains_a_fault() -> None:
    """Pins that a Q in a fan-stop overheat shows the reasons, in words and in --json."""
    heater = make_heater("q")
    arm_fault(heater, "overheat")
    heater.world.run_for(30)  # the fan spins down
    async with SimServer(heater) as sim:
        code, out, err = await run_cli("status", f"{sim.host}:{sim.port}")
        assert code == 0, err
        assert re.search(r"problem +fan 0 rpm at \d+ % duty: the fan has stopped", out), out
        assert re.search(r"problem +chips at \d+ °C: overheating", out), out
        code, out, err = await run_cli("status", f"{sim.host}:{sim.port}", "--json")
        assert code == 0, err
        assert len(json.loads(out)["problems"]) == 2


async def test_an_off_device_shows_no_chip_temperature() -> None:
    """An off Q reads 0 °C chips: status and watch print — (as the TUI), not 0 °C."""
    heater = make_heater("q")
    heater.schedule_soft_off(heater.now())
    heater.world.run_for(60)
    assert heater.state.soft_off
    async with SimServer(heater) as sim:
        target = f"{sim.host}:{sim.port}"
        code, out, err = await run_cli("status", target)
        assert code == 0, err
        assert "  chip temp    — max, — avg, target 65 °C" in out.splitlines(), out
        code, out, err = await run_cli("watch", target, "--count", "1")
        assert code == 0, err
        assert "chip —" in out
        assert "0 °C" not in out
        code, out, err = await run_cli("status", target, "--json")
    assert json.loads(out)["chip_temp_max_c"] == 0.0, "--json keeps what the device said"


async def test_the_nano_3_is_named_as_people_write_it() -> None:
    """The Nano 3 reports PROD "Avalonnano": status heads it "Avalon Nano 3", as the TUI does."""
    async with SimServer(make_heater("nano3")) as sim:
        code, out, err = await run_cli("status", f"{sim.host}:{sim.port}")
    assert code == 0, err
    assert out.startswith(f"Avalon Nano 3 (nano3) at {sim.host}:{sim.port}\n"), out
