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
    ("text", "names"),
    [
        ('[[entry]]\nat = "25:00"\ntarget_c = 20\n', "entry 1: bad time '25:00'"),
        ('[[entry]]\nat = "06:00"\n', "entry 1: "),
        ('[[entry]]\nat = "06:00"\ntarget_c = 20\nmode = "Night"\n', "entry 1: "),
        ('[[quiet]]\nfrom = "22:00"\nto = "06:00"\n', "quiet 1: "),
        (
            '[[entry]]\nat = "06:00"\ntarget_c = 20\n'
            '[[entry]]\ndays = "funday"\nat = "07:00"\ntarget_c = 20\n',
            "entry 2: bad day 'funday'",
        ),
        ('[[quiet]]\nfrom = "22:00"\nto = "6pm"\nmax_db = 30\n', "quiet 1: bad time '6pm'"),
        ("[[entry\n", "schedule: "),
    ],
)
def test_malformed_schedule_is_a_usage_error(text: str, names: str) -> None:
    """Malformed schedules are refused in one line naming the entry (README, Schedules)."""
    with pytest.raises(UsageError) as caught:
        parse_schedule(text)
    assert str(caught.value).startswith(names), caught.value


def test_quiet_hours_spans_wrap_midnight_and_agree_with_active() -> None:
    """22:00-07:00 over two days: the spans, clipped to the range, are where it is active."""
    window = parse_schedule(SCHEDULE).quiet[0]
    since, until = at(0, 12).timestamp(), at(2, 12).timestamp()
    spans = window.spans(since, until, UTC)
    assert spans == [
        (at(0, 22).timestamp(), at(1, 7).timestamp()),
        (at(1, 22).timestamp(), at(2, 7).timestamp()),
    ]
    # The window that started on Sunday 22:00 is clipped to the range's start.
    assert window.spans(at(0, 3).timestamp(), at(0, 8).timestamp(), UTC) == [
        (at(0, 3).timestamp(), at(0, 7).timestamp())
    ]
    for minute in range(0, 48 * 60, 17):
        moment = at(0, 12) + timedelta(minutes=minute)
        inside = any(start <= moment.timestamp() < end for start, end in spans)
        assert inside == window.active(moment), moment


def test_quiet_hours_spans_follow_the_time_zone_and_the_days() -> None:
    """Local wall-clock times: 22:00 at UTC+1 is 21:00 UTC; a weekday window skips the weekend."""
    plus_one = timezone(timedelta(hours=1))
    window = parse_schedule(
        '[[quiet]]\ndays = "mon-fri"\nfrom = "22:00"\nto = "23:00"\nmax_db = 35\n'
    ).quiet[0]
    spans = window.spans(at(0, 0).timestamp(), at(7, 0).timestamp(), plus_one)
    assert [datetime.fromtimestamp(s, UTC).hour for s, _ in spans] == [21] * 5
    assert [datetime.fromtimestamp(s, UTC).weekday() for s, _ in spans] == [0, 1, 2, 3, 4]


def test_schedule_steps_are_the_changes_of_target() -> None:
    """Weekday 06:30 up to 21, 22:00 down to 17, weekend 08:00 a mode; no step without a change."""
    sched = parse_schedule(SCHEDULE)
    steps = sched.steps(at(4, 0).timestamp(), at(7, 12).timestamp(), UTC)  # Fri to next Mon noon
    assert [(datetime.fromtimestamp(t, UTC), b, a) for t, b, a in steps] == [
        (at(4, 6, 30), RoomTemperature(17.0), RoomTemperature(21.0)),
        (at(4, 22), RoomTemperature(21.0), RoomTemperature(17.0)),
        (at(5, 8), RoomTemperature(17.0), FixedLevel(mode="Heating Eco")),
        (at(7, 6, 30), FixedLevel(mode="Heating Eco"), RoomTemperature(21.0)),
    ]  # Sunday 08:00 sets the mode already in force: no step
    same = parse_schedule('[[entry]]\nat = "06:00"\ntarget_c = 20\n')
    assert same.steps(at(0, 0).timestamp(), at(3, 0).timestamp(), UTC) == []
