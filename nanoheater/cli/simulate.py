"""Provides ``nanoheater simulate``: a reference scenario run by a real controller, virtual time.

The real regulator and controller drive firmware_sim through the real client and protocol over
an in-memory transport (``nanoheater.cli.sim_harness``, imported inside the command so that
``import nanoheater.cli`` never loads the simulator).
"""

from __future__ import annotations

import csv
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from nanoheater.atomic import open_for_writing
from nanoheater.cli.output import handle_errors, print_json
from nanoheater.cli.params import FiniteFloat
from nanoheater.cli.sim_scenarios import CONTROLLERS, SCENARIOS
from nanoheater.exceptions import UsageError

if TYPE_CHECKING:
    from nanoheater.cli.sim_harness import RunResult

SCENARIO_NAMES = tuple(SCENARIOS)
CONTROLLER_NAMES = CONTROLLERS


@click.command()
@click.option(
    "--scenario", type=click.Choice(SCENARIO_NAMES), required=True, help="Reference scenario."
)
@click.option(
    "--controller",
    type=click.Choice(CONTROLLER_NAMES),
    default="staged",
    show_default=True,
    help="Controller under test.",
)
@click.option(
    "--hours",
    type=FiniteFloat(min=0.01),
    default=None,
    help="Simulated hours (default: scenario's).",
)
@click.option(
    "--interval",
    "interval_s",
    type=FiniteFloat(min=1.0),
    default=30.0,
    show_default=True,
    help="Seconds of simulated time between control decisions.",
)
@click.option(
    "--record",
    "record",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write one CSV row per control step (time, room air, mode, power).",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Seed of the simulated world (weather, free heat, sensor, shares); same seed, same run.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as one JSON object.")
@handle_errors
def simulate(
    scenario: str,
    controller: str,
    hours: float | None,
    interval_s: float,
    record: Path | None,
    seed: int,
    as_json: bool,
) -> None:
    """Run SCENARIO with CONTROLLER against the simulated firmware and report comfort and cost."""
    from nanoheater.cli import sim_harness

    result = sim_harness.run_scenario(scenario, controller, hours, interval_s=interval_s, seed=seed)
    if record is not None:
        try:
            write_csv(result, record)
        except OSError as exc:
            raise UsageError(f"--record {record}: cannot write: {exc.strerror or exc}") from None
    report = result.report
    if as_json:
        print_json(report)
        return
    click.echo(
        f"{report['scenario']} with {report['controller']} on {report['model']}, "
        f"{report['hours']:g} h, seed {report['seed']} (wall {report['wall_s']} s)"
    )
    rows = [
        ("K*h outside +/-0.5 K", report["kh_outside_band"]),
        ("RMS error (K)", report["rms_k"]),
        ("RMS error, last half (K)", report["last_half_rms_k"]),
        ("overshoot (K)", report["overshoot_k"]),
        ("settling time (h)", report["settling_h"]),
        ("reach set-point - 0.5 K (h)", report["reach_h"]),
        ("mode changes per day", report["mode_changes_per_day"]),
        ("on/off switches per day", report["on_off_per_day"]),
        ("energy (kWh)", report["kwh"]),
        ("expected sats", report["expected_sats"]),
        # The scenario's own prices, in USD, whatever currency config.toml uses.
        ("electricity cost (USD, scenario)", report["electricity_cost_usd"]),
        ("kWh at peak price", report["kwh_at_peak_price"]),
        ("net cost/kWh heat (USD, scenario)", report["net_cost_per_kwh_heat_usd"]),
    ]
    for label, value in rows:
        click.echo(f"  {label:<32} {'-' if value is None else value}")
    for warning in report["warnings"]:
        click.echo(f"  warning: {warning}")


def write_csv(result: RunResult, path: Path) -> None:
    """Write one row per control step: time, room air, sensor, set-point, mode, power, reason."""
    # Never through a symlink planted at the path, as firmware-sim --record (issue 14).
    with os.fdopen(open_for_writing(path), "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(
            ["t_s", "time_utc", "air_c", "sensor_c", "setpoint_c", "mode", "power_w", "reason"]
        )
        t0 = result.records[0][0].now_s if result.records else 0.0
        for rec, air, mode, power in result.records:
            out.writerow(
                [
                    round(rec.now_s - t0, 1),
                    datetime.fromtimestamp(rec.now_s, UTC).isoformat(timespec="seconds"),
                    round(air, 3),
                    "" if rec.room_c is None else rec.room_c,
                    "" if rec.setpoint_c is None else rec.setpoint_c,
                    mode,
                    round(power, 1),
                    rec.reason,
                ]
            )
