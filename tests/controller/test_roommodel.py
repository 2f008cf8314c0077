"""The two-node room fit recovers a simulated 2R2C room, and says when it cannot yet."""

from __future__ import annotations

import math
import random

import pytest

from firmware_sim.room import Room, RoomParams
from nanoheater.cli.sim_harness import run_scenario
from nanoheater.controller.roomfit import RoomSample
from nanoheater.controller.roommodel import (
    MIN_HOURS,
    NOT_PHYSICAL,
    RoomEstimate,
    RoomLearning,
    TwoNodeFit,
    learn_room,
)

START_S = 1_764_547_200.0
MINI3_LEVELS_W = (20.0, 400.0, 650.0, 830.0)


def thermostat_log(
    seed: int,
    *,
    preset: str = "medium",
    levels_w: tuple[float, ...] = MINI3_LEVELS_W,
    days: float = 7.0,
    quantum_k: float = 0.1,
    constant_w: float | None = None,
    sun_w: float = 0.0,
) -> list[RoomSample]:
    """A week of a simulated room held near 21 °C (18 °C at night) by a stepping thermostat.

    The weather differs per seed (mean, a random walk, which week); the room sensor reads to
    ``quantum_k``; the outdoor reading is 1 K warm with a slow wander, as sim_knowledge's is.
    """
    rng = random.Random(seed)
    room = Room.preset(preset, air_c=17.0)
    room.mass_c = 16.0
    mean_c, walk_k = rng.uniform(-6.0, 6.0), 0.0
    start_s = START_S + rng.randrange(0, 60) * 86_400.0
    level = 0
    samples = []
    for k in range(int(days * 1440)):
        t = start_s + k * 60.0
        walk_k = 0.999 * walk_k + rng.gauss(0.0, 0.05)
        phase = 2 * math.pi * ((t % 86_400.0) - 5 * 3600.0) / 86_400.0
        outdoor_c = mean_c + walk_k - 4.0 * math.cos(phase)
        hour = (t % 86_400.0) / 3600.0
        target_c = 21.0 if 6 <= hour < 23 else 18.0
        if k % 5 == 0:
            if room.air_c < target_c - 0.3:
                level = min(len(levels_w) - 1, level + 1)
            elif room.air_c > target_c + 0.3:
                level = max(0, level - 1)
        power_w = levels_w[level] if constant_w is None else constant_w
        reading_c = round(room.air_c / quantum_k) * quantum_k
        wander_k = 1.0 + 1.5 * math.sin(2 * math.pi * t / (17 * 3600.0))
        samples.append(RoomSample(t, reading_c, outdoor_c + wander_k, power_w))
        # Sun through a window: a half-sine from 08:00 to 16:00 the app never measures.
        sun = sun_w * max(0.0, math.sin(math.pi * (hour - 8.0) / 8.0)) if 8 <= hour < 16 else 0.0
        room.step(60.0, power_w + sun, outdoor_c)
    return samples


def _truth(params: RoomParams) -> TwoNodeFit:
    return TwoNodeFit(
        params.h_ao_w_per_k,
        params.h_am_w_per_k,
        params.h_mo_w_per_k,
        params.c_a_j_per_k,
        params.c_m_j_per_k,
        0.0,
        0,
    )


def _estimate(samples: list[RoomSample]) -> RoomEstimate:
    known = learn_room(samples, samples[-1].t_s)
    assert isinstance(known, RoomEstimate), known
    return known


@pytest.mark.parametrize("seed", range(4))
def test_the_fit_recovers_the_simulated_room(seed: int) -> None:
    """Heat loss within 10 % of the room's true UA, both time constants within 20 %."""
    truth = _truth(Room.preset("medium").params)
    known = _estimate(thermostat_log(seed))
    assert known.ua_w_k == pytest.approx(truth.ua_w_k, rel=0.10)
    fast_s, slow_s = known.fit.time_constants_s
    assert fast_s == pytest.approx(truth.time_constants_s[0], rel=0.20)
    assert slow_s == pytest.approx(truth.time_constants_s[1], rel=0.20)
    warm_s = known.fit.warm_time_s(830.0)
    assert warm_s is not None
    assert warm_s == pytest.approx(truth.warm_time_s(830.0) or 0.0, rel=0.25)


def test_the_shown_figures_are_stable_across_weeks_and_seeds() -> None:
    """Same room, other weather, another week, three or seven days: figures within 10 %.

    A one-node fit of this room gave 2.8 to 26 h; the shown settling time is the slow time
    constant of the fitted pair, which does not depend on a window length.
    """
    figures = [
        _estimate(thermostat_log(seed, days=days)).figures(830.0)
        for seed, days in ((10, 7.0), (11, 7.0), (12, 3.0), (13, 5.0), (14, 7.0))
    ]
    for key in ("ua_w_k", "settle_time_constant_h", "warm_1k_at_full_power_min"):
        values = [float(f[key] or 0.0) for f in figures]
        assert max(values) <= 1.10 * min(values), (key, values)


def test_the_one_line_names_every_figure() -> None:
    """What thermostat and the TUI print: heat loss with its spread, warm-up and settling."""
    line = _estimate(thermostat_log(3)).describe(830.0)
    assert line.startswith("heat loss ")
    assert "W/K (±" in line
    assert "at full power (830 W) warms 1 K in ~" in line
    assert "settles over ~" in line


def test_a_small_heater_in_a_small_room_is_learned_too() -> None:
    """A Nano 3S (140 W top) in the small room: the heat loss within 15 %."""
    samples = thermostat_log(2, preset="small", levels_w=(20.0, 70.0, 100.0, 140.0))
    truth = Room.preset("small").params.ua_w_per_k
    assert _estimate(samples).ua_w_k == pytest.approx(truth, rel=0.15)


def test_too_short_a_log_says_how_much_more_it_needs() -> None:
    """A day of log is not enough: the state says so with the hours so far and needed."""
    known = learn_room(thermostat_log(1, days=1.0), START_S)
    assert isinstance(known, RoomLearning)
    assert known.hours == pytest.approx(24.0, abs=0.1)
    assert "of 36 h" in known.describe()
    assert known.needed_hours == MIN_HOURS


def test_one_constant_heat_level_cannot_be_learned() -> None:
    """A heater at one power all week cannot tell heat loss from stored heat: no model."""
    known = learn_room(thermostat_log(1, constant_w=830.0, days=4.0), START_S)
    assert isinstance(known, RoomLearning)
    assert "heat varies" in known.reason


def test_heat_the_app_does_not_measure_gives_no_model_rather_than_a_wrong_one() -> None:
    """Sun worth 2 kW at noon in a Mini 3's room: the state says so instead of a heat loss."""
    known = learn_room(thermostat_log(4, sun_w=2000.0), START_S)
    assert isinstance(known, RoomLearning), known
    assert known.reason == NOT_PHYSICAL


def test_simulate_reports_the_room_the_app_would_show() -> None:
    """``simulate --json`` room_fit: the two-node figures of the run's room, near the truth."""
    truth = _truth(Room.preset("medium").params)
    room_fit = run_scenario("noisy-sensor", "staged").report["room_fit"]
    assert room_fit["state"] == "fitted"
    assert room_fit["ua_w_k"] == pytest.approx(truth.ua_w_k, rel=0.05)
    assert room_fit["settle_time_constant_h"] == pytest.approx(
        truth.time_constants_s[1] / 3600, rel=0.10
    )
