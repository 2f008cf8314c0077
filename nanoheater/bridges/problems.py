"""Provides a Home device's problems: unreachable, else what its reading shows (``diagnosis``).

The reading's problems (fault, overheat, fan stopped, not hashing) are ``nanoheater.diagnosis``'s,
the same reasons ``status`` prints and the TUI logs; this adds only what a reading cannot show:
that the device does not answer. The Home Assistant ``problem`` binary_sensor shows the first
reason, and the alerts open an episode per kind. Reasons never carry raw device text beyond the
Home's already-sanitised error line.
"""

from __future__ import annotations

from nanoheater.diagnosis import Problem, problems
from nanoheater.home.types import DeviceView

__all__ = ["Problem", "device_problems", "problem_reason"]


def device_problems(view: DeviceView) -> list[Problem]:
    """Every problem of ``view`` now, most serious first; empty when the device is healthy."""
    if not view.online:
        detail = f": {view.error}" if view.error else ""
        return [Problem("unreachable", f"unreachable{detail}", critical=True)]
    return [] if view.status is None else problems(view.status)


def problem_reason(view: DeviceView) -> str | None:
    """The reason of the most serious problem, or None when there is none."""
    found = device_problems(view)
    return found[0].reason if found else None
