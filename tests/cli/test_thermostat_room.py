"""``nanoheater thermostat`` learns the room from the history serve or the TUI recorded."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from firmware_sim.device import SimulatedHeater
from nanoheater.history.store import DATABASE_FILE
from tests.cli.test_thermostat_cli import mini3, room_file, run_cli
from tests.roomlog import history_key, seed

__all__ = ["mini3"]  # the fixture, shared with test_thermostat_cli


@pytest.mark.parametrize("source", ["--outdoor", "outdoor_sensor"])
async def test_prints_the_fitted_room_and_warns_with_it(
    mini3: tuple[SimulatedHeater, str], tmp_path: Path, source: str
) -> None:
    """With three days of history: a room line with the fit, and reachability from it.

    The outdoor reading comes from ``--outdoor``, or without it from config.toml's
    ``outdoor_sensor``: the -30 °C it reads is what makes 21 °C unreachable.
    """
    heater, target = mini3
    params = heater.room.params
    history = Path(os.environ["NANOHEATER_DATA_DIR"]) / DATABASE_FILE
    seed(history, await history_key(target), params, 830.0, 20.0)
    sensor = room_file(tmp_path, "18.0\n")
    outdoor = tmp_path / "outdoor.txt"
    outdoor.write_text("-30.0\n")
    if source == "outdoor_sensor":
        config_dir = Path(os.environ["NANOHEATER_CONFIG_DIR"])
        config_dir.mkdir(parents=True, exist_ok=True)
        (config_dir / "config.toml").write_text(f'outdoor_sensor = "file:{outdoor}"\n')
        given: tuple[str, ...] = ()
    else:
        given = ("--outdoor", f"file:{outdoor}")
    code, out, err = await run_cli(
        target, "--target", "21", "--sensor", f"file:{sensor}", *given,
        "--interval", "0.5", "--duration", "3", "--exit-level", "off", "--soft-lead", "0",
        "--json", rooms=True,
    )  # fmt: skip
    assert code == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    rooms = [line["room"] for line in lines if "room" in line]
    assert rooms, out
    assert rooms[0].startswith("heat loss ")
    ua_w_k = float(rooms[0].split()[2])
    assert abs(ua_w_k - params.ua_w_per_k) <= 0.1 * params.ua_w_per_k
    assert "at full power (830 W) warms 1 K in ~" in rooms[0]
    warnings = [w for line in lines for w in line.get("warnings", [])]
    assert any(
        f"heat loss of {ua_w_k:.1f} W/K (fitted from 72 h of history)" in w for w in warnings
    ), warnings


async def test_without_history_it_says_it_is_learning(
    mini3: tuple[SimulatedHeater, str], tmp_path: Path
) -> None:
    """No history yet: the room line says what the fit still needs."""
    _heater, target = mini3
    sensor = room_file(tmp_path, "18.0\n")
    code, out, err = await run_cli(
        target, "--target", "21", "--sensor", f"file:{sensor}", "--interval", "0.5",
        "--duration", "2", "--exit-level", "off", "--soft-lead", "0", rooms=True,
    )  # fmt: skip
    assert code == 0, err
    assert " room: learning the room: needs more hours" in out
