"""Text charts of history series: time columns, gaps, the set-point line, marks, local axis."""

from __future__ import annotations

from datetime import UTC, timedelta, timezone

from nanoheater.history import Mark
from nanoheater.history.plot import (
    FAULT_MARK,
    LINE,
    MODE_MARK,
    QUIET_MARK,
    STEP_MARKS,
    Plot,
    column_means,
    draw,
    time_axis,
    to_text,
)


def test_columns_are_time_and_gaps_stay_gaps() -> None:
    # Ten minutes in 10 columns; points only in minutes 0-2 and 7.
    points = [(0.0, 1.0), (30.0, 3.0), (60.0, 5.0), (120.0, 5.0), (420.0, 9.0)]
    columns = column_means(points, 0.0, 600.0, 10)
    assert columns == [2.0, 5.0, 5.0, None, None, None, None, 9.0, None, None]
    # An hourly mean covers every column of its hour.
    assert column_means([(0.0, 4.0)], 0.0, 7200.0, 4, bucket_s=3600) == [4.0, 4.0, None, None]


def test_setpoint_line_sits_at_its_value_and_follows_its_changes() -> None:
    room = [(float(t), 20.0) for t in range(0, 3600, 60)]
    plot = Plot(
        "Room",
        "°C",
        room,
        since_s=0.0,
        until_s=3600.0,
        bucket_s=60,
        decimals=1,
        line=[(0.0, 22.0), (1800.0, 18.0)],
    )
    rows = draw(plot, 40, 8, tz=UTC)
    plot_rows = rows[1:6]
    top = [i for i, (_, role) in enumerate(plot_rows[0]) if role == "line"]
    bottom = [i for i, (_, role) in enumerate(plot_rows[-1]) if role == "line"]
    assert top
    assert bottom
    assert max(top) < min(bottom)  # 22 °C first (top row), then 18 °C (bottom row)
    assert plot_rows[0][top[0]][0] == LINE
    assert "set-point 18.0 °C" in to_text(rows).splitlines()[0]


def test_marks_and_expected_value() -> None:
    plot = Plot(
        "Hashrate",
        "TH/s",
        [(float(t), 6.0) for t in range(0, 600)],
        since_s=0.0,
        until_s=600.0,
        decimals=2,
        from_zero=True,
        expected=6.6,
        marks=[Mark(150.0, "mode", "High → Low"), Mark(450.0, "fault", "offline")],
    )
    rows = draw(plot, 44, 7, tz=UTC)
    text = to_text(rows).splitlines()
    marks = rows[-2]
    assert [ch for ch, role in marks if role] == [MODE_MARK, FAULT_MARK]
    gutter = next(i for i, (_, role) in enumerate(rows[1]) if role in ("bar", "expected"))
    mode_at = next(i for i, (_, role) in enumerate(marks) if role == "mode") - gutter
    assert mode_at == 150 * (44 - gutter) // 600
    assert "expected 6.60" in text[0]
    assert text[1].split()[0] == "6.60"  # the scale reaches the expected value
    assert text[-3].split()[0] == "0.00"  # from zero


def test_quiet_hours_shaded_and_schedule_steps_marked_under_the_plot() -> None:
    """Quiet hours shade their columns of the marks row; a step or a fault wins a shared column."""
    plot = Plot(
        "Room",
        "°C",
        [(float(t), 20.0) for t in range(0, 1000, 10)],
        since_s=0.0,
        until_s=1000.0,
        bucket_s=10,
        decimals=1,
        spans=[(0.0, 200.0), (800.0, 1000.0)],
        marks=[
            Mark(100.0, "up", "21.0 °C"),
            Mark(500.0, "down", "17.0 °C"),
            Mark(850.0, "step", "mode Night"),
            Mark(900.0, "fault", "offline"),
        ],
    )
    rows = draw(plot, 50, 8, tz=UTC)
    gutter = next(i for i, (_, role) in enumerate(rows[-3]) if role == "bar")
    columns = rows[-2][gutter:]
    per_column = 1000.0 / len(columns)

    def column(ts_s: float) -> int:
        return int(ts_s // per_column)

    up, down, step, fault = column(100.0), column(500.0), column(850.0), column(900.0)
    quiet = [*range(0, column(200.0 - 1e-6) + 1), *range(column(800.0), len(columns))]
    assert [i for i, (ch, _) in enumerate(columns) if ch == QUIET_MARK] == [
        i for i in quiet if i not in (up, step, fault)
    ]
    assert columns[up][0] == STEP_MARKS["up"]
    assert columns[down][0] == STEP_MARKS["down"]
    assert columns[step][0] == STEP_MARKS["step"]
    assert columns[fault] == (FAULT_MARK, "fault")
    assert {ch for i, (ch, _) in enumerate(columns) if i not in (*quiet, down)} == {" "}


def test_time_axis_is_local_time() -> None:
    plus_two = timezone(timedelta(hours=2))
    axis = time_axis(0.0, 86_400.0, 80, tz=plus_two)
    assert axis.split()[0] == "03:00"  # 01:00 UTC would be first at UTC
    assert time_axis(0.0, 86_400.0, 80, tz=UTC).split()[0] == "00:00"
    week = time_axis(0.0, 7 * 86_400.0, 80, tz=UTC).split()
    assert week[:2] == ["Thu", "01"]  # 1970-01-01 was a Thursday


def test_empty_window_says_so() -> None:
    rows = draw(Plot("Power", "W", [], since_s=0.0, until_s=900.0), 40, 6, tz=UTC)
    assert "no readings in this window" in to_text(rows)
    assert len(rows) == 6
    assert all(len(row) == 40 for row in rows)


def test_day_bars_keep_the_gap_between_days() -> None:
    """Bars covering 80 % of each day: every day's gap shows, even when under two columns wide.

    A column belongs to a bar only if the bar covers the column's middle; 7 days in 50 columns
    leave a 1.4-column gap, which a column merely touched by the bar would fill. A month in 50
    columns (bars of 1.3 columns) stays one area: its gaps would fall on arbitrary columns.
    """
    day = 86_400
    cover = day * 4 // 5
    points = [(float(d * day), 1.0) for d in range(7)]
    for width in (27, 43, 50, 57):
        columns = column_means(points, 0.0, 7.0 * day, width, bucket_s=cover, bars=True)
        runs = "".join("█" if v is not None else " " for v in columns).split()
        assert len(runs) == 7 if width >= 43 else len(runs) >= 5, (width, runs)
        assert sum(v is not None for v in columns) >= width * 0.8 - 7, (width, columns)
    month = [(float(d * day), 1.0) for d in range(30)]
    assert column_means(month, 0.0, 30.0 * day, 50, bucket_s=cover, bars=True) == column_means(
        month, 0.0, 30.0 * day, 50, bucket_s=cover
    )
