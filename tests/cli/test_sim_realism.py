"""simulate's seeded realism (weather, free heat, sensor bias and noise, occupancy); old names."""

from __future__ import annotations

import json
import statistics

import pytest
from click.testing import CliRunner

from firmware_sim.gains import GAIN_PRESETS
from firmware_sim.room import Room
from firmware_sim.sensor import SENSOR_PRESETS, RoomSensor
from firmware_sim.weather import WEATHER_PRESETS
from nanoheater.cli import cli
from nanoheater.cli.sim_harness import SimRig, run_scenario
from nanoheater.cli.sim_scenarios import SCENARIOS

OLD_NAMES = ("cold-start", "steady-week", "setback", "cold-snap", "tou-peak")


def trace(name: str, seed: int, hours: float = 4.0) -> list[tuple[float, float, float, float]]:
    """(t, true air, power, kWh) every 10 s and (t, sensor, set-point) per decision."""
    result = run_scenario(name, "staged", hours, seed=seed)
    points = [(p.t_s, p.air_c, p.power_w, p.energy_kwh) for p in result.points]
    decisions = [(r.now_s, r.room_c or 0.0, r.setpoint_c or 0.0, 0.0) for r, *_ in result.records]
    return points + decisions


def test_every_preset_a_scenario_names_exists() -> None:
    """Scenario fields name presets that firmware_sim has (a typo would only fail at run time)."""
    for s in SCENARIOS.values():
        assert s.weather == "" or s.weather in WEATHER_PRESETS
        assert s.gains == "" or s.gains in GAIN_PRESETS
        assert s.sensor == "" or s.sensor in SENSOR_PRESETS
    realistic = SCENARIOS["realistic"]
    assert realistic.weather
    assert realistic.gains
    assert realistic.sensor
    assert realistic.schedule


def test_same_seed_same_run_another_seed_another() -> None:
    """The realistic scenario repeats to the bit for a seed and differs for another."""
    first = trace("realistic", 3)
    assert trace("realistic", 3) == first
    other = trace("realistic", 4)
    assert other != first
    # Not only the shares: the room itself (weather, gains, sensor) differs.
    assert max(abs(a[1] - b[1]) for a, b in zip(first, other, strict=True)) > 0.1


@pytest.mark.parametrize("name", OLD_NAMES)
def test_old_scenarios_stay_identical_sine_days(name: str) -> None:
    """The old names keep no weather, no free heat and an ideal sensor.

    The seed moves nothing in the room (only the heaters' share draws), so their figures stay
    comparable with earlier measurements.
    """
    s = SCENARIOS[name]
    assert (s.weather, s.gains, s.sensor) == ("", "", "")
    rig = SimRig([s.model], seed=5, weather=s.weather, gains=s.gains, sensor=s.sensor)
    assert rig.outdoor.weather is None
    assert rig.room.gains is None
    assert rig.thermometer.sensor.bias_k == 0.0
    if name in ("steady-week", "cold-snap"):  # two enough to pin the run itself (time)
        assert trace(name, 0, 2.0) == trace(name, 9, 2.0)


def test_free_heat_means_less_bought_heat() -> None:
    """Holding 21 C with the household's gains buys less heat than the same day without."""
    plain = run_scenario("steady-week", "pi", 12.0).report
    gains = run_scenario("gains", "pi", 12.0).report
    assert gains["kwh"] < 0.85 * plain["kwh"]
    # The app never sees the free heat: its fitted heat loss comes out low, as a real one would.
    assert gains["app_ua_w_k"] < plain["app_ua_w_k"]


def seeds_with_extreme_bias() -> tuple[int, int]:
    biases = {s: RoomSensor(Room(), SENSOR_PRESETS["typical"], seed=s).bias_k for s in range(20)}
    return min(biases, key=biases.__getitem__), max(biases, key=biases.__getitem__)


def test_sensor_bias_moves_what_the_controller_sees_not_the_room() -> None:
    """With a biased sensor the controller holds its reading at 21 C; the air is off by the bias."""
    low, high = seeds_with_extreme_bias()
    held = {}
    for seed in (low, high):
        result = run_scenario("noisy-sensor", "pi", 12.0, seed=seed)
        late = [
            (r.room_c, air)
            for r, air, _, _ in result.records
            if r.now_s - result.records[0][0].now_s > 6 * 3600
        ]
        sensor_c = statistics.fmean(c for c, _ in late if c is not None)
        air_c = statistics.fmean(a for _, a in late)
        bias = result.report["sensor_bias_k"]
        assert sensor_c == pytest.approx(21.0, abs=0.15)
        assert air_c == pytest.approx(21.0 - bias, abs=0.15)
        held[seed] = (bias, air_c)
    (b_low, air_low), (b_high, air_high) = held[low], held[high]
    assert b_high - b_low > 0.6
    assert air_low - air_high == pytest.approx(b_high - b_low, abs=0.2)


def test_occupancy_setback_lowers_the_target_away_and_at_night() -> None:
    """The household day: 17 C while away, 18 C at night, 21 C mornings and evenings."""
    result = run_scenario("occupancy", "staged", 24.0)
    t0 = result.records[0][0].now_s
    by_hour = {int((r.now_s - t0) // 3600): r.setpoint_c for r, *_ in result.records}
    assert [by_hour[h] for h in (3, 7, 12, 19, 23)] == [18.0, 21.0, 17.0, 21.0, 18.0]


def test_simulate_takes_a_seed() -> None:
    """--seed reaches the run (and is reported); a negative seed is a usage error."""
    runner = CliRunner()
    out = runner.invoke(
        cli, ["simulate", "--scenario", "realistic", "--hours", "1", "--seed", "7", "--json"]
    )
    assert out.exit_code == 0, out.output
    report = json.loads(out.output)
    assert report["seed"] == 7
    bias = RoomSensor(Room(), SENSOR_PRESETS["typical"], seed=7).bias_k
    assert report["sensor_bias_k"] == round(bias, 3)
    assert (
        runner.invoke(cli, ["simulate", "--scenario", "realistic", "--seed", "-1"]).exit_code == 2
    )
