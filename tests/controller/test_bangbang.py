"""Bang-bang follows Home Assistant generic_thermostat semantics."""

from __future__ import annotations

import pytest

from nanoheater.controller.bangbang import BangBang
from nanoheater.controller.decision import Observation
from nanoheater.controller.ladder import Caps
from tests.controller.ladders import MINI3, NANO3S


def obs(now: float, room: float, current: int, caps: Caps | None = None) -> Observation:
    return Observation(now, room, 21.0, current, caps or Caps.full(MINI3), 0.0)


@pytest.mark.parametrize(
    ("room", "current", "expected"),
    [
        (20.7, 0, 4),  # target >= current + 0.3: on (boundary included)
        (20.75, 0, 0),  # inside the cold tolerance: stays off
        (21.3, 4, 0),  # current >= target + 0.3: off (boundary included)
        (21.25, 4, 4),  # inside the hot tolerance: stays on
    ],
)
def test_tolerance_boundaries(room: float, current: int, expected: int) -> None:
    """On at target - 0.3 K and off at target + 0.3 K, both inclusive, as in HA."""
    assert BangBang(MINI3).decide(obs(0.0, room, current)).index == expected


def test_min_cycle_holds_then_switches() -> None:
    """After switching on, a hot room keeps it on until min_cycle_duration has passed."""
    ctl = BangBang(MINI3, min_cycle_s=300.0)
    assert ctl.decide(obs(0.0, 20.0, 0)).index == 4
    held = ctl.decide(obs(30.0, 20.0, 4))  # sees the change at 30 s
    assert held.index == 4
    early = ctl.decide(obs(200.0, 22.0, 4))
    assert early.index == 4
    assert "min cycle" in early.reason
    assert ctl.decide(obs(331.0, 22.0, 4)).index == 0


def test_on_rung_respects_quiet_cap() -> None:
    """The on rung is the highest one the caps allow, not more."""
    ctl = BangBang(MINI3)
    assert ctl.decide(obs(0.0, 19.0, 0, Caps(0, 1, "quiet"))).index == 1


def test_nano3s_off_is_lowest_profile() -> None:
    """Without soft off, bang-bang switches between Low and the on rung."""
    ctl = BangBang(NANO3S)
    d = ctl.decide(Observation(0.0, 22.0, 21.0, 2, Caps.full(NANO3S), 0.0))
    assert d.index == 0
    assert NANO3S.name(d.index) == "Low"
