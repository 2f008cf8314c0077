"""Table-driven behaviour of the staged and PI controllers."""

from __future__ import annotations

from nanoheater.controller.decision import Observation
from nanoheater.controller.ladder import Caps
from nanoheater.controller.pi import PI
from nanoheater.controller.staged import Staged
from tests.controller.ladders import MINI3


def obs(now: float, room: float, current: int, setpoint: float = 21.0) -> Observation:
    return Observation(now, room, setpoint, current, Caps.full(MINI3), 0.0)


def test_staged_boosts_when_far_below() -> None:
    """More than boost_k below the set-point goes straight to the top rung."""
    d = Staged(MINI3, ua_w_k=20.0).decide(obs(0.0, 16.0, 0))
    assert d.index == MINI3.top
    assert "full heat" in d.reason


def test_staged_starts_on_feed_forward() -> None:
    """Near the set-point the first decision is the rung nearest UA * (set - outdoor)."""
    d = Staged(MINI3, ua_w_k=20.0).decide(obs(0.0, 21.0, 4))
    assert MINI3.name(d.index) == "Night"  # 20 W/K * 21 K = 420 W -> Night 400 W
    assert "feed-forward" in d.reason


def test_staged_steps_one_rung_after_dwell() -> None:
    """Below the band it steps up one rung, then waits for the dwell before the next."""
    ctl = Staged(MINI3, dwell_s=600.0, lookahead_s=0.0)  # no model: no feed-forward start
    assert ctl.decide(obs(0.0, 20.5, 1)).index == 2
    assert ctl.decide(obs(30.0, 20.5, 2)).index == 2
    assert "dwell" in ctl.decide(obs(300.0, 20.5, 2)).reason
    assert ctl.decide(obs(640.0, 20.5, 2)).index == 3


def test_staged_drops_when_far_above() -> None:
    """More than boost_k above the set-point drops at once, without waiting for the dwell."""
    ctl = Staged(MINI3, ua_w_k=20.0)
    ctl.decide(obs(0.0, 21.0, 4))
    d = ctl.decide(obs(30.0, 21.0, 4, setpoint=17.0))
    assert d.index < 4


def test_pi_time_proportions_between_bracketing_rungs() -> None:
    """A demand between Night and Eco alternates only those two rungs within a period."""
    ctl = PI(MINI3, ua_w_k=22.0, kp_w_k=200.0, ti_s=3600.0, period_s=900.0)
    seen = set()
    current = 1
    for k in range(60):
        d = ctl.decide(obs(k * 30.0, 21.0, current))
        seen.add(d.index)
        current = d.index
    assert seen == {1, 2}  # 22 W/K * 21 K = 462 W: Night 400 W / Eco 500 W


def test_pi_anti_windup_after_saturation() -> None:
    """Hours saturated at full heat do not wind the integral up: demand follows at the set-point."""
    ctl = PI(MINI3, ua_w_k=20.0, boost_k=None)
    for k in range(600):
        ctl.decide(obs(k * 30.0, 15.0, 4))
    ctl.decide(obs(600 * 30.0, 21.0, 4))
    assert abs(ctl.demand_w - 420.0) < 5.0


def test_pi_boost_hands_back_without_a_bump() -> None:
    """Far below, PI runs flat out; leaving boost keeps the demand continuous, then it decays."""
    ctl = PI(MINI3, ua_w_k=20.0, boost_k=0.7)
    ctl.decide(obs(0.0, 18.0, 0))
    assert ctl.demand_w == 800.0
    ctl.decide(obs(30.0, 20.5, 4))
    assert ctl.demand_w == 800.0
    for k in range(2, 400):
        ctl.decide(obs(k * 30.0, 21.3, 4))
    assert ctl.demand_w < 500.0
