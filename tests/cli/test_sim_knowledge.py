"""simulate tells its controllers only what the real app would know (no simulator truth)."""

from __future__ import annotations

import pytest

from firmware_sim.room import Outdoor, Room
from nanoheater.capabilities import capabilities
from nanoheater.cli.sim_harness import run_scenario
from nanoheater.cli.sim_knowledge import (
    OUTDOOR_BIAS_K,
    OUTDOOR_WANDER_K,
    learned_ua_w_k,
    outdoor_reading,
)
from nanoheater.cli.sim_scenarios import SCENARIOS

START_S = 1_764_547_200.0


def test_outdoor_reading_is_off_by_a_bias_and_a_wander() -> None:
    """The outdoor source the controller reads is never the true air, and never far from it."""
    truth = Outdoor(0.0, 4.0).temp_c
    read = outdoor_reading(truth)
    errors = [read(START_S + k * 600.0) - truth(START_S + k * 600.0) for k in range(24 * 6 * 3)]
    assert min(errors) == pytest.approx(OUTDOOR_BIAS_K - OUTDOOR_WANDER_K, abs=0.05)
    assert max(errors) == pytest.approx(OUTDOOR_BIAS_K + OUTDOOR_WANDER_K, abs=0.05)


@pytest.mark.parametrize("name", ["cold-start", "steady-week"])
def test_learned_heat_loss_is_a_fit_not_the_truth(name: str) -> None:
    """A three-day learning log gives a Mini 3 room's heat loss within 15 %, but not exactly."""
    scenario = SCENARIOS[name]
    room = Room.preset(scenario.room, air_c=scenario.air_c)
    room.mass_c = scenario.mass_c
    true_ua = room.params.ua_w_per_k
    caps = capabilities(scenario.model)
    top_w = max(p.power_w for p in caps.profiles)
    ua = learned_ua_w_k(room, top_w, caps.standby_power_w, Outdoor(0.0, 4.0).temp_c, START_S)
    assert ua is not None
    assert ua == pytest.approx(true_ua, rel=0.15)
    assert abs(ua - true_ua) > 0.01


def test_cold_snap_warning_quotes_the_fitted_heat_loss() -> None:
    """The unreachable warning is computed from what the app fitted, not the room's true UA."""
    result = run_scenario("cold-snap", "staged", 1.0)
    true_ua = Room.preset(SCENARIOS["cold-snap"].room).params.ua_w_per_k
    warnings = result.report["warnings"]
    assert warnings
    assert "cannot be reached" in warnings[0]
    assert f"{true_ua:.1f} W/K" not in warnings[0]
