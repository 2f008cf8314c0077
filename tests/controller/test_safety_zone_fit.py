"""Safety interlocks, zone allocation and the room-model fit."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nanoheater.controller.decision import Decision
from nanoheater.controller.ladder import Caps
from nanoheater.controller.roomfit import RoomSample, fit_room, reachability
from nanoheater.controller.safety import SafetyInput, SafetyLimits, guard
from nanoheater.controller.zone import ZoneDevice, build_zone
from nanoheater.exceptions import UsageError
from tests.controller.ladders import MINI3, NANO3S

LIMITS = SafetyLimits(max_room_c=26.0, max_chip_c=95.0)


def test_sensor_loss_runs_fail_safe() -> None:
    """Without a room reading the fail-safe rung runs, lowest heating step by default."""
    d = guard(Decision(4, "x"), MINI3, Caps.full(MINI3), SafetyInput(None, 4), LIMITS)
    assert d.index == 1
    assert "fail-safe" in d.reason
    off = SafetyLimits(fail_safe="off")
    assert guard(Decision(4, "x"), MINI3, Caps.full(MINI3), SafetyInput(None, 4), off).index == 0


def test_hard_max_room_forces_floor_and_warns_without_off() -> None:
    """Above the hard maximum the floor runs; on a Nano 3S the user is told it still heats."""
    d = guard(Decision(4, "x"), MINI3, Caps.full(MINI3), SafetyInput(26.5, 4, None, 21.0), LIMITS)
    assert d.index == 0
    n = guard(Decision(2, "x"), NANO3S, Caps.full(NANO3S), SafetyInput(26.5, 2, None, 21.0), LIMITS)
    assert n.index == 0
    assert any("cannot switch off" in w for w in n.warnings)


def test_chip_overtemperature_steps_down() -> None:
    """A hot chip forces one rung below what runs now, even if the controller asked for more."""
    d = guard(Decision(4, "x"), MINI3, Caps.full(MINI3), SafetyInput(20.0, 3, 97.0), LIMITS)
    assert d.index == 2
    assert "chip" in d.reason


@settings(max_examples=200, deadline=None)
@given(
    index=st.integers(0, 4),
    current=st.integers(0, 4),
    low=st.integers(0, 4),
    span=st.integers(0, 4),
    room=st.one_of(st.none(), st.floats(min_value=-10, max_value=40)),
    chip=st.one_of(st.none(), st.floats(min_value=20, max_value=120)),
)
def test_guard_never_exceeds_caps(index, current, low, span, room, chip) -> None:
    """Whatever the inputs, the guarded rung stays within the caps."""
    caps = Caps(low, min(4, low + span))
    d = guard(Decision(index, "x"), MINI3, caps, SafetyInput(room, current, chip, 21.0), LIMITS)
    assert caps.low <= d.index <= caps.high


def test_zone_serves_most_efficient_first_within_budget() -> None:
    """The Mini 3 (about 20.5 J/TH) fills up before the Nano 3S stages in; budget cuts the top."""
    zone = build_zone(
        [ZoneDevice("nano", NANO3S), ZoneDevice("mini", MINI3)],
        budget_w=900.0,
    )
    assert [d.label for d in zone.devices] == ["mini", "nano"]
    assert zone.allocation(0) == {"mini": 0, "nano": 0}  # Nano 3S cannot be off
    powers = [s.power_w for s in zone.ladder.steps]
    assert powers == sorted(powers)
    assert max(powers) <= 900.0
    assert zone.allocation(zone.ladder.top) == {"mini": 4, "nano": 1}  # 800 + 100 W


def test_zone_budget_below_floor_is_rejected() -> None:
    """A budget below what devices without off must draw is a usage error."""
    with pytest.raises(UsageError, match="minimum draw"):
        build_zone([ZoneDevice("nano", NANO3S)], budget_w=50.0)


def _first_order_log(ua: float, cap: float, hours: float) -> list[RoomSample]:
    """Exact 1R1C response to a power pattern (on 3 h, off 3 h) at 60 s samples."""
    t, room, out = 0.0, 16.0, 0.0
    rows = []
    while t <= hours * 3600:
        power = 600.0 if int(t // 10800) % 2 == 0 else 0.0
        rows.append(RoomSample(t, room, out, power))
        ss = out + power / ua
        room = ss + (room - ss) * math.exp(-60.0 * ua / cap)
        t += 60.0
    return rows


def test_fit_recovers_first_order_room() -> None:
    """The integrated least-squares fit recovers UA and C of a first-order room within 2 %."""
    fit = fit_room(_first_order_log(20.0, 2.0e6, 48.0))
    assert fit.ua_w_k == pytest.approx(20.0, rel=0.02)
    assert fit.capacity_j_k == pytest.approx(2.0e6, rel=0.02)
    assert fit.tau_s == pytest.approx(1.0e5, rel=0.03)


def test_fit_rejects_flat_data() -> None:
    """A log where nothing moves cannot separate heat loss from capacity."""
    rows = [RoomSample(t * 60.0, 20.0, 20.0, 0.0) for t in range(2000)]
    with pytest.raises(UsageError):
        fit_room(rows)


def test_reachability_message_has_the_numbers() -> None:
    """A Nano 3S at -10 C in a 20 W/K room cannot hold 21 C; the message says why."""
    r = reachability(21.0, -10.0, 140.0, 20.0)
    assert not r.reachable
    assert r.max_room_c == pytest.approx(-3.0)
    assert "cannot be reached" in r.message()
    assert "620 W" in r.message()
    assert reachability(21.0, 0.0, 800.0, 20.0).reachable


@settings(max_examples=100, deadline=None)
@given(
    members=st.lists(st.sampled_from([MINI3, NANO3S]), min_size=1, max_size=4),
    budget=st.one_of(st.none(), st.floats(min_value=300.0, max_value=4000.0)),
)
def test_zone_ladder_is_monotone_and_within_budget(members, budget) -> None:
    """Zone ladders rise in power, stay within budget, and only ever stage devices up."""
    devices = [ZoneDevice(f"d{i}", lad) for i, lad in enumerate(members)]
    try:
        zone = build_zone(devices, budget)
    except UsageError:
        floor = sum(d.ladder.power_w(0) for d in devices)
        assert budget is not None
        assert floor > budget
        return
    powers = [s.power_w for s in zone.ladder.steps]
    assert powers == sorted(powers)
    if budget is not None:
        assert powers[-1] <= budget
    for a, b in zip(zone.allocations, zone.allocations[1:], strict=False):
        assert all(x <= y for x, y in zip(a, b, strict=True))
