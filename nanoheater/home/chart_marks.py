"""Provides room_marks (quiet_spans, schedule_steps): what is drawn under a room chart.

The device screen (embedded TUI) and a zone's window (``nanoheater serve``, drawn by the attached
TUI) shade the same quiet hours and mark the same steps: the config's quiet hours unless the
target turned them off, the schedule's own quiet windows, and each change of the schedule's
target (``up``/``down`` for a room set-point raised or lowered, ``step`` for another target).
"""

from __future__ import annotations

from datetime import tzinfo

from nanoheater.config import QuietHoursSettings
from nanoheater.controller.configure import quiet_window
from nanoheater.controller.targets import RoomTemperature, Schedule
from nanoheater.history.series import Mark

Span = tuple[float, float]


def room_marks(
    schedule: Schedule | None,
    quiet_hours: bool,
    config_quiet: QuietHoursSettings | None,
    since_s: float,
    until_s: float,
    tz: tzinfo,
) -> tuple[list[Span], list[Mark]]:
    """Quiet-hour spans and schedule steps between ``since_s`` and ``until_s``, oldest first.

    ``schedule`` is what the device or zone follows (None: no target); ``quiet_hours`` whether
    its target applies the config's quiet hours (``config_quiet``, when configured).
    """
    quiet = quiet_spans(schedule, quiet_hours, config_quiet, since_s, until_s, tz)
    return quiet, schedule_steps(schedule, since_s, until_s, tz)


def quiet_spans(
    schedule: Schedule | None,
    quiet_hours: bool,
    config_quiet: QuietHoursSettings | None,
    since_s: float,
    until_s: float,
    tz: tzinfo,
) -> list[Span]:
    """The quiet-hour spans of ``room_marks`` alone: the schedule's and the config's."""
    windows = list(schedule.quiet if schedule is not None else ())
    if config_quiet is not None and quiet_hours:
        windows.append(quiet_window(config_quiet))
    return sorted(span for window in windows for span in window.spans(since_s, until_s, tz))


def schedule_steps(
    schedule: Schedule | None, since_s: float, until_s: float, tz: tzinfo
) -> list[Mark]:
    """The schedule steps of ``room_marks`` alone (``up``/``down`` for a set-point change)."""
    steps = []
    if schedule is not None:
        for at, before, after in schedule.steps(since_s, until_s, tz):
            kind = "step"
            if isinstance(before, RoomTemperature) and isinstance(after, RoomTemperature):
                kind = "up" if after.setpoint_c > before.setpoint_c else "down"
            steps.append(Mark(at, kind, after.describe()))
    return steps
