"""Heat targets, weekly schedules, quiet hours and the economic limit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from nanoheater.controller.ladder import Caps
from nanoheater.controller.targets import (
    EconomicLimit,
    FixedLevel,
    RoomTemperature,
    parse_days,
    parse_schedule,
    plan_at,
)
from nanoheater.exceptions import UsageError
from tests.controller.ladders import MINI3, NANO3S

SCHEDULE = """
[[entry]]
days = "mon-fri"
at = "06:30"
target_c = 21

[[entry]]
days = "mon-fri"
at = "22:00"
target_c = 17

[[entry]]
days = "sat,sun"
at = "08:00"
mode = "Heating Eco"

[[quiet]]
days = "all"
from = "22:00"
to = "07:00"
max_db = 35
"""


def at(day: int, hour: int, minute: int = 0) -> datetime:
    # 2025-12-01 is a Monday.
    return datetime(2025, 12, 1 + day, hour, minute, tzinfo=UTC)


def test_fixed_level_resolves_mode_and_watts() -> None:
    """A mode name resolves case-insensitively; watts go to the nearest profile, never off."""
    assert FixedLevel(mode="night").resolve(MINI3) == 1
    assert FixedLevel(power_w=560).resolve(MINI3) == 2
    assert FixedLevel(power_w=50).resolve(MINI3) == 1
    assert FixedLevel(power_w=0).resolve(MINI3) == 0
    assert FixedLevel(power_w=120).resolve(NANO3S) == 1  # 100 and 140 tie -> less power


def test_unknown_mode_is_a_usage_error() -> None:
    """An unknown mode names the ones the model has."""
    with pytest.raises(UsageError, match="Night"):
        FixedLevel(mode="Turbo").resolve(MINI3)


def test_parse_days() -> None:
    """Day specs cover ranges, wraps, lists and all."""
    assert parse_days("mon-fri") == frozenset(range(5))
    assert parse_days("sat,sun") == frozenset({5, 6})
    assert parse_days("fri-mon") == frozenset({4, 5, 6, 0})
    assert parse_days("all") == frozenset(range(7))
    with pytest.raises(UsageError):
        parse_days("someday")


def test_schedule_picks_latest_entry_and_wraps_the_week() -> None:
    """The target is the latest entry at or before now; Monday 05:00 still runs Sunday's entry."""
    sched = parse_schedule(SCHEDULE)
    assert sched.target_at(at(0, 7)) == RoomTemperature(21.0)
    assert sched.target_at(at(2, 23)) == RoomTemperature(17.0)
    assert sched.target_at(at(5, 7)) == RoomTemperature(17.0)  # Friday 22:00 still holds
    assert sched.target_at(at(5, 9)) == FixedLevel(mode="Heating Eco")
    assert sched.target_at(at(0, 5)) == FixedLevel(mode="Heating Eco")


def test_quiet_hours_cap_noise_across_midnight() -> None:
    """A 22:00-07:00 window with 35 dB allows only Night on a Mini 3, including after midnight."""
    sched = parse_schedule(SCHEDULE)
    assert sched.caps_at(MINI3, at(1, 23)).high == 1
    assert sched.caps_at(MINI3, at(2, 6, 59)).high == 1
    assert sched.caps_at(MINI3, at(2, 7)).high == MINI3.top


def test_quiet_hours_by_mode() -> None:
    """A max_mode cap limits to that mode."""
    sched = parse_schedule('[[quiet]]\nfrom = "00:00"\nto = "23:59"\nmax_mode = "Heating Eco"\n')
    caps = sched.caps_at(MINI3, at(0, 12))
    assert caps.high == 2
    assert "Heating Eco" in caps.why_high


def test_economic_limit_caps_to_floor() -> None:
    """Above the net-cost limit the plan allows only the floor, with the numbers in the note."""
    sched = parse_schedule("", default=RoomTemperature(21.0))
    plan = plan_at(
        sched,
        MINI3,
        at(0, 18).timestamp(),
        UTC,
        economic=EconomicLimit(0.10),
        net_cost_per_kwh=0.25,
    )
    assert plan.caps.high == 0
    assert plan.setpoint_c == 21.0
    assert "0.250" in plan.notes[0]
    ok = plan_at(sched, MINI3, 0.0, UTC, economic=EconomicLimit(0.10), net_cost_per_kwh=0.05)
    assert ok.caps.high == MINI3.top


def test_plan_uses_local_time_zone() -> None:
    """The same instant falls in or out of quiet hours depending on the caller's zone."""
    sched = parse_schedule(SCHEDULE, default=RoomTemperature(20.0))
    instant = at(1, 21, 30).timestamp()
    assert plan_at(sched, MINI3, instant, UTC).caps.high == MINI3.top
    plus_one = timezone(timedelta(hours=1))
    assert plan_at(sched, MINI3, instant, plus_one).caps.high == 1


def test_fixed_plan_is_clamped_into_caps() -> None:
    """A fixed level above the cap is lowered to the cap."""
    sched = parse_schedule("", default=FixedLevel(mode="Mining"))
    plan = plan_at(sched, MINI3, 0.0, UTC, caps=Caps(0, 2, "user cap"))
    assert plan.fixed_index == 2


@pytest.mark.parametrize(
    "text",
    [
        '[[entry]]\nat = "25:00"\ntarget_c = 20\n',
        '[[entry]]\nat = "06:00"\n',
        '[[entry]]\nat = "06:00"\ntarget_c = 20\nmode = "Night"\n',
        '[[quiet]]\nfrom = "22:00"\nto = "06:00"\n',
        "[[entry\n",
    ],
)
def test_malformed_schedule_is_a_usage_error(text: str) -> None:
    """Malformed schedules are rejected with a UsageError."""
    with pytest.raises(UsageError):
        parse_schedule(text)
