"""Property tests shared by the three controllers: caps, monotonicity, no chatter."""

from __future__ import annotations

import copy
from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from nanoheater.controller.bangbang import BangBang
from nanoheater.controller.decision import Controller, Observation
from nanoheater.controller.ladder import Caps, Ladder
from nanoheater.controller.pi import PI
from nanoheater.controller.staged import Staged
from tests.controller.ladders import MINI3, NANO3S

FACTORIES: dict[str, Callable[[Ladder], Controller]] = {
    "bang-bang": lambda lad: BangBang(lad),
    "staged": lambda lad: Staged(lad, ua_w_k=20.0),
    "pi": lambda lad: PI(lad, ua_w_k=20.0),
}

temps = st.floats(min_value=5.0, max_value=30.0, allow_nan=False)
ladders = st.sampled_from([MINI3, NANO3S])
names = st.sampled_from(sorted(FACTORIES))


@st.composite
def histories(draw: st.DrawFn) -> tuple[Ladder, list[tuple[float, float, float, int, Caps]]]:
    """A ladder and a sequence of (dt, room, outdoor, current, caps) observations."""
    ladder = draw(ladders)
    n = draw(st.integers(min_value=1, max_value=40))
    rows = []
    for _ in range(n):
        low = draw(st.integers(0, ladder.top))
        high = draw(st.integers(low, ladder.top))
        rows.append(
            (
                draw(st.floats(min_value=1.0, max_value=1800.0)),
                draw(temps),
                draw(st.floats(min_value=-20.0, max_value=15.0)),
                draw(st.integers(0, ladder.top)),
                Caps(low, high),
            )
        )
    return ladder, rows


@settings(max_examples=150, deadline=None)
@given(name=names, history=histories(), setpoint=st.floats(min_value=10.0, max_value=26.0))
def test_output_within_caps(name: str, history, setpoint: float) -> None:
    """Every decision lies inside the caps of its observation, whatever came before."""
    ladder, rows = history
    ctl = FACTORIES[name](ladder)
    now = 0.0
    for dt, room, outdoor, current, caps in rows:
        now += dt
        d = ctl.decide(Observation(now, room, setpoint, current, caps, outdoor))
        assert caps.low <= d.index <= caps.high
        assert d.reason


@settings(max_examples=150, deadline=None)
@given(
    name=names,
    history=histories(),
    s1=st.floats(min_value=10.0, max_value=26.0),
    delta=st.floats(min_value=0.0, max_value=8.0),
    room=temps,
)
def test_monotone_in_target(name: str, history, s1: float, delta: float, room: float) -> None:
    """From the same state, a higher set-point never asks for less heat."""
    ladder, rows = history
    ctl = FACTORIES[name](ladder)
    now = 0.0
    for dt, r, outdoor, current, caps in rows:
        now += dt
        ctl.decide(Observation(now, r, s1, current, caps, outdoor))
    _, _, outdoor, current, caps = rows[-1]
    low_ctl, high_ctl = copy.deepcopy(ctl), copy.deepcopy(ctl)
    now += 30.0
    lo = low_ctl.decide(Observation(now, room, s1, current, caps, outdoor))
    hi = high_ctl.decide(Observation(now, room, s1 + delta, current, caps, outdoor))
    assert lo.index <= hi.index


def _closed_loop_changes(ctl: Controller, ladder: Ladder, rooms: list[float]) -> int:
    """Feed ``rooms`` every 30 s with the decision applied; count changes after the first call."""
    current, changes, now = 0, 0, 0.0
    for k, room in enumerate(rooms):
        now += 30.0
        d = ctl.decide(Observation(now, room, 21.0, current, Caps.full(ladder), 0.0))
        if d.index != current:
            changes += k > 0
            current = d.index
    return changes


@settings(max_examples=100, deadline=None)
@given(
    noise=st.lists(st.floats(min_value=-0.25, max_value=0.25), min_size=20, max_size=200),
    ladder=ladders,
)
def test_bang_bang_no_chatter_inside_hysteresis(noise: list[float], ladder: Ladder) -> None:
    """A room wandering inside set-point +/- tolerance never switches bang-bang."""
    ctl = BangBang(ladder, min_cycle_s=0.0)
    assert _closed_loop_changes(ctl, ladder, [21.0 + x for x in noise]) == 0


@settings(max_examples=100, deadline=None)
@given(
    noise=st.lists(st.floats(min_value=-0.25, max_value=0.25), min_size=20, max_size=200),
    ladder=ladders,
)
def test_staged_no_chatter_inside_band(noise: list[float], ladder: Ladder) -> None:
    """Staged holds its rung while noise stays inside the band (slope projection included)."""
    ctl = Staged(ladder, ua_w_k=20.0, lookahead_s=0.0)
    assert _closed_loop_changes(ctl, ladder, [21.0 + x for x in noise]) == 0


@settings(max_examples=100, deadline=None)
@given(
    rooms=st.lists(st.floats(min_value=15.0, max_value=27.0), min_size=10, max_size=300),
    ladder=ladders,
)
def test_staged_dwell_limits_change_rate(rooms: list[float], ladder: Ladder) -> None:
    """After its start, without boost jumps, staged changes one rung at most once per dwell."""
    ctl = Staged(ladder, ua_w_k=20.0, dwell_s=600.0, boost_k=50.0)
    current, now, last_change = 0, 0.0, -1e9
    for k, room in enumerate(rooms):
        now += 30.0
        d = ctl.decide(Observation(now, room, 21.0, current, Caps.full(ladder), 0.0))
        if k == 0:
            current, last_change = d.index, now
        elif d.index != current:
            assert now - last_change >= 600.0
            assert abs(d.index - current) == 1
            last_change, current = now, d.index


@settings(max_examples=100, deadline=None)
@given(
    rooms=st.lists(st.floats(min_value=15.0, max_value=27.0), min_size=10, max_size=300),
    ladder=ladders,
)
def test_bang_bang_respects_min_cycle(rooms: list[float], ladder: Ladder) -> None:
    """Bang-bang never switches on/off again before min cycle duration has passed."""
    ctl = BangBang(ladder, min_cycle_s=300.0)
    current, now, last_change = 0, 0.0, None
    for room in rooms:
        now += 30.0
        d = ctl.decide(Observation(now, room, 21.0, current, Caps.full(ladder), 0.0))
        if d.index != current:
            if last_change is not None:
                assert now - last_change >= 300.0
            last_change, current = now, d.index


@settings(max_examples=100, deadline=None)
@given(
    rooms=st.lists(st.floats(min_value=15.0, max_value=27.0), min_size=10, max_size=300),
    ladder=ladders,
)
def test_pi_segments_not_shorter_than_minimum(rooms: list[float], ladder: Ladder) -> None:
    """PI never changes between heating rungs sooner than its minimum segment after a change."""
    ctl = PI(ladder, ua_w_k=20.0)
    current, now, last_change = ladder.top, 0.0, None
    for room in rooms:
        now += 30.0
        d = ctl.decide(Observation(now, room, 21.0, current, Caps.full(ladder), 0.0))
        if d.index != current:
            both_on = not ladder.steps[d.index].is_off and not ladder.steps[current].is_off
            if last_change is not None and both_on:
                assert now - last_change >= ctl.min_segment_s
            last_change, current = now, d.index
