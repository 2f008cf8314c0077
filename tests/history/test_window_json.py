"""A zone's window as JSON (the service's answer) and back, with every value checked."""

from __future__ import annotations

from typing import Any

import pytest

from nanoheater.history.records import Sample
from nanoheater.history.series import DeviceSeries, Mark, Window
from nanoheater.history.window_json import window_from_json, window_json

T0 = 1_764_568_800.0
"""2025-12-01 06:00 UTC: the window's start."""


def _series() -> DeviceSeries:
    samples = tuple(
        Sample("living", T0 + 60 * m, power_w=150.0, room_temp_c=20.0 + m / 100, resolution_s=60)
        for m in range(360)
    )
    marks = (Mark(T0 + 120, "fault", "offline: timed out"), Mark(T0 + 600, "mode", "Low → High"))
    quiet = ((T0, T0 + 3600), (T0 + 18_000, T0 + 25_200))
    steps = (Mark(T0 + 1800, "up", "21.0 °C"), Mark(T0 + 7200, "step", "level Low"))
    return DeviceSeries(
        "living", Window.H6, T0, T0 + 21_600, samples, ((T0, 19.0),), marks, quiet, steps
    )


def test_a_window_comes_back_as_it_was_sent() -> None:
    series = _series()
    assert series.quiet
    assert series.steps
    assert window_from_json(window_json(series)) == series
    assert window_from_json(window_json(series), name="other").device == "other"


def _with(**change: Any) -> dict[str, Any]:
    return window_json(_series()) | change


@pytest.mark.parametrize(
    "data",
    [
        [],
        _with(window="1y"),
        _with(since_s="0"),
        _with(until_s=-1.0),
        _with(until_s=1e300),  # time is input: past 2100 is no time
        _with(since_s=0.0),
        _with(points=[{"ts_s": 0.0, "power_w": float("nan")}]),
        _with(points=[{"ts_s": 0.0, "power_w": "150"}]),
        _with(points=[{"power_w": 1.0}]),
        _with(points=[{"ts_s": 0.0}] * 400),  # more than a 6 h window holds (361)
        _with(setpoints=[[0.0]]),
        _with(marks=[{"kind": "fault"}]),
        _with(marks=[{"ts_s": 1.0, "kind": "fault", "text": "x"}] * 201),
        _with(quiet=[[0.0]]),
        _with(quiet=[[10.0, 5.0]]),
        _with(quiet=[[0.0, float("inf")]]),
        _with(quiet=[[0.0, 1.0]] * 201),
        _with(steps=[{"kind": "up"}]),
        _with(steps={"ts_s": 1.0}),
    ],
)
def test_anything_not_as_written_is_refused(data: Any) -> None:
    """The answer comes over the network: wrong types, non-finite numbers, long lists."""
    with pytest.raises(ValueError, match=r"\w"):  # with a message to show
        window_from_json(data)


def test_long_texts_are_cut() -> None:
    data = _with(marks=[{"ts_s": 1.0, "kind": "other", "text": "x" * 10_000}], zone="z" * 500)
    series = window_from_json(data)
    assert len(series.device) == 200
    assert series.marks[0].kind == "mode"
    assert len(series.marks[0].text) == 200


def test_an_answer_without_quiet_hours_or_steps_has_none() -> None:
    """An older service's answer (no ``quiet``, no ``steps``) is read as having none."""
    data = window_json(_series())
    del data["quiet"], data["steps"]
    series = window_from_json(data)
    assert series.quiet == ()
    assert series.steps == ()
    unknown = window_from_json(_with(steps=[{"ts_s": 1.0, "kind": "\x1b[2J", "text": "x"}]))
    assert unknown.steps[0].kind == "step"
