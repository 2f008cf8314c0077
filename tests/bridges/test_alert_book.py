"""Alert episodes: one alert and one resolution each, hysteresis, quiet hours, severities."""

from __future__ import annotations

from datetime import datetime

from nanoheater.bridge_settings import AlertSettings
from nanoheater.bridges.alert_rules import RuleState, Severity
from nanoheater.bridges.alerts import Alert, AlertBook
from nanoheater.home.types import DeviceView, ZoneView
from nanoheater.models import HeaterState
from tests.bridges.alerting import at, device, zone

Step = tuple[float, list[DeviceView], list[ZoneView]]


def _run(steps: list[Step], settings: AlertSettings | None = None) -> list[list[Alert]]:
    """Feed (epoch, devices, zones) through rules and book; return the alerts per step."""
    settings = settings or AlertSettings()
    rules, book = RuleState(settings, max_room_c=26.0), AlertBook(settings)
    out: list[list[Alert]] = []
    for now, devices, zones in steps:
        local = datetime.fromtimestamp(now).astimezone()
        out.append(book.update(rules.evaluate(devices, zones, now), local))
    return out


def test_unreachable_alerts_once_after_the_delay_and_resolves_once() -> None:
    """Unreachable 5 min: nothing; 11 min: one critical alert; still down: nothing; back: one."""
    lost, back = device(online=False), device()
    steps: list[Step] = [(at(12, m), [lost], []) for m in (0, 5, 11, 12, 30)]
    steps.append((at(12, 31), [back], []))
    sent = _run(steps)
    assert [len(s) for s in sent] == [0, 0, 1, 0, 0, 1]
    assert sent[2][0].severity is Severity.CRITICAL
    assert "unreachable" in sent[2][0].body
    assert sent[5][0].resolved


def test_frost_hysteresis_makes_one_episode_of_a_hovering_room() -> None:
    """4.9, 5.2, 4.8, 5.3 C is one frost episode; only 5.6 C (limit + 0.5 K) resolves it."""
    rooms = [4.9, 5.2, 4.8, 5.3, 5.6, 5.4]
    sent = _run([(at(12, i), [device()], [zone(r)]) for i, r in enumerate(rooms)])
    frost = [[a for a in s if a.key.startswith("frost")] for s in sent]
    assert [len(s) for s in frost] == [1, 0, 0, 0, 1, 0]
    assert not frost[0][0].resolved
    assert frost[4][0].resolved


def test_quiet_hours_hold_back_warnings_but_not_critical_alerts() -> None:
    """At 23:00 a not-hashing warning waits until 07:00; a fan stop at 23:00 goes out at once."""
    settings = AlertSettings(not_hashing_after_min=1)
    idle = device(hashrate_ths=0.0)
    night: list[Step] = [(at(23, m), [idle], []) for m in (0, 2, 30)]
    morning: list[Step] = [(at(7, 1, day=6), [idle], [])]
    sent = _run(night + morning, settings)
    assert [len(s) for s in sent] == [0, 0, 0, 1]
    assert sent[3][0].severity is Severity.WARNING
    stopped = device(fan_rpm=0)
    sent = _run([(at(23, 0), [stopped], [])], settings)
    assert [a.severity for a in sent[0]] == [Severity.CRITICAL]


def test_equal_quiet_hours_in_config_toml_mean_none() -> None:
    """TOML has no null: docs/home-assistant.md says start = end turns the quiet hours off."""
    settings = AlertSettings.model_validate(
        {"not_hashing_after_min": 1, "quiet_start_hour": 0.0, "quiet_end_hour": 0.0}
    )
    idle = device(hashrate_ths=0.0)
    sent = _run([(at(23, m), [idle], []) for m in (0, 2)], settings)
    assert [len(s) for s in sent] == [0, 1]  # the warning goes out at once, at night


def test_an_episode_that_opens_and_ends_inside_quiet_hours_is_never_sent() -> None:
    """Warning at 01:00, gone at 03:00: nothing at 07:00 either."""
    settings = AlertSettings(not_hashing_after_min=1)
    steps: list[Step] = [
        (at(1, 0), [device(hashrate_ths=0.0)], []),
        (at(1, 5), [device(hashrate_ths=0.0)], []),
        (at(3, 0), [device()], []),
        (at(7, 5), [device()], []),
    ]
    assert [len(s) for s in _run(steps, settings)] == [0, 0, 0, 0]


def test_fault_overheat_and_fail_safe_carry_their_reason() -> None:
    """A fault, a hot chip and a fail-safe decision each open their own episode.

    A fault its reading explains (a hot chip) alerts as its cause, as ``status`` explains it.
    """
    hot = device(state=HeaterState.FAULT, chip_c=107.0)
    failsafe = zone(None, reason="fail-safe (sensor stale): Low")
    sent = _run([(at(12), [hot], [failsafe])])[0]
    kinds = {a.key.split(":")[0]: a for a in sent}
    assert set(kinds) == {"overheat", "fail_safe"}
    assert "107" in kinds["overheat"].body
    assert "sensor stale" in kinds["fail_safe"].body
    sent = _run([(at(12), [device(state=HeaterState.FAULT)], [])])[0]
    assert [a.key.split(":")[0] for a in sent] == ["fault"]
    assert "reports a fault" in sent[0].body


def test_setpoint_unreachable_after_hours_below_it() -> None:
    """A room 2 K under its set-point for 3 h raises a warning; 1 h does not."""
    cold = zone(19.0, setpoint_c=21.0)
    sent = _run(
        [(at(9), [device()], [cold]), (at(10), [device()], [cold]), (at(12, 1), [device()], [cold])]
    )
    found = [[a for a in s if a.key.startswith("setpoint_unreachable")] for s in sent]
    assert [len(s) for s in found] == [0, 0, 1]
