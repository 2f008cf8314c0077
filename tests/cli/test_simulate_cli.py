"""``nanoheater simulate``: scenarios, JSON metrics, CSV record, errors, import hygiene."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from nanoheater.cli import cli

METRIC_KEYS = {
    "kh_outside_band", "overshoot_k", "settling_h", "mode_changes_per_day", "on_off_per_day",
    "kwh", "expected_sats", "electricity_cost_usd", "net_cost_per_kwh_heat_usd", "warnings",
    "last_half_rms_k", "last_half_switches_per_day", "setpoint_reachable",
}  # fmt: skip


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["simulate", *args])
    return result.exit_code, result.output


def test_json_has_every_metric_and_csv_one_row_per_step(tmp_path: Path) -> None:
    """A 2 h cold start prints the metric set and records one CSV row per 30 s step."""
    record = tmp_path / "run.csv"
    code, out = run(
        "--scenario",
        "cold-start",
        "--controller",
        "staged",
        "--hours",
        "2",
        "--record",
        str(record),
        "--json",
    )
    assert code == 0, out
    report = json.loads(out)
    assert set(report) >= METRIC_KEYS
    assert report["scenario"] == "cold-start"
    assert report["model"] == "mini3"
    assert 1.0 < report["kwh"] <= 1.66  # 2 h at no more than 830 W (Mini 3 Mining at the wall)
    assert report["expected_sats"] > 0
    with record.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 2 * 3600 // 30
    assert {"t_s", "air_c", "mode", "power_w"} <= set(rows[0])
    assert float(rows[-1]["air_c"]) > float(rows[0]["air_c"])  # it heats


def test_cold_snap_reports_unreachable_set_point() -> None:
    """An undersized Nano 3S at -10 C is reported as unable to reach the set-point, with numbers."""
    code, out = run("--scenario", "cold-snap", "--controller", "pi", "--hours", "1", "--json")
    assert code == 0, out
    report = json.loads(out)
    assert report["setpoint_reachable"] is False
    assert any("cannot be reached" in w and "140 W" in w for w in report["warnings"])


def test_tou_peak_buys_almost_nothing_at_peak_price() -> None:
    """Over a day with a 17-20 h peak, the economic limit keeps heating off at the peak price."""
    code, out = run("--scenario", "tou-peak", "--controller", "staged", "--hours", "24", "--json")
    assert code == 0, out
    report = json.loads(out)
    # Three peak hours at ~0.4 kW would be ~1.2 kWh; standby (10 W) costs 0.03 kWh.
    assert report["kwh_at_peak_price"] < 0.1


def test_human_output_lists_the_metrics() -> None:
    """Without --json the command prints a readable table."""
    code, out = run("--scenario", "setback", "--controller", "bang-bang", "--hours", "1")
    assert code == 0, out
    assert "setback with bang-bang on mini3" in out
    assert "K*h outside" in out
    assert "($)" not in out, "the scenario's prices are named, not a bare $"
    assert "electricity cost (USD, scenario)" in out


@pytest.mark.parametrize(
    "args",
    [
        ("--scenario", "heatwave"),
        ("--scenario", "cold-start", "--controller", "mpc"),
        ("--scenario", "cold-start", "--hours", "0"),
    ],
)
def test_bad_arguments_exit_2(args: tuple[str, ...]) -> None:
    """Unknown scenarios, controllers and non-positive hours are usage errors."""
    code, _ = run(*args)
    assert code == 2


def test_importing_the_command_does_not_load_the_simulator() -> None:
    """Only running the command imports firmware_sim; importing its module does not."""
    code = (
        "import sys, nanoheater.cli.simulate; "
        "print(any(m.startswith('firmware_sim') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_warning_is_printed_once() -> None:
    """The unreachable set-point is printed once in the report, not again as a log line."""
    proc = subprocess.run(
        [sys.executable, "-m", "nanoheater", "simulate", "--scenario", "cold-snap",
         "--controller", "pi", "--hours", "1"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert (proc.stdout + proc.stderr).count("cannot be reached") == 1, proc.stdout + proc.stderr


def test_record_never_writes_through_a_symlink(tmp_path: Path) -> None:
    """Pins (issue 14): a link planted at --record's path is refused, its target untouched.

    firmware-sim --record was fixed for this; simulate's --record followed the link.
    """
    victim = tmp_path / "precious.txt"
    victim.write_text("keep me")
    link = tmp_path / "run.csv"
    link.symlink_to(victim)
    code, out = run("--scenario", "cold-start", "--hours", "0.1", "--record", str(link))
    assert code == 2, out
    assert "symlink" in out
    assert victim.read_text() == "keep me"
