"""Provides a zone's chart window as JSON and back: what the service answers, what clients draw.

``nanoheater serve`` answers ``GET /zones/{ref}/window`` with ``window_json`` of
``HistoryStore.zone_window``; the attached TUI turns the answer back into a ``DeviceSeries``
with ``window_from_json`` and draws it with ``charts.zone_plots``, as ``history --zone --plot``
does from the file. The answer comes over the network, so reading it checks every value and
bounds every list (a window holds at most ``span / bucket + 1`` points). ``quiet`` (quiet-hour
spans) and ``steps`` (the schedule's changes) are drawn under the room chart.

Example:
    >>> from nanoheater.history.series import Window, DeviceSeries
    >>> from nanoheater.history.records import Sample
    >>> t = 1_764_568_800.0
    >>> series = DeviceSeries("living", Window.H6, t, t + 21600.0,
    ...     (Sample("living", t, power_w=150.0, room_temp_c=20.5, resolution_s=60),), (), ())
    >>> window_from_json(window_json(series)) == series
    True
"""

from __future__ import annotations

import math
from typing import Any

from nanoheater.const import DEVICE_CLOCK_RANGE_S
from nanoheater.history.plot import STEP_MARKS
from nanoheater.history.records import Sample
from nanoheater.history.series import MAX_MARKS, DeviceSeries, Mark, Window

_MAX_TEXT = 200


def window_json(series: DeviceSeries) -> dict[str, Any]:
    """The window's points (power, room), set-point changes and marks as one JSON object."""
    return {
        "zone": series.device,
        "window": series.window.value,
        "since_s": series.since_s,
        "until_s": series.until_s,
        "bucket_s": series.window.bucket_s,
        "points": [
            {"ts_s": s.ts_s, "power_w": s.power_w, "room_c": s.room_temp_c} for s in series.samples
        ],
        "setpoints": [[ts, value] for ts, value in series.setpoints],
        "marks": [{"ts_s": m.ts_s, "kind": m.kind, "text": m.text} for m in series.marks],
        "quiet": [[start, end] for start, end in series.quiet],
        "steps": [{"ts_s": m.ts_s, "kind": m.kind, "text": m.text} for m in series.steps],
    }


def window_from_json(data: Any, name: str | None = None) -> DeviceSeries:
    """The series ``window_json`` wrote; ValueError when anything in ``data`` is not as written.

    ``name`` is the series' name (the zone's), else ``data["zone"]`` or an empty one.
    """
    if not isinstance(data, dict):
        raise ValueError("a zone window is a JSON object")
    try:
        window = Window(str(data.get("window")))
    except ValueError:
        raise ValueError("unknown window") from None
    since, until = _number(data.get("since_s")), _number(data.get("until_s"))
    if since is None or until is None or until < since:
        raise ValueError("a zone window needs since_s <= until_s")
    low, high = DEVICE_CLOCK_RANGE_S
    if since < low or until > high:  # time is input: 1e300 would overflow the axis' clock
        raise ValueError("a zone window's times are between 2000 and 2100")
    zone = name if name is not None else str(data.get("zone", ""))[:_MAX_TEXT]
    points = _list(data.get("points"), window.span_s // window.bucket_s + 2, "points")
    samples = []
    for point in points:
        if not isinstance(point, dict) or (ts := _number(point.get("ts_s"))) is None:
            raise ValueError("a point needs ts_s")
        samples.append(
            Sample(
                zone,
                ts,
                power_w=_number(point.get("power_w")),
                room_temp_c=_number(point.get("room_c")),
                resolution_s=window.bucket_s,
            )
        )
    setpoints = []
    for pair in _list(data.get("setpoints"), MAX_MARKS + 1, "setpoints"):
        if not isinstance(pair, list) or len(pair) != 2 or (ts := _number(pair[0])) is None:
            raise ValueError("a set-point change is [ts_s, value or null]")
        setpoints.append((ts, _number(pair[1])))
    marks = []
    for mark in _list(data.get("marks"), MAX_MARKS, "marks"):
        if not isinstance(mark, dict) or (ts := _number(mark.get("ts_s"))) is None:
            raise ValueError("a mark needs ts_s")
        kind = "fault" if mark.get("kind") == "fault" else "mode"
        marks.append(Mark(ts, kind, str(mark.get("text", ""))[:_MAX_TEXT]))
    # Absent from an older service's answer: no quiet hours, no steps.
    quiet = []
    for pair in _list(data.get("quiet", []), MAX_MARKS, "quiet"):
        if not isinstance(pair, list) or len(pair) != 2:
            raise ValueError("a quiet span is [start_s, end_s]")
        start, end = _number(pair[0]), _number(pair[1])
        if start is None or end is None or end < start:
            raise ValueError("a quiet span is [start_s, end_s] with start_s <= end_s")
        quiet.append((start, end))
    steps = []
    for step in _list(data.get("steps", []), MAX_MARKS, "steps"):
        if not isinstance(step, dict) or (ts := _number(step.get("ts_s"))) is None:
            raise ValueError("a step needs ts_s")
        named = step.get("kind")
        step_kind = named if isinstance(named, str) and named in STEP_MARKS else "step"
        steps.append(Mark(ts, step_kind, str(step.get("text", ""))[:_MAX_TEXT]))
    return DeviceSeries(
        zone,
        window,
        since,
        until,
        tuple(samples),
        tuple(setpoints),
        tuple(marks),
        tuple(quiet),
        tuple(steps),
    )


def _number(value: Any) -> float | None:
    """A finite number, or None for null; ValueError for anything else."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError("a zone window's values are finite numbers or null")
    return float(value)


def _list(value: Any, most: int, what: str) -> list[Any]:
    if not isinstance(value, list) or len(value) > most:
        raise ValueError(f"{what}: a list of at most {most}")
    return value
